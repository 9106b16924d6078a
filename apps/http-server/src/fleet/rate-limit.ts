/**
 * The per-caller rate limit counted across the fleet: one token bucket per caller in Redis, taken
 * atomically by a Lua script on Redis's own clock (replica clocks never disagree about it). While
 * Redis is unavailable the replica's own in-memory limiter answers, so a caller then gets at most
 * the limit per replica, never an error.
 */
import { createHash } from 'node:crypto';
import type { RateLimitDecision, RateLimiter } from '../rate-limit.js';
import type { FleetRedis } from './redis.js';

/** A rate limiter whose decision may need a round trip. */
export interface AsyncRateLimiter {
  readonly enabled: boolean;
  take(key: string): Promise<RateLimitDecision> | RateLimitDecision;
}

const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'k', 't')
local tokens = tonumber(b[1])
local ts = tonumber(b[2])
if tokens == nil or ts == nil then tokens = cap ts = now end
if now > ts then tokens = math.min(cap, tokens + (now - ts) * rate) end
local allowed = 0
if tokens >= 1 then tokens = tokens - 1 allowed = 1 end
redis.call('HSET', KEYS[1], 'k', tostring(tokens), 't', tostring(now))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {allowed, tostring(tokens)}
`;

export interface FleetRateLimitOptions {
  redis: FleetRedis;
  /** The replica's own limiter: same settings, used while Redis is unavailable. */
  local: RateLimiter;
  requestsPerMinute: number;
  burst?: number;
}

export function createFleetRateLimiter(options: FleetRateLimitOptions): AsyncRateLimiter {
  const { redis, local } = options;
  const perMinute = options.requestsPerMinute;
  if (!(perMinute > 0)) return local;
  // Same bucket shape as the local limiter (rate-limit.ts).
  const capacity = Math.max(1, options.burst ?? Math.max(10, Math.ceil(perMinute / 6)));
  const perMs = perMinute / 60_000;
  // A bucket left alone this long is full again: Redis may forget it.
  const ttlMs = Math.ceil(capacity / perMs) + 1000;
  return {
    enabled: true,
    async take(key) {
      const bucket = `${redis.prefix}rl:${createHash('sha256').update(key).digest('base64url')}`;
      const reply = await redis.run(
        'rate-limit',
        (c) => c.eval(TAKE_SCRIPT, 1, bucket, capacity, perMs, ttlMs) as Promise<[number, string]>,
      );
      if (!Array.isArray(reply)) return local.take(key);
      if (Number(reply[0]) === 1) return { allowed: true };
      const tokens = Number(reply[1]);
      return {
        allowed: false,
        retryAfterSeconds: Math.max(
          1,
          Math.ceil((1 - (Number.isFinite(tokens) ? tokens : 0)) / perMs / 1000),
        ),
      };
    },
  };
}
