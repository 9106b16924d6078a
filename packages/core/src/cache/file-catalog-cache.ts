import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalog, CatalogCacheStore } from '../services/types.js';
import type { FunctionInfo } from '../types.js';
import { readPrivateFile } from '../util/private-file.js';
import { defaultCacheDir } from './cache-dir.js';
import { type CatalogColumns, fromColumns, toColumns } from './catalog-columns.js';

/** Written: 2 (the functions in column form, catalog-columns.ts). Read: 1 (an object per function) and 2. */
const FORMAT_VERSION = 2;

export interface FileCatalogCacheOptions {
  /** Default: $XDG_CACHE_HOME/lambda-mcp, else ~/.cache/lambda-mcp. */
  dir?: string;
  env?: Record<string, string | undefined>;
  /**
   * Awaited after a cache file has been read and before it is parsed: a server that answers
   * `initialize` while the cache is read passes a promise of that (the parse of a large catalog
   * holds the thread for tens of milliseconds). Only a file that exists waits; a miss returns at
   * once, so discovery is not held back.
   */
  parseAfter?: () => Promise<unknown>;
}

interface StoredHeader {
  format: number;
  scope: string;
  savedAt: string;
  generatedAt: string;
  fingerprint: string;
}
type StoredCatalog = StoredHeader &
  ({ format: 1; functions: FunctionInfo[] } | ({ format: 2 } & CatalogColumns));

export { defaultCacheDir } from './cache-dir.js';

/** The file a scope's catalog is kept in: a hash of the scope, so names are safe and fixed-length. */
export function catalogCacheFileName(scope: string): string {
  return `catalog-${createHash('sha256').update(scope).digest('hex').slice(0, 32)}.json`;
}

function storedFunctions(value: unknown, scope: string): FunctionInfo[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.scope !== scope || typeof v.fingerprint !== 'string' || typeof v.generatedAt !== 'string')
    return undefined;
  if (v.format === 2) return fromColumns(v);
  if (v.format !== 1 || !Array.isArray(v.functions)) return undefined;
  // Format 1 (written by earlier versions): read as it is, so an upgrade keeps its warm start.
  const functions = v.functions as unknown[];
  const valid = functions.every(
    (f) =>
      typeof f === 'object' &&
      f !== null &&
      typeof (f as FunctionInfo).name === 'string' &&
      typeof (f as FunctionInfo).arn === 'string',
  );
  return valid ? (functions as FunctionInfo[]) : undefined;
}

/**
 * A catalog cache on disk: one JSON file per backend scope, written atomically (temporary file,
 * then rename), readable by the owner only. The scope is stored inside and checked on load, so
 * another account's or region's catalog is never served; an unreadable or corrupt file is a miss,
 * and so is a file someone else could have written (not this user's, writable by group or others,
 * a link or not a regular file: util/private-file.ts).
 */
export function createFileCatalogCache(
  options: FileCatalogCacheOptions = {},
): CatalogCacheStore & { dir: string } {
  const dir = options.dir ?? defaultCacheDir(options.env);
  return {
    dir,
    async load(scope: string): Promise<Catalog | undefined> {
      // Read as bytes and decoded once: with an encoding, readFile decodes chunk by chunk into a
      // string built of pieces (measured: most of the read of a 10,000-function catalog). Only a
      // file this user wrote and nobody else can change: the catalog decides which tools exist
      // and which functions may be invoked, and the directory may be shared (LAMBDA_MCP_CACHE_DIR).
      const bytes = await readPrivateFile(join(dir, catalogCacheFileName(scope)));
      if (!bytes) return undefined;
      if (options.parseAfter) await options.parseAfter();
      let stored: StoredHeader;
      try {
        stored = JSON.parse(bytes.toString('utf8'));
      } catch {
        return undefined;
      }
      const functions = storedFunctions(stored, scope);
      if (!functions) return undefined;
      const generatedAt = new Date(stored.generatedAt);
      if (Number.isNaN(generatedAt.getTime())) return undefined;
      return { functions, generatedAt, fingerprint: stored.fingerprint, source: 'cache' };
    },
    async save(scope: string, catalog: Catalog): Promise<void> {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = join(dir, catalogCacheFileName(scope));
      const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      const stored: StoredCatalog = {
        format: FORMAT_VERSION,
        scope,
        savedAt: new Date().toISOString(),
        generatedAt: catalog.generatedAt.toISOString(),
        fingerprint: catalog.fingerprint,
        ...toColumns(catalog.functions),
      };
      try {
        // 'wx': never through a file or link already at the temporary name.
        await writeFile(tmp, JSON.stringify(stored), { mode: 0o600, flag: 'wx' });
        await rename(tmp, file);
      } catch (error) {
        await rm(tmp, { force: true });
        throw error;
      }
    },
  };
}
