import { mkdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLambdaMcpError } from '../../src/errors.js';
import { createLocalBackend, type LocalBackend, type SyntheticFunctionSpec } from '../../src/local/index.js';
import { captureLogger, invoke, tempDir } from './helpers.js';

const HANDLER = 'export const handler = async (event) => ({ ok: true, event });\n';

async function addFunction(
  root: string,
  folder: string,
  manifest: unknown,
  files: Record<string, string> = {},
) {
  const dir = join(root, folder);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'function.json'),
    typeof manifest === 'string' ? manifest : JSON.stringify(manifest),
  );
  for (const [name, text] of Object.entries({ 'index.mjs': HANDLER, ...files })) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('local backend: the functions directory', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let backend: LocalBackend;
  let log: ReturnType<typeof captureLogger>;

  beforeEach(async () => {
    ({ dir: root, cleanup } = await tempDir());
    await mkdir(join(root, 'fns'));
    await writeFile(join(root, 'outside.mjs'), HANDLER);
    log = captureLogger();
    backend = createLocalBackend({ dir: join(root, 'fns'), logger: log.logger, manifestRecheckMs: 0 });
  });
  afterEach(async () => {
    await backend.close();
    await cleanup();
  });

  const warnings = () => log.entries.filter((e) => e.level === 'warn');

  it('skips a folder with a bad manifest with one warning, and keeps serving the others', async () => {
    await addFunction(join(root, 'fns'), 'good', { handler: 'index.handler' });
    await addFunction(join(root, 'fns'), 'bad-type', { handler: 'index.handler', timeout: 'soon' });
    await addFunction(join(root, 'fns'), 'bad-json', '{ "handler": ');
    await addFunction(join(root, 'fns'), 'typo', { handler: 'index.handler', timout: 3 });
    await addFunction(join(root, 'fns'), 'reserved', {
      handler: 'index.handler',
      environment: { AWS_REGION: 'x' },
    });
    const names = (await backend.listFunctions()).map((f) => f.name);
    expect(names).toEqual(['good']);
    await backend.listFunctions();
    const problems = warnings().map((w) => String(w.fields?.problem));
    expect(problems).toHaveLength(4);
    expect(problems.find((p) => p.includes('timeout'))).toMatch(/function\.json: timeout: /);
    expect(problems.find((p) => p.includes('not valid JSON'))).toBeDefined();
    expect(problems.find((p) => p.includes('timout'))).toBeDefined();
    expect(problems.find((p) => p.includes('reserved keys'))).toContain('AWS_REGION');
    const error = await rejection(invoke(backend, 'bad-type'));
    expect(isLambdaMcpError(error) && error.code).toBe('INVALID_CONFIG');
    expect((error as Error).message).toMatch(
      /^Local function "bad-type" cannot be used: function\.json: timeout: /,
    );
    expect((await invoke(backend, 'good')).body).toEqual({ ok: true, event: {} });
  });

  it('shows a function folder added at run time on the next listing, and picks up manifest edits', async () => {
    await addFunction(join(root, 'fns'), 'first', { handler: 'index.handler', timeout: 3 });
    expect((await backend.listFunctions()).map((f) => f.name)).toEqual(['first']);
    await addFunction(join(root, 'fns'), 'second', {
      name: 'renamed',
      handler: 'index.handler',
      tags: { team: 'x' },
    });
    const listed = await backend.listFunctions();
    expect(listed.map((f) => f.name)).toEqual(['first', 'renamed']);
    expect(listed[1]?.tags).toEqual({ team: 'x' });
    expect((await invoke(backend, 'renamed', { a: 1 })).body).toEqual({ ok: true, event: { a: 1 } });

    const manifest = join(root, 'fns', 'first', 'function.json');
    await writeFile(manifest, JSON.stringify({ handler: 'index.handler', timeout: 9 }));
    const later = new Date(Date.now() + 5000);
    await utimes(manifest, later, later);
    expect((await backend.getFunction('first')).timeoutSeconds).toBe(9);
  });

  it('retires warm instances when the handler code changes', async () => {
    const dir = await addFunction(
      join(root, 'fns'),
      'versioned',
      { handler: 'index.handler' },
      {
        'index.mjs': 'export const handler = async () => "v1";\n',
      },
    );
    expect((await invoke(backend, 'versioned')).body).toBe('v1');
    await writeFile(join(dir, 'index.mjs'), 'export const handler = async () => "v2";\n');
    const later = new Date(Date.now() + 5000);
    await utimes(join(dir, 'index.mjs'), later, later);
    expect((await invoke(backend, 'versioned')).body).toBe('v2');
    expect(backend.stats('versioned').coldStarts).toBe(2);
  });

  it('refuses handler paths that leave the function folder', async () => {
    const fns = join(root, 'fns');
    await addFunction(fns, 'dotdot', { handler: '../outside.handler' });
    await addFunction(fns, 'absolute', { handler: `${join(root, 'outside')}.handler` });
    const linkDir = await addFunction(fns, 'link', { handler: 'index.handler' });
    await rm(join(linkDir, 'index.mjs'));
    await symlink(join(root, 'outside.mjs'), join(linkDir, 'index.mjs'));
    await addFunction(fns, 'schema-escape', { handler: 'index.handler', inputSchema: '../../secret.json' });
    await addFunction(fns, 'nested', { handler: 'src/app.handler' }, { 'src/app.mjs': HANDLER });

    expect((await backend.listFunctions()).map((f) => f.name)).toEqual(['nested']);
    const problem = (name: string) =>
      String(warnings().find((w) => String(w.fields?.folder).endsWith(name))?.fields?.problem);
    expect(problem('dotdot')).toContain('contains ".."');
    expect(problem('absolute')).toContain('is an absolute path');
    expect(problem('link')).toContain('outside the function folder');
    expect(problem('schema-escape')).toContain('contains ".."');
    for (const name of ['dotdot', 'absolute', 'link']) {
      const error = await rejection(invoke(backend, name));
      expect(isLambdaMcpError(error) && error.code).toBe('INVALID_CONFIG');
    }
    expect((await invoke(backend, 'nested')).body).toEqual({ ok: true, event: {} });
  });

  it('notices a handler turned into an escaping symlink after it was listed', async () => {
    const dir = await addFunction(join(root, 'fns'), 'swap', { handler: 'index.handler' });
    expect((await backend.listFunctions()).map((f) => f.name)).toEqual(['swap']);
    await rm(join(dir, 'index.mjs'));
    await symlink(join(root, 'outside.mjs'), join(dir, 'index.mjs'));
    const error = await rejection(invoke(backend, 'swap'));
    expect(isLambdaMcpError(error) && error.code).toBe('INVALID_CONFIG');
    expect((error as Error).message).toContain('outside the function folder');
    expect(backend.executionCount('swap')).toBe(0);
  });

  it('checks the handler path again when a new instance starts, even before a rescan', async () => {
    const dir = await addFunction(join(root, 'fns'), 'late-swap', { handler: 'index.handler' });
    const trusting = createLocalBackend({ dir: join(root, 'fns'), manifestRecheckMs: 60_000 });
    try {
      expect((await trusting.listFunctions()).map((f) => f.name)).toEqual(['late-swap']);
      await rm(join(dir, 'index.mjs'));
      await symlink(join(root, 'outside.mjs'), join(dir, 'index.mjs'));
      const error = await rejection(invoke(trusting, 'late-swap'));
      expect(isLambdaMcpError(error) && error.code).toBe('INVALID_CONFIG');
      expect((error as Error).message).toContain('outside the function folder');
      expect(trusting.stats('late-swap')).toMatchObject({ invocations: 0, executions: 0, instances: 0 });
      const [metric] = await trusting.getMetricData({
        start: new Date(Date.now() - 60_000),
        end: new Date(Date.now() + 60_000),
        periodSeconds: 60,
        queries: [
          {
            id: 'i',
            namespace: 'AWS/Lambda',
            metricName: 'Invocations',
            stat: 'Sum',
            dimensions: { FunctionName: 'late-swap' },
          },
        ],
      });
      expect(metric?.values).toEqual([]);
    } finally {
      await trusting.close();
    }
  });

  it('keeps the first folder when two declare the same name', async () => {
    await addFunction(join(root, 'fns'), 'a', {
      name: 'same',
      handler: 'index.handler',
      description: 'from a',
    });
    await addFunction(join(root, 'fns'), 'b', {
      name: 'same',
      handler: 'index.handler',
      description: 'from b',
    });
    const listed = await backend.listFunctions();
    expect(listed.map((f) => [f.name, f.description])).toEqual([['same', 'from a']]);
    expect(warnings().some((w) => String(w.fields?.problem).includes('already used by folder'))).toBe(true);
  });

  it('treats a missing directory as empty with a warning, not a crash', async () => {
    const missing = createLocalBackend({ dir: join(root, 'nope'), logger: log.logger });
    try {
      expect(await missing.listFunctions()).toEqual([]);
      expect(warnings().some((w) => w.message.includes('not found'))).toBe(true);
    } finally {
      await missing.close();
    }
  });
});

describe('local backend: synthetic functions', () => {
  it('serves 10,000 config-only functions with tags and echoes on invoke', async () => {
    const syntheticFunctions: SyntheticFunctionSpec[] = Array.from({ length: 10_000 }, (_, i) => ({
      name: `fn-${String(i).padStart(5, '0')}`,
      tags: i % 5 === 0 ? { MCPEnabled: 'true' } : ({} as Record<string, string>),
      memorySizeMb: 256,
      ...(i === 7 ? { inputSchema: { type: 'object' } } : {}),
    }));
    const backend = createLocalBackend({ syntheticFunctions });
    try {
      const listed = await backend.listFunctions();
      expect(listed).toHaveLength(10_000);
      expect(listed[0]).toMatchObject({ name: 'fn-00000', memorySizeMb: 256, tags: { MCPEnabled: 'true' } });
      const tags = await backend.getTags({ arns: listed.slice(0, 10).map((f) => f.arn) });
      expect([...tags.values()].filter((t) => t.MCPEnabled === 'true')).toHaveLength(2);
      expect(tags.get(listed[7]?.arn ?? '')?.['lambda-mcp:input-schema-arn']).toMatch(
        /schema\/local\/fn-00007-input$/,
      );
      const { body, logs } = await invoke(backend, 'fn-01234', { hello: 1 });
      expect(body).toEqual({ hello: 1 });
      expect(logs[0]).toMatch(/^START RequestId: /);
      expect(logs.at(-1)).toMatch(/^REPORT RequestId: .*\tMemory Size: 256 MB\t/);
      expect(backend.executionCount('fn-01234')).toBe(1);
      expect(backend.scope).toBe('local:(synthetic)');
      backend.registerSyntheticFunction({ name: 'late', invoke: () => 'late' });
      expect((await invoke(backend, 'late')).body).toBe('late');
      expect(backend.removeSyntheticFunction('late')).toBe(true);
      const gone = await rejection(invoke(backend, 'late'));
      expect(isLambdaMcpError(gone) && gone.code).toBe('FUNCTION_NOT_FOUND');
    } finally {
      await backend.close();
    }
  });

  it('reports a synthetic handler error in the Node shape', async () => {
    const backend = createLocalBackend({
      syntheticFunctions: [
        {
          name: 'fails',
          invoke: () => {
            throw new RangeError('out of range');
          },
        },
      ],
    });
    try {
      const { result, body } = await invoke(backend, 'fails');
      expect(result.functionError).toBe('Unhandled');
      expect(body).toMatchObject({ errorType: 'RangeError', errorMessage: 'out of range' });
    } finally {
      await backend.close();
    }
  });
});
