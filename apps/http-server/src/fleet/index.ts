/**
 * Scale-out: what lets any replica serve any request of any session. Built from two settings,
 * both optional: the shared session secret (sealed session ids any replica can rebuild from) and
 * the Redis URL (shared liveness of sessions, rate limits, per-caller call caps, one discovery per
 * TTL for the fleet, cancels and tools/list_changed across replicas). With neither, a server
 * behaves as one process did before, and nothing here is loaded but this file.
 */
import { randomUUID } from 'node:crypto';
import { type Backend, LambdaMcpError, type Logger } from '@lambda-mcp/core';
import type { RateLimiter } from '../rate-limit.js';
import { type CallCap, createCallCap } from './call-cap.js';
import { type CancelBus, type CancelMessage, createCancelBus } from './cancel-bus.js';
import { type AsyncRateLimiter, createFleetRateLimiter } from './rate-limit.js';
import { createFleetRedis, type FleetRedis, isRedisUrl, redactRedisUrl } from './redis.js';
import { createSessionCodec, type SessionCodec, sessionKey } from './session-codec.js';
import { createSessionPresence, type SessionPresence } from './session-presence.js';
import { type SharedDiscovery, shareDiscovery } from './shared-discovery.js';

export type { CallCap, CallSlot } from './call-cap.js';
export type { CancelMessage } from './cancel-bus.js';
export type { AsyncRateLimiter } from './rate-limit.js';
export { canRestoreSessions, markInitialized } from './restore-session.js';
export type { SessionCodec, SessionState } from './session-codec.js';
export { createSessionCodec, sessionKey } from './session-codec.js';
export { LOG_LEVELS } from './session-presence.js';
export type { SharedDiscovery } from './shared-discovery.js';

export interface FleetSettings {
  redisUrl?: string;
  sessionSecret?: string;
  /** Tool calls in flight per caller across the fleet (0: no cap). */
  maxCallsPerCaller: number;
  rateLimitPerMinute: number;
  rateLimitBurst?: number;
  sessionIdleTimeoutSeconds: number;
  /** The catalog TTL (seconds): one discovery per TTL for the fleet. */
  cacheTtlSeconds: number;
}

/** What /ready says about the fleet. */
export interface FleetReadiness {
  redis?: { configured: true; connected: boolean; note?: string; downSinceSeconds?: number };
  sessionsPortable: boolean;
}

export interface Fleet {
  readonly replicaId: string;
  readonly redis: FleetRedis | undefined;
  /** Seals and opens session ids (when a session secret is configured). */
  readonly codec: SessionCodec | undefined;
  readonly presence: SessionPresence | undefined;
  readonly callCap: CallCap;
  /** The rate limiter: fleet-wide with Redis, else the replica's own. */
  rateLimiter(local: RateLimiter): AsyncRateLimiter;
  /** Shares the backend's catalog reads through Redis (no-op without Redis). */
  shareDiscovery(backend: Backend): SharedDiscovery | undefined;
  /** Starts the cross-replica channels: cancels, and catalog changes. */
  connect(hooks: {
    deliverCancel(message: CancelMessage): void;
    /** Another replica read a changed catalog: refresh from the fleet's copy. */
    catalogChanged(): void;
    /** A session (by sessionKey) was ended (DELETE) on another replica: close the local copy. */
    sessionEnded(key: string): void;
  }): Promise<void>;
  /** Tells the other replicas that a session was ended here. */
  publishSessionEnded(sessionId: string): void;
  /** Shares a cancel received here with the replica running the call. */
  publishCancel(sessionId: string, params: { requestId: string | number; reason?: string }): void;
  /** Tells the other replicas that this replica read a changed catalog. */
  publishCatalogChanged(): void;
  readiness(): FleetReadiness;
  close(): Promise<void>;
}

export async function createFleet(settings: FleetSettings, logger: Logger): Promise<Fleet> {
  const replicaId = randomUUID();
  let redis: FleetRedis | undefined;
  if (settings.redisUrl !== undefined) {
    if (!isRedisUrl(settings.redisUrl)) {
      throw new LambdaMcpError(
        'INVALID_CONFIG',
        `Invalid LAMBDA_MCP_REDIS_URL ${JSON.stringify(redactRedisUrl(settings.redisUrl))}: expected redis://[user:password@]host:port[/db] or rediss://...`,
        { details: { setting: 'LAMBDA_MCP_REDIS_URL' } },
      );
    }
    redis = await createFleetRedis({ url: settings.redisUrl, logger: logger.child({ component: 'fleet' }) });
  }
  const codec = settings.sessionSecret !== undefined ? createSessionCodec(settings.sessionSecret) : undefined;
  if (redis && !codec) {
    logger.warn(
      'LAMBDA_MCP_REDIS_URL is set without LAMBDA_MCP_SESSION_SECRET: limits and the catalog are shared, but a session is served only by the replica that opened it',
    );
  }
  const presence = redis
    ? createSessionPresence({ redis, idleTimeoutMs: settings.sessionIdleTimeoutSeconds * 1000 })
    : undefined;
  const callCap = createCallCap({ max: settings.maxCallsPerCaller, replicaId, ...(redis ? { redis } : {}) });
  let cancels: CancelBus | undefined;
  let closed = false;
  return {
    replicaId,
    redis,
    codec,
    presence,
    callCap,
    rateLimiter(local) {
      if (!redis) return local;
      return createFleetRateLimiter({
        redis,
        local,
        requestsPerMinute: settings.rateLimitPerMinute,
        ...(settings.rateLimitBurst ? { burst: settings.rateLimitBurst } : {}),
      });
    },
    shareDiscovery(backend) {
      if (!redis) return undefined;
      return shareDiscovery(backend, {
        redis,
        logger: logger.child({ component: 'fleet' }),
        ttlMs: settings.cacheTtlSeconds * 1000,
      });
    },
    async connect(hooks) {
      if (!redis) return;
      cancels = await createCancelBus({ redis, replicaId, logger, deliver: hooks.deliverCancel });
      await redis.subscribe('catalog', (from) => {
        if (!closed && from !== replicaId) hooks.catalogChanged();
      });
      await redis.subscribe('session-ended', (key) => {
        if (!closed && typeof key === 'string') hooks.sessionEnded(key);
      });
    },
    publishSessionEnded(sessionId) {
      void redis?.publish('session-ended', sessionKey(sessionId));
    },
    publishCancel(sessionId, params) {
      void cancels?.publish(sessionId, params);
    },
    publishCatalogChanged() {
      void redis?.publish('catalog', replicaId);
    },
    readiness() {
      if (!redis) return { sessionsPortable: codec !== undefined };
      const h = redis.health();
      return {
        sessionsPortable: codec !== undefined,
        redis: {
          configured: true,
          connected: h.connected,
          ...(h.connected
            ? {}
            : {
                note: 'Redis unreachable: rate limits, call caps, the catalog and cancels are per replica',
                ...(h.downSince !== undefined
                  ? { downSinceSeconds: Math.round((Date.now() - h.downSince) / 1000) }
                  : {}),
              }),
        },
      };
    },
    async close() {
      closed = true;
      cancels?.close();
      await redis?.close();
    },
  };
}
