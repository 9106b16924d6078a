/**
 * Per-client rate limit: a token bucket per key (the authenticated subject, or the client address
 * before authentication). Buckets that have refilled completely are dropped on a sweep, so the map
 * stays bounded by the number of clients active in the last refill period.
 */
export interface RateLimitOptions {
  /** Sustained requests per minute per client; 0 turns the limit off. */
  requestsPerMinute: number;
  /** How many requests a client may send at once after being idle (default: a sixth of a minute's worth, at least 10). */
  burst?: number;
  now?: () => number;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  readonly enabled: boolean;
  take(key: string): RateLimitDecision;
  /** Number of tracked clients (for tests and metrics). */
  size(): number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  const perMinute = options.requestsPerMinute;
  const now = options.now ?? (() => Date.now());
  if (!(perMinute > 0)) {
    return { enabled: false, take: () => ({ allowed: true }), size: () => 0 };
  }
  const capacity = Math.max(1, options.burst ?? Math.max(10, Math.ceil(perMinute / 6)));
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, Bucket>();
  let lastSweep = now();

  const sweep = (t: number) => {
    // A bucket idle long enough to be full again carries no state worth keeping.
    const fullAfterMs = capacity / perMs;
    for (const [key, b] of buckets) if (t - b.updated >= fullAfterMs) buckets.delete(key);
    lastSweep = t;
  };

  return {
    enabled: true,
    take(key) {
      const t = now();
      if (t - lastSweep > 60_000 || buckets.size > 10_000) sweep(t);
      let b = buckets.get(key);
      if (!b) {
        b = { tokens: capacity, updated: t };
        buckets.set(key, b);
      } else {
        b.tokens = Math.min(capacity, b.tokens + (t - b.updated) * perMs);
        b.updated = t;
      }
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { allowed: true };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)) };
    },
    size: () => buckets.size,
  };
}
