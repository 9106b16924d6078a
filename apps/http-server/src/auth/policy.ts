import { readFileSync } from 'node:fs';
import { LambdaMcpError } from '@lambda-mcp/core';
import { z } from 'zod';
import { validatePattern } from './patterns.js';

/**
 * The auth policy: static tokens (stored as SHA-256 hashes) and/or an OAuth 2.1 resource-server
 * setup (JWT access tokens checked against a JWKS), each mapping to the functions it may use.
 * Loaded from a JSON file (`--auth-file` / LAMBDA_MCP_AUTH_FILE) and merged with environment
 * settings. See the README for the format.
 */
const PatternSchema = z.string().superRefine((p, ctx) => {
  const problem = validatePattern(p);
  if (problem) ctx.addIssue({ code: 'custom', message: `bad function pattern "${p}": ${problem}` });
});

export const DEFAULT_JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

export const TokenEntrySchema = z
  .object({
    /** Shown in logs and audit lines as `token:<name>`; never the token. */
    name: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'use 1-64 of A-Z a-z 0-9 _ . @ -'),
    /** Hex SHA-256 of the token (e.g. `printf %s "$TOKEN" | sha256sum`). */
    sha256: z
      .string()
      .regex(/^[a-fA-F0-9]{64}$/, 'a SHA-256 is 64 hex characters')
      .optional(),
    /** Or: the name of an environment variable holding the token (hashed at load). */
    tokenEnv: z.string().min(1).optional(),
    /** Function-name patterns this token may see and invoke (default: all). */
    functions: z.array(PatternSchema).default(['*']),
  })
  .strict()
  .refine((t) => (t.sha256 === undefined) !== (t.tokenEnv === undefined), {
    message: 'give exactly one of "sha256" or "tokenEnv"',
  });

export const OAuthSchema = z
  .object({
    /** Expected `iss` of access tokens. */
    issuer: z.string().url(),
    /** Where the signing keys are (JWKS). */
    jwksUrl: z.string().url(),
    /** Expected `aud` (default: the resource URL, as RFC 8707 resource indicators produce). */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** Advertised in the protected-resource metadata (default: [issuer]). */
    authorizationServers: z.array(z.string().url()).optional(),
    /** Every token must carry all of these scopes (403 insufficient_scope otherwise). */
    requiredScopes: z.array(z.string().min(1)).default([]),
    /** Scope -> function patterns. With no mapping at all, a valid token may use every function. */
    scopes: z.record(z.string().min(1), z.array(PatternSchema)).default({}),
    algorithms: z
      .array(z.enum(DEFAULT_JWT_ALGORITHMS))
      .min(1)
      .default([...DEFAULT_JWT_ALGORITHMS]),
    clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
  })
  .strict();

export const AuthPolicySchema = z
  .object({
    /** The public URL of the MCP endpoint, e.g. https://mcp.example.com/mcp (the OAuth resource). */
    resource: z.string().url().optional(),
    tokens: z.array(TokenEntrySchema).default([]),
    oauth: OAuthSchema.optional(),
  })
  .strict();

export type AuthPolicy = z.infer<typeof AuthPolicySchema>;
export type AuthPolicyInput = z.input<typeof AuthPolicySchema>;
export type TokenEntry = z.infer<typeof TokenEntrySchema>;
export type OAuthSettings = z.infer<typeof OAuthSchema>;

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

export function parseAuthPolicy(value: unknown, source: string): AuthPolicy {
  const parsed = AuthPolicySchema.safeParse(value);
  if (!parsed.success) {
    throw new LambdaMcpError(
      'INVALID_CONFIG',
      `Invalid auth policy in ${source}: ${describeIssues(parsed.error)}`,
      {
        details: { source },
      },
    );
  }
  return parsed.data;
}

export function loadAuthPolicyFile(path: string): AuthPolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new LambdaMcpError(
      'INVALID_CONFIG',
      `Cannot read the auth policy file ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new LambdaMcpError(
      'INVALID_CONFIG',
      `The auth policy file ${path} is not valid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return parseAuthPolicy(json, path);
}

/** Tokens from the environment: `LAMBDA_MCP_AUTH_TOKENS="tok1,ci=tok2"` (optional `name=` prefix). */
export function parseTokenList(value: string, source: string): Array<{ name: string; token: string }> {
  const out: Array<{ name: string; token: string }> = [];
  value
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith('#'))
    .forEach((item, i) => {
      const eq = item.indexOf('=');
      const named = eq > 0 && /^[A-Za-z0-9_.@-]{1,64}$/.test(item.slice(0, eq));
      const name = named ? item.slice(0, eq) : `${source}-${i + 1}`;
      const token = named ? item.slice(eq + 1) : item;
      if (token.length < 16) {
        throw new LambdaMcpError(
          'INVALID_CONFIG',
          `Token "${name}" from ${source} is too short: use at least 16 characters (32 random bytes recommended).`,
        );
      }
      out.push({ name, token });
    });
  return out;
}
