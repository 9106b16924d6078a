/**
 * One request's way through the app: Host/Origin validation, the probes, the protected-resource
 * metadata, then on /mcp: CORS preflight, authentication, the rate limit, method checks, the body,
 * the call cap and duration bound, and the stateless or stateful MCP transport.
 */
import type { ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Principal } from '../auth/principal.js';
import { shownHeader as shown } from '../host-origin.js';
import { isRequestBody, JSONRPC_SERVER_ERROR, sendJson, sendJsonRpcError } from '../json-rpc.js';
import { authInfoFor, createAuthEdge } from './auth.js';
import type { AppContext } from './context.js';
import { createLimits } from './limits.js';
import { createProbes } from './probes.js';
import {
  type AuthedRequest,
  CORS_ALLOW_HEADERS,
  CORS_EXPOSE_HEADERS,
  header,
  MCP_PATH,
  PRM_PATH,
  PROBE_PATHS,
} from './request.js';
import { sendHeadersWithFirstEvent } from './response.js';
import { createStatefulHandler } from './stateful.js';
import { createToolCallRecorder } from './tool-calls.js';

export function createPipeline(ctx: AppContext) {
  const { options, metrics, logger, request, state } = ctx;
  const { guard } = options;
  const calls = createToolCallRecorder(ctx);
  const authEdge = createAuthEdge(ctx);
  const { limited, readJsonBody, admitCall } = createLimits(ctx);
  const probes = createProbes(ctx);
  const stateful = createStatefulHandler(ctx, calls);

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
      onToolCall: calls.onToolCall(() => {
        const hostRequestId = options.hostRequestIdHeader
          ? header(req, options.hostRequestIdHeader)
          : undefined;
        return {
          subject: principal.subject,
          ...(hostRequestId ? { session: hostRequestId } : {}),
          ...calls.pendingFor(body),
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
    if (state.closing) {
      sendJsonRpcError(res, 503, JSONRPC_SERVER_ERROR, 'The server is shutting down.', {
        headers: { connection: 'close', 'retry-after': '1' },
      });
      return;
    }
    const auth = await options.authenticator.authenticate(header(req, 'authorization'));
    if (!auth.ok) {
      if (!(await limited(req, res, `ip:${request.clientAddress(req)}`))) authEdge.refuse(req, res, auth);
      return;
    }
    const principal = authEdge.principalOf(req, auth.principal);
    const key = principal.kind === 'anonymous' ? `ip:${request.clientAddress(req)}` : principal.subject;
    if (await limited(req, res, key)) return;

    if (method !== 'POST' && method !== 'GET' && method !== 'DELETE') {
      sendJsonRpcError(res, 405, JSONRPC_SERVER_ERROR, `Method ${method} not allowed on ${MCP_PATH}.`, {
        headers: {
          allow: options.mode === 'stateless' ? 'POST' : 'GET, POST, DELETE',
          ...request.corsHeaders(req),
        },
      });
      return;
    }
    if (options.mode === 'stateless' && method !== 'POST') {
      sendJsonRpcError(
        res,
        405,
        JSONRPC_SERVER_ERROR,
        `Method ${method} not allowed: this server is stateless (no sessions, no standalone stream); use POST.`,
        { headers: { allow: 'POST', ...request.corsHeaders(req) } },
      );
      return;
    }
    for (const [k, v] of Object.entries(request.corsHeaders(req))) res.setHeader(k, v);

    let body: unknown;
    if (method === 'POST') {
      const read = await readJsonBody(req, res);
      if (!read.ok) return;
      body = read.body;
    }
    const isCall = method === 'POST' && isRequestBody(body);
    if (isCall && !(await admitCall(req, res, key, body))) return;
    if (method === 'POST') sendHeadersWithFirstEvent(res);
    if (options.mode === 'stateless') await handleStateless(req, res, principal, body);
    else await stateful.handle(req, res, principal, body);
  };

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
      if (await limited(req, res, `ip:${request.clientAddress(req)}`)) return;
      metrics.refused.inc({ reason: refusal.startsWith('Invalid Host') ? 'host' : 'origin' });
      logger.info('Request refused by Host/Origin validation', {
        reason: refusal,
        client: request.clientAddress(req),
      });
      sendJsonRpcError(res, 403, JSONRPC_SERVER_ERROR, `Forbidden: ${refusal}`);
      return;
    }
    if (PROBE_PATHS.has(path)) {
      await probes(req, res, path);
      return;
    }
    if (path === PRM_PATH || path === `${PRM_PATH}${MCP_PATH}`) {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { ...request.corsHeaders(req), 'access-control-allow-methods': 'GET' });
        res.end();
        return;
      }
      authEdge.protectedResourceMetadata(req, res);
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

  return { route, deliverCancel: stateful.deliverCancel, endSession: stateful.endSession };
}
