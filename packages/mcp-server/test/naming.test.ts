import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  assignToolNames,
  baseToolName,
  isValidToolName,
  MAX_TOOL_NAME_LENGTH,
  toolNamesInOrder,
  toolNamesWithOrder,
} from '../src/naming.js';

/** A catalog built to exercise every naming rule (clashes, qualifiers, prefixes, reserved and long names), from a seed. */
function mixedCatalog(seed: number, count: number, listedByName: boolean) {
  let s = seed;
  const random = () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
  const stems = [
    'orders',
    'my-fn',
    'my_fn',
    'my.fn',
    'list_functions',
    'svc-prod-',
    '9lives',
    'a'.repeat(70),
    'Report',
    'x',
  ];
  const fns: Array<{ name: string; qualifier?: string }> = [];
  const seen = new Set<string>();
  while (fns.length < count) {
    const stem = stems[Math.floor(random() * stems.length)] as string;
    const n = Math.floor(random() * 40);
    const sep = ['', '-', '_', '.'][Math.floor(random() * 4)] as string;
    const name = `${stem}${random() < 0.2 ? '' : `${sep}${n}`}`;
    const qualifier =
      random() < 0.1 ? ['live', 'v1', '$LATEST', 'blue-green'][Math.floor(random() * 4)] : undefined;
    const key = qualifier ? `${name}:${qualifier}` : name;
    if (seen.has(key)) continue;
    seen.add(key);
    fns.push(qualifier ? { name, qualifier } : { name });
  }
  if (listedByName) fns.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return fns;
}

describe('baseToolName (the official Python server rule)', () => {
  it('strips the configured prefix and maps other characters to _', () => {
    expect(baseToolName({ name: 'mcp2lambda-test-function' }, ['mcp2lambda-'])).toBe('test_function');
    expect(baseToolName({ name: 'function-with-hyphens' })).toBe('function_with_hyphens');
    expect(baseToolName({ name: 'a.b$c' })).toBe('a_b_c');
  });

  it('puts _ before a leading digit', () => {
    expect(baseToolName({ name: '1st-function' })).toBe('_1st_function');
    expect(baseToolName({ name: 'prod-9lives' }, ['prod-'])).toBe('_9lives');
  });

  it('strips the longest matching prefix, and never the whole name', () => {
    expect(baseToolName({ name: 'team-a-orders' }, ['team-', 'team-a-'])).toBe('orders');
    expect(baseToolName({ name: 'team-' }, ['team-'])).toBe('team_');
  });

  it('appends a qualifier with _', () => {
    expect(baseToolName({ name: 'orders', qualifier: 'prod' })).toBe('orders_prod');
    expect(baseToolName({ name: 'orders', qualifier: '12' })).toBe('orders_12');
  });
});

describe('assignToolNames', () => {
  it('gives every function a valid, unique name', () => {
    const fns = [
      { name: 'my-fn' },
      { name: 'my_fn' },
      { name: 'x'.repeat(140) },
      { name: '9fn' },
      { name: 'orders', qualifier: 'prod' },
      { name: 'orders_prod' },
    ];
    const names = assignToolNames(fns);
    const values = [...names.values()];
    expect(new Set(values).size).toBe(fns.length);
    for (const v of values) expect(isValidToolName(v)).toBe(true);
    for (const v of values) expect(v.length).toBeLessThanOrEqual(MAX_TOOL_NAME_LENGTH);
  });

  it('resolves a collision deterministically: the unmapped name keeps the plain name, whatever the order', () => {
    const a = assignToolNames([{ name: 'my-fn' }, { name: 'my_fn' }]);
    const b = assignToolNames([{ name: 'my_fn' }, { name: 'my-fn' }]);
    expect(a).toEqual(b);
    expect(a.get('my_fn')).toBe('my_fn');
    expect(a.get('my-fn')).toMatch(/^my_fn_[0-9a-f]{6}$/);
  });

  it('gives the same unique names whatever the order, with many collisions and reserved names', () => {
    // Names built to collide after mapping, cutting and prefix stripping, with qualifiers.
    const fns: Array<{ name: string; qualifier?: string }> = [];
    for (let i = 0; i < 300; i++) {
      const stem = ['my-fn', 'my_fn', 'my.fn', 'list_functions', `${'a'.repeat(70)}`, '9lives'][i % 6];
      fns.push({ name: `${stem}${i % 5 === 0 ? '' : `-${i % 7}`}` });
      if (i % 11 === 0) fns.push({ name: `${stem}`, qualifier: `v${i % 3}` });
    }
    const unique = [
      ...new Map(fns.map((f) => [f.qualifier ? `${f.name}:${f.qualifier}` : f.name, f])).values(),
    ];
    const options = { reserved: ['list_functions', 'invoke_function'] };
    const names = assignToolNames(unique, options);
    expect(names.size).toBe(unique.length);
    expect(new Set(names.values()).size).toBe(unique.length);
    for (const v of names.values()) expect(isValidToolName(v)).toBe(true);
    expect([...names.values()]).not.toContain('list_functions');
    let seed = 7;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    for (let round = 0; round < 5; round++) {
      const shuffled = [...unique].sort(() => random() - 0.5);
      expect(assignToolNames(shuffled, options)).toEqual(names);
    }
  });

  it('keeps a name stable when a colliding function is added later', () => {
    const before = assignToolNames([{ name: 'my_fn' }]);
    const after = assignToolNames([{ name: 'my_fn' }, { name: 'my-fn' }, { name: 'my.fn' }]);
    expect(after.get('my_fn')).toBe(before.get('my_fn'));
    expect(after.get('my-fn')).not.toBe(after.get('my.fn'));
  });

  it('resolves a qualifier clash with an unqualified function of the same mapped name', () => {
    const names = assignToolNames([{ name: 'orders', qualifier: 'prod' }, { name: 'orders_prod' }]);
    expect(names.get('orders_prod')).toBe('orders_prod');
    expect(names.get('orders:prod')).toMatch(/^orders_prod_[0-9a-f]{6}$/);
  });

  it('cuts names over 64 characters and keeps them apart with a hash', () => {
    const long1 = `${'a'.repeat(70)}-one`;
    const long2 = `${'a'.repeat(70)}-two`;
    const names = assignToolNames([{ name: long1 }, { name: long2 }]);
    const n1 = names.get(long1)!;
    const n2 = names.get(long2)!;
    expect(n1.length).toBe(64);
    expect(n2.length).toBe(64);
    expect(n1).not.toBe(n2);
    expect(n1.startsWith('a'.repeat(50))).toBe(true);
  });

  it('never takes a reserved (generic tool) name', () => {
    const names = assignToolNames([{ name: 'list_functions' }, { name: 'invoke-function' }], {
      reserved: ['list_functions', 'invoke_function'],
    });
    expect(names.get('list_functions')).toMatch(/^list_functions_[0-9a-f]{6}$/);
    expect(names.get('invoke-function')).toMatch(/^invoke_function_[0-9a-f]{6}$/);
  });

  it('applies the prefix rule across several prefixes', () => {
    const names = assignToolNames([{ name: 'team-a-orders' }, { name: 'team-b-orders' }], {
      prefixes: ['team-a-', 'team-b-'],
    });
    // Both become "orders": the smaller identity keeps it, the other gets a hash suffix.
    expect(names.get('team-a-orders')).toBe('orders');
    expect(names.get('team-b-orders')).toMatch(/^orders_[0-9a-f]{6}$/);
  });
});

describe('toolNamesWithOrder', () => {
  it('gives exactly the names the earlier implementation gave (600 mixed functions, with and without prefixes, in two orders)', () => {
    // SHA-256 (first 16 hex digits) of the JSON of the names, computed with the implementation of
    // ece6293 (a map of every base name) on the same catalogs.
    const expected: Record<string, string> = {
      'none shuffled': '346a28648b635fb9',
      'none sorted': '0a307637d97d1957',
      'prefixes shuffled': 'a831802bcaeaa175',
      'prefixes sorted': '9b03f08799797a9b',
    };
    for (const [label, prefixes] of [
      ['none', []],
      ['prefixes', ['svc-', 'svc-prod-', 'my']],
    ] as const) {
      for (const listedByName of [false, true]) {
        const fns = mixedCatalog(11, 600, listedByName);
        const names = toolNamesInOrder(fns, {
          prefixes,
          reserved: ['list_functions', 'invoke_function', 'x'],
        });
        const digest = createHash('sha256').update(JSON.stringify(names)).digest('hex').slice(0, 16);
        expect(digest, `${label} ${listedByName ? 'sorted' : 'shuffled'}`).toBe(
          expected[`${label} ${listedByName ? 'sorted' : 'shuffled'}`],
        );
      }
    }
  });

  it('says the names are in order only when each is below the next', () => {
    const listed = Array.from({ length: 500 }, (_, i) => ({ name: `fn-${String(i).padStart(4, '0')}` }));
    const inOrder = toolNamesWithOrder(listed, { reserved: ['list_functions'] });
    expect(inOrder.sorted).toBe(true);
    expect(inOrder.names.slice(0, 2)).toEqual(['fn_0000', 'fn_0001']);
    for (let i = 1; i < inOrder.names.length; i++)
      expect((inOrder.names[i - 1] as string) < (inOrder.names[i] as string)).toBe(true);

    // The same functions in another order: the same name for each, not in order.
    const reversed = [...listed].reverse();
    const out = toolNamesWithOrder(reversed, { reserved: ['list_functions'] });
    expect(out.sorted).toBe(false);
    expect(out.names).toEqual([...inOrder.names].reverse());

    // Listed by function name, but two map to one tool name: not in order, and told apart.
    const clash = toolNamesWithOrder([{ name: 'a-b' }, { name: 'a_b' }, { name: 'c' }]);
    expect(clash.sorted).toBe(false);
    expect(clash.names[1]).toBe('a_b');
    expect(clash.names[0]).toMatch(/^a_b_[0-9a-f]{6}$/);

    // In order, but one name is reserved or too long: suffixed, and no longer said to be in order.
    const reservedName = toolNamesWithOrder([{ name: 'a' }, { name: 'list_functions' }, { name: 'z' }], {
      reserved: ['list_functions'],
    });
    expect(reservedName.sorted).toBe(false);
    expect(reservedName.names[1]).toMatch(/^list_functions_[0-9a-f]{6}$/);
    const long = toolNamesWithOrder([{ name: 'a' }, { name: 'b'.repeat(80) }]);
    expect(long.sorted).toBe(false);
    expect(long.names[1]).toHaveLength(MAX_TOOL_NAME_LENGTH);

    // Mapping characters can change the order: '-' sorts before digits, '_' after them.
    const remapped = toolNamesWithOrder([{ name: 'f-1' }, { name: 'f0' }]);
    expect(remapped.names).toEqual(['f_1', 'f0']);
    expect(remapped.sorted).toBe(false);
  });
});
