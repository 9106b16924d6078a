// The local backend's durable history: real workers, real files in temporary folders, and a real
// second process (history-child.mjs on the built dist) sharing the history file.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { appendFile, chmod, chown, cp, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isLambdaMcpError } from '../../src/errors.js';
import {
  createLocalBackend,
  DEFAULT_HISTORY_MAX_BYTES,
  type LocalBackend,
  type LocalBackendOptions,
  localHistoryFile,
} from '../../src/local/index.js';
import { captureLogger, invoke, tempDir } from './helpers.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const EXAMPLES = resolve(here, '../../../../examples/functions');
const CHILD = join(here, 'history-child.mjs');
const DIST = resolve(here, '../../dist/local/index.js');

let root: { dir: string; cleanup: () => Promise<void> };
/** echo and always-fails from the bundled examples, plus `closed` (reserved concurrency 0). */
let functions: string;
let fileCounter = 0;
const open: LocalBackend[] = [];

beforeAll(async () => {
  root = await tempDir();
  functions = join(root.dir, 'functions');
  for (const name of ['echo', 'always-fails']) {
    await cp(join(EXAMPLES, name), join(functions, name), { recursive: true });
  }
  await cp(join(EXAMPLES, 'echo'), join(functions, 'closed'), { recursive: true });
  await cp(join(EXAMPLES, 'echo'), join(functions, 'loud'), { recursive: true });
  await writeFile(
    join(functions, 'loud', 'index.mjs'),
    "export const handler = async (event) => { console.log(String(event.tag).repeat(event.kb * 1024)); return 'ok'; };\n",
  );
  const manifest = JSON.parse(await readFile(join(functions, 'closed', 'function.json'), 'utf8')) as object;
  await writeFile(
    join(functions, 'closed', 'function.json'),
    JSON.stringify({ ...manifest, reservedConcurrency: 0 }),
  );
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.close()));
});
afterAll(() => root.cleanup());

/** A history file path of its own for each test (its folder does not exist yet). */
function newHistoryFile(): string {
  fileCounter++;
  return join(root.dir, `history-${fileCounter}`, 'nested', 'local.jsonl');
}

function backend(options: LocalBackendOptions = {}): LocalBackend {
  const b = createLocalBackend({ dir: functions, ...options });
  open.push(b);
  return b;
}

const HOUR = 3_600_000;

async function sums(b: LocalBackend, name: string): Promise<Record<string, number>> {
  const results = await b.getMetricData({
    start: new Date(Date.now() - HOUR),
    end: new Date(Date.now() + 60_000),
    periodSeconds: 3600,
    queries: ['Invocations', 'Errors', 'Throttles'].map((metricName) => ({
      id: metricName.toLowerCase(),
      namespace: 'AWS/Lambda',
      metricName,
      stat: 'Sum' as const,
      dimensions: { FunctionName: name },
    })),
  });
  return Object.fromEntries(results.map((r) => [r.id, r.values.reduce((a, c) => a + c, 0)]));
}

async function messages(b: LocalBackend, name: string): Promise<string[]> {
  const page = await b.filterLogEvents({ logGroupName: `/aws/lambda/${name}`, limit: 10_000 });
  return page.events.map((e) => e.message);
}

function historyLines(file: string): string[] {
  const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');
  return `${read(`${file}.1`)}${read(file)}`.split('\n').filter((l) => l !== '');
}

interface ChildAnswer {
  invoked: { name: string; requestId: string; functionError: string | null }[];
  metrics: Record<string, { invocations: number; errors: number; throttles: number }>;
  logs: Record<string, string[]>;
}

/** Runs history-child.mjs (a separate Node.js process on the built dist); fails after 60 s (a bound, not a speed check: each child starts function processes of its own). */
function child(job: { file: string; invoke?: [string, unknown][]; query?: string[] }): Promise<ChildAnswer> {
  if (!existsSync(DIST))
    throw new Error(`${DIST} is missing: build first (pnpm --filter @lambda-mcp/core build)`);
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(process.execPath, [CHILD, JSON.stringify({ dir: functions, ...job })], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    proc.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`history child did not finish in 60 s: ${stderr}`));
    }, 60_000);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`history child exited with ${code}: ${stderr}`));
      else resolvePromise(JSON.parse(stdout) as ChildAnswer);
    });
  });
}

describe('local history: off unless asked', () => {
  it('keeps records in memory only when no history file is given', async () => {
    const cache = join(root.dir, 'xdg-off');
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = cache;
    try {
      const a = backend();
      await invoke(a, 'echo', { n: 1 });
      const b = backend();
      expect((await sums(a, 'echo')).invocations).toBe(1);
      expect((await sums(b, 'echo')).invocations).toBe(0);
      expect(existsSync(cache)).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
    }
  });

  it('localHistoryFile: <cacheDir>/local-history/<sha256 of the resolved dir, 16 hex>.jsonl; off without the disk cache', () => {
    const hash = createHash('sha256').update(resolve('examples/functions')).digest('hex').slice(0, 16);
    expect(localHistoryFile({ cacheDir: '/var/cache/lm' }, 'examples/functions')).toBe(
      `/var/cache/lm/local-history/${hash}.jsonl`,
    );
    expect(localHistoryFile({ diskCache: true }, 'examples/functions', { XDG_CACHE_HOME: '/x' })).toBe(
      `/x/lambda-mcp/local-history/${hash}.jsonl`,
    );
    expect(localHistoryFile({ diskCache: false, cacheDir: '/var/cache/lm' }, 'examples/functions')).toBe(
      undefined,
    );
    expect(localHistoryFile({}, '/a')).not.toBe(localHistoryFile({}, '/b'));
    expect(DEFAULT_HISTORY_MAX_BYTES).toBe(16 * 1024 * 1024);
  });
});

describe('local history: shared between processes', () => {
  it('invocations by another process appear in getMetricData and filterLogEvents, and ours in theirs', async () => {
    const file = newHistoryFile();
    const server = backend({ historyFile: file });
    // Nothing yet (the file does not even exist).
    expect(await sums(server, 'echo')).toEqual({ invocations: 0, errors: 0, throttles: 0 });

    const first = await child({
      file,
      invoke: [
        ['echo', { from: 'child', n: 1 }],
        ['echo', { from: 'child', n: 2 }],
        ['always-fails', { amount: 7 }],
      ],
    });
    expect(first.invoked.map((i) => i.functionError)).toEqual([null, null, 'Unhandled']);
    const [e1, e2, f1] = first.invoked.map((i) => i.requestId);

    expect(await sums(server, 'echo')).toEqual({ invocations: 2, errors: 0, throttles: 0 });
    expect(await sums(server, 'always-fails')).toEqual({ invocations: 1, errors: 1, throttles: 0 });
    const echoLogs = await messages(server, 'echo');
    for (const id of [e1, e2]) {
      expect(echoLogs).toContain(`START RequestId: ${id} Version: $LATEST\n`);
      expect(echoLogs).toContain(`END RequestId: ${id}\n`);
      expect(echoLogs.some((m) => m.startsWith(`REPORT RequestId: ${id}\t`))).toBe(true);
    }
    const failLogs = await messages(server, 'always-fails');
    expect(failLogs.some((m) => m.includes(`${f1}\tERROR\tInvoke Error`))).toBe(true);
    expect(failLogs.some((m) => m.includes('PaymentDeclinedError'))).toBe(true);

    // Only the new tail is merged: a second query counts nothing twice.
    expect((await sums(server, 'echo')).invocations).toBe(2);

    // The long-running backend invokes too (and is throttled once); a new process sees everything.
    const own = await invoke(server, 'echo', { from: 'server' });
    const throttled = await invoke(server, 'closed').catch((error: unknown) => error);
    expect(isLambdaMcpError(throttled) && throttled.code).toBe('THROTTLED');
    expect((await sums(server, 'echo')).invocations).toBe(3);

    const second = await child({ file, query: ['echo', 'always-fails', 'closed'] });
    expect(second.metrics.echo).toEqual({ invocations: 3, errors: 0, throttles: 0 });
    expect(second.metrics['always-fails']).toEqual({ invocations: 1, errors: 1, throttles: 0 });
    expect(second.metrics.closed).toEqual({ invocations: 0, errors: 0, throttles: 1 });
    const starts = second.logs.echo?.filter((m) => m.startsWith('START ')) ?? [];
    expect(starts).toEqual(
      [e1, e2, own.result.requestId].map((id) => `START RequestId: ${id} Version: $LATEST\n`),
    );

    // One line per record, each a complete JSON object; payloads are not written.
    const lines = historyLines(file);
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(lines.join('\n')).not.toContain('"from":"child"');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('concurrent processes append whole lines, each within the per-invocation log budget', async () => {
    const file = newHistoryFile();
    const runs = 8;
    const [a, b] = await Promise.all(
      ['a', 'b'].map((tag) =>
        child({
          file,
          invoke: Array.from({ length: runs }, () => ['loud', { tag, kb: 300 }] as [string, unknown]),
        }),
      ),
    );
    expect(a?.invoked).toHaveLength(runs);
    expect(b?.invoked).toHaveLength(runs);
    const lines = historyLines(file);
    expect(lines).toHaveLength(2 * runs);
    for (const line of lines) {
      const parsed = JSON.parse(line) as { lines: [number, string][] };
      // 256 KB kept of the 300 KB the function logged, plus the platform lines.
      expect(Buffer.byteLength(line)).toBeLessThan(280 * 1024);
      expect(
        parsed.lines.some(
          ([, m]) => m.startsWith('[lambda-mcp] ') && m.includes('bytes of log output were not kept'),
        ),
      ).toBe(true);
    }
    const reader = backend({ historyFile: file });
    expect((await sums(reader, 'loud')).invocations).toBe(2 * runs);
    const ids = new Set([...(a?.invoked ?? []), ...(b?.invoked ?? [])].map((i) => i.requestId));
    const reports = (await messages(reader, 'loud')).filter((m) => m.startsWith('REPORT '));
    expect(new Set(reports.map((m) => /RequestId: (\S+)/.exec(m)?.[1]))).toEqual(ids);
  }, 90_000);

  it('two backends in one process share the file; neither counts its own records twice', async () => {
    const file = newHistoryFile();
    const a = backend({ historyFile: file });
    const b = backend({ historyFile: file });
    await invoke(a, 'echo', { n: 1 });
    await invoke(b, 'echo', { n: 2 });
    await invoke(b, 'echo', { n: 3 });
    expect((await sums(a, 'echo')).invocations).toBe(3);
    expect((await sums(b, 'echo')).invocations).toBe(3);
    await invoke(a, 'always-fails');
    expect(await sums(b, 'always-fails')).toEqual({ invocations: 1, errors: 1, throttles: 0 });
    expect((await messages(b, 'echo')).filter((m) => m.startsWith('START '))).toHaveLength(3);
    // Concurrent queries merge each line once.
    const [x, y] = await Promise.all([sums(b, 'always-fails'), sums(b, 'always-fails')]);
    expect([x.invocations, y.invocations]).toEqual([1, 1]);
  });
});

describe('local history: bounded and robust', () => {
  it('rotates past maxBytes to <file>.1; a reader follows across the rotation', async () => {
    const file = newHistoryFile();
    const maxBytes = 4096;
    const writer = backend({ historyFile: file, historyMaxBytes: maxBytes });
    const reader = backend({ historyFile: file });
    await invoke(writer, 'echo', { n: 0 });
    let written = 1;
    expect((await sums(reader, 'echo')).invocations).toBe(1);
    // Write until the first rotation, then one more into the new file.
    while (!existsSync(`${file}.1`)) {
      if (written > 100) throw new Error('the history file never rotated');
      await invoke(writer, 'echo', { n: written });
      written++;
    }
    expect(written).toBeGreaterThan(2);
    await invoke(writer, 'echo', { n: written });
    written++;
    expect(historyLines(file)).toHaveLength(written);
    expect((await stat(file)).size).toBeLessThan(maxBytes);
    // The reader had read the first line of the file that is now .1: it reads the rest of it, then the new file.
    expect((await sums(reader, 'echo')).invocations).toBe(written);
    expect((await sums(backend({ historyFile: file }), 'echo')).invocations).toBe(written);

    // Past a second rotation the oldest lines are gone; a new reader sees what the two files hold.
    const firstRotated = readFileSync(`${file}.1`, 'utf8');
    while (readFileSync(`${file}.1`, 'utf8') === firstRotated) {
      if (written > 200) throw new Error('the history file never rotated a second time');
      await invoke(writer, 'echo', { n: written });
      written++;
    }
    const kept = historyLines(file).length;
    expect(kept).toBeLessThan(written);
    expect((await sums(backend({ historyFile: file }), 'echo')).invocations).toBe(kept);
    // The writer itself still has all of its records in memory.
    expect((await sums(writer, 'echo')).invocations).toBe(written);
  });

  it('skips corrupt, foreign and torn lines, and reads a half-written line once it is complete', async () => {
    const file = newHistoryFile();
    const writer = backend({ historyFile: file });
    await invoke(writer, 'echo', { n: 1 });
    const good = readFileSync(file, 'utf8').trim();
    const variant = (requestId: string) => {
      const parsed = JSON.parse(good) as Record<string, unknown>;
      return JSON.stringify({ ...parsed, instance: 'another-process', requestId });
    };
    const corrupt = [
      'this is not JSON',
      '{"v":2,"instance":"future-format"}',
      JSON.stringify({ ...(JSON.parse(good) as object), instance: 'x', start: 'yesterday' }),
      JSON.stringify({ ...(JSON.parse(good) as object), instance: 'x', lines: [[1, 2]] }),
      '[]',
      '',
      // A writer died mid-line; the next complete record was appended right after it.
      `${variant('torn').slice(0, 40)}${variant('after-torn')}`,
    ];
    await appendFile(file, `${corrupt.join('\n')}\n${variant('ok-1')}\n`);
    const half = variant('ok-2');
    await appendFile(file, half.slice(0, 25));

    const { logger, entries } = captureLogger();
    const reader = backend({ historyFile: file, logger });
    // The writer's line, after-torn and ok-1 (the half-written ok-2 is not complete yet).
    expect((await sums(reader, 'echo')).invocations).toBe(3);
    await appendFile(file, `${half.slice(25)}\n`);
    expect((await sums(reader, 'echo')).invocations).toBe(4);
    expect((await sums(reader, 'echo')).invocations).toBe(4);
    expect(entries.filter((e) => e.level === 'warn')).toEqual([]);
    // The writer sees the three foreign records and its own one.
    expect((await sums(writer, 'echo')).invocations).toBe(4);
  });

  it('an unwritable history file logs one warning and the backend goes on in memory', async () => {
    const blocker = join(root.dir, 'not-a-folder');
    await writeFile(blocker, 'a file where a folder should be');
    const file = join(blocker, 'history', 'local.jsonl');
    const { logger, entries } = captureLogger();
    const b = backend({ historyFile: file, logger });
    const first = await invoke(b, 'echo', { n: 1 });
    expect(first.body).toEqual({ n: 1 });
    await invoke(b, 'echo', { n: 2 });
    await invoke(b, 'always-fails');
    const warnings = entries.filter((e) => e.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain('local invocation history turned off');
    expect(warnings[0]?.fields).toMatchObject({ file });
    expect(await sums(b, 'echo')).toEqual({ invocations: 2, errors: 0, throttles: 0 });
    expect((await messages(b, 'always-fails')).some((m) => m.includes('Invoke Error'))).toBe(true);
    expect(entries.filter((e) => e.level === 'warn')).toHaveLength(1);
  });

  it('a history file someone else could have written is neither read nor written (turned off with one warning)', async () => {
    // Genuine records of another instance, then the file made writable by others.
    const file = newHistoryFile();
    const writer = backend({ historyFile: file });
    await invoke(writer, 'echo', { n: 1 });
    await invoke(writer, 'echo', { n: 2 });
    await writer.close();
    const before = readFileSync(file, 'utf8');
    await chmod(file, 0o666);
    const { logger, entries } = captureLogger();
    const reader = backend({ historyFile: file, logger });
    // Its records are not counted: they could be anyone's.
    expect(await sums(reader, 'echo')).toEqual({ invocations: 0, errors: 0, throttles: 0 });
    await invoke(reader, 'echo', { n: 3 });
    expect(await sums(reader, 'echo')).toEqual({ invocations: 1, errors: 0, throttles: 0 });
    // Nothing was appended to it.
    expect(readFileSync(file, 'utf8')).toBe(before);
    const warnings = entries.filter((e) => e.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain('local invocation history turned off');
  });

  it('a symbolic link at the history file is not followed, for writing or reading', async () => {
    const file = newHistoryFile();
    await mkdir(join(file, '..'), { recursive: true });
    const victim = join(root.dir, `victim-${fileCounter}.txt`);
    await writeFile(victim, 'not a history file\n');
    await symlink(victim, file);
    const { logger, entries } = captureLogger();
    const b = backend({ historyFile: file, logger });
    await invoke(b, 'echo', { n: 1 });
    expect(readFileSync(victim, 'utf8')).toBe('not a history file\n');
    expect(await sums(b, 'echo')).toEqual({ invocations: 1, errors: 0, throttles: 0 });
    expect(entries.filter((e) => e.level === 'warn')).toHaveLength(1);
  });

  it.skipIf(typeof process.getuid !== 'function' || process.getuid() !== 0)(
    "another user's history file is neither read nor written (run as root: the file is given to uid 65534)",
    async () => {
      const file = newHistoryFile();
      const writer = backend({ historyFile: file });
      await invoke(writer, 'echo', { n: 1 });
      await writer.close();
      await chown(file, 65534, 65534);
      const before = readFileSync(file, 'utf8');
      const { logger, entries } = captureLogger();
      const reader = backend({ historyFile: file, logger });
      expect(await sums(reader, 'echo')).toEqual({ invocations: 0, errors: 0, throttles: 0 });
      await invoke(reader, 'echo', { n: 2 });
      expect(readFileSync(file, 'utf8')).toBe(before);
      expect(entries.filter((e) => e.level === 'warn')).toHaveLength(1);
    },
  );

  it('creates a missing folder for the file', async () => {
    const folder = join(root.dir, 'deep', 'er', 'still');
    const file = join(folder, 'h.jsonl');
    expect(existsSync(folder)).toBe(false);
    const b = backend({ historyFile: file });
    await invoke(b, 'echo');
    expect(readdirSync(folder)).toEqual(['h.jsonl']);
  });
});
