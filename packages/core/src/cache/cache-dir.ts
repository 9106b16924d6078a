import { homedir } from 'node:os';
import { join } from 'node:path';

/** $XDG_CACHE_HOME/lambda-mcp, else ~/.cache/lambda-mcp. (Node built-ins only: the stdio bin reads it first.) */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return xdg && xdg.trim() !== '' ? join(xdg, 'lambda-mcp') : join(homedir(), '.cache', 'lambda-mcp');
}

/** The name of a catalog cache file of any scope (catalogCacheFileName: catalog-<hash>.json). */
export const CATALOG_FILE = /^catalog-[0-9a-f]{32}\.json$/;
