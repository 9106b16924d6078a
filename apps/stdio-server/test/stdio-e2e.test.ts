import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_DIR,
  CLI,
  EXAMPLES,
  INITIALIZE,
  INITIALIZED,
  type Session,
  spawnRaw,
  startSession,
  tempFunctions,
  testEnv,
  text,
  waitFor,
} from './support.js';

const GENERIC = [
  'get_function_schema',
  'invoke_function',
  'invoke_functions',
  'list_functions',
  'monitor_executions',
  'search_functions',
];
const PER_FUNCTION = ['always_fails', 'customer_lookup', 'data_processor', 'echo', 'slow_report'];

describe('over stdio with the bundled functions', () => {
  let s: Session;
  beforeAll(async () => {
    s = await startSession([
      '--local',
      EXAMPLES,
      '--max-result-bytes',
      '4096',
      '--progress-interval-ms',
      '200',
    ]);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('lists every tool with real schemas', async () => {
    const { tools } = await s.client.listTools();
    expect(tools.map((t) => t.name)).toEqual([...GENERIC, ...PER_FUNCTION].sort());
    const dp = tools.find((t) => t.name === 'data_processor')!;
    expect(dp.inputSchema.type).toBe('object');
    expect(String(dp.inputSchema.$schema)).toContain('2020-12');
    expect(dp.outputSchema?.type).toBe('object');
    const cl = tools.find((t) => t.name === 'customer_lookup')!;
    expect(cl.inputSchema.required).toEqual(['customer_id']);
    expect(cl.annotations).toMatchObject({ readOnlyHint: true, idempotentHint: true });
    const af = tools.find((t) => t.name === 'always_fails')!;
    expect(af.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, openWorldHint: true });
    // initialize is answered at once: its instructions describe the catalog as it was then.
    expect(s.client.getInstructions()).toMatch(/Functions available: 5|still loading/);
  });

  it('calls every per-function tool', async () => {
    const echo = await s.client.callTool({ name: 'echo', arguments: { hello: 'stdio' } });
    expect(echo.structuredContent).toEqual({ hello: 'stdio' });

    const dp = await s.client.callTool({
      name: 'data_processor',
      arguments: { data_source: 'customer-analytics', output_format: 'summary' },
    });
    expect(dp.isError).toBeFalsy();
    expect(dp.structuredContent).toMatchObject({ data_source: 'customer-analytics' });

    const cl = await s.client.callTool({ name: 'customer_lookup', arguments: { customer_id: 'CUST-0001' } });
    expect(cl.isError).toBeFalsy();
    expect(cl.structuredContent).toMatchObject({ customer_id: 'CUST-0001' });

    const af = await s.client.callTool({ name: 'always_fails', arguments: {} });
    expect(af.isError).toBe(true);
    expect(text(af)).toContain('PaymentDeclinedError');
    expect(text(af)).toContain('Trace:');

    const sr = await s.client.callTool({ name: 'slow_report', arguments: { seconds: 0.2, title: 'Q1' } });
    expect(sr.structuredContent).toMatchObject({ title: 'Q1' });
  });

  it('reports validation errors naming each failing field', async () => {
    const r = await s.client.callTool({
      name: 'data_processor',
      arguments: { data_source: 'nope', output_format: 'xml' },
    });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('/data_source');
    expect(text(r)).toContain('/output_format');
    const c = await s.client.callTool({ name: 'customer_lookup', arguments: { customer_id: 'x' } });
    expect(c.isError).toBe(true);
    expect(text(c)).toContain('/customer_id');
  });

  it('answers an unknown tool with -32602', async () => {
    await expect(s.client.callTool({ name: 'nope', arguments: {} })).rejects.toSatisfy(
      (e: unknown) => e instanceof McpError && e.code === ErrorCode.InvalidParams,
    );
  });

  it('truncates large results with a notice', async () => {
    const big = { blob: 'z'.repeat(10_000) };
    const r = await s.client.callTool({ name: 'echo', arguments: big });
    expect(r.structuredContent).toBeUndefined();
    expect(Buffer.byteLength(text(r))).toBeLessThanOrEqual(4096);
    expect(text(r)).toMatch(/Result truncated: showing the first [\d,]+ bytes of 10,011 bytes/);
  });

  it('runs the generic tools', async () => {
    const list = await s.client.callTool({
      name: 'list_functions',
      arguments: { filter_by_tags: { team: 'crm' } },
    });
    expect(list.structuredContent).toMatchObject({
      total_count: 5,
      filtered_count: 1,
      functions: [{ name: 'customer-lookup' }],
    });

    const inv = await s.client.callTool({
      name: 'invoke_function',
      arguments: { function_name: 'echo', payload: { a: 1 }, log_type: 'Tail' },
    });
    const e = (inv.structuredContent as { execution_result: Record<string, unknown> }).execution_result;
    expect(e).toMatchObject({ status_code: 200, payload: { a: 1 }, payload_format: 'json' });
    expect(Array.isArray(e.logs)).toBe(true);
    expect((e.logs as string[]).some((l) => l.startsWith('REPORT RequestId'))).toBe(true);
    expect(typeof e.duration_ms).toBe('number');
    expect(typeof e.billed_duration_ms).toBe('number');
    expect(typeof e.memory_used_mb).toBe('number');

    const many = await s.client.callTool({
      name: 'invoke_functions',
      arguments: {
        invocations: [
          { function_name: 'echo', payload: { i: 1 } },
          { function_name: 'always-fails' },
          { function_name: 'not-there' },
        ],
      },
    });
    expect(
      (many.structuredContent as { results: Array<{ status: string }> }).results.map((r) => r.status),
    ).toEqual(['success', 'function_error', 'error']);

    const schema = await s.client.callTool({
      name: 'get_function_schema',
      arguments: { function_name: 'customer-lookup', include_examples: true },
    });
    const sc = schema.structuredContent as Record<string, unknown>;
    expect(sc.input_schema).toMatchObject({ required: ['customer_id'] });
    expect((sc.examples as unknown[]).length).toBeGreaterThan(0);

    const mon = await s.client.callTool({
      name: 'monitor_executions',
      arguments: { function_name: 'echo', time_range: { start: '1h', end: 'now' }, include_errors: true },
    });
    expect(mon.isError).toBeFalsy();
    const summary = (mon.structuredContent as { summary: { invocations: number } }).summary;
    expect(summary.invocations).toBeGreaterThanOrEqual(3);
  });

  it('sends progress heartbeats during a slow call', async () => {
    const progress: number[] = [];
    const r = await s.client.callTool({ name: 'slow_report', arguments: { seconds: 1.5 } }, undefined, {
      onprogress: (p) => {
        progress.push(p.progress);
      },
    });
    expect(r.isError).toBeFalsy();
    expect(progress.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThan(progress[i - 1]!);
  });

  it('cancels slow-report mid-way and stays usable', async () => {
    const controller = new AbortController();
    const started = Date.now();
    let progressed = 0;
    const call = s.client.callTool({ name: 'slow_report', arguments: { seconds: 20 } }, undefined, {
      signal: controller.signal,
      onprogress: () => {
        progressed += 1;
      },
    });
    await waitFor(() => progressed >= 2, 10_000, 'progress from the running call');
    controller.abort('test cancels');
    await expect(call).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(15_000);
    // No more progress for the cancelled call, and the server answers at once.
    const after = progressed;
    const echo = await s.client.callTool({ name: 'echo', arguments: { after: 'cancel' } });
    expect(echo.structuredContent).toEqual({ after: 'cancel' });
    await new Promise((r) => setTimeout(r, 500));
    expect(progressed).toBe(after);
  });
});

describe('cancellation reaches the function', () => {
  it('stops the running handler when the client cancels', async () => {
    const fns = tempFunctions({
      ticker: {
        manifest: { description: 'Appends a tick to a file every 50 ms.', timeout: 30 },
        code: `import { appendFileSync } from 'node:fs';
export const handler = async (event) => {
  for (let i = 0; i < 400; i++) {
    appendFileSync(event.file, 'tick\\n');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { ticks: 400 };
};`,
      },
    });
    const s = await startSession(['--local', fns.dir]);
    try {
      const file = join(fns.dir, '..', 'ticks.txt');
      const lines = () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').length - 1 : 0);
      const controller = new AbortController();
      const call = s.client.callTool({ name: 'ticker', arguments: { file } }, undefined, {
        signal: controller.signal,
      });
      await waitFor(() => lines() >= 5, 10_000, 'the handler to run');
      controller.abort('stop');
      await expect(call).rejects.toThrow();
      // It stopped: the file stops growing (checked over 500 ms, ten tick periods), long before 400 ticks.
      let last = -1;
      await waitFor(
        async () => {
          const before = lines();
          await new Promise((r) => setTimeout(r, 500));
          last = lines();
          return last === before;
        },
        8_000,
        'the ticks to stop',
      );
      expect(last).toBeLessThan(200);
    } finally {
      await s.close();
      fns.cleanup();
    }
  });
});

describe('catalog changes', () => {
  it('sends tools/list_changed when a function folder appears', async () => {
    const fns = tempFunctions();
    const s = await startSession(['--local', fns.dir, '--refresh-interval', '1', '--cache-ttl', '0']);
    try {
      const before = (await s.client.listTools()).tools.map((t) => t.name);
      expect(before).not.toContain('hello_world');
      fns.add('hello-world', {
        manifest: { description: 'Says hello.' },
        code: "export const handler = async (e) => ({ hello: e.name ?? 'world' });",
      });
      await waitFor(() => s.listChanged.count >= 1, 15_000, 'tools/list_changed');
      const after = (await s.client.listTools()).tools.map((t) => t.name);
      expect(after).toContain('hello_world');
      const r = await s.client.callTool({ name: 'hello_world', arguments: { name: 'mcp' } });
      expect(r.structuredContent).toEqual({ hello: 'mcp' });
    } finally {
      await s.close();
      fns.cleanup();
    }
  });
});

describe('stdout carries JSON-RPC only', () => {
  it('even when a function prints', async () => {
    const fns = tempFunctions({
      noisy: {
        manifest: { description: 'Prints a lot.' },
        code: `export const handler = async () => {
  console.log('NOISE-console-log');
  console.info('NOISE-console-info');
  console.error('NOISE-console-error');
  process.stdout.write('NOISE-stdout-write\\n');
  for (let i = 0; i < 200; i++) console.log('NOISE-line-' + i + ' ' + 'x'.repeat(200));
  return { ok: true };
};`,
      },
    });
    const raw = spawnRaw(['--local', fns.dir]);
    try {
      raw.send(INITIALIZE);
      raw.send(INITIALIZED);
      raw.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'noisy', arguments: {} } });
      raw.send({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'echo', arguments: { x: 1 } },
      });
      await waitFor(() => raw.stdout().includes('"id":2'), 15_000, 'both answers');
      raw.child.stdin?.end();
      const { code } = await raw.exit;
      expect(code).toBe(0);
      const out = raw.stdout();
      expect(out).not.toContain('NOISE');
      const lines = out.split('\n').filter((l) => l.length > 0);
      expect(lines.length).toBeGreaterThanOrEqual(3);
      for (const line of lines) {
        const msg = JSON.parse(line) as { jsonrpc: string };
        expect(msg.jsonrpc).toBe('2.0');
      }
      const answer = lines.map((l) => JSON.parse(l)).find((m) => m.id === 1);
      expect(answer.result.structuredContent).toEqual({ ok: true });
    } finally {
      raw.child.kill();
      fns.cleanup();
    }
  });
});

describe('a line that is not a JSON-RPC message', () => {
  it('is answered with Invalid Request and logged once, in a bounded line, however large it is', async () => {
    const raw = spawnRaw(['--local', EXAMPLES]);
    try {
      raw.send(INITIALIZE);
      raw.send(INITIALIZED);
      await waitFor(
        () => raw.stdout().includes('"id":0') && raw.stderr().includes('Serving MCP over stdio'),
        15_000,
        'the initialize answer and the start-up log line',
      );
      // ~400 KB of JSON whose validation error lists every one of its 30,000 unknown keys: the log
      // must not repeat it (once by the transport, once more by the protocol: 3x the line before).
      const keys: Record<string, number> = {};
      for (let i = 0; i < 30_000; i++) keys[`unknown_key_${i}`] = i;
      const before = raw.stderr().length;
      raw.send({ jsonrpc: '2.0', id: null, method: 'tools/list', ...keys });
      raw.send({ jsonrpc: '2.0', id: 1, method: 'ping' });
      await waitFor(() => raw.stdout().includes('"id":1'), 15_000, 'the ping answer after it');
      const answers = raw
        .stdout()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { id?: unknown; error?: { code: number } });
      expect(answers.some((m) => m.id === null && m.error?.code === -32600)).toBe(true);
      // Lines about the message: warnings and errors. (The discovery's `catalog refreshed` info line
      // is written one turn after the first catalog is handed over, and may come after the
      // `Serving` line this waited for: seen on Node.js 24 under load.)
      const logged = raw
        .stderr()
        .slice(before)
        .split('\n')
        .filter(Boolean)
        .filter((l) => (JSON.parse(l) as { level?: string }).level !== 'info');
      expect(logged).toHaveLength(1);
      expect(logged[0]?.length ?? 0).toBeLessThan(2_000);
      expect(JSON.parse(logged[0] as string)).toMatchObject({ level: 'warn' });
    } finally {
      raw.child.kill();
    }
  });
});

describe("the bin's code cache (src/code-cache.ts)", () => {
  it('is written by a first start and used by the next, with the same answers; LAMBDA_MCP_CODE_CACHE=false turns it off', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'lambda-mcp-code-cache-e2e-'));
    const codeDir = join(cacheDir, 'code');
    const cacheFiles = () =>
      (existsSync(codeDir) ? readdirSync(codeDir) : []).filter((f) => /^server-[0-9a-f]{32}\.bin$/.test(f));
    const start = async (env: Record<string, string> = {}) => {
      const raw = spawnRaw(['--local', EXAMPLES], { LAMBDA_MCP_CACHE_DIR: cacheDir, ...env });
      raw.send(INITIALIZE);
      raw.send(INITIALIZED);
      raw.send({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'echo', arguments: { said: 'cached' } },
      });
      await waitFor(
        () => raw.stderr().includes('Serving MCP over stdio') && raw.stdout().includes('"id":1'),
        15_000,
        'the first call and the start-up log line',
      );
      return { raw, answer: raw.answer(1) };
    };
    const stop = async (raw: ReturnType<typeof spawnRaw>) => {
      raw.child.stdin?.end();
      expect((await raw.exit).code).toBe(0);
    };
    try {
      // A run that never serves (--version) writes none: its cache would lack most of the server.
      const version = spawnRaw(['--version'], { LAMBDA_MCP_CACHE_DIR: cacheDir });
      expect((await version.exit).code).toBe(0);
      expect(cacheFiles()).toHaveLength(0);

      const first = await start();
      expect(first.raw.stderr()).toContain('"codeCache":"miss"');
      expect(first.answer?.result?.structuredContent).toMatchObject({ said: 'cached' });
      // Written a second after the first catalog is served.
      await waitFor(() => cacheFiles().length === 1, 15_000, 'the code cache file');
      await stop(first.raw);

      const second = await start();
      expect(second.raw.stderr()).toContain('"codeCache":"used"');
      expect(second.answer?.result).toEqual(first.answer?.result);
      await stop(second.raw);

      const off = await start({ LAMBDA_MCP_CODE_CACHE: 'false' });
      expect(off.raw.stderr()).toContain('"codeCache":"off"');
      expect(off.answer?.result).toEqual(first.answer?.result);
      await stop(off.raw);
      expect(cacheFiles()).toHaveLength(1);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('process lifecycle and flags', () => {
  it('exits 0 when stdin closes', async () => {
    const raw = spawnRaw(['--local', EXAMPLES]);
    raw.send(INITIALIZE);
    await waitFor(() => raw.stdout().includes('"id":0'), 10_000, 'initialize answer');
    raw.child.stdin?.end();
    const r = await raw.exit;
    expect(r.code).toBe(0);
    expect(raw.stderr()).toContain('stdin closed');
  });

  it('answers a call that is running when stdin closes, then exits 0', async () => {
    const raw = spawnRaw(['--local', EXAMPLES]);
    raw.send(INITIALIZE);
    raw.send(INITIALIZED);
    raw.send({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'slow_report', arguments: { seconds: 1 } },
    });
    await waitFor(() => raw.stdout().includes('"id":0'), 10_000, 'initialize answer');
    raw.child.stdin?.end();
    const r = await raw.exit;
    expect(r.code).toBe(0);
    expect(raw.answer(7)?.result?.structuredContent).toMatchObject({ seconds: 1 });
  });

  it('exits 0 on SIGTERM, closing the workers', async () => {
    const raw = spawnRaw(['--local', EXAMPLES]);
    raw.send(INITIALIZE);
    raw.send(INITIALIZED);
    raw.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: {} } });
    await waitFor(() => raw.stdout().includes('"id":1'), 10_000, 'a call to finish (a warm worker)');
    raw.child.kill('SIGTERM');
    const r = await raw.exit;
    expect(r.code).toBe(0);
    expect(raw.stderr()).toContain('SIGTERM');
  });

  it("the package's bin is dist/cli.cjs, run as it is; dist/cli.js, the bin of earlier versions, still serves", async () => {
    const pkg = JSON.parse(readFileSync(join(APP_DIR, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(pkg.bin['lambda-mcp-stdio']).toBe('./dist/cli.cjs');
    expect(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    if (process.platform !== 'win32') {
      // Run as an npm bin is: the file itself, through its #! line.
      const direct = spawnSync(CLI, ['--version'], { env: testEnv(), encoding: 'utf8', timeout: 20_000 });
      expect(direct.status).toBe(0);
      expect(direct.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    }
    const old = spawnRaw(['--local', EXAMPLES], {}, join(APP_DIR, 'dist/cli.js'));
    old.send(INITIALIZE);
    old.send(INITIALIZED);
    old.send({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    await waitFor(() => old.stdout().includes('"id":1'), 10_000, 'tools/list over dist/cli.js');
    expect(old.stdout()).toContain('"name":"echo"');
    // mcp-server's version, written into its build (not read from its package.json at run time).
    const mcpServerPkg = JSON.parse(
      readFileSync(join(APP_DIR, '../../packages/mcp-server/package.json'), 'utf8'),
    ) as { version: string };
    expect(old.answer(0)?.result?.serverInfo).toEqual({ name: 'lambda-mcp', version: mcpServerPkg.version });
    old.child.stdin?.end();
    expect((await old.exit).code).toBe(0);
  });

  it('runs through a bin link with --preserve-symlinks-main (the bundle is found beside the real file)', () => {
    const links = mkdtempSync(join(tmpdir(), 'lambda-mcp-bin-link-'));
    try {
      for (const [name, target] of [
        ['lambda-mcp-stdio', CLI],
        ['old-bin.js', join(APP_DIR, 'dist/cli.js')],
      ] as const) {
        const link = join(links, name);
        symlinkSync(target, link);
        const r = spawnSync(process.execPath, ['--preserve-symlinks-main', link, '--version'], {
          env: testEnv(),
          encoding: 'utf8',
          timeout: 20_000,
        });
        expect(r.status, `${name}: ${r.stderr}`).toBe(0);
        expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      }
    } finally {
      rmSync(links, { recursive: true, force: true });
    }
  });

  it('--help, --version and bad input', async () => {
    const help = spawnRaw(['--help']);
    expect((await help.exit).code).toBe(0);
    expect(help.stdout()).toContain('lambda-mcp-stdio');
    expect(help.stdout()).toContain('--local');
    const version = spawnRaw(['--version']);
    expect((await version.exit).code).toBe(0);
    expect(version.stdout().trim()).toMatch(/^\d+\.\d+\.\d+/);
    const bad = spawnRaw(['--no-such-flag']);
    expect((await bad.exit).code).toBe(2);
    expect(bad.stderr()).toContain("Unknown option '--no-such-flag'");
    expect(bad.stdout()).toBe('');
    const missing = spawnRaw(['--local', '/nonexistent/functions']);
    expect((await missing.exit).code).toBe(2);
    expect(missing.stderr()).toContain('does not exist');
    const badValue = spawnRaw(['--local', EXAMPLES, '--max-tools', 'lots']);
    expect((await badValue.exit).code).toBe(2);
    expect(badValue.stderr()).toContain('--max-tools');
    expect(badValue.stderr()).not.toMatch(/\n\s+at /);
  });
});

describe('discovery failure at start', () => {
  it('still starts, says why, and keeps the generic tools', async () => {
    // The AWS backend pointed at a closed local port: discovery fails fast, no real AWS is called.
    const s = await startSession([], {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_MAX_ATTEMPTS: '1',
    });
    try {
      // initialize is answered at once: the instructions name the failure if discovery had already
      // failed by then, or say the list was still loading.
      const instructions = s.client.getInstructions() ?? '';
      expect(instructions).toMatch(
        /function discovery failed at startup|still loading when this session started/,
      );
      const { tools } = await s.client.listTools();
      expect(tools.map((t) => t.name)).toEqual(GENERIC);
      const list = await s.client.callTool({ name: 'list_functions', arguments: {} });
      expect(list.isError).toBe(true);
      expect(text(list)).toContain('Function discovery failed');
      expect(s.stderr()).toContain('Function discovery failed');
    } finally {
      await s.close();
    }
  });
});
