import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from '@lambda-mcp/core';
import { createRemoteJWKSet, customFetch, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import { ALLOW_ALL, createFunctionMatcher, type FunctionMatcher } from './patterns.js';
import type { AuthPolicy, OAuthSettings } from './policy.js';
import type { Principal } from './principal.js';

export type AuthFailure = {
  ok: false;
  /** 401 (no or bad credentials), 403 (valid token, missing scope), 503 (keys unavailable). */
  status: 401 | 403 | 503;
  /** RFC 6750 error code; absent when no credentials were sent. */
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  /** Safe to show the caller; never contains the token. */
  description: string;
  /** Metrics label. */
  reason: string;
  scope?: string;
};

export type AuthResult = { ok: true; principal: Principal } | AuthFailure;

export interface Authenticator {
  /** Whether requests need credentials at all. */
  readonly required: boolean;
  /** Whether JWTs are accepted (then protected-resource metadata is served). */
  readonly oauth: OAuthSettings | undefined;
  authenticate(authorization: string | undefined): Promise<AuthResult>;
}

export interface StaticToken {
  name: string;
  /** Raw SHA-256 digest (32 bytes). */
  hash: Buffer;
  functions: FunctionMatcher;
}

export function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export const ANONYMOUS: Principal = {
  subject: 'anonymous',
  kind: 'anonymous',
  scopes: [],
  functions: ALLOW_ALL,
};

/**
 * Resolves a policy (hashes from the file, tokens named by `tokenEnv`, plain tokens from the
 * environment) into static tokens. Plain tokens are hashed here and not kept.
 */
export function resolveStaticTokens(
  policy: AuthPolicy,
  plainTokens: Array<{ name: string; token: string }>,
  env: NodeJS.ProcessEnv,
): StaticToken[] {
  const out: StaticToken[] = [];
  for (const t of policy.tokens) {
    let hash: Buffer;
    if (t.sha256) hash = Buffer.from(t.sha256.toLowerCase(), 'hex');
    else {
      const value = env[t.tokenEnv as string];
      if (!value) {
        throw new Error(
          `Token "${t.name}" names environment variable ${t.tokenEnv}, which is not set or empty.`,
        );
      }
      hash = sha256(value);
    }
    out.push({ name: t.name, hash, functions: createFunctionMatcher(t.functions) });
  }
  for (const t of plainTokens) out.push({ name: t.name, hash: sha256(t.token), functions: ALLOW_ALL });
  const names = new Set<string>();
  for (const t of out) {
    if (names.has(t.name)) throw new Error(`Two tokens are named "${t.name}": token names must be unique.`);
    names.add(t.name);
  }
  return out;
}

/** The largest JWKS response read (a key set is a few KB; an endpoint serving more is refused). */
export const MAX_JWKS_BYTES = 1024 * 1024;

/** fetch for the JWKS that stops reading past `maxBytes` (declared or streamed). */
export function createCappedFetch(maxBytes: number = MAX_JWKS_BYTES): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const tooLarge = () =>
      new joseErrors.JWKSInvalid(`The JWKS response is larger than ${maxBytes} bytes; refusing to read it.`);
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel().catch(() => {});
      throw tooLarge();
    }
    if (!response.body) return response;
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
    return new Response(Buffer.concat(chunks, size), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  if (typeof raw === 'string') return raw.split(' ').filter(Boolean);
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === 'string');
  return [];
}

export interface AuthenticatorOptions {
  staticTokens: StaticToken[];
  oauth?: OAuthSettings;
  /** The public URL of /mcp; the default audience. */
  resource?: string;
  logger: Logger;
  /** Test seam: fetch for the JWKS (defaults to global fetch via jose). */
  jwksTimeoutMs?: number;
  /** Largest JWKS response read (default MAX_JWKS_BYTES). */
  jwksMaxBytes?: number;
}

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { staticTokens, oauth, logger } = options;
  const required = staticTokens.length > 0 || oauth !== undefined;
  const jwks = oauth
    ? createRemoteJWKSet(new URL(oauth.jwksUrl), {
        timeoutDuration: options.jwksTimeoutMs ?? 5_000,
        cooldownDuration: 30_000,
        cacheMaxAge: 10 * 60_000,
        [customFetch]: createCappedFetch(options.jwksMaxBytes),
      })
    : undefined;
  const audience = oauth?.audience ?? options.resource;
  const scopeMatchers = oauth
    ? Object.entries(oauth.scopes).map(([scope, patterns]) => ({ scope, patterns }))
    : [];

  const invalid = (description: string, reason: string): AuthFailure => ({
    ok: false,
    status: 401,
    error: 'invalid_token',
    description,
    reason,
  });

  const checkStatic = (presented: string): StaticToken | undefined => {
    const digest = sha256(presented);
    let found: StaticToken | undefined;
    // Compare against every stored hash, without stopping early, so timing does not reveal which
    // (or whether any) matched.
    for (const t of staticTokens) {
      if (timingSafeEqual(digest, t.hash) && !found) found = t;
    }
    return found;
  };

  const verifyJwt = async (token: string): Promise<AuthResult> => {
    if (!oauth || !jwks) return invalid('The access token is not valid.', 'unknown_token');
    let payload: JWTPayload;
    try {
      const verified = await jwtVerify(token, jwks, {
        issuer: oauth.issuer,
        ...(audience ? { audience } : {}),
        algorithms: oauth.algorithms,
        clockTolerance: oauth.clockToleranceSeconds,
        requiredClaims: ['exp'],
      });
      payload = verified.payload;
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return invalid('The access token has expired.', 'expired');
      if (error instanceof joseErrors.JWTClaimValidationFailed) {
        const claim = error.claim;
        if (claim === 'aud')
          return invalid('The access token was not issued for this resource (audience).', 'audience');
        if (claim === 'iss') return invalid('The access token was not issued by a trusted issuer.', 'issuer');
        return invalid(`The access token has an invalid "${claim}" claim.`, 'claim');
      }
      if (error instanceof joseErrors.JOSEAlgNotAllowed) {
        return invalid(
          'The access token is signed with an algorithm this server does not accept.',
          'algorithm',
        );
      }
      if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) {
        logger.error('JWKS unavailable', { jwksUrl: oauth.jwksUrl, error: (error as Error).message });
        return {
          ok: false,
          status: 503,
          description: 'The authorization server keys are unavailable; try again later.',
          reason: 'jwks_unavailable',
        };
      }
      if (error instanceof TypeError || (error as { code?: string }).code === 'ERR_JOSE_GENERIC') {
        // fetch failures of the JWKS surface as TypeError
        logger.error('JWKS fetch failed', { jwksUrl: oauth.jwksUrl, error: (error as Error).message });
        return {
          ok: false,
          status: 503,
          description: 'The authorization server keys are unavailable; try again later.',
          reason: 'jwks_unavailable',
        };
      }
      return invalid('The access token is not valid.', 'invalid');
    }
    const scopes = scopesOf(payload);
    const missing = oauth.requiredScopes.filter((s) => !scopes.includes(s));
    if (missing.length > 0) {
      return {
        ok: false,
        status: 403,
        error: 'insufficient_scope',
        description: `The access token lacks the required scope(s): ${missing.join(' ')}.`,
        reason: 'insufficient_scope',
        scope: oauth.requiredScopes.join(' '),
      };
    }
    let functions: FunctionMatcher = ALLOW_ALL;
    if (scopeMatchers.length > 0) {
      const patterns = scopeMatchers.filter((m) => scopes.includes(m.scope)).flatMap((m) => m.patterns);
      functions = createFunctionMatcher(patterns);
    }
    const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
    const clientId =
      typeof payload.client_id === 'string'
        ? payload.client_id
        : typeof payload.azp === 'string'
          ? payload.azp
          : undefined;
    const owner = sub ?? clientId;
    if (!owner) {
      // Without one, every such token would share one owner: one session namespace, one rate bucket.
      return invalid(
        'The access token names no subject ("sub") and no client ("client_id" or "azp"); this server needs one to tell callers apart.',
        'no_subject',
      );
    }
    return {
      ok: true,
      principal: {
        subject: `jwt:${owner}`,
        kind: 'jwt',
        scopes,
        ...(clientId ? { clientId } : {}),
        ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp } : {}),
        functions,
      },
    };
  };

  return {
    required,
    oauth,
    async authenticate(authorization) {
      if (!required) return { ok: true, principal: ANONYMOUS };
      if (!authorization) {
        return {
          ok: false,
          status: 401,
          description: 'Authentication required: send Authorization: Bearer <token>.',
          reason: 'missing',
        };
      }
      const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(authorization);
      if (!match) {
        return {
          ok: false,
          status: 401,
          error: 'invalid_request',
          description: 'The Authorization header must be "Bearer <token>".',
          reason: 'malformed',
        };
      }
      const token = match[1] as string;
      if (staticTokens.length > 0) {
        const found = checkStatic(token);
        if (found) {
          return {
            ok: true,
            principal: {
              subject: `token:${found.name}`,
              kind: 'static-token',
              scopes: [],
              functions: found.functions,
            },
          };
        }
      }
      if (oauth && JWT_SHAPE.test(token)) return verifyJwt(token);
      return invalid('The access token is not valid.', 'unknown_token');
    },
  };
}

/** The `WWW-Authenticate` header value for a failure (RFC 6750 §3, RFC 9728 §5.1). */
export function wwwAuthenticate(failure: AuthFailure, resourceMetadataUrl: string | undefined): string {
  const quote = (v: string) => `"${v.replace(/["\\]/g, '')}"`;
  const parts = ['realm="lambda-mcp"'];
  if (failure.error)
    parts.push(`error=${quote(failure.error)}`, `error_description=${quote(failure.description)}`);
  if (failure.scope) parts.push(`scope=${quote(failure.scope)}`);
  if (resourceMetadataUrl) parts.push(`resource_metadata=${quote(resourceMetadataUrl)}`);
  return `Bearer ${parts.join(', ')}`;
}
