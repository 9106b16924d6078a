/**
 * Early listing (src/aws/early-listing.ts): the stdio bin reads discovery's ListFunctions pages
 * before the server is loaded, only where the server is sure to read the same ones, and hands
 * them to the backend in order, each once, bounded in number and in time.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  EARLY_LOOKAHEAD,
  type EarlyPage,
  earlyListingPlan,
  startEarlyListing,
} from '../../src/aws/early-listing.js';
import type { LeanReader, LeanTarget } from '../../src/aws/lean-read.js';
import { sharedConfigFilesEmpty } from '../../src/aws/shared-files.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lambda-mcp-early-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  vi.useRealTimers();
});

/** An environment where an early listing starts: static keys, a region, an endpoint, no files. */
function envOk(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEARLY',
    AWS_SECRET_ACCESS_KEY: 'early-secret',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_CONFIG_FILE: join(dir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
    LAMBDA_MCP_CACHE_DIR: join(dir, 'cache'),
    ...extra,
  };
}
const plan = (env: Record<string, string | undefined>, argv: string[] = [], cwd = dir) =>
  earlyListingPlan({ env, argv, cwd });
const why = (env: Record<string, string | undefined>, argv: string[] = [], cwd = dir) => {
  const p = plan(env, argv, cwd);
  return 'why' in p ? p.why : undefined;
};

describe('where an early listing starts', () => {
  it('starts with static keys in the environment, a region and no files that could change the reads', () => {
    const p = plan(envOk());
    expect('target' in p && p.target).toMatchObject({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEARLY', secretAccessKey: 'early-secret' },
      credentialSource: 'environment',
    });
    expect('target' in p && p.target.endpoints.lambda.href).toBe('http://127.0.0.1:9/');
  });

  it('reads the default endpoint of the region when no endpoint is set', () => {
    const p = plan(envOk({ AWS_ENDPOINT_URL: undefined }));
    expect('target' in p && p.target.endpoints.lambda.href).toBe('https://lambda.us-east-1.amazonaws.com/');
  });

  it('does not start where the server might read something else, or read nothing', () => {
    expect(why(envOk(), ['--prefix', 'x'])).toMatch(/flags/);
    expect(why(envOk(), ['--help'])).toMatch(/flags/);
    expect(why(envOk({ LAMBDA_MCP_CONFIG: 'x.json' }))).toMatch(/config file is named/);
    writeFileSync(join(dir, 'lambda-mcp.config.json'), '{"backend":"local"}');
    expect(why(envOk())).toMatch(/config file is in the working directory/);
    rmSync(join(dir, 'lambda-mcp.config.json'));
    expect(why(envOk({ LAMBDA_MCP_LOCAL_DIR: 'functions' }))).toMatch(/local backend/);
    expect(why(envOk({ LAMBDA_MCP_BACKEND: 'local' }))).toMatch(/local backend/);
    expect(why(envOk({ LAMBDA_MCP_BACKEND: 'azure' }))).toMatch(/not valid/);
    expect(why(envOk({ LAMBDA_MCP_BACKEND: ' AWS ' }))).toBeUndefined();
    expect(why(envOk({ FUNCTION_LIST: 'a,b' }))).toMatch(/explicit function list/);
    expect(why(envOk({ LAMBDA_MCP_ROLE_ARN: 'arn:aws:iam::123456789012:role/r' }))).toMatch(/role/);
    expect(why(envOk({ AWS_REGION: undefined }))).toMatch(/AWS_REGION/);
    expect(why(envOk({ AWS_REGION: ' ' }))).toMatch(/AWS_REGION/);
    expect(why(envOk({ LAMBDA_MCP_DISK_CACHE: 'maybe' }))).toMatch(/not valid/);
    // The lean reads' own rules: a profile, no static keys, expiring keys, proxies, FIPS.
    expect(why(envOk({ AWS_PROFILE: 'dev' }))).toMatch(/profile/);
    expect(why(envOk({ AWS_SECRET_ACCESS_KEY: undefined }))).toMatch(/static keys/);
    expect(why(envOk({ AWS_CREDENTIAL_EXPIRATION: '2030-01-01T00:00:00Z' }))).toMatch(/expire/);
    expect(why(envOk({ NODE_USE_ENV_PROXY: '1' }))).toMatch(/proxy/);
    expect(why(envOk({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9/base' }))).toMatch(/path/);
    expect(why(envOk({ AWS_ENDPOINT_URL: undefined, AWS_USE_FIPS_ENDPOINT: 'true' }))).toMatch(/FIPS/);
  });

  it("does not start when the server would stop with a usage error: every setting of the environment is checked by the configuration's rules", () => {
    for (const bad of [
      { LOG_LEVEL: 'bogus' },
      { LAMBDA_MCP_MAX_TOOLS: 'abc' },
      { LAMBDA_MCP_MAX_TOOLS: '-1' },
      { LAMBDA_MCP_CACHE_TTL: 'xyz' },
      { LAMBDA_MCP_TOOLS: 'nope' },
      { LAMBDA_MCP_EXCLUDE: '[' },
      { MCP_SERVER_PORT: 'x' },
      { LAMBDA_MCP_ROLE_EXTERNAL_ID: 'x' },
      { LAMBDA_MCP_ANNOTATIONS: 'zz' },
      { AWS_REGION: 'US-EAST-1' },
      { AWS_REGION: 'not a region!' },
      { FUNCTION_PREFIX: 'bad prefix' },
      { FUNCTION_TAG_VALUE: 'true' },
      { FUNCTION_TAG_KEY: 'k'.repeat(129) },
    ]) {
      expect(why(envOk(bad)), JSON.stringify(bad)).toMatch(/not valid/);
    }
    // Valid settings of every kind start it.
    expect(
      why(
        envOk({
          LOG_LEVEL: 'Warning',
          FUNCTION_PREFIX: 'team-a-,team-b-',
          FUNCTION_TAG_KEY: 'MCPEnabled',
          FUNCTION_TAG_VALUE: 'true',
          LAMBDA_MCP_MAX_TOOLS: '200',
          LAMBDA_MCP_DISK_CACHE: ' FALSE ',
          FUNCTION_INPUT_SCHEMA_ARN_TAG_KEY: 'schema',
        }),
      ),
    ).toBeUndefined();
  });

  it('reads with the configured AWS timeouts, as the backend does', () => {
    const p = plan(
      envOk({ LAMBDA_MCP_AWS_CONNECT_TIMEOUT_MS: '1500', LAMBDA_MCP_AWS_REQUEST_TIMEOUT_MS: '9000' }),
    );
    expect('limits' in p && p.limits).toEqual({ connectTimeoutMs: 1500, requestTimeoutMs: 9000 });
    const defaults = plan(envOk());
    expect('limits' in defaults && defaults.limits).toEqual({
      connectTimeoutMs: 5_000,
      requestTimeoutMs: 20_000,
    });
  });

  it('does not start when shared config files could set endpoints (and no endpoint is given)', () => {
    writeFileSync(join(dir, 'config'), '[default]\nendpoint_url = http://elsewhere\n');
    const env = envOk({ AWS_ENDPOINT_URL: undefined, AWS_CONFIG_FILE: join(dir, 'config') });
    expect(why(env)).toMatch(/shared config files/);
  });

  it('reads the shared files without ever waiting: a named pipe or a large file counts as not blank, /dev/null as empty', async () => {
    // In a child process running the built entry, with a time limit: a read that blocked would hold
    // this test's thread for good.
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    writeFileSync(join(dir, 'big'), ' '.repeat(100 * 1024));
    const entry = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'early.js');
    expect(existsSync(entry), `${entry} is missing: run the build first`).toBe(true);
    const whyIn = (configFile: string) => {
      const env = envOk({ AWS_ENDPOINT_URL: undefined, AWS_CONFIG_FILE: configFile });
      const out = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const { earlyListingPlan } = await import(${JSON.stringify(pathToFileURL(entry).href)}); const p = earlyListingPlan({ env: JSON.parse(process.argv[1]), argv: [], cwd: process.argv[2] }); process.stdout.write(p.why ?? 'starts');`,
          JSON.stringify(env),
          dir,
        ],
        { timeout: 10_000, encoding: 'utf8' },
      );
      return out;
    };
    // The server's own (async) check reads them the same way.
    const files = (configFile: string) =>
      sharedConfigFilesEmpty({ AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') });
    await expect(files(fifo)).resolves.toBe(false);
    await expect(files(join(dir, 'big'))).resolves.toBe(false);
    await expect(files('/dev/null')).resolves.toBe(true);
    await expect(files(join(dir, 'missing'))).resolves.toBe(true);
    expect(whyIn(fifo)).toMatch(/shared config files/);
    expect(whyIn(join(dir, 'big'))).toMatch(/shared config files/);
    expect(whyIn(dir)).toMatch(/shared config files/);
    expect(whyIn('/dev/null')).toBe('starts');
    expect(whyIn(join(dir, 'missing'))).toBe('starts');
  });

  it('does not start when a cached catalog (of any scope) would answer first, unless the disk cache is off', () => {
    const cache = join(dir, 'cache');
    mkdirSync(cache);
    writeFileSync(join(cache, `catalog-${'0'.repeat(32)}.json`), '{}');
    expect(why(envOk())).toMatch(/cached on disk/);
    expect(why(envOk({ LAMBDA_MCP_DISK_CACHE: 'false' }))).toBeUndefined();
    expect(why(envOk({ LAMBDA_MCP_DISK_CACHE: 'off' }))).toBeUndefined();
    // A relative cache directory is the working directory's, as the configuration reads it, and
    // spaces around it are the configuration's too (trimmed).
    expect(why(envOk({ LAMBDA_MCP_CACHE_DIR: 'cache' }))).toMatch(/cached on disk/);
    expect(why(envOk({ LAMBDA_MCP_CACHE_DIR: ` ${cache} ` }))).toMatch(/cached on disk/);
    // A blank one is unset: the default directory.
    expect(why(envOk({ LAMBDA_MCP_CACHE_DIR: ' ', XDG_CACHE_HOME: join(dir, 'empty-xdg') }))).toBeUndefined();
    // The default directory: $XDG_CACHE_HOME/lambda-mcp.
    mkdirSync(join(dir, 'xdg', 'lambda-mcp'), { recursive: true });
    writeFileSync(join(dir, 'xdg', 'lambda-mcp', `catalog-${'1'.repeat(32)}.json`), '{}');
    expect(why(envOk({ LAMBDA_MCP_CACHE_DIR: undefined, XDG_CACHE_HOME: join(dir, 'xdg') }))).toMatch(
      /cached on disk/,
    );
  });

  it('a listing that does not start reads nothing and hands nothing over', () => {
    const reader = vi.fn();
    const early = startEarlyListing({ env: envOk(), argv: ['--local', 'x'], cwd: dir }, { reader });
    expect(early.started).toBe(false);
    expect(early.why).toMatch(/flags/);
    expect(reader).not.toHaveBeenCalled();
    expect(early.adopt((plan(envOk()) as { target: LeanTarget }).target, 50)).toBeUndefined();
  });
});

/** A reader whose ListFunctions pages are answered by the test, one marker at a time. */
function fakeReader(pages: number) {
  const calls: Array<{ marker: string | undefined; signal?: AbortSignal }> = [];
  const pending = new Map<string, { resolve: (p: EarlyPage) => void; reject: (e: Error) => void }>();
  let closed = 0;
  let onWritten: () => void = () => {};
  const reader: LeanReader = {
    listFunctionsPage(marker, pageSize, signal) {
      expect(pageSize).toBe(50);
      calls.push({ marker, ...(signal ? { signal } : {}) });
      onWritten();
      return new Promise<EarlyPage>((resolve, reject) => {
        pending.set(marker ?? '', { resolve, reject });
        signal?.addEventListener('abort', () => reject(new Error('aborted')));
      });
    },
    getResourcesPage: () => Promise.reject(new Error('not used')),
    getFunction: () => Promise.reject(new Error('not used')),
    close() {
      closed += 1;
    },
  };
  const index = (marker: string | undefined) => (marker ? Number(marker.slice(1)) : 0);
  return {
    make: (_target: LeanTarget, written: () => void) => {
      onWritten = written;
      return reader;
    },
    calls,
    closed: () => closed,
    /** Answers the page that starts at `marker` (page i has functions fn-i and marker m<i+1>). */
    answer(marker: string | undefined) {
      const i = index(marker);
      const next = i + 1 < pages ? { nextMarker: `m${i + 1}` } : {};
      pending
        .get(marker ?? '')
        ?.resolve({ functions: [{ FunctionName: `fn-${i}`, FunctionArn: `arn:${i}` }], ...next });
    },
    fail(marker: string | undefined) {
      pending.get(marker ?? '')?.reject(new Error('HTTP 429 TooManyRequestsException'));
    },
  };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

function started(pages: number) {
  const fake = fakeReader(pages);
  const early = startEarlyListing({ env: envOk(), argv: [], cwd: dir }, { reader: fake.make });
  expect(early.started).toBe(true);
  const target = (plan(envOk()) as { target: LeanTarget }).target;
  return { fake, early, target };
}

describe('the pages of an early listing', () => {
  it('follows the markers while the server loads, and hands each page over once, in order', async () => {
    const { fake, early, target } = started(3);
    expect(fake.calls.map((c) => c.marker)).toEqual([undefined]);
    expect(early.firstRequestWritten).toBe(true);
    fake.answer(undefined);
    await flush();
    // The next page is asked for as soon as the last one's marker is known, before any take.
    expect(fake.calls.map((c) => c.marker)).toEqual([undefined, 'm1']);
    const pages = early.adopt(target, 50);
    expect(pages).toBeDefined();
    expect((await pages?.take(undefined))?.functions[0]?.FunctionName).toBe('fn-0');
    const second = pages?.take('m1');
    fake.answer('m1');
    expect((await second)?.nextMarker).toBe('m2');
    fake.answer('m2');
    const third = await pages?.take('m2');
    expect(third?.functions[0]?.FunctionName).toBe('fn-2');
    expect(third?.nextMarker).toBeUndefined();
    expect(fake.calls).toHaveLength(3);
    expect(pages?.taken).toBe(3);
    // Every page taken and the chain ended: the reader (its connection) is closed.
    expect(fake.closed()).toBeGreaterThan(0);
    // A later listing (a refresh) reads for itself.
    expect(pages?.take(undefined)).toBeUndefined();
  });

  it('reads at most EARLY_LOOKAHEAD pages ahead of those taken', async () => {
    const { fake, early, target } = started(100);
    for (let i = 0; i < 10; i++) {
      const last = fake.calls.at(-1);
      fake.answer(last?.marker);
      await flush();
    }
    expect(fake.calls).toHaveLength(EARLY_LOOKAHEAD);
    const pages = early.adopt(target, 50);
    await pages?.take(undefined);
    await flush();
    // One taken: one more is read.
    expect(fake.calls).toHaveLength(EARLY_LOOKAHEAD + 1);
    early.abandon();
  });

  it('a take out of order stops the listing: the backend reads for itself from there', async () => {
    const { fake, early, target } = started(5);
    fake.answer(undefined);
    await flush();
    const pages = early.adopt(target, 50);
    expect(pages?.take('m7')).toBeUndefined();
    // Stopped: what was in flight is aborted, nothing more is read, the reader is closed.
    expect(fake.calls.at(-1)?.signal?.aborted).toBe(true);
    await flush();
    expect(fake.calls).toHaveLength(2);
    expect(fake.closed()).toBeGreaterThan(0);
    expect(pages?.take(undefined)).toBeUndefined();
  });

  it('a page that failed is handed over as a failure (read again by the backend) and ends the listing', async () => {
    const { fake, early, target } = started(5);
    fake.fail(undefined);
    await flush();
    const pages = early.adopt(target, 50);
    await expect(pages?.take(undefined)).rejects.toThrow(/429/);
    expect(fake.calls).toHaveLength(1);
    expect(pages?.take('m1')).toBeUndefined();
  });

  it('pages read for another target, or another page size, are dropped unread by anyone', async () => {
    for (const [other, size] of [
      [{ region: 'eu-west-1' }, 50],
      [{ credentials: { accessKeyId: 'AKIDEARLY', secretAccessKey: 'other' } }, 50],
      [{ credentials: { accessKeyId: 'AKIDEARLY', secretAccessKey: 'early-secret', sessionToken: 't' } }, 50],
      [
        { endpoints: { lambda: new URL('http://127.0.0.1:10'), tagging: new URL('http://127.0.0.1:10') } },
        50,
      ],
      [{}, 20],
    ] as const) {
      const { fake, early, target } = started(5);
      expect(early.adopt({ ...target, ...other } as LeanTarget, size)).toBeUndefined();
      expect(fake.calls[0]?.signal?.aborted).toBe(true);
      // Once dropped, always dropped.
      expect(early.adopt(target, 50)).toBeUndefined();
    }
  });

  it('is adopted once only', () => {
    const { early, target } = started(5);
    expect(early.adopt(target, 50)).toBeDefined();
    expect(early.adopt(target, 50)).toBeUndefined();
    early.abandon();
  });

  it('is dropped when no first page is taken within 30 s, or no next one within 5 s (no stale page is handed over)', async () => {
    vi.useFakeTimers();
    const { fake, early, target } = started(5);
    const pages = early.adopt(target, 50);
    // A backend slow to be created (5 s and more) still takes the pages.
    vi.advanceTimersByTime(10_000);
    expect(fake.calls[0]?.signal?.aborted).toBe(false);
    fake.answer(undefined);
    await Promise.resolve();
    expect(pages?.take(undefined)).toBeDefined();
    vi.advanceTimersByTime(5_001);
    expect(fake.calls.at(-1)?.signal?.aborted).toBe(true);
    expect(pages?.take('m1')).toBeUndefined();

    const second = started(5);
    second.early.adopt(second.target, 50);
    vi.advanceTimersByTime(30_001);
    expect(second.fake.calls[0]?.signal?.aborted).toBe(true);
  });

  it("a take passes the caller's abort on", async () => {
    const { early, target } = started(5);
    const pages = early.adopt(target, 50);
    const controller = new AbortController();
    const page = pages?.take(undefined, controller.signal);
    controller.abort(new Error('discovery timed out'));
    await expect(page).rejects.toThrow(/timed out/);
    early.abandon();
  });

  it('nextRequestWritten waits for the answer and the next request, bounded', async () => {
    const { fake, early } = started(3);
    const waiting = early.nextRequestWritten(10_000);
    let done = false;
    void waiting.then(() => {
      done = true;
    });
    await flush();
    expect(done).toBe(false);
    fake.answer(undefined);
    await waiting;
    expect(fake.calls).toHaveLength(2);
    // Bounded: nothing answers, the wait ends anyway.
    const t = performance.now();
    await early.nextRequestWritten(30);
    expect(performance.now() - t).toBeLessThan(5_000);
    // The last page answered: nothing is written, and the wait ends with the listing.
    const last = early.nextRequestWritten(10_000);
    fake.answer('m1');
    await flush();
    fake.answer('m2');
    await last;
    early.abandon();
    // Stopped: no wait at all.
    await early.nextRequestWritten(10_000);
  });
});
