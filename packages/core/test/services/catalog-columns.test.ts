import { describe, expect, it } from 'vitest';
import { fromColumns, toColumns } from '../../src/cache/catalog-columns.js';
import type { FunctionInfo } from '../../src/types.js';

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:';

/** A catalog as real accounts have them: mostly alike, with every kind of difference. */
function mixedCatalog(): FunctionInfo[] {
  const functions: FunctionInfo[] = [];
  for (let i = 0; i < 400; i++) {
    const name = `svc-${String(i).padStart(4, '0')}`;
    functions.push({
      name,
      arn: `${ARN}${name}`,
      runtime: i % 3 === 0 ? 'python3.12' : 'nodejs20.x',
      description: `function ${i}`,
      handler: 'index.handler',
      timeoutSeconds: 3 + (i % 7),
      memorySizeMb: 128,
      lastModified: `2025-09-${String(1 + (i % 28)).padStart(2, '0')}T18:32:33.857+0000`,
      version: '$LATEST',
      packageType: 'Zip',
      architectures: ['x86_64'],
      logGroup: i === 7 ? '/custom/logs' : `/aws/lambda/${name}`,
      logFormat: 'Text',
      tags: i % 2 ? { team: 'a', MCPEnabled: 'true' } : { MCPEnabled: 'true' },
      ...(i % 50 === 0 ? { inputSchemaArn: `arn:aws:schemas:us-east-1:123456789012:schema/r/s${i}` } : {}),
    });
  }
  // Another key order, a qualifier, a container image without runtime or handler, a cross-account ARN.
  functions.push({ arn: `${ARN}zeta`, name: 'zeta', timeoutSeconds: 1, memorySizeMb: 256, tags: {} });
  functions.push({ ...(functions[3] as FunctionInfo), qualifier: 'live' });
  functions.push({
    name: 'img',
    arn: `${ARN}img`,
    packageType: 'Image',
    timeoutSeconds: 900,
    memorySizeMb: 10240,
    tags: {},
  });
  functions.push({
    name: 'other',
    arn: 'arn:aws:lambda:eu-west-1:210987654321:function:other',
    timeoutSeconds: 3,
    memorySizeMb: 128,
    // As JSON.parse makes them: `__proto__` an own key, not the prototype (a literal would set it).
    tags: JSON.parse('{"aws:cloudformation:stack-name":"x","constructor":"c","__proto__":"p"}'),
    reservedConcurrency: 0,
  });
  return functions;
}

describe('catalog columns (disk cache format 2)', () => {
  it('gives back every function with exactly its keys, values and key order', () => {
    const functions = mixedCatalog();
    const back = fromColumns(JSON.parse(JSON.stringify(toColumns(functions))));
    expect(back).toEqual(functions);
    // Key order too: the fingerprints and every JSON answer built from them stay the same.
    expect(JSON.stringify(back)).toBe(JSON.stringify(functions));
  });

  it('stores an account of alike functions in a fraction of the space', () => {
    const functions = mixedCatalog();
    const columns = toColumns(functions);
    expect(JSON.stringify(columns).length).toBeLessThan(JSON.stringify(functions).length / 2);
    const byField = Object.fromEntries(columns.fields.map((f, i) => [f, columns.columns[i]]));
    expect(byField.description).toEqual({ v: expect.any(Array) });
    expect(byField.memorySizeMb).toMatchObject({ d: [128, 256, 10240] });
    expect(byField.handler).toEqual({ c: 'index.handler' });
    expect(byField.runtime).toMatchObject({ d: ['python3.12', 'nodejs20.x'] });
    // One ARN of another account: the ARN column is stored as it is; the log groups (one custom) too.
    expect(byField.arn).toHaveProperty('v');
    const sameAccount = toColumns(functions.filter((f) => f.name !== 'other'));
    expect(sameAccount.columns[sameAccount.fields.indexOf('arn')]).toEqual({ p: ARN, s: '' });
  });

  it('gives every function its own copy of a shared value', () => {
    const back = fromColumns(JSON.parse(JSON.stringify(toColumns(mixedCatalog())))) as FunctionInfo[];
    const first = back[0] as FunctionInfo;
    (first.architectures as string[]).push('arm64');
    first.tags.changed = 'yes';
    expect(back[1]?.architectures).toEqual(['x86_64']);
    expect(back[2]?.tags).toEqual({ MCPEnabled: 'true' });
    expect(Object.getPrototypeOf(back.at(-1)?.tags)).toBe(Object.prototype);
  });

  it('copies a shared value with a `__proto__` key as an own key, not as the prototype', () => {
    const tags = () => JSON.parse('{"__proto__":{"polluted":true},"team":"a"}');
    const functions = ['a', 'b'].map((name) => ({
      name,
      arn: `${ARN}${name}`,
      timeoutSeconds: 3,
      memorySizeMb: 128,
      tags: tags(),
    }));
    const columns = toColumns(functions);
    expect(columns.columns[columns.fields.indexOf('tags')]).toHaveProperty('c');
    const back = fromColumns(JSON.parse(JSON.stringify(columns))) as FunctionInfo[];
    expect(JSON.stringify(back)).toBe(JSON.stringify(functions));
    for (const fn of back) {
      expect(Object.getPrototypeOf(fn.tags)).toBe(Object.prototype);
      expect(Object.hasOwn(fn.tags, '__proto__')).toBe(true);
      expect((fn.tags as Record<string, unknown>).polluted).toBeUndefined();
    }
  });

  it('round-trips an empty list and a single function', () => {
    expect(fromColumns(JSON.parse(JSON.stringify(toColumns([]))))).toEqual([]);
    const one = [{ name: 'a', arn: `${ARN}a`, timeoutSeconds: 3, memorySizeMb: 128, tags: {} }];
    expect(fromColumns(JSON.parse(JSON.stringify(toColumns(one))))).toEqual(one);
  });

  const good = () => JSON.parse(JSON.stringify(toColumns(mixedCatalog()))) as Record<string, unknown>;
  const columnWith = (c: Record<string, unknown>, kind: string) =>
    (c.columns as Array<Record<string, unknown[]>>).find((x) => kind in x) as Record<string, unknown[]>;
  const broken: Array<[string, (c: Record<string, unknown>) => void]> = [
    [
      'a count that does not match the columns',
      (c) => {
        c.count = (c.count as number) + 1;
      },
    ],
    [
      'a negative count',
      (c) => {
        c.count = -1;
      },
    ],
    ['a shape with an unknown field', (c) => (c.shapes as number[][])[0]?.push(999)],
    ['a shape naming a field twice', (c) => (c.shapes as number[][])[0]?.push(0)],
    [
      'a function with an unknown shape',
      (c) => {
        (c.shapeOf as number[])[5] = 99;
      },
    ],
    [
      'a dictionary index out of range',
      (c) => {
        (columnWith(c, 'd').i as number[])[0] = 1e6;
      },
    ],
    [
      'an unknown column kind',
      (c) => {
        (c.columns as unknown[])[0] = { z: 1 };
      },
    ],
    ['a column of another length', (c) => columnWith(c, 'v').v?.pop()],
    [
      'a field named __proto__',
      (c) => {
        (c.fields as string[])[0] = '__proto__';
      },
    ],
    [
      'a field named twice',
      (c) => {
        (c.fields as string[])[1] = (c.fields as string[])[0] as string;
      },
    ],
    [
      'functions without names',
      (c) => {
        (c.columns as unknown[])[(c.fields as string[]).indexOf('name')] = { c: 42 };
      },
    ],
    ['fewer columns than fields', (c) => (c.columns as unknown[]).pop()],
    [
      'not an object',
      (c) => {
        for (const k of Object.keys(c)) delete c[k];
      },
    ],
  ];
  it.each(broken)('refuses %s', (_what, damage) => {
    const columns = good();
    damage(columns);
    expect(fromColumns(columns)).toBeUndefined();
  });
});
