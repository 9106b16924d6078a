/**
 * The fleet's one Redis connection pair (ioredis): one connection for commands, one for
 * publish/subscribe. Redis is optional and may go away at any time: every command goes through
 * `run`, which answers `undefined` at once when Redis is not ready (no offline queue) or when the
 * command fails or times out, so each caller falls back to per-replica behaviour instead of failing
 * a request. The first loss is logged as one warning, the recovery as one info line.
 */
import type { Logger } from '@lambda-mcp/core';
import type { Redis as RedisClient, RedisOptions } from 'ioredis';

export interface FleetRedisOptions {
  /** redis://[user:password@]host:port[/db] or rediss:// for TLS. */
  url: string;
  logger: Logger;
  /** Prefix of every key and channel (default `lambda-mcp:`), so several fleets can share a Redis. */
  keyPrefix?: string;
  /** A command not answered in this time counts as Redis being unavailable for it (default 1000 ms). */
  commandTimeoutMs?: number;
  /** Connection attempt bound (default 2000 ms). */
  connectTimeoutMs?: number;
}

export interface RedisHealth {
  connected: boolean;
  /** Since when Redis has been unreachable (ms epoch), when it is. */
  downSince?: number;
  lastError?: string;
}

export interface FleetRedis {
  readonly prefix: string;
  /** Connected and ready for commands. */
  readonly available: boolean;
  /** Runs commands on the command connection; `undefined` when Redis is unavailable or the command failed. */
  run<T>(what: string, fn: (client: RedisClient) => Promise<T>): Promise<T | undefined>;
  /** Publishes on `<prefix><channel>`; false when it could not. */
  publish(channel: string, message: string): Promise<boolean>;
  /** Subscribes to `<prefix><channel>` (resubscribed after reconnects). */
  subscribe(channel: string, handler: (message: string) => void): Promise<void>;
  /** Called with `true` when Redis becomes reachable again and `false` when it is lost. */
  onAvailabilityChange(listener: (available: boolean) => void): () => void;
  health(): RedisHealth;
  close(): Promise<void>;
}

/** The URL with any password replaced, for logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable Redis URL)';
  }
}

/** Validates a Redis URL: `redis://` or `rediss://` with a host. */
export function isRedisUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '';
  } catch {
    return false;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function createFleetRedis(options: FleetRedisOptions): Promise<FleetRedis> {
  // Loaded only when a Redis URL is configured: single-process deployments never load the client.
  const { Redis } = await import('ioredis');
  const { logger } = options;
  const prefix = options.keyPrefix ?? 'lambda-mcp:';
  const where = redactRedisUrl(options.url);
  const base: RedisOptions = {
    connectTimeout: options.connectTimeoutMs ?? 2000,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    // Never queue a command while disconnected: the caller falls back at once instead of waiting.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Reconnect forever, backing off to 2 s.
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
    lazyConnect: true,
  };
  const commands: RedisClient = new Redis(options.url, base);
  // The subscriber queues SUBSCRIBE until it is connected, and resubscribes after a reconnect.
  const subscriber: RedisClient = new Redis(options.url, {
    ...base,
    enableOfflineQueue: true,
    commandTimeout: undefined,
    autoResubscribe: true,
  });
  const handlers = new Map<string, Set<(message: string) => void>>();
  const listeners = new Set<(available: boolean) => void>();
  let available = false;
  let everConnected = false;
  let downSince: number | undefined = Date.now();
  let lastError: string | undefined;
  let closed = false;

  const setAvailable = (next: boolean) => {
    if (next === available) return;
    available = next;
    if (next) {
      if (everConnected) logger.info('Redis is reachable again: fleet-wide state resumes', { redis: where });
      else
        logger.info('Connected to Redis: sessions, limits and the catalog are shared by the fleet', {
          redis: where,
        });
      everConnected = true;
      downSince = undefined;
    } else {
      downSince = Date.now();
      if (!closed) {
        logger.warn(
          'Redis is unreachable: rate limits, call caps, the catalog and cancels are per replica until it is back',
          { redis: where, ...(lastError ? { error: lastError } : {}) },
        );
      }
    }
    for (const l of [...listeners]) l(next);
  };

  commands.on('ready', () => setAvailable(true));
  commands.on('error', (error: unknown) => {
    lastError = errorText(error);
  });
  commands.on('close', () => setAvailable(false));
  commands.on('end', () => setAvailable(false));
  subscriber.on('error', (error: unknown) => {
    lastError = errorText(error);
  });
  subscriber.on('message', (channel: string, message: string) => {
    const set = handlers.get(channel);
    if (!set) return;
    for (const h of [...set]) {
      try {
        h(message);
      } catch (error) {
        logger.warn('A fleet message handler failed', { channel, error: errorText(error) });
      }
    }
  });

  // The first connection attempt is bounded; failing it is not fatal (the fleet starts degraded).
  await Promise.allSettled([commands.connect(), subscriber.connect()]);
  if (!available) {
    logger.warn(
      'Redis is unreachable at start: rate limits, call caps, the catalog and cancels are per replica until it is reachable',
      { redis: where, ...(lastError ? { error: lastError } : {}) },
    );
  }

  return {
    prefix,
    get available() {
      return available;
    },
    async run(what, fn) {
      if (!available || closed) return undefined;
      try {
        return await fn(commands);
      } catch (error) {
        lastError = errorText(error);
        logger.debug('Redis command failed; falling back to this replica', { what, error: lastError });
        return undefined;
      }
    },
    async publish(channel, message) {
      if (!available || closed) return false;
      try {
        await commands.publish(prefix + channel, message);
        return true;
      } catch (error) {
        lastError = errorText(error);
        return false;
      }
    },
    async subscribe(channel, handler) {
      const full = prefix + channel;
      let set = handlers.get(full);
      if (!set) {
        set = new Set();
        handlers.set(full, set);
        await subscriber.subscribe(full).catch((error: unknown) => {
          lastError = errorText(error);
        });
      }
      set.add(handler);
    },
    onAvailabilityChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    health() {
      return {
        connected: available,
        ...(downSince !== undefined ? { downSince } : {}),
        ...(lastError && !available ? { lastError } : {}),
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      handlers.clear();
      await Promise.allSettled([commands.quit(), subscriber.quit()]);
      commands.disconnect();
      subscriber.disconnect();
    },
  };
}
