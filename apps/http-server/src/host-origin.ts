/**
 * Host and Origin validation (DNS-rebinding protection). The spec says a server MUST answer 403 to
 * an invalid Origin, and a server on localhost must refuse Host names that are not its own: a page
 * on evil.example whose DNS name resolves to 127.0.0.1 sends `Host: evil.example`.
 *
 * Allowed hosts are hostnames (any port) or `hostname:port` (that port only); `*` allows any.
 * Defaults: a server bound to loopback accepts only loopback names; a server bound elsewhere accepts
 * any Host unless a list is given. An Origin, when present, must be in the allowed origins; by
 * default an origin whose host passes the Host rules, or that is the request's own origin.
 */
export const LOOPBACK_HOSTNAMES = ['localhost', '127.0.0.1', '[::1]'];

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The longest part of a refused Host or Origin value shown in logs and answers. */
export const MAX_SHOWN_HEADER = 100;

/** A header value for a log line or an error: quoted, cut at MAX_SHOWN_HEADER characters. */
export function shownHeader(value: string | undefined): string {
  const v = value ?? '';
  return v.length <= MAX_SHOWN_HEADER
    ? JSON.stringify(v)
    : `${JSON.stringify(v.slice(0, MAX_SHOWN_HEADER))}... (${v.length} characters)`;
}

export interface HostOriginOptions {
  /** The address the server binds to; decides the defaults. */
  bindHost: string;
  allowedHosts?: string[];
  allowedOrigins?: string[];
}

export interface HostOriginGuard {
  /** Undefined when the request may go on, otherwise why it may not (safe to show). */
  check(
    headers: { host?: string | undefined; origin?: string | undefined },
    show?: (value: string | undefined) => string,
  ): string | undefined;
  /** Whether this Origin may read responses (for CORS headers). */
  originAllowed(origin: string, host: string | undefined): boolean;
  readonly allowedHosts: readonly string[] | undefined;
}

interface HostRule {
  hostname: string;
  port?: string;
}

/** Splits a Host header value into a lower-case hostname (IPv6 in brackets) and a port. */
export function parseHostHeader(value: string): HostRule | undefined {
  const v = value.trim().toLowerCase();
  if (!v) return undefined;
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    if (end < 0) return undefined;
    const hostname = v.slice(0, end + 1);
    const rest = v.slice(end + 1);
    if (rest === '') return { hostname };
    if (!/^:\d{1,5}$/.test(rest)) return undefined;
    return { hostname, port: rest.slice(1) };
  }
  const colon = v.lastIndexOf(':');
  if (colon >= 0) {
    const port = v.slice(colon + 1);
    if (!/^\d{1,5}$/.test(port)) return undefined;
    const hostname = v.slice(0, colon);
    if (!hostname || hostname.includes(':')) return undefined;
    return { hostname, port };
  }
  return { hostname: v };
}

function parseRule(entry: string): HostRule {
  const rule = parseHostHeader(entry);
  if (!rule)
    throw new Error(`Invalid allowed host "${entry}": use a hostname, hostname:port or [IPv6]:port.`);
  // Accept "::1" written without brackets.
  if (rule.hostname === '::1' || entry.trim() === '::1') return { hostname: '[::1]' };
  return rule;
}

function normalizeOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.origin.toLowerCase();
  } catch {
    return undefined;
  }
}

export function createHostOriginGuard(options: HostOriginOptions): HostOriginGuard {
  const loopback = isLoopbackHost(options.bindHost);
  const hostList = options.allowedHosts?.length
    ? options.allowedHosts
    : loopback
      ? LOOPBACK_HOSTNAMES
      : undefined;
  const anyHost = !hostList || hostList.includes('*');
  const rules = anyHost ? [] : hostList.map(parseRule);
  const originList = options.allowedOrigins?.length ? options.allowedOrigins : undefined;
  const anyOrigin = originList?.includes('*') ?? false;
  const origins = new Set(
    (originList ?? [])
      .filter((o) => o !== '*')
      .map((o) => {
        const n = normalizeOrigin(o);
        if (!n)
          throw new Error(
            `Invalid allowed origin "${o}": use scheme://host[:port], e.g. https://app.example.com.`,
          );
        return n;
      }),
  );

  const hostAllowed = (rule: HostRule): boolean => {
    if (anyHost) return true;
    return rules.some((r) => r.hostname === rule.hostname && (r.port === undefined || r.port === rule.port));
  };

  const originAllowed = (origin: string, host: string | undefined): boolean => {
    const normalized = normalizeOrigin(origin);
    if (!normalized) return false;
    if (anyOrigin || origins.has(normalized)) return true;
    if (originList) return false;
    const url = new URL(normalized);
    // Default: same origin as the request, or (when a host list is in force) a listed host.
    if (host && url.host === host.trim().toLowerCase()) return true;
    if (!anyHost) {
      const rule = parseHostHeader(url.host);
      return rule !== undefined && hostAllowed(rule);
    }
    return false;
  };

  return {
    allowedHosts: anyHost ? undefined : hostList,
    originAllowed,
    check(headers, show = shownHeader) {
      const host = headers.host;
      if (!anyHost) {
        const rule = host ? parseHostHeader(host) : undefined;
        if (!rule || !hostAllowed(rule)) return `Invalid Host header: ${show(host)}`;
      }
      const origin = headers.origin;
      if (origin !== undefined && !originAllowed(origin, host)) {
        return `Invalid Origin header: ${show(origin)}`;
      }
      return undefined;
    },
  };
}
