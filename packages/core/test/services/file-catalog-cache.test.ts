import { execFileSync } from 'node:child_process';
import {
  chmod,
  chown,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  catalogCacheFileName,
  createFileCatalogCache,
  defaultCacheDir,
} from '../../src/cache/file-catalog-cache.js';
import { catalogFingerprint } from '../../src/services/discovery-service.js';
import type { Catalog } from '../../src/services/types.js';
import type { FunctionInfo } from '../../src/types.js';
import { fn } from './memory-backend.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lambda-mcp-cache-'));
  dirs.push(dir);
  return dir;
}

function catalogOf(count: number): Catalog {
  const functions: FunctionInfo[] = Array.from({ length: count }, (_, i) => ({
    ...fn(`fn-${String(i).padStart(5, '0')}`),
    description: `function number ${i}`,
    tags: { team: i % 2 ? 'a' : 'b', MCPEnabled: 'true' },
  }));
  return {
    functions,
    generatedAt: new Date('2025-05-01T12:00:00Z'),
    fingerprint: catalogFingerprint(functions),
    source: 'live',
  };
}

describe('createFileCatalogCache', () => {
  it('saves and loads a catalog for its scope (source cache)', async () => {
    const cache = createFileCatalogCache({ dir: join(await tempDir(), 'nested', 'cache') });
    const catalog = catalogOf(3);
    await cache.save('aws:123456789012:us-east-1', catalog);
    const loaded = await cache.load('aws:123456789012:us-east-1');
    expect(loaded).toEqual({ ...catalog, source: 'cache' });
    expect(loaded?.generatedAt).toBeInstanceOf(Date);
    expect(await cache.load('aws:123456789012:eu-west-1')).toBeUndefined();
  });

  it('never serves another scope’s file, even under its name', async () => {
    const dir = await tempDir();
    const cache = createFileCatalogCache({ dir });
    await cache.save('scope-a', catalogOf(2));
    // Put scope A's content where scope B's file would be.
    await writeFile(
      join(dir, catalogCacheFileName('scope-b')),
      await readFile(join(dir, catalogCacheFileName('scope-a'))),
    );
    expect(await cache.load('scope-b')).toBeUndefined();
    expect(await cache.load('scope-a')).toBeDefined();
  });

  const corrupt: [string, string][] = [
    ['truncated JSON', '{"format":1,"scope":"s","functions":['],
    [
      'another format version',
      JSON.stringify({
        format: 99,
        scope: 's',
        fingerprint: 'f',
        generatedAt: '2025-01-01T00:00:00Z',
        functions: [],
      }),
    ],
    [
      'entries without names',
      JSON.stringify({
        format: 1,
        scope: 's',
        fingerprint: 'f',
        generatedAt: '2025-01-01T00:00:00Z',
        functions: [{ arn: 'x' }],
      }),
    ],
    [
      'a bad date',
      JSON.stringify({ format: 1, scope: 's', fingerprint: 'f', generatedAt: 'yesterday', functions: [] }),
    ],
    ['not an object', '42'],
  ];
  it.each(corrupt)('treats %s as a miss', async (_what, content) => {
    const dir = await tempDir();
    await writeFile(join(dir, catalogCacheFileName('s')), content);
    expect(await createFileCatalogCache({ dir }).load('s')).toBeUndefined();
  });

  it('writes atomically, leaves no temporary file and keeps the file private', async () => {
    const dir = await tempDir();
    const cache = createFileCatalogCache({ dir });
    await Promise.all([
      cache.save('s', catalogOf(50)),
      cache.save('s', catalogOf(60)),
      cache.save('s', catalogOf(70)),
    ]);
    const files = await readdir(dir);
    expect(files).toEqual([catalogCacheFileName('s')]);
    const loaded = await cache.load('s');
    expect([50, 60, 70]).toContain(loaded?.functions.length);
    expect((await stat(join(dir, files[0] as string))).mode & 0o777).toBe(0o600);
  });

  it('writes format 2 (columns) and still reads a format 1 file of an earlier version', async () => {
    const dir = await tempDir();
    const cache = createFileCatalogCache({ dir });
    const catalog = catalogOf(40);
    await cache.save('s', catalog);
    const written = JSON.parse(await readFile(join(dir, catalogCacheFileName('s')), 'utf8'));
    expect(written).toMatchObject({ format: 2, count: 40, scope: 's' });
    expect(written.functions).toBeUndefined();
    await writeFile(
      join(dir, catalogCacheFileName('old')),
      JSON.stringify({
        format: 1,
        scope: 'old',
        savedAt: '2025-05-01T12:00:00.000Z',
        generatedAt: '2025-05-01T12:00:00.000Z',
        fingerprint: catalog.fingerprint,
        functions: catalog.functions,
      }),
    );
    expect(await cache.load('old')).toEqual({ ...catalog, source: 'cache' });
    // A format 2 file whose columns do not add up is a miss like any other damage.
    written.count = 41;
    await writeFile(join(dir, catalogCacheFileName('s')), JSON.stringify(written));
    expect(await cache.load('s')).toBeUndefined();
  });

  it('parses a file only after parseAfter, and does not wait on a miss', async () => {
    const dir = await tempDir();
    await createFileCatalogCache({ dir }).save('s', catalogOf(3));
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const waits: string[] = [];
    const cache = createFileCatalogCache({
      dir,
      parseAfter: () => {
        waits.push('gate');
        return gate;
      },
    });
    // A scope with no file answers at once, without waiting for the gate.
    expect(await cache.load('other')).toBeUndefined();
    expect(waits).toEqual([]);
    let loaded: unknown;
    const loading = cache.load('s').then((c) => {
      loaded = c;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(waits).toEqual(['gate']);
    expect(loaded).toBeUndefined();
    open();
    await loading;
    expect(loaded).toMatchObject({ source: 'cache', functions: { length: 3 } });
  });

  describe('a file someone else could have written is never served (the catalog decides which tools exist)', () => {
    const scope = 'aws:us-east-1:123456789012';
    /** A cache with a genuine catalog saved in it, and the path of its file. */
    async function saved() {
      const dir = await tempDir();
      const cache = createFileCatalogCache({ dir });
      await cache.save(scope, catalogOf(3));
      return { dir, cache, file: join(dir, catalogCacheFileName(scope)) };
    }
    /** load(), or 'hung' if it does not settle within 2 s. */
    const loadWithin = (cache: ReturnType<typeof createFileCatalogCache>) =>
      Promise.race([
        cache.load(scope),
        new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 2_000).unref()),
      ]);

    it('the file as saved is read', async () => {
      const { cache } = await saved();
      expect((await cache.load(scope))?.functions).toHaveLength(3);
    });
    it('not if group or others may write it', async () => {
      const { cache, file } = await saved();
      for (const mode of [0o620, 0o602, 0o666]) {
        await chmod(file, mode);
        expect(await cache.load(scope), `mode ${mode.toString(8)}`).toBeUndefined();
      }
    });
    it('not through a symbolic link, even to a genuine catalog', async () => {
      const { cache, file } = await saved();
      const elsewhere = `${file}.elsewhere`;
      await rename(file, elsewhere);
      await symlink(elsewhere, file);
      expect(await cache.load(scope)).toBeUndefined();
    });
    it('not a named pipe (the start is not held waiting for a writer)', async () => {
      const { cache, file } = await saved();
      await rm(file);
      execFileSync('mkfifo', [file]);
      expect(await loadWithin(cache)).toBeUndefined();
    });
    it.skipIf(typeof process.getuid !== 'function' || process.getuid() !== 0)(
      "not another user's file (run as root: the file is given to uid 65534)",
      async () => {
        const { cache, file } = await saved();
        await chown(file, 65534, 65534);
        expect(await cache.load(scope)).toBeUndefined();
      },
    );
    it('a refused file is replaced by the next save, which is read again', async () => {
      const { cache, file } = await saved();
      await chmod(file, 0o666);
      expect(await cache.load(scope)).toBeUndefined();
      await cache.save(scope, catalogOf(2));
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await cache.load(scope))?.functions).toHaveLength(2);
    });
  });

  it('round-trips 10,000 functions', async () => {
    const cache = createFileCatalogCache({ dir: await tempDir() });
    const catalog = catalogOf(10_000);
    await cache.save('big', catalog);
    const loaded = await cache.load('big');
    expect(loaded?.functions).toHaveLength(10_000);
    expect(loaded?.fingerprint).toBe(catalog.fingerprint);
    expect(catalogFingerprint(loaded?.functions ?? [])).toBe(catalog.fingerprint);
    expect(loaded?.functions).toEqual(catalog.functions);
  });

  it('defaults to $XDG_CACHE_HOME/lambda-mcp, else ~/.cache/lambda-mcp', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/me' })).toBe('/var/cache/me/lambda-mcp');
    expect(defaultCacheDir({})).toBe(join(homedir(), '.cache', 'lambda-mcp'));
    expect(createFileCatalogCache({ env: { XDG_CACHE_HOME: '/x' } }).dir).toBe('/x/lambda-mcp');
  });

  it('uses a fixed-length, filesystem-safe name per scope', () => {
    const name = catalogCacheFileName('aws:arn:aws:iam::123456789012:role/../../etc|us-east-1');
    expect(name).toMatch(/^catalog-[0-9a-f]{32}\.json$/);
    expect(catalogCacheFileName('a')).not.toBe(catalogCacheFileName('b'));
  });
});
