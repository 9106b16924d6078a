import { LambdaMcpError } from '@lambda-mcp/core';
import { parseDurationSeconds } from '@lambda-mcp/core/internal';

/**
 * Settings of the HTTP app beyond the shared configuration (port, host, backend, filters ... come
 * from @lambda-mcp/core's `loadConfig`). Each has a flag and an environment variable; flags win.
 * Secrets (tokens) have no flag: command lines are visible to every user of a machine.
 */
export interface HttpSettings {
  stateless: boolean;
  allowedHosts: string[];
  allowedOrigins: string[];
  authFile?: string;
  tokensFile?: string;
  oauthIssuer?: string;
  oauthJwksUrl?: string;
  oauthAudience?: string[];
  oauthRequiredScopes: string[];
  oauthAuthorizationServers?: string[];
  publicUrl?: string;
  maxBodyBytes: number;
  rateLimitPerMinute: number;
  rateLimitBurst?: number;
  maxConcurrentInvocations: number;
  maxQueuedInvocations: number;
  maxSessions: number;
  sessionIdleTimeoutSeconds: number;
  shutdownTimeoutSeconds: number;
  /** Proxy hops in front of the server whose X-Forwarded-For entries are trusted (0: none). */
  trustProxy: number;
  auditLog: string;
  /** A request still being answered after this long is answered with an error and closed. */
  maxRequestDurationSeconds: number;
  /** A request body not fully received within this long gets 408. */
  bodyTimeoutSeconds: number;
  /** Open connections kept at most (0: derived from the descriptor limit). */
  maxConnections: number;
  /** Scale-out (fleet/): shared state in Redis; off when unset. */
  redisUrl?: string;
  /** Scale-out: the key replicas share to seal session ids (any replica serves any session). */
  sessionSecret?: string;
  /** Scale-out: tool calls in flight per caller, across the fleet with Redis; 0 = no cap. */
  maxCallsPerCaller: number;
}

type Kind = 'boolean' | 'list' | 'string' | 'url' | 'integer' | 'duration' | 'path' | 'hops';

export interface HttpSetting {
  key: keyof HttpSettings;
  flag: string;
  env: string;
  kind: Kind;
  default: string;
  description: string;
  min?: number;
  max?: number;
}

export const HTTP_SETTINGS: readonly HttpSetting[] = [
  {
    key: 'stateless',
    flag: '--stateless',
    env: 'LAMBDA_MCP_STATELESS',
    kind: 'boolean',
    default: 'false',
    description:
      'No sessions: a fresh MCP server per POST, GET and DELETE answered 405. For many replicas behind a load balancer.',
  },
  {
    key: 'allowedHosts',
    flag: '--allowed-hosts',
    env: 'LAMBDA_MCP_ALLOWED_HOSTS',
    kind: 'list',
    default: 'localhost,127.0.0.1,[::1] when bound to loopback; any otherwise',
    description: 'Host header values accepted (hostname, or hostname:port); others get 403. "*" accepts any.',
  },
  {
    key: 'allowedOrigins',
    flag: '--allowed-origins',
    env: 'LAMBDA_MCP_ALLOWED_ORIGINS',
    kind: 'list',
    default: 'same origin, or an allowed host',
    description:
      'Origin header values accepted (scheme://host[:port]); a request with another Origin gets 403.',
  },
  {
    key: 'authFile',
    flag: '--auth-file',
    env: 'LAMBDA_MCP_AUTH_FILE',
    kind: 'path',
    default: '(none)',
    description: 'Auth policy JSON: hashed tokens, OAuth settings, function patterns per token or scope.',
  },
  {
    key: 'tokensFile',
    flag: '--tokens-file',
    env: 'LAMBDA_MCP_AUTH_TOKENS_FILE',
    kind: 'path',
    default: '(none)',
    description:
      'File of bearer tokens, one per line ("token" or "name=token"), e.g. a mounted secret. Tokens can also come from LAMBDA_MCP_AUTH_TOKENS (comma-separated).',
  },
  {
    key: 'oauthIssuer',
    flag: '--oauth-issuer',
    env: 'LAMBDA_MCP_OAUTH_ISSUER',
    kind: 'url',
    default: '(none)',
    description: 'OAuth 2.1: the authorization server issuing JWT access tokens (their "iss").',
  },
  {
    key: 'oauthJwksUrl',
    flag: '--oauth-jwks-url',
    env: 'LAMBDA_MCP_OAUTH_JWKS_URL',
    kind: 'url',
    default: '(none)',
    description: 'OAuth 2.1: URL of the issuer’s signing keys (JWKS).',
  },
  {
    key: 'oauthAudience',
    flag: '--oauth-audience',
    env: 'LAMBDA_MCP_OAUTH_AUDIENCE',
    kind: 'list',
    default: 'the public URL',
    description: 'OAuth 2.1: accepted "aud" values (RFC 8707 resource indicators).',
  },
  {
    key: 'oauthRequiredScopes',
    flag: '--oauth-required-scopes',
    env: 'LAMBDA_MCP_OAUTH_REQUIRED_SCOPES',
    kind: 'list',
    default: '(none)',
    description: 'OAuth 2.1: scopes every token must carry (403 insufficient_scope otherwise).',
  },
  {
    key: 'oauthAuthorizationServers',
    flag: '--oauth-authorization-servers',
    env: 'LAMBDA_MCP_OAUTH_AUTHORIZATION_SERVERS',
    kind: 'list',
    default: 'the issuer',
    description: 'Authorization servers advertised in the protected-resource metadata (RFC 9728).',
  },
  {
    key: 'publicUrl',
    flag: '--public-url',
    env: 'LAMBDA_MCP_PUBLIC_URL',
    kind: 'url',
    default: 'from the Host header',
    description: 'Public URL of the MCP endpoint (e.g. https://mcp.example.com/mcp): the OAuth resource.',
  },
  {
    key: 'maxBodyBytes',
    flag: '--max-body-bytes',
    env: 'LAMBDA_MCP_MAX_BODY_BYTES',
    kind: 'integer',
    default: '4194304',
    description: 'Largest request body accepted (413 beyond).',
    min: 1024,
    max: 64 * 1024 * 1024,
  },
  {
    key: 'rateLimitPerMinute',
    flag: '--rate-limit',
    env: 'LAMBDA_MCP_RATE_LIMIT',
    kind: 'integer',
    default: '3000',
    description:
      'Requests per minute per client (token or address); 429 with Retry-After beyond. 0 turns it off. The default leaves room for busy well-behaved clients (a whole conformance-suite run sends about 100 requests in a few seconds).',
    min: 0,
    max: 10_000_000,
  },
  {
    key: 'rateLimitBurst',
    flag: '--rate-limit-burst',
    env: 'LAMBDA_MCP_RATE_LIMIT_BURST',
    kind: 'integer',
    default: 'a sixth of the per-minute rate (500), at least 10',
    description: 'Requests a client may send at once after being idle.',
    min: 1,
    max: 10_000_000,
  },
  {
    key: 'maxConcurrentInvocations',
    flag: '--max-concurrent-invocations',
    env: 'LAMBDA_MCP_MAX_CONCURRENT_INVOCATIONS',
    kind: 'integer',
    default: '64',
    description: 'Function invocations running at once across all clients.',
    min: 1,
    max: 10_000,
  },
  {
    key: 'maxQueuedInvocations',
    flag: '--max-queued-invocations',
    env: 'LAMBDA_MCP_MAX_QUEUED_INVOCATIONS',
    kind: 'integer',
    default: '256',
    description: 'Invocations waiting for a slot; beyond this a call fails at once with THROTTLED.',
    min: 0,
    max: 100_000,
  },
  {
    key: 'maxSessions',
    flag: '--max-sessions',
    env: 'LAMBDA_MCP_MAX_SESSIONS',
    kind: 'integer',
    default: '1000',
    description:
      'Live sessions kept (stateful mode); at the cap, the least recently used session without a call in flight is closed for a new one.',
    min: 1,
    max: 1_000_000,
  },
  {
    key: 'sessionIdleTimeoutSeconds',
    flag: '--session-idle-timeout',
    env: 'LAMBDA_MCP_SESSION_IDLE_TIMEOUT',
    kind: 'duration',
    default: '15m',
    description: 'A session without requests or open streams for this long is closed (e.g. 90s, 15m, 1h).',
    min: 1,
    max: 7 * 24 * 3600,
  },
  {
    key: 'shutdownTimeoutSeconds',
    flag: '--shutdown-timeout',
    env: 'LAMBDA_MCP_SHUTDOWN_TIMEOUT',
    kind: 'duration',
    default: '30s',
    description: 'On SIGTERM, how long in-flight calls may run before the server exits anyway.',
    min: 0,
    max: 3600,
  },
  {
    key: 'trustProxy',
    flag: '--trust-proxy',
    env: 'LAMBDA_MCP_TRUST_PROXY',
    kind: 'hops',
    default: 'false (0)',
    description:
      "Behind N proxies (--trust-proxy alone: 1): the client address is the N-th X-Forwarded-For entry from the right (entries further left are the client's to write), and the scheme comes from X-Forwarded-Proto.",
    min: 0,
    max: 16,
  },
  {
    key: 'auditLog',
    flag: '--audit-log',
    env: 'LAMBDA_MCP_AUDIT_LOG',
    kind: 'string',
    default: 'stderr',
    description: 'Where audit lines (one JSON line per tool call) go: stderr, off, or a file path.',
  },
  {
    key: 'maxRequestDurationSeconds',
    flag: '--max-request-duration',
    env: 'LAMBDA_MCP_MAX_REQUEST_DURATION',
    kind: 'duration',
    default: '16m',
    description:
      'A request still unanswered after this long (a call, its stream) is answered with a JSON-RPC error and closed, so no client holds a slot for ever. Lambda runs at most 15 minutes.',
    min: 1,
    max: 24 * 3600,
  },
  {
    key: 'bodyTimeoutSeconds',
    flag: '--body-timeout',
    env: 'LAMBDA_MCP_BODY_TIMEOUT',
    kind: 'duration',
    default: '30s',
    description: 'A request body not fully received within this long gets 408 and its connection closed.',
    min: 1,
    max: 3600,
  },
  {
    key: 'maxConnections',
    flag: '--max-connections',
    env: 'LAMBDA_MCP_MAX_CONNECTIONS',
    kind: 'integer',
    default: 'the open-file limit less a reserve (0: derive it)',
    description:
      'Open connections kept; beyond it the oldest connection still sending its request (or idle) is closed, so slow clients cannot use up the descriptors that /health and real requests need.',
    min: 0,
    max: 1_000_000,
  },
  {
    key: 'redisUrl',
    flag: '--redis-url',
    env: 'LAMBDA_MCP_REDIS_URL',
    kind: 'string',
    default: '(none: every replica keeps its own state)',
    description:
      'Redis shared by the replicas (redis://[user:password@]host:port[/db], rediss:// for TLS): rate limits, per-caller call caps, session liveness, one discovery per catalog TTL, cancels and tools/list_changed across replicas.',
  },
  {
    key: 'sessionSecret',
    flag: '--session-secret',
    env: 'LAMBDA_MCP_SESSION_SECRET',
    kind: 'string',
    default: '(none: a session is served by the replica that opened it)',
    description:
      'Secret shared by the replicas (at least 32 characters) sealing session ids (AES-256-GCM), so any replica serves any session. Prefer the environment (a Kubernetes Secret) to the flag.',
  },
  {
    key: 'maxCallsPerCaller',
    flag: '--max-calls-per-caller',
    env: 'LAMBDA_MCP_MAX_CALLS_PER_CALLER',
    kind: 'integer',
    default: '0',
    description:
      'Tool calls one caller (token or address) may have in flight at once, counted across the fleet with Redis; 429 beyond. 0 turns it off.',
    min: 0,
    max: 100_000,
  },
];

const DEFAULTS: HttpSettings = {
  stateless: false,
  allowedHosts: [],
  allowedOrigins: [],
  oauthRequiredScopes: [],
  maxBodyBytes: 4 * 1024 * 1024,
  rateLimitPerMinute: 3000,
  maxConcurrentInvocations: 64,
  maxQueuedInvocations: 256,
  maxSessions: 1000,
  sessionIdleTimeoutSeconds: 900,
  shutdownTimeoutSeconds: 30,
  trustProxy: 0,
  auditLog: 'stderr',
  maxRequestDurationSeconds: 960,
  bodyTimeoutSeconds: 30,
  maxConnections: 0,
  maxCallsPerCaller: 0,
};

function bad(origin: string, raw: unknown, accepts: string): LambdaMcpError {
  return new LambdaMcpError(
    'INVALID_CONFIG',
    `Invalid ${origin} ${JSON.stringify(raw)}: expected ${accepts}.`,
    {
      details: { setting: origin },
    },
  );
}

function convert(setting: HttpSetting, raw: unknown, origin: string): unknown {
  switch (setting.kind) {
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const t = String(raw).trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(t)) return true;
      if (['0', 'false', 'no', 'off'].includes(t)) return false;
      throw bad(origin, raw, 'true or false');
    }
    case 'hops': {
      if (typeof raw === 'boolean') return raw ? 1 : 0;
      const t = String(raw).trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(t)) return 1;
      if (['0', 'false', 'no', 'off'].includes(t)) return 0;
      const n = /^\d+$/.test(t) ? Number(t) : Number.NaN;
      if (!Number.isSafeInteger(n) || n > (setting.max ?? 16)) {
        throw bad(origin, raw, `true, false or a number of proxy hops from 0 to ${setting.max ?? 16}`);
      }
      return n;
    }
    case 'list': {
      const items = (Array.isArray(raw) ? raw.map(String) : String(raw).split(','))
        .flatMap((s) => s.split(','))
        .map((s) => s.trim())
        .filter(Boolean);
      return items;
    }
    case 'url': {
      const t = String(raw).trim();
      try {
        const u = new URL(t);
        if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
      } catch {
        throw bad(origin, raw, 'an http(s) URL');
      }
      return t;
    }
    case 'integer':
    case 'duration': {
      const t = String(raw).trim();
      const n =
        setting.kind === 'duration' ? parseDurationSeconds(t) : /^\d+$/.test(t) ? Number(t) : undefined;
      const accepts =
        setting.kind === 'duration'
          ? `a duration such as 30s, 15m or 1h (from ${setting.min}s to ${setting.max}s)`
          : `an integer from ${setting.min} to ${setting.max}`;
      if (n === undefined || !Number.isSafeInteger(n)) throw bad(origin, raw, accepts);
      if ((setting.min !== undefined && n < setting.min) || (setting.max !== undefined && n > setting.max)) {
        throw bad(origin, raw, accepts);
      }
      return n;
    }
    default: {
      const t = String(raw).trim();
      if (!t) throw bad(origin, raw, 'a non-empty value');
      return t;
    }
  }
}

/** Flags (keyed by flag name without dashes) win over the environment, which wins over defaults. */
export function loadHttpSettings(
  flags: Record<string, unknown>,
  env: Record<string, string | undefined>,
): HttpSettings {
  const out: Record<string, unknown> = { ...DEFAULTS };
  for (const s of HTTP_SETTINGS) {
    const flagName = s.flag.slice(2);
    const fromFlag = flags[flagName];
    const fromEnv = env[s.env];
    if (fromFlag !== undefined) out[s.key] = convert(s, fromFlag, s.flag);
    else if (fromEnv !== undefined && fromEnv.trim() !== '') out[s.key] = convert(s, fromEnv, s.env);
  }
  return out as unknown as HttpSettings;
}
