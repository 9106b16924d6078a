import type { JsonObject } from '../types.js';

const size = (v: unknown) => Buffer.byteLength(JSON.stringify(v) ?? '', 'utf8');

/**
 * Cuts a JSON object to at most `budget` bytes while keeping its shape: the largest strings are
 * shortened (ending in "…") and the largest arrays lose their tail, repeatedly, so every field keeps
 * its type and the result stays valid against an output schema without length limits. Marks the
 * object `truncated: true`. Undefined when even that does not fit.
 */
export function fitJson(value: JsonObject, budget: number): JsonObject | undefined {
  const copy = JSON.parse(JSON.stringify(value)) as JsonObject;
  copy.truncated = true;
  for (let round = 0; round < 400; round++) {
    const total = size(copy);
    if (total <= budget) return copy;
    // The largest string or array anywhere in the value.
    let best:
      | { holder: Record<string, unknown> | unknown[]; key: string | number; bytes: number }
      | undefined;
    const visit = (holder: Record<string, unknown> | unknown[], key: string | number, v: unknown) => {
      if (typeof v === 'string' || Array.isArray(v)) {
        const bytes = size(v);
        if (bytes > 64 && (!best || bytes > best.bytes)) best = { holder, key, bytes };
      }
      if (Array.isArray(v)) {
        for (const [i, x] of v.entries()) visit(v, i, x);
      } else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) visit(v as Record<string, unknown>, k, x);
    };
    for (const [k, v] of Object.entries(copy)) visit(copy, k, v);
    if (!best) return undefined;
    const target = best as {
      holder: Record<string, unknown> | unknown[];
      key: string | number;
      bytes: number;
    };
    const over = total - budget;
    const current = (target.holder as Record<string | number, unknown>)[target.key];
    if (typeof current === 'string') {
      const keep = Math.max(
        16,
        Math.min(current.length - 16, Math.floor(current.length / 2), current.length - over - 8),
      );
      (target.holder as Record<string | number, unknown>)[target.key] =
        `${current.slice(0, Math.max(0, keep))}…`;
    } else if (Array.isArray(current)) {
      (target.holder as Record<string | number, unknown>)[target.key] = current.slice(
        0,
        Math.floor(current.length / 2),
      );
    }
  }
  return undefined;
}
