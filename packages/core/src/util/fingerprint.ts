import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal content gives equal text. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'undefined';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** A short, stable hash of a value's content (sha256 over the stable JSON, hex). */
export function fingerprint(value: unknown, length = 32): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex').slice(0, length);
}

/**
 * `fingerprint(items)` of an array, computed one item at a time: the same hash (the stable JSON of
 * an array is its items' stable JSON joined by commas in brackets) without building a deep copy
 * and one string of the whole array (a catalog of 10,000 functions is several MB of each).
 */
export function fingerprintList(items: readonly unknown[], length = 32): string {
  const hash = createHash('sha256');
  hash.update('[');
  items.forEach((item, i) => {
    if (i > 0) hash.update(',');
    hash.update(item === undefined ? 'null' : stableStringify(item));
  });
  hash.update(']');
  return hash.digest('hex').slice(0, length);
}
