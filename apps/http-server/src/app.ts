import { randomUUID } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as NodeHttpServer,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DiscoveryStatus, Logger } from '@lambda-mcp/core';
import type { CreateServerOptions, ToolCallEvent } from '@lambda-mcp/mcp-server';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import type { AuditLog } from './audit.js';
import { type Authenticator, wwwAuthenticate } from './auth/authenticator.js';
import type { Principal } from './auth/principal.js';
import { readBody } from './body.js';
import { guardConnections } from './connections.js';
import {
  type AsyncRateLimiter,
  type CancelMessage,
  type Fleet,
  LOG_LEVELS,
  markInitialized,
  type SessionState,
  sessionKey,
} from './fleet/index.js';
import { type HostOriginGuard, shownHeader as shown } from './host-origin.js';
import {
  checkJsonRpcBody,
  isRequestBody,
  JSONRPC_INVALID_REQUEST,
  JSONRPC_PARSE_ERROR,
  JSONRPC_SERVER_ERROR,
  JSONRPC_SESSION_NOT_FOUND,
  type JsonRpcId,
  methodOf,
  requestIdOf,
  sendJson,
  sendJsonRpcError,
} from './json-rpc.js';
import { createIdleReleaser, createMemoryGovernor, createMemoryReleaser } from './memory.js';
import { createServerMetrics, PROMETHEUS_CONTENT_TYPE, type ServerMetrics } from './metrics.js';
import type { RateLimiter } from './rate-limit.js';
import { type CloseReason, createSessionStore, type Session, type SessionStore } from './sessions.js';

export type ServerMode = 'stateful' | 'stateless';

/** What /health and /ready report about the catalog. */
export interface CatalogHealth {
  /** The first discovery has finished (successfully or not). */
  ready: boolean;
  backend: string;
  functions: number;
  discoveryError?: { code: string; message: string };
  /** Where discovery stands (core's DiscoveryService.status()), when the services report it. */
  discovery?: DiscoveryStatus;
}

export interface HttpAppOptions {
  /** Creates an SDK server (one per session, or per request when stateless) sharing one catalog. */
  createServer(options: CreateServerOptions): Server;
  mode: ServerMode;
  /**
   * Resident-memory target: above it a full collection runs (at most every 2 s, backing off when
   * it does not help). Undefined: no governor (the Lambda adapter, tests).
   */
  memoryTargetBytes?: number;
  logger: Logger;
  version: string;
  guard: HostOriginGuard;
  authenticator: Authenticator;
  /** Per-client rate limit; may answer asynchronously (the fleet's limiter asks Redis). */
  rateLimiter: RateLimiter | AsyncRateLimiter;
  audit: AuditLog;
  /** Scale-out: sealed session ids, shared liveness, call caps, cross-replica cancels (fleet/). */
  fleet?: Fleet;
  health(): CatalogHealth;
  metrics?: ServerMetrics;
  /** Largest accepted request body in bytes (413 beyond). */
  maxBodyBytes: number;
  sessionIdleTimeoutMs: number;
  maxSessions: number;
  /** The public URL of /mcp (the OAuth resource), when configured. */
  resource?: string;
  /**
   * Proxy hops in front of the server (true: 1). The client address is the hops-th
   * X-Forwarded-For entry from the right: each trusted proxy appends the address it saw, and
   * anything further left was written by the client. The scheme comes from X-Forwarded-Proto.
   */
  trustProxy?: boolean | number;
  /** A request still unanswered after this long is answered with an error and closed (default 16 min). */
  maxRequestDurationMs?: number;
  /** A body not fully received within this long gets 408 (default 30 s). */
  bodyTimeoutMs?: number;
  /** Open connections kept (default: from the open-file limit). */
  maxConnections?: number;
  /** What /health reports as `mode` (default: the mode; the Function URL host says `lambda`). */
  modeLabel?: string;
  /**
   * A request header set only by a trusted host adapter (the Function URL handler, which strips
   * any copy the caller sent) naming the IAM caller: it becomes the subject of anonymous requests.
   */
  iamSubjectHeader?: string;
  /** A request header set only by a trusted host adapter: the host's request id, for the audit log. */
  hostRequestIdHeader?: string;
  /** Keep tools/call arguments for the audit log (operator opt-in). */
  logPayloads?: boolean;
  /** SSE keep-alive comment interval (ms) on open streams. */
  keepAliveMs?: number;
}

export interface HttpApp {
  readonly server: NodeHttpServer;
  readonly sessions: SessionStore;
  readonly metrics: ServerMetrics;
  /** Hands a cancel received by another replica to the local copy of its session (fleet). */
  deliverCancel(message: CancelMessage): void;
  /** Closes the local copy of a session another replica ended (by sessionKey). */
  endSession(key: string): void;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Tool-call requests (POSTs carrying a JSON-RPC request) being served now. */
  activeCalls(): number;
  /** HTTP requests being served now (including open SSE streams). */
  inFlightRequests(): number;
  /**
   * Graceful shutdown: stop accepting, let in-flight calls finish for up to `deadlineMs`, then
   * close every session and connection. Resolves with how many calls were still running at the deadline.
   */
  close(deadlineMs?: number): Promise<number>;
  /**
   * Forced stop (a second SIGTERM or Ctrl-C): answers every call still running with a JSON-RPC
   * error at once, then closes every session and connection. Resolves with how many were answered.
   */
  abort(): Promise<number>;
  readonly closing: boolean;
}

const MCP_PATH = '/mcp';
const PRM_PATH = '/.well-known/oauth-protected-resource';
const PROBE_PATHS = new Set(['/health', '/ready', '/metrics']);
const CORS_ALLOW_HEADERS =
  'authorization, content-type, accept, mcp-session-id, mcp-protocol-version, last-event-id';
const CORS_EXPOSE_HEADERS = 'mcp-session-id, mcp-protocol-version, www-authenticate, retry-after';

type AuthedRequest = IncomingMessage & { auth?: AuthInfo };

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function createHttpApp(options: HttpAppOptions): HttpApp {
  const { logger, guard, authenticator, rateLimiter, audit } = options;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? 30_000;
  const maxRequestDurationMs = options.maxRequestDurationMs ?? 16 * 60_000;
  let inFlight = 0;
  let calls = 0;
  /** Responses of JSON-RPC requests still being answered (for the shutdown deadline). */
  const openCalls = new Map<ServerResponse, JsonRpcId>();
  let closing = false;
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
    createServerMetrics({ sessions: () => sessions.size, inFlightRequests: () => inFlight });

  const hops =
    options.trustProxy === true ? 1 : typeof options.trustProxy === 'number' ? options.trustProxy : 0;
  const clientAddress = (req: IncomingMessage): string => {
    if (hops > 0) {
      const fwd = req.headers['x-forwarded-for'];
      const entries = (Array.isArray(fwd) ? fwd.join(',') : (fwd ?? ''))
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean);
      // Fewer entries than trusted hops: the left-most is the furthest any proxy saw.
      const picked = entries[Math.max(0, entries.length - hops)];
      if (picked) return picked.slice(0, 64);
    }
    return req.socket.remoteAddress ?? 'unknown';
  };

  const publicBase = (req: IncomingMessage): string => {
    if (options.resource) return new URL(options.resource).origin;
    const proto =
      hops > 0 && header(req, 'x-forwarded-proto') === 'https'
        ? 'https'
        : 'encrypted' in req.socket && req.socket.encrypted
          ? 'https'
          : 'http';
    return `${proto}://${header(req, 'host') ?? 'localhost'}`;
  };

  const resourceUrl = (req: IncomingMessage): string => options.resource ?? `${publicBase(req)}${MCP_PATH}`;

  const resourceMetadataUrl = (req: IncomingMessage): string | undefined => {
    if (!authenticator.oauth) return undefined;
    const resource = new URL(resourceUrl(req));
    const path = resource.pathname === '/' ? '' : resource.pathname;
    return `${resource.origin}${PRM_PATH}${path}`;
  };

  const corsHeaders = (req: IncomingMessage): Record<string, string> => {
    const origin = header(req, 'origin');
    if (!origin || !guard.originAllowed(origin, header(req, 'host'))) return {};
    return {
      'access-control-allow-origin': origin,
      'access-control-expose-headers': CORS_EXPOSE_HEADERS,
      vary: 'Origin',
    };
  };

  const onToolCall =
    (who: () => { subject: string; session?: string; pending?: Map<string | number, unknown> }) =>
    (event: ToolCallEvent) => {
      const { subject, session, pending } = who();
      let args: unknown;
      if (pending && event.requestId !== undefined) {
        args = pending.get(event.requestId);
        pending.delete(event.requestId);
      }
      const family = event.family === 'generic' ? event.tool : event.family;
      metrics.toolCalls.inc({ tool: family, outcome: event.outcome });
      metrics.toolCallDuration.observe(event.durationMs / 1000, { outcome: event.outcome });
      audit.record(event, {
        subject,
        ...(session ? { session } : {}),
        ...(args !== undefined ? { arguments: args } : {}),
      });
    };

  const authInfoFor = (principal: Principal): AuthInfo => ({
    token: '',
    clientId: principal.clientId ?? principal.subject,
    scopes: principal.scopes,
    ...(principal.expiresAt !== undefined ? { expiresAt: principal.expiresAt } : {}),
    extra: { subject: principal.subject },
  });

  // ------------------------------------------------------------------ probes

  const handleProbe = (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'GET, HEAD' });
      return;
    }
    const h = options.health();
    if (path === '/health') {
      sendJson(res, 200, {
        status: closing ? 'shutting_down' : 'ok',
        version: options.version,
        backend: h.backend,
        functions: h.functions,
        mode: options.modeLabel ?? options.mode,
        sessions: sessions.size,
      });
      return;
    }
    if (path === '/ready') {
      // Not ready while no catalog can be served because discovery keeps failing (a stalled or
      // refusing AWS endpoint): the reason names the failure and when it is retried.
      const d = h.discovery;
      const failingWithoutCatalog = d?.state === 'failing' && d.catalogSource === undefined;
      const ready = h.ready && !closing && !failingWithoutCatalog;
      const reason = closing
        ? 'shutting down'
        : failingWithoutCatalog && d?.lastError
          ? `function discovery is failing (${d.lastError.code}: ${d.lastError.message})${
              d.nextRetryAt ? `; next try at ${d.nextRetryAt}` : ''
            }`
          : h.ready
            ? undefined
            : 'first discovery not finished';
      sendJson(res, ready ? 200 : 503, {
        ready,
        ...(reason ? { reason } : {}),
        functions: h.functions,
        ...(h.discoveryError ? { discoveryError: h.discoveryError } : {}),
        ...(d ? { discovery: d } : {}),
        ...(fleet ? { fleet: fleet.readiness() } : {}),
      });
      return;
    }
    metrics.catalogFunctions.set(h.functions);
    const body = metrics.registry.render();
    res.writeHead(200, {
      'content-type': PROMETHEUS_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };

  /** The MCP server of one session: authorization follows the latest credentials presented on it. */
  const serverFor = (session: Session): Server =>
    options.createServer({
      authorize: (name) => session.principal.functions(name),
      onToolCall: onToolCall(() => ({
        subject: session.principal.subject,
        session: session.id,
        ...(session.pendingArguments ? { pending: session.pendingArguments } : {}),
      })),
    });

  const handleProtectedResourceMetadata = (req: IncomingMessage, res: ServerResponse) => {
    const oauth = authenticator.oauth;
    if (!oauth) {
      sendJson(res, 404, {
        error: 'not_found',
        error_description: 'OAuth is not configured on this server.',
      });
      return;
    }
    const scopes = [...new Set([...oauth.requiredScopes, ...Object.keys(oauth.scopes)])];
    sendJson(
      res,
      200,
      {
        resource: resourceUrl(req),
        authorization_servers: oauth.authorizationServers ?? [oauth.issuer],
        ...(scopes.length ? { scopes_supported: scopes } : {}),
        bearer_methods_supported: ['header'],
        resource_name: 'lambda-mcp',
      },
      { ...corsHeaders(req), 'cache-control': 'public, max-age=300' },
    );
  };

  // ------------------------------------------------------------------ /mcp

  const refuseAuth = (
    req: IncomingMessage,
    res: ServerResponse,
    failure: Extract<Awaited<ReturnType<Authenticator['authenticate']>>, { ok: false }>,
  ) => {
    metrics.authFailures.inc({ reason: failure.reason });
    const headers: Record<string, string> = { ...corsHeaders(req) };
    if (failure.status !== 503)
      headers['www-authenticate'] = wwwAuthenticate(failure, resourceMetadataUrl(req));
    else headers['retry-after'] = '5';
    logger.info('Request refused by authentication', {
      reason: failure.reason,
      status: failure.status,
      client: clientAddress(req),
    });
    sendJsonRpcError(res, failure.status, JSONRPC_SERVER_ERROR, failure.description, { headers });
  };

  const limited = async (req: IncomingMessage, res: ServerResponse, key: string): Promise<boolean> => {
    const decision = await rateLimiter.take(key);
    if (decision.allowed) return false;
    metrics.rateLimited.inc();
    sendJsonRpcError(
      res,
      429,
      JSONRPC_SERVER_ERROR,
      `Too many requests; retry after ${decision.retryAfterSeconds} s.`,
      {
        headers: { 'retry-after': String(decision.retryAfterSeconds), ...corsHeaders(req) },
      },
    );
    return true;
  };

  const readJsonBody = async (
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ ok: true; body: unknown } | { ok: false }> => {
    const result = await readBody(req, options.maxBodyBytes, bodyTimeoutMs);
    if (!result.ok) {
      if (result.reason === 'timeout') {
        metrics.refused.inc({ reason: 'body_timeout' });
        sendJsonRpcError(
          res,
          408,
          JSONRPC_SERVER_ERROR,
          `Request Timeout: the request body was not received within ${Math.round(bodyTimeoutMs / 1000)} s (--body-timeout).`,
          { headers: { connection: 'close', ...corsHeaders(req) } },
        );
        res.once('finish', () => req.socket.destroy());
      } else if (result.reason === 'too-large') {
        sendJsonRpcError(
          res,
          413,
          JSONRPC_SERVER_ERROR,
          `Request body too large: the limit is ${options.maxBodyBytes} bytes.`,
          { headers: { connection: 'close', ...corsHeaders(req) } },
        );
      } else if (!res.headersSent) {
        res.destroy();
      }
      return { ok: false };
    }
    let body: unknown;
    try {
      body = JSON.parse(result.text);
    } catch {
      sendJsonRpcError(res, 400, JSONRPC_PARSE_ERROR, 'Parse error: the body is not valid JSON.', {
        headers: corsHeaders(req),
      });
      return { ok: false };
    }
    const problem = checkJsonRpcBody(body);
    if (problem) {
      sendJsonRpcError(res, 400, JSONRPC_INVALID_REQUEST, `Invalid Request: ${problem}`, {
        id: requestIdOf(body),
        headers: corsHeaders(req),
      });
      return { ok: false };
    }
    return { ok: true, body };
  };

  const handleStateless = async (
    req: AuthedRequest,
    res: ServerResponse,
    principal: Principal,
    body: unknown,
  ) => {
    const server = options.createServer({
      // No stream outlives the request: a list_changed notification could never be delivered.
      listChanged: false,
      authorize: principal.functions,
      onToolCall: onToolCall(() => {
        const hostRequestId = options.hostRequestIdHeader
          ? header(req, options.hostRequestIdHeader)
          : undefined;
        return {
          subject: principal.subject,
          ...(hostRequestId ? { session: hostRequestId } : {}),
          ...pendingFor(body),
        };
      }),
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close().catch(() => {});
      void server.close().catch(() => {});
    });
    await server.connect(transport);
    req.auth = authInfoFor(principal);
    await transport.handleRequest(req, res, body);
  };

  /** With payload logging on, the arguments of a tools/call, for the audit line. */
  const pendingFor = (body: unknown): { pending?: Map<string | number, unknown> } => {
    if (!options.logPayloads || methodOf(body) !== 'tools/call') return {};
    const id = requestIdOf(body);
    if (id === null) return {};
    const params = (body as { params?: { arguments?: unknown } }).params;
    return { pending: new Map([[id, params?.arguments ?? {}]]) };
  };

  const openSession = async (
    req: AuthedRequest,
    res: ServerResponse,
    principal: Principal,
    body: unknown,
  ) => {
    if (!(await sessions.makeRoom())) {
      sendJsonRpcError(res, 503, JSONRPC_SERVER_ERROR, 'Too many sessions are busy; try again shortly.', {
        id: requestIdOf(body),
        headers: { 'retry-after': '5', ...corsHeaders(req) },
      });
      return;
    }
    const now = Date.now();
    let closeReason: CloseReason = 'closed';
    const codec = fleet?.codec;
    const transport = new StreamableHTTPServerTransport({
      // With a shared secret the id carries the session (any replica can rebuild it); else a UUID.
      sessionIdGenerator: codec
        ? () => codec.encode(sessionStateOf(body, principal.subject, now))
        : () => randomUUID(),
      onsessioninitialized: (id) => {
        session.id = id;
        sessions.add(session);
        if (fleet?.redis) {
          byFleetKey.set(sessionKey(id), session);
          fleet.presence?.touch(id, true);
        }
        metrics.sessionsOpened.inc();
        logger.debug('Session opened', { session: id, subject: principal.subject });
      },
      onsessionclosed: () => {
        closeReason = 'deleted';
      },
      ...(options.keepAliveMs !== undefined ? { keepAliveMs: options.keepAliveMs } : {}),
    });
    const session: Session = {
      id: '',
      transport,
      server: undefined as unknown as Server,
      subject: principal.subject,
      principal,
      createdAt: now,
      lastActive: now,
      activeRequests: 1,
      openStreams: 0,
      inFlightIds: new Set(),
      ...(options.logPayloads ? { pendingArguments: new Map() } : {}),
      closed: false,
    };
    session.server = serverFor(session);
    transport.onclose = () => {
      void sessions.close(session, closeReason);
    };
    await session.server.connect(transport);
    req.auth = authInfoFor(principal);
    try {
      await transport.handleRequest(req, res, body);
    } finally {
      session.activeRequests -= 1;
      session.lastActive = Date.now();
      if (!session.id) {
        // The initialize was refused (bad protocol version, bad params): nothing to keep.
        void sessions.close(session, 'closed');
      }
    }
  };

  /** The state sealed in a new session's id, from its initialize request. */
  const sessionStateOf = (body: unknown, owner: string, createdAt: number): SessionState => {
    const params = ((body as { params?: Record<string, unknown> }).params ?? {}) as {
      protocolVersion?: unknown;
      capabilities?: unknown;
      clientInfo?: { name?: unknown; version?: unknown };
    };
    const requested = typeof params.protocolVersion === 'string' ? params.protocolVersion : '';
    return {
      protocolVersion: SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION,
      clientCapabilities:
        typeof params.capabilities === 'object' && params.capabilities !== null
          ? (params.capabilities as Record<string, unknown>)
          : {},
      clientInfo: {
        name: String(params.clientInfo?.name ?? ''),
        version: String(params.clientInfo?.version ?? ''),
      },
      owner,
      createdAt,
    };
  };

  /**
   * A session this replica has not seen (opened on another replica, or before this one restarted):
   * rebuilt from its sealed id when the id is genuine, belongs to this caller and is still live in
   * the fleet. Anything else is "not found", as an unknown id always was.
   */
  const restoreSession = async (id: string, principal: Principal): Promise<Session | undefined> => {
    const codec = fleet?.codec;
    const state = codec?.decode(id);
    if (!state || state.owner !== principal.subject) return undefined;
    // Ended (DELETE) or idle past the timeout everywhere: not rebuilt. Redis down: the seal decides.
    if ((await fleet?.presence?.alive(id)) === false) return undefined;
    const existing = sessions.get(id);
    if (existing) return existing; // rebuilt by a concurrent request meanwhile
    if (!(await sessions.makeRoom())) return undefined;
    const logLevel = await fleet?.presence?.logLevel(id);
    const again = sessions.get(id);
    if (again) return again;
    const now = Date.now();
    let closeReason: CloseReason = 'closed';
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      onsessionclosed: () => {
        closeReason = 'deleted';
      },
      ...(options.keepAliveMs !== undefined ? { keepAliveMs: options.keepAliveMs } : {}),
    });
    const session: Session = {
      id,
      transport,
      server: undefined as unknown as Server,
      subject: state.owner,
      principal,
      createdAt: state.createdAt,
      lastActive: now,
      activeRequests: 0,
      openStreams: 0,
      inFlightIds: new Set(),
      ...(options.logPayloads ? { pendingArguments: new Map() } : {}),
      closed: false,
    };
    session.server = serverFor(session);
    transport.onclose = () => {
      void sessions.close(session, closeReason);
    };
    await session.server.connect(transport);
    markInitialized(transport, session.server, id, state, logLevel);
    sessions.add(session);
    if (fleet?.redis) byFleetKey.set(sessionKey(id), session);
    metrics.sessionsOpened.inc();
    logger.debug('Session rebuilt from its id', { session: sessionKey(id), subject: state.owner });
    return session;
  };

  /** What the rest of the fleet must hear of a request on a session. */
  const shareWithFleet = (session: Session, method: string | undefined, body: unknown) => {
    fleet?.presence?.touch(session.id);
    if (method === 'DELETE' || body === undefined) return;
    const name = methodOf(body);
    const params = (body as { params?: Record<string, unknown> }).params;
    if (name === 'notifications/cancelled') {
      const requestId = params?.requestId;
      if (typeof requestId === 'string' || typeof requestId === 'number') {
        fleet?.publishCancel(session.id, {
          requestId,
          ...(typeof params?.reason === 'string' ? { reason: params.reason } : {}),
        });
      }
    } else if (name === 'logging/setLevel' && typeof params?.level === 'string') {
      if (LOG_LEVELS.includes(params.level)) void fleet?.presence?.saveLogLevel(session.id, params.level);
    }
  };

  /** A cancel another replica received for a session whose call may run here. */
  const deliverCancel = (message: CancelMessage) => {
    const session = byFleetKey.get(message.session);
    if (!session || session.closed) return;
    session.transport.onmessage?.({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: {
        requestId: message.requestId,
        ...(message.reason !== undefined ? { reason: message.reason } : {}),
      },
    });
  };

  /** Another replica ended this session (DELETE): the local copy goes too. */
  const endSession = (key: string) => {
    const session = byFleetKey.get(key);
    if (session && !session.closed) void sessions.close(session, 'closed');
  };

  const handleStateful = async (
    req: AuthedRequest,
    res: ServerResponse,
    principal: Principal,
    body: unknown | undefined,
  ) => {
    const sessionId = header(req, 'mcp-session-id');
    if (!sessionId) {
      if (req.method === 'POST' && methodOf(body) === 'initialize') {
        await openSession(req, res, principal, body);
        return;
      }
      sendJsonRpcError(
        res,
        400,
        JSONRPC_SERVER_ERROR,
        'Bad Request: an Mcp-Session-Id header is required (send initialize first to open a session).',
        { id: requestIdOf(body), headers: corsHeaders(req) },
      );
      return;
    }
    let session = sessions.get(sessionId);
    if (!session && fleet?.codec) session = await restoreSession(sessionId, principal);
    // A session belongs to the subject that opened it: to anyone else it does not exist.
    if (!session || session.closed || session.subject !== principal.subject) {
      sendJsonRpcError(res, 404, JSONRPC_SESSION_NOT_FOUND, 'Session not found.', {
        id: requestIdOf(body),
        headers: corsHeaders(req),
      });
      return;
    }
    const requestId = body !== undefined && isRequestBody(body) ? requestIdOf(body) : null;
    if (requestId !== null && session.inFlightIds.has(requestId)) {
      // Two requests with one id would share one response slot in the transport: the first would
      // never be answered and would hold the session open. Refuse the second.
      sendJsonRpcError(
        res,
        409,
        JSONRPC_INVALID_REQUEST,
        `Invalid Request: a request with id ${JSON.stringify(requestId)} is already in flight on this session; use a new id.`,
        { id: requestId, headers: corsHeaders(req) },
      );
      return;
    }
    session.principal = principal;
    sessions.touch(session);
    if (fleet) shareWithFleet(session, req.method, body);
    if (body !== undefined && session.pendingArguments && methodOf(body) === 'tools/call') {
      const id = requestIdOf(body);
      if (id !== null) {
        session.pendingArguments.set(
          id,
          (body as { params?: { arguments?: unknown } }).params?.arguments ?? {},
        );
      }
    }
    const isStream = req.method === 'GET';
    if (isStream) session.openStreams += 1;
    else session.activeRequests += 1;
    if (requestId !== null) session.inFlightIds.add(requestId);
    req.auth = authInfoFor(principal);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (requestId !== null) session.inFlightIds.delete(requestId);
      if (isStream) session.openStreams -= 1;
      else session.activeRequests -= 1;
      session.lastActive = Date.now();
    };
    res.on('close', release);
    if (isStream) {
      // A GET stream lives at most --max-request-duration: keep-alives alone cannot hold a session
      // (and its slot) for ever. A client still there reconnects, which is activity.
      const timer = setTimeout(() => {
        if (!res.writableEnded) res.end();
      }, maxRequestDurationMs);
      timer.unref();
      res.once('close', () => clearTimeout(timer));
    }
    try {
      await session.transport.handleRequest(req, res, body);
    } finally {
      if (!isStream && res.writableEnded) release();
    }
  };

  const handleMcp = async (req: AuthedRequest, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      const origin = header(req, 'origin');
      if (!origin || !guard.originAllowed(origin, header(req, 'host'))) {
        sendJson(res, 403, { error: 'forbidden', error_description: 'Origin not allowed.' });
        return;
      }
      res.writeHead(204, {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': options.mode === 'stateless' ? 'POST' : 'GET, POST, DELETE',
        'access-control-allow-headers': CORS_ALLOW_HEADERS,
        'access-control-expose-headers': CORS_EXPOSE_HEADERS,
        'access-control-max-age': '600',
        vary: 'Origin',
      });
      res.end();
      return;
    }
    if (closing) {
      sendJsonRpcError(res, 503, JSONRPC_SERVER_ERROR, 'The server is shutting down.', {
        headers: { connection: 'close', 'retry-after': '1' },
      });
      return;
    }
    const auth = await authenticator.authenticate(header(req, 'authorization'));
    if (!auth.ok) {
      if (!(await limited(req, res, `ip:${clientAddress(req)}`))) refuseAuth(req, res, auth);
      return;
    }
    let principal = auth.principal;
    const iamUser = options.iamSubjectHeader ? header(req, options.iamSubjectHeader) : undefined;
    if (principal.kind === 'anonymous' && iamUser) principal = { ...principal, subject: `iam:${iamUser}` };
    const key = principal.kind === 'anonymous' ? `ip:${clientAddress(req)}` : principal.subject;
    if (await limited(req, res, key)) return;

    if (method !== 'POST' && method !== 'GET' && method !== 'DELETE') {
      sendJsonRpcError(res, 405, JSONRPC_SERVER_ERROR, `Method ${method} not allowed on ${MCP_PATH}.`, {
        headers: { allow: options.mode === 'stateless' ? 'POST' : 'GET, POST, DELETE', ...corsHeaders(req) },
      });
      return;
    }
    if (options.mode === 'stateless' && method !== 'POST') {
      sendJsonRpcError(
        res,
        405,
        JSONRPC_SERVER_ERROR,
        `Method ${method} not allowed: this server is stateless (no sessions, no standalone stream); use POST.`,
        { headers: { allow: 'POST', ...corsHeaders(req) } },
      );
      return;
    }
    for (const [k, v] of Object.entries(corsHeaders(req))) res.setHeader(k, v);

    let body: unknown;
    if (method === 'POST') {
      const read = await readJsonBody(req, res);
      if (!read.ok) return;
      body = read.body;
    }
    const isCall = method === 'POST' && isRequestBody(body);
    let slot: { release(): void } | undefined;
    if (isCall && fleet && fleet.callCap.max > 0 && methodOf(body) === 'tools/call') {
      const got = await fleet.callCap.acquire(key);
      if (!got.ok) {
        metrics.rateLimited.inc();
        sendJsonRpcError(
          res,
          429,
          JSONRPC_SERVER_ERROR,
          `Too many tool calls in flight: at most ${got.max} per caller at once; retry when one has finished.`,
          { id: requestIdOf(body), headers: { 'retry-after': '1', ...corsHeaders(req) } },
        );
        return;
      }
      slot = got;
      res.on('close', () => slot?.release());
    }
    if (isCall) {
      calls += 1;
      openCalls.set(res, requestIdOf(body));
      let done = false;
      const finish = () => {
        if (!done) {
          done = true;
          calls -= 1;
          openCalls.delete(res);
        }
      };
      res.on('close', finish);
      res.on('finish', finish);
      const id = requestIdOf(body);
      const timer = setTimeout(() => {
        logger.warn('Request ran past the maximum duration; answered with an error', {
          id,
          maxRequestDurationSeconds: Math.round(maxRequestDurationMs / 1000),
        });
        answerWithError(
          res,
          id,
          504,
          `The request ran past the server's maximum request duration (${Math.round(maxRequestDurationMs / 1000)} s, --max-request-duration) and was stopped.`,
        );
      }, maxRequestDurationMs);
      timer.unref();
      res.once('close', () => clearTimeout(timer));
    }
    if (options.mode === 'stateless') await handleStateless(req, res, principal, body);
    else await handleStateful(req, res, principal, body);
  };

  const answerShutdown = (res: ServerResponse, id: JsonRpcId, message?: string) =>
    answerWithError(res, id, 503, message ?? 'The server shut down before this request finished.');

  /** Answers a request still open with a JSON-RPC error, whether or not its stream has started. */
  const answerWithError = (res: ServerResponse, id: JsonRpcId, status: number, message: string) => {
    const error = { jsonrpc: '2.0', id, error: { code: JSONRPC_SERVER_ERROR, message } };
    if (!res.headersSent) {
      sendJsonRpcError(res, status, JSONRPC_SERVER_ERROR, message, { id });
      return;
    }
    // Requests are answered as SSE streams here (JSON response mode is never used), so an event fits.
    if (!res.writableEnded) {
      res.write(`event: message\ndata: ${JSON.stringify(error)}\n\n`);
    }
    res.end();
  };

  // ------------------------------------------------------------------ routing

  const route = async (req: AuthedRequest, res: ServerResponse) => {
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      path = '/';
    }
    const routeLabel =
      path === MCP_PATH || PROBE_PATHS.has(path) ? path : path.startsWith(PRM_PATH) ? PRM_PATH : 'other';
    const started = performance.now();
    res.on('finish', () => {
      metrics.httpRequests.inc({ route: routeLabel, status: String(res.statusCode) });
      logger.debug('HTTP request', {
        method: req.method,
        path: routeLabel,
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
    });

    const host = header(req, 'host');
    const origin = header(req, 'origin');
    // Probes skip the Host check (Kubernetes sends the pod IP as Host) but browsers still need an allowed Origin.
    const refusal = PROBE_PATHS.has(path)
      ? origin !== undefined && !guard.originAllowed(origin, host)
        ? `Invalid Origin header: ${shown(origin)}`
        : undefined
      : guard.check({ host, origin });
    if (refusal) {
      // Refusals count against the client's rate limit like any request (they cost a log line).
      if (await limited(req, res, `ip:${clientAddress(req)}`)) return;
      metrics.refused.inc({ reason: refusal.startsWith('Invalid Host') ? 'host' : 'origin' });
      logger.info('Request refused by Host/Origin validation', {
        reason: refusal,
        client: clientAddress(req),
      });
      sendJsonRpcError(res, 403, JSONRPC_SERVER_ERROR, `Forbidden: ${refusal}`);
      return;
    }
    if (PROBE_PATHS.has(path)) {
      handleProbe(req, res, path);
      return;
    }
    if (path === PRM_PATH || path === `${PRM_PATH}${MCP_PATH}`) {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { ...corsHeaders(req), 'access-control-allow-methods': 'GET' });
        res.end();
        return;
      }
      handleProtectedResourceMetadata(req, res);
      return;
    }
    if (path === MCP_PATH) {
      await handleMcp(req, res);
      return;
    }
    sendJson(res, 404, {
      error: 'not_found',
      error_description: `Nothing at ${path}; the MCP endpoint is ${MCP_PATH}.`,
    });
  };

  const server = createHttpServer((req, res) => {
    inFlight += 1;
    const ended = idleMemory.requestStarted();
    res.on('close', () => {
      inFlight -= 1;
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
      return closing;
    },
    activeCalls: () => calls,
    inFlightRequests: () => inFlight,
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
      closing = true;
      const answered = openCalls.size;
      for (const [res, id] of openCalls)
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
      if (closing) return calls;
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + deadlineMs;
      while (calls > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
        server.closeIdleConnections();
      }
      const left = calls;
      if (left > 0) {
        logger.warn('Shutdown deadline reached with calls still running', { calls: left });
        // Answer what is still running with an error, so clients fail now rather than at their timeout.
        for (const [res, id] of openCalls) answerShutdown(res, id);
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
