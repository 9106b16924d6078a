/**
 * What the app reads off a request: its headers, the client's address (through trusted proxies),
 * the public URL of /mcp, and the CORS headers an allowed Origin gets.
 */
import type { IncomingMessage } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { HostOriginGuard } from '../host-origin.js';

export const MCP_PATH = '/mcp';
export const PRM_PATH = '/.well-known/oauth-protected-resource';
export const PROBE_PATHS = new Set(['/health', '/ready', '/metrics']);
export const CORS_ALLOW_HEADERS =
  'authorization, content-type, accept, mcp-session-id, mcp-protocol-version, last-event-id';
export const CORS_EXPOSE_HEADERS = 'mcp-session-id, mcp-protocol-version, www-authenticate, retry-after';

export type AuthedRequest = IncomingMessage & { auth?: AuthInfo };

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export interface RequestInfo {
  /** The client's address: the socket's, or the trusted X-Forwarded-For entry behind proxies. */
  clientAddress(req: IncomingMessage): string;
  /** The public URL of /mcp (the OAuth resource). */
  resourceUrl(req: IncomingMessage): string;
  /** Where the protected-resource metadata is, when OAuth is configured. */
  resourceMetadataUrl(req: IncomingMessage): string | undefined;
  /** CORS headers for an allowed Origin (none otherwise). */
  corsHeaders(req: IncomingMessage): Record<string, string>;
}

export interface RequestInfoOptions {
  guard: HostOriginGuard;
  authenticator: Authenticator;
  resource?: string;
  trustProxy?: boolean | number;
}

export function createRequestInfo(options: RequestInfoOptions): RequestInfo {
  const { guard, authenticator } = options;
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

  return { clientAddress, resourceUrl, resourceMetadataUrl, corsHeaders };
}
