import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Catalog, CatalogCacheStore } from '../services/types.js';
import type { FunctionInfo } from '../types.js';

const FORMAT_VERSION = 1;

export interface FileCatalogCacheOptions {
  /** Default: $XDG_CACHE_HOME/lambda-mcp, else ~/.cache/lambda-mcp. */
  dir?: string;
  env?: Record<string, string | undefined>;
}

interface StoredCatalog {
  format: number;
  scope: string;
  savedAt: string;
  generatedAt: string;
  fingerprint: string;
  functions: FunctionInfo[];
}

export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return xdg && xdg.trim() !== '' ? join(xdg, 'lambda-mcp') : join(homedir(), '.cache', 'lambda-mcp');
}

/** The file a scope's catalog is kept in: a hash of the scope, so names are safe and fixed-length. */
export function catalogCacheFileName(scope: string): string {
  return `catalog-${createHash('sha256').update(scope).digest('hex').slice(0, 32)}.json`;
}

function isStored(value: unknown): value is StoredCatalog {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.format === FORMAT_VERSION &&
    typeof v.scope === 'string' &&
    typeof v.fingerprint === 'string' &&
    typeof v.generatedAt === 'string' &&
    Array.isArray(v.functions) &&
    v.functions.every(
      (f) =>
        typeof f === 'object' &&
        f !== null &&
        typeof (f as FunctionInfo).name === 'string' &&
        typeof (f as FunctionInfo).arn === 'string',
    )
  );
}

/**
 * A catalog cache on disk: one JSON file per backend scope, written atomically (temporary file,
 * then rename), readable by the owner only. The scope is stored inside and checked on load, so
 * another account's or region's catalog is never served; an unreadable or corrupt file is a miss.
 */
export function createFileCatalogCache(
  options: FileCatalogCacheOptions = {},
): CatalogCacheStore & { dir: string } {
  const dir = options.dir ?? defaultCacheDir(options.env);
  return {
    dir,
    async load(scope: string): Promise<Catalog | undefined> {
      let bytes: Buffer;
      try {
        // Read as bytes and decoded once: with an encoding, readFile decodes chunk by chunk into a
        // string built of pieces (measured: most of the read of a 10,000-function catalog).
        bytes = await readFile(join(dir, catalogCacheFileName(scope)));
      } catch {
        return undefined;
      }
      let stored: unknown;
      try {
        stored = JSON.parse(bytes.toString('utf8'));
      } catch {
        return undefined;
      }
      if (!isStored(stored) || stored.scope !== scope) return undefined;
      const generatedAt = new Date(stored.generatedAt);
      if (Number.isNaN(generatedAt.getTime())) return undefined;
      return { functions: stored.functions, generatedAt, fingerprint: stored.fingerprint, source: 'cache' };
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
        functions: catalog.functions,
      };
      try {
        await writeFile(tmp, JSON.stringify(stored), { mode: 0o600 });
        await rename(tmp, file);
      } catch (error) {
        await rm(tmp, { force: true });
        throw error;
      }
    },
  };
}
