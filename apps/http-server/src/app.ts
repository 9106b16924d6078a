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
import type { AuditLog } from './audit.js';
import { type Authenticator, wwwAuthenticate } from './auth/authenticator.js';
import type { Principal } from './auth/principal.js';
import { readBody } from './body.js';
import type { HostOriginGuard } from './host-origin.js';
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
import { createMemoryReleaser } from './memory.js';
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
  logger: Logger;
  version: string;
  guard: HostOriginGuard;
  authenticator: Authenticator;
  rateLimiter: RateLimiter;
  audit: AuditLog;
  health(): CatalogHealth;
  metrics?: ServerMetrics;
  /** Largest accepted request body in bytes (413 beyond). */
  maxBodyBytes: number;
  sessionIdleTimeoutMs: number;
  maxSessions: number;
  /** The public URL of /mcp (the OAuth resource), when configured. */
  resource?: string;
  /** Trust X-Forwarded-For / X-Forwarded-Proto (behind a load balancer). */
  trustProxy?: boolean;
  /** Keep tools/call arguments for the audit log (operator opt-in). */
  logPayloads?: boolean;
  /** SSE keep-alive comment interval (ms) on open streams. */
  keepAliveMs?: number;
}

export interface HttpApp {
  readonly server: NodeHttpServer;
  readonly sessions: SessionStore;
  readonly metrics: ServerMetrics;
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
  const sessions = createSessionStore({
    idleTimeoutMs: options.sessionIdleTimeoutMs,
    maxSessions: options.maxSessions,
    logger,
    onClosed: (_s, reason: CloseReason) => {
      metrics.sessionsClosed.inc({ reason });
      if (reason !== 'shutdown') memory.sessionsClosed(1);
    },
  });
  const metrics =
    options.metrics ??
    createServerMetrics({ sessions: () => sessions.size, inFlightRequests: () => inFlight });

  const clientAddress = (req: IncomingMessage): string => {
    if (options.trustProxy) {
      const fwd = header(req, 'x-forwarded-for');
      const first = fwd?.split(',')[0]?.trim();
      if (first) return first;
    }
    return req.socket.remoteAddress ?? 'unknown';
  };

  const publicBase = (req: IncomingMessage): string => {
    if (options.resource) return new URL(options.resource).origin;
    const proto =
      options.trustProxy && header(req, 'x-forwarded-proto') === 'https'
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
        mode: options.mode,
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

  const limited = (req: IncomingMessage, res: ServerResponse, key: string): boolean => {
    const decision = rateLimiter.take(key);
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
    const result = await readBody(req, options.maxBodyBytes);
    if (!result.ok) {
      if (result.reason === 'too-large') {
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
      authorize: principal.functions,
      onToolCall: onToolCall(() => ({ subject: principal.subject, ...pendingFor(body) })),
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
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        session.id = id;
        sessions.add(session);
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
      ...(options.logPayloads ? { pendingArguments: new Map() } : {}),
      closed: false,
    };
    session.server = options.createServer({
      // Authorization follows the latest credentials presented on this session.
      authorize: (name) => session.principal.functions(name),
      onToolCall: onToolCall(() => ({
        subject: session.principal.subject,
        session: session.id,
        ...(session.pendingArguments ? { pending: session.pendingArguments } : {}),
      })),
    });
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
    const session = sessions.get(sessionId);
    // A session belongs to the subject that opened it: to anyone else it does not exist.
    if (!session || session.closed || session.subject !== principal.subject) {
      sendJsonRpcError(res, 404, JSONRPC_SESSION_NOT_FOUND, 'Session not found.', {
        id: requestIdOf(body),
        headers: corsHeaders(req),
      });
      return;
    }
    session.principal = principal;
    sessions.touch(session);
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
    req.auth = authInfoFor(principal);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (isStream) session.openStreams -= 1;
      else session.activeRequests -= 1;
      session.lastActive = Date.now();
    };
    res.on('close', release);
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
      if (!limited(req, res, `ip:${clientAddress(req)}`)) refuseAuth(req, res, auth);
      return;
    }
    const principal = auth.principal;
    const key = principal.kind === 'anonymous' ? `ip:${clientAddress(req)}` : principal.subject;
    if (limited(req, res, key)) return;

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
    }
    if (options.mode === 'stateless') await handleStateless(req, res, principal, body);
    else await handleStateful(req, res, principal, body);
  };

  const answerShutdown = (res: ServerResponse, id: JsonRpcId) => {
    const error = {
      jsonrpc: '2.0',
      id,
      error: { code: JSONRPC_SERVER_ERROR, message: 'The server shut down before this request finished.' },
    };
    if (!res.headersSent) {
      sendJsonRpcError(res, 503, JSONRPC_SERVER_ERROR, error.error.message, { id });
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
        ? `Invalid Origin header: ${JSON.stringify(origin)}`
        : undefined
      : guard.check({ host, origin });
    if (refusal) {
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
    res.on('close', () => {
      inFlight -= 1;
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
  server.on('clientError', (error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    logger.debug('Malformed HTTP request', { error: error.message });
  });
  // Long tool calls stream for minutes; do not cut requests by time (sessions and deadlines do that).
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;
  server.keepAliveTimeout = 65_000;

  return {
    server,
    sessions,
    metrics,
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
      await sessions.closeAll('shutdown');
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await closed;
      return left;
    },
  };
}
