/**
 * Authentication at the HTTP edge: the refusal (401/403/503 with WWW-Authenticate and its metric),
 * the principal a request acts as, what the SDK transport is told about it, and the OAuth
 * protected-resource metadata (RFC 9728).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { type AuthResult, wwwAuthenticate } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import { JSONRPC_SERVER_ERROR, sendJson, sendJsonRpcError } from '../json-rpc.js';
import type { AppContext } from './context.js';
import { header } from './request.js';

type AuthFailureResult = Extract<AuthResult, { ok: false }>;

/** What the SDK transport (and through it the MCP server) is told about the caller. */
export function authInfoFor(principal: Principal): AuthInfo {
  return {
    token: '',
    clientId: principal.clientId ?? principal.subject,
    scopes: principal.scopes,
    ...(principal.expiresAt !== undefined ? { expiresAt: principal.expiresAt } : {}),
    extra: { subject: principal.subject },
  };
}

export function createAuthEdge(ctx: AppContext) {
  const { options, metrics, logger, request } = ctx;
  const { authenticator } = options;

  const refuse = (req: IncomingMessage, res: ServerResponse, failure: AuthFailureResult) => {
    metrics.authFailures.inc({ reason: failure.reason });
    const headers: Record<string, string> = { ...request.corsHeaders(req) };
    if (failure.status !== 503)
      headers['www-authenticate'] = wwwAuthenticate(failure, request.resourceMetadataUrl(req));
    else headers['retry-after'] = '5';
    logger.info('Request refused by authentication', {
      reason: failure.reason,
      status: failure.status,
      client: request.clientAddress(req),
    });
    sendJsonRpcError(res, failure.status, JSONRPC_SERVER_ERROR, failure.description, { headers });
  };

  /**
   * The principal of an authenticated request: an anonymous one becomes the IAM caller named by
   * the trusted host adapter's header, when there is one.
   */
  const principalOf = (req: IncomingMessage, principal: Principal): Principal => {
    const iamUser = options.iamSubjectHeader ? header(req, options.iamSubjectHeader) : undefined;
    return principal.kind === 'anonymous' && iamUser
      ? { ...principal, subject: `iam:${iamUser}` }
      : principal;
  };

  const protectedResourceMetadata = (req: IncomingMessage, res: ServerResponse) => {
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
        resource: request.resourceUrl(req),
        authorization_servers: oauth.authorizationServers ?? [oauth.issuer],
        ...(scopes.length ? { scopes_supported: scopes } : {}),
        bearer_methods_supported: ['header'],
        resource_name: 'lambda-mcp',
      },
      { ...request.corsHeaders(req), 'cache-control': 'public, max-age=300' },
    );
  };

  return { refuse, principalOf, protectedResourceMetadata };
}
