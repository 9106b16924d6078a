/**
 * At most N tool calls in flight per caller across the fleet. Each running call holds a lease in a
 * Redis sorted set per caller (member: replica and call, score: lease expiry on Redis's clock),
 * renewed while the call runs, so the slots of a replica that dies free themselves when their
 * leases run out instead of staying taken. While Redis is unavailable each replica counts its own.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { FleetRedis } from './redis.js';

export type CallSlot = { ok: true; release(): void } | { ok: false; max: number };

export interface CallCap {
  readonly max: number;
  /** A slot for one call of `caller`, or a refusal when the caller already has `max` running. */
  acquire(caller: string): Promise<CallSlot>;
  /** Calls running on this replica (for tests). */
  localActive(caller: string): number;
}

const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

export interface CallCapOptions {
  /** Calls per caller at once; 0 turns the cap off. */
  max: number;
  redis?: FleetRedis;
  replicaId: string;
  /** Lease length (default 30 s); renewed every third of it while the call runs. */
  leaseMs?: number;
}

export function createCallCap(options: CallCapOptions): CallCap {
  const { max, redis, replicaId } = options;
  const leaseMs = options.leaseMs ?? 30_000;
  const local = new Map<string, number>();
  const localTake = (caller: string): CallSlot => {
    const n = local.get(caller) ?? 0;
    if (n >= max) return { ok: false, max };
    local.set(caller, n + 1);
    let released = false;
    return {
      ok: true,
      release() {
        if (released) return;
        released = true;
        const left = (local.get(caller) ?? 1) - 1;
        if (left <= 0) local.delete(caller);
        else local.set(caller, left);
      },
    };
  };
  return {
    max,
    localActive: (caller) => local.get(caller) ?? 0,
    async acquire(caller) {
      if (!(max > 0)) return { ok: true, release() {} };
      if (!redis) return localTake(caller);
      const key = `${redis.prefix}cc:${createHash('sha256').update(caller).digest('base64url')}`;
      const member = `${replicaId}:${randomUUID()}`;
      const got = await redis.run('call-cap', (c) => c.eval(ACQUIRE, 1, key, max, member, leaseMs));
      if (got === undefined) return localTake(caller);
      if (Number(got) !== 1) return { ok: false, max };
      // Counted here too, so that while Redis is away the replica still knows what it runs.
      const mine = localTake(caller);
      const renew = setInterval(
        () => {
          void redis.run('call-cap renew', (c) => c.eval(RENEW, 1, key, member, leaseMs));
        },
        Math.max(100, Math.floor(leaseMs / 3)),
      );
      renew.unref();
      let released = false;
      return {
        ok: true,
        release() {
          if (released) return;
          released = true;
          clearInterval(renew);
          if (mine.ok) mine.release();
          void redis.run('call-cap release', (c) => c.zrem(key, member));
        },
      };
    },
  };
}
