import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../src/main.js';
import { connect, FUNCTIONS_DIR, INITIALIZE, metricValue, post, type Started, start } from './helpers.js';

const STATIC_TOKEN = 'static-token-0123456789abcdef';
const ECHO_ONLY_TOKEN = 'echo-only-token-0123456789abcdef';
const OTHER_TOKEN = 'other-token-0123456789abcdef0000';
const ISSUER = 'https://auth.test.example/';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

let jwks: Server;
let jwksUrl: string;
let keys: KeyPair;
let strangerKeys: KeyPair;
let server: Started;
let audience: string;
let dir: string;

async function jwt(
  claims: JWTPayload & { scope?: string },
  options: { key?: KeyPair; exp?: string | number; aud?: string; iss?: string; kid?: string } = {},
): Promise<string> {
  const key = options.key ?? keys;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1' })
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? audience)
    .setSubject((claims.sub as string | undefined) ?? 'alice')
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m')
    .sign(key.privateKey);
}

function unsigned(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({
    iss: ISSUER,
    aud: audience,
    sub: 'mallory',
    exp: Math.floor(Date.now() / 1000) + 300,
    scope: 'mcp:tools lambda:all',
    ...claims,
  })}.`;
}

beforeAll(async () => {
  keys = await generateKeyPair('RS256');
  strangerKeys = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;

  dir = mkdtempSync(join(tmpdir(), 'lambda-mcp-auth-'));
  const policyFile = join(dir, 'auth.json');
  writeFileSync(
    policyFile,
    JSON.stringify({
      tokens: [
        {
          name: 'echo-bot',
          sha256: createHash('sha256').update(ECHO_ONLY_TOKEN).digest('hex'),
          functions: ['echo'],
        },
        { name: 'other', tokenEnv: 'OTHER_TOKEN_VALUE', functions: ['*', '!always-fails'] },
      ],
      oauth: {
        issuer: ISSUER,
        jwksUrl,
        requiredScopes: ['mcp:tools'],
        scopes: { 'lambda:crm': ['customer-*'], 'lambda:all': ['*'] },
      },
    }),
  );
  // The audience is the public URL of /mcp; the port is only known after listening, so use a fixed public URL.
  audience = 'https://mcp.test.example/mcp';
  server = await start(
    ['--local', FUNCTIONS_DIR, '--auth-file', policyFile, '--public-url', audience, '--rate-limit', '0'],
    { LAMBDA_MCP_AUTH_TOKENS: `admin=${STATIC_TOKEN}`, OTHER_TOKEN_VALUE: OTHER_TOKEN },
  );
});

afterAll(async () => {
  await server?.shutdown('test');
  await new Promise((r) => jwks?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const LIST = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };

async function toolNames(token: string): Promise<string[]> {
  const { client } = await connect(server.url, { token });
  try {
    return (await client.listTools()).tools.map((t) => t.name);
  } finally {
    await client.close();
  }
}

describe('authentication', () => {
  it('refuses a request without a token: 401 with WWW-Authenticate pointing to the resource metadata', async () => {
    const r = await post(server.url, INITIALIZE);
    expect(r.status).toBe(401);
    const h = r.headers.get('www-authenticate') ?? '';
    expect(h).toMatch(/^Bearer /);
    expect(h).toContain(
      'resource_metadata="https://mcp.test.example/.well-known/oauth-protected-resource/mcp"',
    );
    expect(h).not.toMatch(/error=/);
  });

  it('serves RFC 9728 protected-resource metadata', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const res = await fetch(`${server.base}${path}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        resource: audience,
        authorization_servers: [ISSUER],
        scopes_supported: ['mcp:tools', 'lambda:crm', 'lambda:all'],
        bearer_methods_supported: ['header'],
        resource_name: 'lambda-mcp',
      });
    }
  });

  it('refuses wrong, malformed and unsigned tokens with 401 invalid_token / invalid_request', async () => {
    const wrong = await post(server.url, INITIALIZE, { authorization: 'Bearer not-a-real-token-at-all' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    const basic = await post(server.url, INITIALIZE, { authorization: 'Basic dXNlcjpwYXNz' });
    expect(basic.status).toBe(401);
    expect(basic.headers.get('www-authenticate')).toMatch(/error="invalid_request"/);
    const none = await post(server.url, INITIALIZE, { authorization: `Bearer ${unsigned({})}` });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    const stranger = await post(server.url, INITIALIZE, {
      authorization: `Bearer ${await jwt({ scope: 'mcp:tools lambda:all' }, { key: strangerKeys })}`,
    });
    expect(stranger.status).toBe(401);
  });

  it('refuses expired, wrong-audience and wrong-issuer JWTs', async () => {
    const cases: Array<[string, RegExp]> = [
      [await jwt({ scope: 'mcp:tools' }, { exp: Math.floor(Date.now() / 1000) - 120 }), /expired/],
      [await jwt({ scope: 'mcp:tools' }, { aud: 'https://other-service.example/' }), /audience/],
      [await jwt({ scope: 'mcp:tools' }, { iss: 'https://evil-issuer.example/' }), /trusted issuer/],
    ];
    for (const [token, why] of cases) {
      const r = await post(server.url, INITIALIZE, { authorization: `Bearer ${token}` });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      expect(r.text).toMatch(why);
      expect(r.text).not.toContain(token);
    }
  });

  it('answers 403 insufficient_scope when a required scope is missing', async () => {
    const token = await jwt({ scope: 'lambda:all' });
    const r = await post(server.url, INITIALIZE, { authorization: `Bearer ${token}` });
    expect(r.status).toBe(403);
    const h = r.headers.get('www-authenticate') ?? '';
    expect(h).toMatch(/error="insufficient_scope"/);
    expect(h).toMatch(/scope="mcp:tools"/);
  });

  it('accepts a valid static token and a valid JWT', async () => {
    expect(await toolNames(STATIC_TOKEN)).toContain('always_fails');
    const names = await toolNames(await jwt({ scope: 'mcp:tools lambda:all' }));
    expect(names).toContain('always_fails');
  });

  it('counts refusals in /metrics by reason and never logs tokens', async () => {
    const text = await (await fetch(`${server.base}/metrics`)).text();
    expect(metricValue(text, 'lambda_mcp_auth_failures_total', { reason: 'missing' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(metricValue(text, 'lambda_mcp_auth_failures_total', { reason: 'expired' })).toBeGreaterThanOrEqual(
      1,
    );
    const logs = server.logs.join('') + JSON.stringify(server.audit);
    for (const t of [STATIC_TOKEN, ECHO_ONLY_TOKEN, OTHER_TOKEN]) expect(logs).not.toContain(t);
  });
});

describe('function-level authorization', () => {
  it('a token limited to echo sees only echo, on every path, and learns no other name', async () => {
    const { client } = await connect(server.url, { token: ECHO_ONLY_TOKEN });
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names.filter((n) => !n.includes('function') && n !== 'monitor_executions')).toEqual(['echo']);

      const list = (await client.callTool({ name: 'list_functions', arguments: {} })) as CallToolResult;
      const listed = JSON.stringify(list);
      expect(listed).toContain('echo');
      for (const hidden of ['customer-lookup', 'data-processor', 'slow-report', 'always-fails']) {
        expect(listed).not.toContain(hidden);
      }

      const ok = (await client.callTool({ name: 'echo', arguments: { x: 1 } })) as CallToolResult;
      expect(ok.isError).toBeFalsy();

      await expect(client.callTool({ name: 'customer_lookup', arguments: {} })).rejects.toThrow(/-32602/);

      const direct = (await client.callTool({
        name: 'invoke_function',
        arguments: { function_name: 'customer-lookup', payload: { customer_id: 'CUST-0001' } },
      })) as CallToolResult;
      expect(direct.isError).toBe(true);
      const directText = JSON.stringify(direct);
      expect(directText).toMatch(/not available/);
      expect(directText).not.toMatch(/CUST-0001.*name|lifetime_value/);

      const many = (await client.callTool({
        name: 'invoke_functions',
        arguments: {
          invocations: [
            { function_name: 'echo', payload: { ok: true } },
            { function_name: 'customer-lookup', payload: { customer_id: 'CUST-0001' } },
          ],
        },
      })) as CallToolResult;
      const manyText = JSON.stringify(many.structuredContent);
      expect(manyText).toMatch(/"ok":true/);
      expect(manyText).toMatch(/FUNCTION_NOT_ALLOWED/);
      expect(manyText).not.toMatch(/lifetime_value/);

      const schema = (await client.callTool({
        name: 'get_function_schema',
        arguments: { function_name: 'data-processor' },
      })) as CallToolResult;
      expect(schema.isError).toBe(true);
      expect(JSON.stringify(schema)).not.toMatch(/data_source/);

      const mon = (await client.callTool({
        name: 'monitor_executions',
        arguments: { function_name: 'customer-lookup', time_range: { start: '1h' } },
      })) as CallToolResult;
      expect(mon.isError).toBe(true);
    } finally {
      await client.close();
    }
    const denied = server.audit.filter(
      (a) => a.subject === 'token:echo-bot' && a.outcome === 'not_available',
    );
    expect(denied.length).toBeGreaterThanOrEqual(2);
  });

  it('maps JWT scopes to function patterns', async () => {
    const crm = await toolNames(await jwt({ scope: 'mcp:tools lambda:crm', sub: 'bob' }));
    expect(crm).toContain('customer_lookup');
    expect(crm).not.toContain('echo');
    const nothing = await toolNames(await jwt({ scope: 'mcp:tools', sub: 'carol' }));
    expect(
      nothing.filter(
        (n) =>
          ![
            'list_functions',
            'invoke_function',
            'invoke_functions',
            'get_function_schema',
            'monitor_executions',
            'search_functions',
          ].includes(n),
      ),
    ).toEqual([]);
  });

  it('exclusion patterns hide a function from a wildcard token', async () => {
    const names = await toolNames(OTHER_TOKEN);
    expect(names).toContain('echo');
    expect(names).not.toContain('always_fails');
  });

  it('binds a session to its subject: another caller gets 404 for it', async () => {
    const init = await post(server.url, INITIALIZE, { authorization: `Bearer ${STATIC_TOKEN}` });
    expect(init.status).toBe(200);
    const id = init.headers.get('mcp-session-id') as string;
    const headers = { 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' };
    const thief = await post(server.url, LIST, { ...headers, authorization: `Bearer ${ECHO_ONLY_TOKEN}` });
    expect(thief.status).toBe(404);
    const owner = await post(server.url, LIST, { ...headers, authorization: `Bearer ${STATIC_TOKEN}` });
    expect(owner.status).toBe(200);
  });

  it('writes one audit line per tool call with subject, session, tool, function, outcome and no payload', async () => {
    const { client, transport } = await connect(server.url, { token: STATIC_TOKEN });
    await client.callTool({ name: 'echo', arguments: { secret: 'planted-payload-value' } });
    await client.close();
    const line = server.audit.find((a) => a.session === transport.sessionId);
    expect(line).toMatchObject({
      type: 'audit',
      event: 'tool_call',
      subject: 'token:admin',
      tool: 'echo',
      function: 'echo',
      outcome: 'success',
    });
    expect(typeof line?.durationMs).toBe('number');
    expect(line?.requestId).toBeDefined();
    expect(typeof line?.time).toBe('string');
    expect(JSON.stringify(server.audit)).not.toContain('planted-payload-value');
  });
});

describe('binding rules', () => {
  it('refuses to listen beyond loopback without authentication', async () => {
    const errors: string[] = [];
    const h = await startHttpServer({
      argv: ['--local', FUNCTIONS_DIR, '--host', '0.0.0.0', '--port', '0'],
      env: {},
      writeErr: (t) => void errors.push(t),
    });
    expect(await h.exited).toBe(2);
    expect(errors.join('')).toMatch(/Refusing to listen on 0\.0\.0\.0 without authentication/);
  });

  it('refuses OAuth without an audience, and a half OAuth configuration', async () => {
    const errors: string[] = [];
    const h = await startHttpServer({
      argv: ['--local', FUNCTIONS_DIR, '--port', '0', '--oauth-issuer', ISSUER, '--oauth-jwks-url', jwksUrl],
      env: {},
      writeErr: (t) => void errors.push(t),
    });
    expect(await h.exited).toBe(2);
    expect(errors.join('')).toMatch(/no audience/);
    const h2 = await startHttpServer({
      argv: ['--local', FUNCTIONS_DIR, '--port', '0', '--oauth-issuer', ISSUER],
      env: {},
      writeErr: (t) => void errors.push(t),
    });
    expect(await h2.exited).toBe(2);
    expect(errors.join('')).toMatch(/needs both an issuer and a JWKS URL/);
  });
});
