/**
 * Stateful mode: sessions over the Streamable HTTP transport. A session is opened by initialize,
 * served by the replica that holds it, or rebuilt from its sealed id on any replica of a fleet;
 * what other replicas must hear (cancels, log levels, liveness) is shared with them.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../auth/principal.js';
import {
  type CancelMessage,
  LOG_LEVELS,
  markInitialized,
  type SessionState,
  sessionKey,
} from '../fleet/index.js';
import {
  isRequestBody,
  JSONRPC_INVALID_REQUEST,
  JSONRPC_SERVER_ERROR,
  JSONRPC_SESSION_NOT_FOUND,
  methodOf,
  requestIdOf,
  sendJsonRpcError,
} from '../json-rpc.js';
import type { CloseReason, Session } from '../sessions.js';
import { authInfoFor } from './auth.js';
import type { AppContext } from './context.js';
import { type AuthedRequest, header } from './request.js';
import type { createToolCallRecorder } from './tool-calls.js';

export function createStatefulHandler(ctx: AppContext, calls: ReturnType<typeof createToolCallRecorder>) {
  const { options, sessions, fleet, byFleetKey, metrics, logger, request, maxRequestDurationMs } = ctx;

  /** The MCP server of one session: authorization follows the latest credentials presented on it. */
  const serverFor = (session: Session): Server =>
    options.createServer({
      authorize: (name) => session.principal.functions(name),
      onToolCall: calls.onToolCall(() => ({
        subject: session.principal.subject,
        session: session.id,
        ...(session.pendingArguments ? { pending: session.pendingArguments } : {}),
      })),
    });

  /**
   * A session around its transport (a new one, or one rebuilt from its sealed id): its MCP server
   * built and connected, and closed with the transport for the reason `closeReason()` gives then.
   */
  const connectSession = async (
    transport: StreamableHTTPServerTransport,
    fields: Pick<Session, 'id' | 'subject' | 'principal' | 'createdAt' | 'lastActive' | 'activeRequests'>,
    closeReason: () => CloseReason,
  ): Promise<Session> => {
    const session: Session = {
      ...fields,
      transport,
      server: undefined as unknown as Server,
      openStreams: 0,
      inFlightIds: new Set(),
      ...(options.logPayloads ? { pendingArguments: new Map() } : {}),
      closed: false,
    };
    session.server = serverFor(session);
    transport.onclose = () => {
      void sessions.close(session, closeReason());
    };
    await session.server.connect(transport);
    return session;
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
        headers: { 'retry-after': '5', ...request.corsHeaders(req) },
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
    const session: Session = await connectSession(
      transport,
      { id: '', subject: principal.subject, principal, createdAt: now, lastActive: now, activeRequests: 1 },
      () => closeReason,
    );
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
    const session = await connectSession(
      transport,
      { id, subject: state.owner, principal, createdAt: state.createdAt, lastActive: now, activeRequests: 0 },
      () => closeReason,
    );
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
        { id: requestIdOf(body), headers: request.corsHeaders(req) },
      );
      return;
    }
    let session = sessions.get(sessionId);
    if (!session && fleet?.codec) session = await restoreSession(sessionId, principal);
    // A session belongs to the subject that opened it: to anyone else it does not exist.
    if (!session || session.closed || session.subject !== principal.subject) {
      sendJsonRpcError(res, 404, JSONRPC_SESSION_NOT_FOUND, 'Session not found.', {
        id: requestIdOf(body),
        headers: request.corsHeaders(req),
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
        { id: requestId, headers: request.corsHeaders(req) },
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

  return { handle: handleStateful, deliverCancel, endSession };
}
