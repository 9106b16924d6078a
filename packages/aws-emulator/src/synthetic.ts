import type { SyntheticFunctionSpec } from '@lambda-mcp/core/local';

export interface SyntheticCatalogOptions {
  /** How many functions (default 100). */
  count: number;
  /** How many of them (the first ones by index, spread evenly) get `matchTags` (default 0). */
  matching?: number;
  /** Tags of the matching functions (default `{ MCPEnabled: 'true' }`). */
  matchTags?: Record<string, string>;
  /** Tags of the others (default `{ team: 'other' }`; `{}` leaves them untagged). */
  otherTags?: Record<string, string>;
  /** Name prefix (default `fn-`); names are zero-padded so they sort by index. */
  prefix?: string;
  runtime?: string;
}

/**
 * N functions without code (echo handlers) for catalogs at scale. Matching functions are spread
 * evenly over the name order (every k-th), as they would be in a real account.
 */
export function syntheticCatalog(options: SyntheticCatalogOptions): SyntheticFunctionSpec[] {
  const count = options.count;
  const matching = Math.min(options.matching ?? 0, count);
  const prefix = options.prefix ?? 'fn-';
  const width = String(Math.max(count - 1, 1)).length;
  const matchTags = options.matchTags ?? { MCPEnabled: 'true' };
  const otherTags = options.otherTags ?? { team: 'other' };
  const step = matching > 0 ? count / matching : Number.POSITIVE_INFINITY;
  const matches = new Set<number>();
  for (let i = 0; i < matching; i++) matches.add(Math.floor(i * step));
  const out: SyntheticFunctionSpec[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      name: `${prefix}${String(i).padStart(width, '0')}`,
      description: `Synthetic function ${i}`,
      runtime: options.runtime ?? 'nodejs20.x',
      tags: matches.has(i) ? { ...matchTags } : { ...otherTags },
    });
  }
  return out;
}
