/**
 * The MCP server as an AWS Lambda function behind a Function URL (payload format 2.0), stateless:
 * every request gets a fresh SDK server and the SDK's web-standard transport; the function catalog,
 * schemas and validators live for the life of the execution environment.
 *
 * Responses are buffered (the Function URL default invoke mode), so the transport answers in JSON
 * mode: progress notifications are not delivered, the result is. Sessions, the GET stream and
 * cancellation need the long-running server (the container image).
 */
import {
  type Config,
  createStreamLogger,
  isLambdaMcpError,
  LambdaMcpError,
  type Logger,
  loadConfig,
  type Services,
} from '@lambda-mcp/core';
import type { ToolCallEvent } from '@lambda-mcp/mcp-server';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { createAuditLog } from './audit.js';
import { type AuthFailure, wwwAuthenticate } from './auth/authenticator.js';
import { createHostOriginGuard, type HostOriginGuard } from './host-origin.js';
import {
  checkJsonRpcBody,
  JSONRPC_INVALID_REQUEST,
  JSONRPC_PARSE_ERROR,
  JSONRPC_SERVER_ERROR,
  requestIdOf,
} from './json-rpc.js';
import { type AuthSetup, createAuthSetup, createRuntime, type Runtime } from './runtime.js';
import { type HttpSettings, loadHttpSettings } from './settings.js';
import { VERSION } from './version.js';

/** Lambda Function URL request (payload format version 2.0). */
export interface FunctionUrlEvent {
  version?: string;
  rawPath: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: {
    domainName?: string;
    requestId?: string;
    http: { method: string; path?: string; sourceIp?: string; protocol?: string; userAgent?: string };
    authorizer?: { iam?: { userArn?: string; userId?: string; accountId?: string } };
  };
}

/** Lambda Function URL response. */
export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

export interface FunctionUrlHandlerOptions {
  /** Environment to configure from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Services instead of creating them from the configuration. */
  services?: Services;
  logger?: Logger;
  /** Audit lines (default: per LAMBDA_MCP_AUDIT_LOG, stderr, which CloudWatch Logs captures). */
  writeAudit?: (line: string) => void;
}

interface State {
  config: Config;
  settings: HttpSettings;
  logger: Logger;
  guard: HostOriginGuard;
  auth: AuthSetup;
  runtime: Runtime;
  audit: ReturnType<typeof createAuditLog>;
}

function json(statusCode: number, value: unknown, headers: Record<string, string> = {}): FunctionUrlResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(value),
    isBase64Encoded: false,
  };
}

function rpcError(
  statusCode: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
  id: string | number | null = null,
): FunctionUrlResult {
  return json(statusCode, { jsonrpc: '2.0', error: { code, message }, id }, headers);
}

async function init(options: FunctionUrlHandlerOptions): Promise<State> {
  const env = options.env ?? process.env;
  const config = loadConfig({ env });
  const settings = loadHttpSettings({}, env);
  const logger =
    options.logger ??
    createStreamLogger({ level: config.logLevel, bindings: { app: 'lambda-mcp-function-url' } });
  const guard = createHostOriginGuard({
    // A Function URL is public: no loopback defaults.
    bindHost: '0.0.0.0',
    allowedHosts: settings.allowedHosts,
    allowedOrigins: settings.allowedOrigins,
  });
  const auth = createAuthSetup(settings, env, logger);
  if (!auth.authenticator.required && env.LAMBDA_MCP_FUNCTION_URL_AUTH !== 'AWS_IAM') {
    throw new LambdaMcpError(
      'INVALID_CONFIG',
      'The Function URL handler needs authentication: configure bearer tokens or OAuth (see the deploy guide), or set LAMBDA_MCP_FUNCTION_URL_AUTH=AWS_IAM when the Function URL uses AuthType AWS_IAM.',
    );
  }
  const runtime = await createRuntime({
    config,
    settings,
    logger,
    version: VERSION,
    ...(options.services ? { services: options.services } : {}),
  });
  const audit = createAuditLog(settings.auditLog, options.writeAudit);
  return { config, settings, logger, guard, auth, runtime, audit };
}

function lowerHeaders(headers: FunctionUrlEvent['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

/**
 * Creates a Function URL handler. Configuration comes from the environment (the same variables
 * as the server: FUNCTION_PREFIX, LAMBDA_MCP_AUTH_TOKENS, LAMBDA_MCP_OAUTH_* ...), read once per
 * execution environment on the first request.
 */
export function createFunctionUrlHandler(
  options: FunctionUrlHandlerOptions = {},
): (event: FunctionUrlEvent) => Promise<FunctionUrlResult> {
  let state: Promise<State> | undefined;

  return async (event) => {
    state ??= init(options);
    let s: State;
    try {
      s = await state;
    } catch (error) {
      state = undefined;
      const message = isLambdaMcpError(error) ? error.message : 'The server could not start.';
      (options.logger ?? createStreamLogger()).error('Function URL handler could not start', {
        error: message,
      });
      return rpcError(500, JSONRPC_SERVER_ERROR, message);
    }
    return handle(s, event);
  };
}

async function handle(s: State, event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  const headers = lowerHeaders(event.headers);
  const method = event.requestContext?.http?.method?.toUpperCase() ?? 'GET';
  const path = event.rawPath || '/';
  const host = headers.host ?? event.requestContext?.domainName ?? 'localhost';
  headers.host = host;

  const refusal = s.guard.check({ host, origin: headers.origin });
  if (refusal) return rpcError(403, JSONRPC_SERVER_ERROR, `Forbidden: ${refusal}`);

  if (path === '/health' && method === 'GET') {
    const h = s.runtime.health();
    return json(200, {
      status: 'ok',
      version: VERSION,
      backend: h.backend,
      functions: h.functions,
      mode: 'lambda',
    });
  }
  const resource = s.auth.resource ?? `https://${host}/mcp`;
  const prmUrl = `${new URL(resource).origin}/.well-known/oauth-protected-resource${new URL(resource).pathname}`;
  if (path.startsWith('/.well-known/oauth-protected-resource')) {
    const oauth = s.auth.authenticator.oauth;
    if (!oauth) return json(404, { error: 'not_found' });
    const scopes = [...new Set([...oauth.requiredScopes, ...Object.keys(oauth.scopes)])];
    return json(200, {
      resource,
      authorization_servers: oauth.authorizationServers ?? [oauth.issuer],
      ...(scopes.length ? { scopes_supported: scopes } : {}),
      bearer_methods_supported: ['header'],
      resource_name: 'lambda-mcp',
    });
  }
  if (path !== '/mcp' && path !== '/')
    return json(404, { error: 'not_found', error_description: 'The MCP endpoint is /mcp.' });

  const auth = await s.auth.authenticator.authenticate(headers.authorization);
  if (!auth.ok) {
    const failure = auth as AuthFailure;
    return rpcError(
      failure.status,
      JSONRPC_SERVER_ERROR,
      failure.description,
      failure.status === 503
        ? { 'retry-after': '5' }
        : { 'www-authenticate': wwwAuthenticate(failure, s.auth.authenticator.oauth ? prmUrl : undefined) },
    );
  }
  if (method !== 'POST') {
    return rpcError(
      405,
      JSONRPC_SERVER_ERROR,
      `Method ${method} not allowed: this endpoint is stateless; use POST.`,
      {
        allow: 'POST',
      },
    );
  }
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text) > s.settings.maxBodyBytes) {
    return rpcError(
      413,
      JSONRPC_SERVER_ERROR,
      `Request body too large: the limit is ${s.settings.maxBodyBytes} bytes.`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return rpcError(400, JSONRPC_PARSE_ERROR, 'Parse error: the body is not valid JSON.');
  }
  const problem = checkJsonRpcBody(body);
  if (problem)
    return rpcError(400, JSONRPC_INVALID_REQUEST, `Invalid Request: ${problem}`, {}, requestIdOf(body));

  const principal = auth.principal;
  const iam = event.requestContext?.authorizer?.iam;
  const subject = principal.kind === 'anonymous' && iam?.userArn ? `iam:${iam.userArn}` : principal.subject;
  const server = s.runtime.lambda.createServer({
    authorize: principal.functions,
    onToolCall: (e: ToolCallEvent) => {
      s.runtime.metrics.toolCalls.inc({
        tool: e.family === 'generic' ? e.tool : e.family,
        outcome: e.outcome,
      });
      s.audit.record(e, {
        subject,
        ...(event.requestContext?.requestId ? { session: event.requestContext.requestId } : {}),
      });
    },
  });
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  try {
    await server.connect(transport);
    const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
    const request = new Request(`https://${host}${path}${query}`, { method, headers, body: text });
    const authInfo: AuthInfo = {
      token: '',
      clientId: principal.clientId ?? subject,
      scopes: principal.scopes,
      ...(principal.expiresAt !== undefined ? { expiresAt: principal.expiresAt } : {}),
      extra: { subject },
    };
    const response = await transport.handleRequest(request, { parsedBody: body, authInfo });
    const out: Record<string, string> = {};
    response.headers.forEach((v, k) => {
      out[k] = v;
    });
    return { statusCode: response.status, headers: out, body: await response.text(), isBase64Encoded: false };
  } catch (error) {
    s.logger.error('Function URL request failed', {
      error: error instanceof Error ? error.message : String(error),
    });
    return rpcError(500, -32603, 'Internal error.');
  } finally {
    await transport.close().catch(() => {});
    await server.close().catch(() => {});
  }
}

/** The Lambda handler: set the function's handler to `lambda.handler` of this file (see the deploy guide). */
export const handler: (event: FunctionUrlEvent) => Promise<FunctionUrlResult> = createFunctionUrlHandler();
