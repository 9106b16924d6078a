/**
 * The MCP server as an AWS Lambda function behind a Function URL (payload format 2.0), stateless.
 *
 * One HTTP pipeline for every host: the handler does not answer requests itself. It starts the
 * same HTTP app the container runs (`createHttpApp`: Host/Origin checks, authentication, rate
 * limits, body limits, metrics, health, audit) once per execution environment, listening on
 * loopback inside the sandbox, and relays each Function URL event to it as an HTTP request (the
 * pattern of the AWS Lambda Web Adapter). The event's source IP becomes the only
 * X-Forwarded-For entry (one trusted hop), and an AWS_IAM caller's ARN becomes the subject of an
 * anonymous request; copies of those headers sent by the caller are dropped.
 *
 * Responses are buffered (the Function URL default invoke mode): the answer of a call arrives
 * whole (SSE framing included). Sessions, the GET stream and cancellation need the container.
 */
import http from 'node:http';
import {
  type Config,
  createStreamLogger,
  isLambdaMcpError,
  LambdaMcpError,
  type Logger,
  loadConfig,
  type Services,
} from '@lambda-mcp/core';
import { createHttpApp, type HttpApp } from './app.js';
import { createAuditLog } from './audit.js';
import { createHostOriginGuard } from './host-origin.js';
import { JSONRPC_SERVER_ERROR } from './json-rpc.js';
import { createRateLimiter } from './rate-limit.js';
import { createAuthSetup, createRuntime, type Runtime } from './runtime.js';
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
  runtime: Runtime;
  app: HttpApp;
  port: number;
}

/** Headers only this adapter may set (any copy in the event is dropped). */
const IAM_HEADER = 'x-lambda-mcp-iam-user';
const REQUEST_ID_HEADER = 'x-lambda-mcp-request-id';
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade']);

function rpcError(statusCode: number, message: string): FunctionUrlResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify({ jsonrpc: '2.0', error: { code: JSONRPC_SERVER_ERROR, message }, id: null }),
    isBase64Encoded: false,
  };
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
  let app: HttpApp | undefined;
  const runtime = await createRuntime({
    config,
    settings,
    logger,
    version: VERSION,
    inFlightRequests: () => app?.inFlightRequests() ?? 0,
    ...(options.services ? { services: options.services } : {}),
  });
  app = createHttpApp({
    createServer: (o) => runtime.lambda.createServer(o),
    mode: 'stateless',
    modeLabel: 'lambda',
    logger,
    version: VERSION,
    guard,
    authenticator: auth.authenticator,
    rateLimiter: createRateLimiter({
      requestsPerMinute: settings.rateLimitPerMinute,
      ...(settings.rateLimitBurst ? { burst: settings.rateLimitBurst } : {}),
    }),
    audit: createAuditLog(settings.auditLog, options.writeAudit),
    health: () => runtime.health(),
    metrics: runtime.metrics,
    maxBodyBytes: settings.maxBodyBytes,
    sessionIdleTimeoutMs: settings.sessionIdleTimeoutSeconds * 1000,
    maxSessions: settings.maxSessions,
    ...(auth.resource ? { resource: auth.resource } : {}),
    // The adapter writes X-Forwarded-For itself: exactly one trusted hop.
    trustProxy: 1,
    logPayloads: config.logPayloads,
    maxRequestDurationMs: settings.maxRequestDurationSeconds * 1000,
    bodyTimeoutMs: settings.bodyTimeoutSeconds * 1000,
    iamSubjectHeader: IAM_HEADER,
    hostRequestIdHeader: REQUEST_ID_HEADER,
  });
  const address = await app.listen(0, '127.0.0.1');
  // The loopback listener must not keep the execution environment's event loop alive on its own.
  app.server.unref();
  return { config, settings, logger, runtime, app, port: address.port };
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
      return rpcError(500, message);
    }
    try {
      return await relay(s, event);
    } catch (error) {
      s.logger.error('Function URL request failed', {
        error: error instanceof Error ? error.message : String(error),
      });
      return rpcError(500, 'Internal error.');
    }
  };
}

/** Sends one Function URL event to the loopback app and buffers its answer. */
function relay(s: State, event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) {
    const name = k.toLowerCase();
    if (v === undefined || HOP_BY_HOP.has(name)) continue;
    if (name === IAM_HEADER || name === REQUEST_ID_HEADER || name === 'x-forwarded-for') continue;
    headers[name] = v;
  }
  headers.host ??= event.requestContext?.domainName ?? 'localhost';
  headers['x-forwarded-for'] = event.requestContext?.http?.sourceIp ?? '0.0.0.0';
  headers['x-forwarded-proto'] = 'https';
  const iam = event.requestContext?.authorizer?.iam?.userArn;
  if (iam) headers[IAM_HEADER] = iam;
  if (event.requestContext?.requestId) headers[REQUEST_ID_HEADER] = event.requestContext.requestId;
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (body.length > 0 || event.body !== undefined) headers['content-length'] = String(body.length);
  const method = event.requestContext?.http?.method?.toUpperCase() ?? 'GET';
  // The Function URL's root is the MCP endpoint too.
  const rawPath = !event.rawPath || event.rawPath === '/' ? '/mcp' : event.rawPath;
  const path = `${rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;

  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: s.port, method, path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v === undefined || HOP_BY_HOP.has(k)) continue;
            out[k] = Array.isArray(v) ? v.join(', ') : v;
          }
          resolve({
            statusCode: res.statusCode ?? 502,
            headers: out,
            body: Buffer.concat(chunks).toString('utf8'),
            isBase64Encoded: false,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body.length > 0 ? body : undefined);
  });
}

/** The Lambda handler: set the function's handler to `lambda.handler` of this file (see the deploy guide). */
export const handler: (event: FunctionUrlEvent) => Promise<FunctionUrlResult> = createFunctionUrlHandler();
