/**
 * Which sealed session ids are still live, fleet-wide, and the one piece of session state that
 * changes after initialize (the logging/setLevel level). A live session has a key in Redis that
 * expires after the idle timeout and is renewed by activity on any replica; DELETE (or the idle
 * timeout) removes it, after which no replica rebuilds the session. While Redis is unavailable a
 * replica trusts the sealed id alone (the owner check still holds).
 */
import type { FleetRedis } from './redis.js';
import { sessionKey } from './session-codec.js';

export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

export interface SessionPresence {
  /** Marks a session live now (throttled per session). */
  touch(id: string, force?: boolean): void;
  /** Whether another replica may rebuild this session: true, false, or undefined when Redis cannot say. */
  alive(id: string): Promise<boolean | undefined>;
  /** The session ended (DELETE, idle): no replica rebuilds it. */
  end(id: string): Promise<void>;
  saveLogLevel(id: string, level: string): Promise<void>;
  logLevel(id: string): Promise<string | undefined>;
}

export function createSessionPresence(options: {
  redis: FleetRedis;
  idleTimeoutMs: number;
  now?: () => number;
}): SessionPresence {
  const { redis } = options;
  const now = options.now ?? Date.now;
  const ttl = Math.max(1000, options.idleTimeoutMs);
  // Renew at most every tenth of the idle timeout per session: Redis sees a trickle, not every request.
  const every = Math.max(250, Math.floor(ttl / 10));
  const renewed = new Map<string, number>();
  const live = (id: string) => `${redis.prefix}s:${sessionKey(id)}`;
  const level = (id: string) => `${redis.prefix}sl:${sessionKey(id)}`;
  return {
    touch(id, force = false) {
      const t = now();
      const last = renewed.get(id);
      if (!force && last !== undefined && t - last < every) return;
      renewed.set(id, t);
      if (renewed.size > 100_000) renewed.clear();
      void redis.run('session touch', async (c) => {
        await c.set(live(id), '1', 'PX', ttl);
        await c.pexpire(level(id), ttl);
      });
    },
    async alive(id) {
      const n = await redis.run('session alive', (c) => c.exists(live(id)));
      return n === undefined ? undefined : n === 1;
    },
    async end(id) {
      renewed.delete(id);
      await redis.run('session end', (c) => c.del(live(id), level(id)));
    },
    async saveLogLevel(id, value) {
      if (!LOG_LEVELS.includes(value)) return;
      await redis.run('session log level', (c) => c.set(level(id), value, 'PX', ttl));
    },
    async logLevel(id) {
      const v = await redis.run('session log level', (c) => c.get(level(id)));
      return typeof v === 'string' && LOG_LEVELS.includes(v) ? v : undefined;
    },
  };
}
