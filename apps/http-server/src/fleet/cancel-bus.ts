/**
 * `notifications/cancelled` across the fleet. A cancel may reach a replica other than the one
 * running the call (round-robin balancing); each replica publishes the cancels it receives on one
 * Redis channel, and every other replica hands them to its copy of the session, where the SDK
 * aborts the call if it runs there (and ignores it otherwise). Sessions are named by a hash of
 * their id, never the id.
 */
import type { Logger } from '@lambda-mcp/core';
import type { FleetRedis } from './redis.js';
import { sessionKey } from './session-codec.js';

const CHANNEL = 'cancel';

export interface CancelMessage {
  /** sessionKey() of the session id. */
  session: string;
  requestId: string | number;
  reason?: string;
}

export interface CancelBus {
  /** Shares a cancel received here with the other replicas. */
  publish(sessionId: string, params: { requestId: string | number; reason?: string }): Promise<boolean>;
  close(): void;
}

export interface CancelBusOptions {
  redis: FleetRedis;
  replicaId: string;
  logger: Logger;
  /** Delivers a cancel from another replica to the local copy of the session, if there is one. */
  deliver(message: CancelMessage): void;
}

export async function createCancelBus(options: CancelBusOptions): Promise<CancelBus> {
  const { redis, replicaId, logger } = options;
  let closed = false;
  await redis.subscribe(CHANNEL, (text) => {
    if (closed) return;
    let m: { from?: unknown; session?: unknown; requestId?: unknown; reason?: unknown };
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      return;
    }
    if (m.from === replicaId || typeof m.session !== 'string') return;
    if (typeof m.requestId !== 'string' && typeof m.requestId !== 'number') return;
    logger.debug('Cancel from another replica', { requestId: m.requestId });
    options.deliver({
      session: m.session,
      requestId: m.requestId,
      ...(typeof m.reason === 'string' ? { reason: m.reason.slice(0, 1000) } : {}),
    });
  });
  return {
    publish(sessionId, params) {
      return redis.publish(
        CHANNEL,
        JSON.stringify({
          from: replicaId,
          session: sessionKey(sessionId),
          requestId: params.requestId,
          ...(typeof params.reason === 'string' ? { reason: params.reason.slice(0, 1000) } : {}),
        }),
      );
    },
    close() {
      closed = true;
    },
  };
}
