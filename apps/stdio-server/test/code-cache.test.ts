// The bin's code cache (src/code-cache.ts): a cache is written once and then used; anything that is
// not this bundle's intact cache, in a file of this user's that nobody else can write, is ignored
// (the bundle is compiled as without one); nothing about the cache can stop a start.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeCacheDir, codeCacheFile, loadWithCodeCache } from '../src/code-cache.js';

const MAGIC = 'lambda-mcp-code-cache-1\n';

let root: string;
let bundle: string;
let dir: string;

const BUNDLE = `(function (exports, require, module, __filename, __dirname) {"use strict";
exports.sum = function sum(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; };
exports.joined = require('node:path').join('a', 'b');
exports.file = __filename;
exports.strict = (function () { return this; })() === undefined;
exports.loads = (globalThis.__codeCacheTestLoads = (globalThis.__codeCacheTestLoads ?? 0) + 1);
})`;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lambda-mcp-code-cache-'));
  bundle = join(root, 'server.cjs');
  writeFileSync(bundle, BUNDLE);
  dir = join(root, 'cache', 'code');
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

type Exports = { sum(n: number): number; joined: string; file: string; strict: boolean; loads: number };
const load = (options: { dir?: string | undefined } = {}) =>
  loadWithCodeCache<Exports>({ file: bundle, dir: 'dir' in options ? options.dir : dir });
const cacheFile = () => codeCacheFile(dir, readFileSync(bundle));

/** Writes a cache file in the loader's format around `data` (with a correct hash unless told). */
function plant(data: Buffer, { hash }: { hash?: Buffer } = {}) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const digest = hash ?? createHash('sha256').update(data).digest();
  writeFileSync(cacheFile(), Buffer.concat([Buffer.from(MAGIC), digest, data]), { mode: 0o600 });
}

describe('the code cache', () => {
  it('is written by a start that found none, then used by the next, with the same module', async () => {
    const first = load();
    expect(first.cache).toBe('miss');
    expect(first.exports.sum(10)).toBe(45);
    expect(first.exports.joined).toBe(join('a', 'b'));
    expect(first.exports.file).toBe(bundle);
    expect(first.exports.strict).toBe(true);
    expect(first.save()).toBe(true);
    const file = cacheFile();
    expect(readFileSync(file).subarray(0, MAGIC.length).toString()).toBe(MAGIC);
    if (process.platform !== 'win32') {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    }

    const second = load();
    expect(second.cache).toBe('used');
    expect(second.exports.sum(10)).toBe(45);
    expect(second.exports.strict).toBe(true);
    // A cache that was used is not written again, and a cache is written once at most.
    expect(second.save()).toBe(false);
    expect(first.save()).toBe(false);
    expect(readdirSync(dir)).toEqual([file.slice(dir.length + 1)]);
  });

  it('is off without a directory: nothing is read or written', async () => {
    const loaded = load({ dir: undefined });
    expect(loaded.cache).toBe('off');
    expect(loaded.exports.sum(4)).toBe(6);
    expect(loaded.save()).toBe(false);
    expect(existsSync(join(root, 'cache'))).toBe(false);
  });

  it('belongs to one bundle: another bundle (or Node.js version) has a file of its own', async () => {
    expect(load().save()).toBe(true);
    const before = cacheFile();
    writeFileSync(bundle, BUNDLE.replace('s += i', 's += i * 1'));
    expect(cacheFile()).not.toBe(before);
    const other = load();
    expect(other.cache).toBe('miss');
    expect(other.exports.sum(10)).toBe(45);
  });

  it("belongs to one set of Node.js options: starts with other flags keep a file of their own (V8 refuses another's)", () => {
    const bytes = readFileSync(bundle);
    const plain = codeCacheFile(dir, bytes, '\0');
    expect(codeCacheFile(dir, bytes, '\0--max-semi-space-size=16')).not.toBe(plain);
    expect(codeCacheFile(dir, bytes, '--max-old-space-size=160\0')).not.toBe(plain);
    expect(codeCacheFile(dir, bytes, '\0')).toBe(plain);
    // This process's own options by default.
    expect(codeCacheFile(dir, bytes)).toBe(
      codeCacheFile(dir, bytes, `${process.execArgv.join(' ')}\0${process.env.NODE_OPTIONS ?? ''}`),
    );
  });

  it.each([
    [
      'a flipped byte in the V8 data',
      (b: Buffer) => {
        b[b.length - 10] = (b[b.length - 10] as number) ^ 0xff;
      },
    ],
    [
      'a flipped byte in the recorded hash',
      (b: Buffer) => {
        b[MAGIC.length + 3] = (b[MAGIC.length + 3] as number) ^ 0xff;
      },
    ],
    [
      'another magic line',
      (b: Buffer) => {
        b[0] = 0x4c;
      },
    ],
  ])('ignores a damaged file (%s) and writes a good one', async (_what, damage) => {
    expect(load().save()).toBe(true);
    const bytes = readFileSync(cacheFile());
    damage(bytes);
    writeFileSync(cacheFile(), bytes, { mode: 0o600 });
    const loaded = load();
    expect(loaded.cache).toBe('miss');
    expect(loaded.exports.sum(10)).toBe(45);
    expect(loaded.save()).toBe(true);
    expect(load().cache).toBe('used');
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['shorter than its header', Buffer.from(MAGIC)],
    ['cut in the middle', null],
  ])('ignores a file that is %s', async (_what, content) => {
    expect(load().save()).toBe(true);
    const whole = readFileSync(cacheFile());
    writeFileSync(cacheFile(), content ?? whole.subarray(0, Math.floor(whole.length / 2)), { mode: 0o600 });
    const loaded = load();
    expect(loaded.cache).toBe('miss');
    expect(loaded.exports.sum(3)).toBe(3);
  });

  it('hands V8 intact data made for other code: V8 refuses it, and a fresh cache is written', async () => {
    const other = new Script('(function () { return 1 + 1; })', { filename: 'other.js' });
    plant(other.createCachedData());
    const loaded = load();
    expect(loaded.cache).toBe('rejected');
    expect(loaded.exports.sum(10)).toBe(45);
    expect(loaded.save()).toBe(true);
    expect(load().cache).toBe('used');
  });

  it.skipIf(process.platform === 'win32')('ignores a cache file that others can write', async () => {
    expect(load().save()).toBe(true);
    chmodSync(cacheFile(), 0o666);
    expect(load().cache).toBe('miss');
    chmodSync(cacheFile(), 0o620);
    expect(load().cache).toBe('miss');
    chmodSync(cacheFile(), 0o600);
    expect(load().cache).toBe('used');
  });

  it.skipIf(process.platform === 'win32' || process.getuid?.() !== 0)(
    "ignores a cache file of another user's (run as root, which can give one away)",
    () => {
      expect(load().save()).toBe(true);
      chownSync(cacheFile(), 65534, 65534);
      expect(load().cache).toBe('miss');
      chownSync(cacheFile(), 0, 0);
      expect(load().cache).toBe('used');
    },
  );

  it.skipIf(process.platform === 'win32')(
    'never follows a symbolic link in place of the cache file',
    async () => {
      // A good cache elsewhere, linked in under the expected name.
      expect(load().save()).toBe(true);
      const elsewhere = join(root, 'elsewhere.bin');
      const original = readFileSync(cacheFile());
      writeFileSync(elsewhere, original, { mode: 0o600 });
      rmSync(cacheFile());
      symlinkSync(elsewhere, cacheFile());
      const loaded = load();
      expect(loaded.cache).toBe('miss');
      // The new cache replaces the link (rename), and the link's target is left as it was.
      expect(loaded.save()).toBe(true);
      expect(statSync(cacheFile()).isFile()).toBe(true);
      expect(readFileSync(elsewhere).equals(original)).toBe(true);
      expect(load().cache).toBe('used');
    },
  );

  it.skipIf(process.platform === 'win32')(
    'does not wait on a named pipe in place of the cache file',
    async () => {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      execFileSync('mkfifo', ['-m', '600', cacheFile()]);
      const loaded = load();
      expect(loaded.cache).toBe('miss');
      expect(loaded.exports.sum(10)).toBe(45);
      // The new cache replaces the pipe.
      expect(loaded.save()).toBe(true);
      expect(load().cache).toBe('used');
    },
  );

  it('ignores a directory in place of the cache file', async () => {
    mkdirSync(cacheFile(), { recursive: true });
    const loaded = load();
    expect(loaded.cache).toBe('miss');
    expect(loaded.exports.sum(10)).toBe(45);
    // It cannot be replaced by a file: the write fails, quietly.
    expect(loaded.save()).toBe(false);
  });

  it('starts when the cache directory cannot be made (a file in the way), writing nothing', async () => {
    mkdirSync(join(root, 'cache'));
    writeFileSync(join(root, 'cache', 'code'), 'not a directory');
    const loaded = load();
    expect(loaded.cache).toBe('miss');
    expect(loaded.exports.sum(10)).toBe(45);
    expect(loaded.save()).toBe(false);
    expect(readFileSync(join(root, 'cache', 'code'), 'utf8')).toBe('not a directory');
  });

  it('keeps the newest four cache files and removes stale temporary files', async () => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const old = Date.now() / 1000 - 3600;
    const others = [1, 2, 3, 4, 5].map((n) => join(dir, `server-${String(n).repeat(32)}.bin`));
    others.forEach((file, i) => {
      writeFileSync(file, 'x', { mode: 0o600 });
      utimesSync(file, old + i, old + i);
    });
    const staleTmp = join(dir, '.123.0123456789ab.tmp');
    const freshTmp = join(dir, '.124.0123456789ab.tmp');
    writeFileSync(staleTmp, 'x');
    utimesSync(staleTmp, old, old);
    writeFileSync(freshTmp, 'x');
    const unrelated = join(dir, 'notes.txt');
    writeFileSync(unrelated, 'kept');
    expect(load().save()).toBe(true);
    const left = readdirSync(dir).sort();
    // This bundle's, and the three newest others (written last: 5, 4, 3).
    expect(left).toEqual(
      [
        '.124.0123456789ab.tmp',
        'notes.txt',
        cacheFile().slice(dir.length + 1),
        ...[3, 4, 5].map((n) => `server-${String(n).repeat(32)}.bin`),
      ].sort(),
    );
  });
});

describe('codeCacheDir', () => {
  const home = { HOME: '/home/someone' };
  it('is <cache dir>/code: LAMBDA_MCP_CACHE_DIR, --cache-dir, XDG_CACHE_HOME or ~/.cache/lambda-mcp', () => {
    expect(codeCacheDir({ LAMBDA_MCP_CACHE_DIR: '/var/cache/lm' }, [])).toBe(join('/var/cache/lm', 'code'));
    expect(codeCacheDir({ LAMBDA_MCP_CACHE_DIR: '/a' }, ['--cache-dir', '/b'])).toBe(join('/b', 'code'));
    expect(codeCacheDir({}, ['--local', 'x', '--cache-dir=/c'])).toBe(join('/c', 'code'));
    expect(codeCacheDir({ XDG_CACHE_HOME: '/xdg' }, [])).toBe(join('/xdg', 'lambda-mcp', 'code'));
    expect(codeCacheDir({ XDG_CACHE_HOME: '  ', ...home }, [])).toMatch(/lambda-mcp[\\/]code$/);
  });

  it.each([
    [{ LAMBDA_MCP_CODE_CACHE: 'false' }],
    [{ LAMBDA_MCP_CODE_CACHE: '0' }],
    [{ LAMBDA_MCP_CODE_CACHE: 'OFF' }],
    [{ LAMBDA_MCP_CODE_CACHE: ' no ' }],
    [{ NODE_DISABLE_COMPILE_CACHE: '1' }],
  ])('is off with %o', (env) => {
    expect(codeCacheDir({ LAMBDA_MCP_CACHE_DIR: '/a', ...env }, [])).toBeUndefined();
  });

  it('stays on with LAMBDA_MCP_CODE_CACHE=true, and whatever the disk catalog cache is set to', () => {
    expect(codeCacheDir({ LAMBDA_MCP_CACHE_DIR: '/a', LAMBDA_MCP_CODE_CACHE: 'true' }, [])).toBe(
      join('/a', 'code'),
    );
    expect(
      codeCacheDir({ LAMBDA_MCP_CACHE_DIR: '/a', LAMBDA_MCP_DISK_CACHE: 'false' }, ['--no-disk-cache']),
    ).toBe(join('/a', 'code'));
  });
});
