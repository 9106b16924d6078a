/**
 * The HTTP app: one request pipeline (app/pipeline.ts) served by a Node HTTP server, for the
 * container and, through the loopback relay, the Lambda Function URL handler. This file assembles
 * it (sessions, metrics, memory releasers, connection guard) and owns its lifecycle: listen,
 * graceful close and forced abort. The parts live in app/: request.ts (what is read off a
 * request), auth.ts, limits.ts, probes.ts (health, ready, metrics), tool-calls.ts (metrics and
 * audit of each call), stateful.ts (sessions and the fleet), pipeline.ts (routing).
 */
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppContext, AppState, HttpApp, HttpAppOptions } from './app/context.js';
import { answerShutdown } from './app/limits.js';
import { createPipeline } from './app/pipeline.js';
import { createRequestInfo } from './app/request.js';
import { guardConnections } from './connections.js';
import { sessionKey } from './fleet/index.js';
import { sendJsonRpcError } from './json-rpc.js';
import { createIdleReleaser, createMemoryGovernor, createMemoryReleaser } from './memory.js';
import { createServerMetrics } from './metrics.js';
import { type CloseReason, createSessionStore, type Session } from './sessions.js';

export type { CatalogHealth, HttpApp, HttpAppOptions, ServerMode } from './app/context.js';

export function createHttpApp(options: HttpAppOptions): HttpApp {
  const { logger } = options;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? 30_000;
  const maxRequestDurationMs = options.maxRequestDurationMs ?? 16 * 60_000;
  const state: AppState = { closing: false, inFlight: 0, calls: 0, openCalls: new Map() };
  const sockets = new Set<import('node:net').Socket>();

  const memory = createMemoryReleaser({
    onCollected: (info) =>
      logger.info('Released memory after closing sessions', {
        sessions: info.sessions,
        gcMs: Math.round(info.ms),
        heapBeforeMb: Math.round(info.heapBefore / 1048576),
        heapAfterMb: Math.round(info.heapAfter / 1048576),
      }),
  });
  const idleMemory = createIdleReleaser({
    onCollected: (info) =>
      logger.debug('Released memory after a burst of requests', {
        requests: info.requests,
        gcMs: Math.round(info.ms),
        heapBeforeMb: Math.round(info.heapBefore / 1048576),
        heapAfterMb: Math.round(info.heapAfter / 1048576),
      }),
  });
  const governor = options.memoryTargetBytes
    ? createMemoryGovernor({
        targetBytes: options.memoryTargetBytes,
        onCollected: (info) =>
          logger.debug('Collected garbage above the memory target', {
            rssBeforeMb: Math.round(info.rssBefore / 1048576),
            rssAfterMb: Math.round(info.rssAfter / 1048576),
            gcMs: Math.round(info.ms),
          }),
      })
    : undefined;
  const fleet = options.fleet;
  /** Local sessions by sessionKey(id), for cancels arriving from other replicas (fleet only). */
  const byFleetKey = new Map<string, Session>();
  const sessions = createSessionStore({
    idleTimeoutMs: options.sessionIdleTimeoutMs,
    maxSessions: options.maxSessions,
    logger,
    onClosed: (s, reason: CloseReason) => {
      if (fleet?.redis && s.id) byFleetKey.delete(sessionKey(s.id));
      // Ending the session for the fleet is for DELETE only: idle and evicted copies live on elsewhere.
      if (reason === 'deleted' && s.id) {
        void fleet?.presence?.end(s.id);
        fleet?.publishSessionEnded(s.id);
      }
      metrics.sessionsClosed.inc({ reason });
      if (reason !== 'shutdown') memory.sessionsClosed(1);
    },
  });
  const metrics =
    options.metrics ??
    createServerMetrics({ sessions: () => sessions.size, inFlightRequests: () => state.inFlight });

  const ctx: AppContext = {
    options,
    logger,
    metrics,
    sessions,
    fleet,
    byFleetKey,
    request: createRequestInfo(options),
    state,
    bodyTimeoutMs,
    maxRequestDurationMs,
  };
  const { route, deliverCancel, endSession } = createPipeline(ctx);

  const server = createHttpServer((req, res) => {
    state.inFlight += 1;
    const ended = idleMemory.requestStarted();
    res.on('close', () => {
      state.inFlight -= 1;
      ended();
    });
    route(req, res).catch((error: unknown) => {
      logger.error('Request failed', { error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) sendJsonRpcError(res, 500, -32603, 'Internal error.');
      else res.end();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const connections = guardConnections(server, {
    ...(options.maxConnections ? { max: options.maxConnections } : {}),
    onShed: () => metrics.connectionsShed.inc(),
  });
  server.on('clientError', (error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    logger.debug('Malformed HTTP request', { error: error.message });
  });
  // requestTimeout bounds receiving a request (headers and body), not answering it: long tool calls
  // still stream for minutes (--max-request-duration bounds those). body.ts has its own deadline
  // with a clear 408; this is the backstop for bodies nobody reads.
  server.headersTimeout = 20_000;
  server.requestTimeout = bodyTimeoutMs + 20_000;
  server.keepAliveTimeout = 65_000;
  logger.debug('Connection cap', { maxConnections: connections.max });

  return {
    server,
    sessions,
    metrics,
    deliverCancel,
    endSession,
    get closing() {
      return state.closing;
    },
    activeCalls: () => state.calls,
    inFlightRequests: () => state.inFlight,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          if (options.mode === 'stateful') sessions.start();
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async abort() {
      state.closing = true;
      const answered = state.openCalls.size;
      for (const [res, id] of state.openCalls)
        answerShutdown(
          res,
          id,
          'The server was stopped (forced stop, second signal) before this request finished.',
        );
      // Give the answers a moment to reach the sockets before they are destroyed.
      await new Promise((r) => setTimeout(r, 50));
      sessions.stop();
      memory.stop();
      idleMemory.stop();
      governor?.stop();
      await sessions.closeAll('shutdown');
      server.close();
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      return answered;
    },
    async close(deadlineMs = 10_000) {
      if (state.closing) return state.calls;
      state.closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + deadlineMs;
      while (state.calls > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
        server.closeIdleConnections();
      }
      const left = state.calls;
      if (left > 0) {
        logger.warn('Shutdown deadline reached with calls still running', { calls: left });
        // Answer what is still running with an error, so clients fail now rather than at their timeout.
        for (const [res, id] of state.openCalls) answerShutdown(res, id);
      }
      sessions.stop();
      memory.stop();
      idleMemory.stop();
      governor?.stop();
      await sessions.closeAll('shutdown');
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await closed;
      return left;
    },
  };
}
