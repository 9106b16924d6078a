/**
 * The built HTTP server under hostile requests, its AWS backend pointed at the AWS emulator (whose
 * request log proves that nothing was invoked): missing, malformed, expired, wrong-issuer,
 * wrong-audience, unsigned (alg: none), foreign-key and algorithm-confusion tokens; tokens scoped to
 * some functions trying others on every path; forged Host and Origin; oversized bodies; floods.
 *
 * The server runs stateless, so any request that got past the checks would run its tools/call at
 * once: each refused request carries an invoke_function call of an allowed function.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@lambda-mcp/aws-emulator';
import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHttp, type HttpBin, rawRequest, resultText, startHttpBin } from './support.js';

const ISSUER = 'https://auth.security.test/';
const AUDIENCE = 'https://mcp.security.test/mcp';
const OPS_TOKEN = 'ops-token-7c0d8a54e1b94c2f9a1e3b5d7f9a1c3e';
const LIMITED_TOKEN = 'limited-token-2b4d6f8a0c2e4a6c8e0a2c4e6a8c0e2a';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let keys: KeyPair;
let stranger: KeyPair;
let jwks: Server;
let emulator: Emulator;
let server: HttpBin;
let dir: string;

async function jwt(
  claims: JWTPayload & { scope?: string } = {},
  o: { key?: KeyPair; exp?: number | null; iss?: string; aud?: string; kid?: string; nbf?: number } = {},
): Promise<string> {
  const builder = new SignJWT({ scope: 'mcp:tools lambda:all', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: o.kid ?? 'k1' })
    .setIssuer(o.iss ?? ISSUER)
    .setAudience(o.aud ?? AUDIENCE)
    .setSubject('alice')
    .setIssuedAt();
  if (o.exp !== null) builder.setExpirationTime(o.exp ?? Math.floor(Date.now() / 1000) + 300);
  if (o.nbf !== undefined) builder.setNotBefore(o.nbf);
  return builder.sign((o.key ?? keys).privateKey);
}

function b64(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

function unsignedJwt(): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'mallory',
    exp: Math.floor(Date.now() / 1000) + 300,
    scope: 'mcp:tools lambda:all',
  })}.`;
}

/** alg confusion: HS256 "signed" with the server's public key as the HMAC secret. */
async function hmacWithPublicKey(): Promise<string> {
  const pem = await exportSPKI(keys.publicKey);
  return new SignJWT({ scope: 'mcp:tools lambda:all' })
    .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('mallory')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(pem));
}

const CALL_ECHO = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'invoke_function', arguments: { function_name: 'mcp-echo', payload: { x: 1 } } },
});

function invokes() {
  return emulator.requests.filter((r) => r.service === 'lambda' && r.operation === 'Invoke');
}

async function startServer(extraArgs: string[]): Promise<HttpBin> {
  return startHttpBin(['--stateless', '--auth-file', join(dir, 'auth.json'), ...extraArgs], {
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ACCESS_KEY_ID: 'AKIDSECURITY',
    AWS_SECRET_ACCESS_KEY: 'security-secret',
    FUNCTION_PREFIX: 'mcp-',
    LAMBDA_MCP_EXCLUDE: 'mcp-internal',
    OPS_TOKEN,
    LIMITED_TOKEN,
    LOG_LEVEL: 'info',
  });
}

beforeAll(async () => {
  keys = await generateKeyPair('RS256');
  stranger = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  emulator = await startEmulator({
    synthetic: ['mcp-echo', 'mcp-report', 'mcp-internal', 'payments-refund'].map((name) => ({
      name,
      description: `${name} (synthetic)`,
      timeoutSeconds: 3,
    })),
  });
  dir = mkdtempSync(join(tmpdir(), 'lambda-mcp-security-'));
  writeFileSync(
    join(dir, 'auth.json'),
    JSON.stringify({
      resource: AUDIENCE,
      tokens: [
        { name: 'ops', tokenEnv: 'OPS_TOKEN', functions: ['*'] },
        {
          name: 'limited',
          sha256: createHash('sha256').update(LIMITED_TOKEN).digest('hex'),
          functions: ['mcp-echo'],
        },
      ],
      oauth: {
        issuer: ISSUER,
        jwksUrl,
        audience: AUDIENCE,
        requiredScopes: ['mcp:tools'],
        scopes: { 'lambda:echo': ['mcp-echo'], 'lambda:all': ['*'] },
      },
    }),
  );
  server = await startServer(['--rate-limit', '0', '--max-body-bytes', '65536']);
});

afterAll(async () => {
  await server?.stop();
  await emulator?.close();
  await new Promise((r) => jwks?.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('HTTP: every refused request is refused with the right status and invokes nothing', () => {
  it('missing, malformed, wrong, expired, wrong-issuer, wrong-audience, unsigned and forged tokens get 401', async () => {
    emulator.clearRequests();
    const now = Math.floor(Date.now() / 1000);
    const headers: Array<[string, Record<string, string>]> = [
      ['no Authorization', {}],
      ['empty bearer', { authorization: 'Bearer' }],
      ['bearer and a space', { authorization: 'Bearer ' }],
      ['basic auth', { authorization: `Basic ${Buffer.from('ops:secret').toString('base64')}` }],
      ['another scheme', { authorization: `Token ${OPS_TOKEN}` }],
      ['two tokens', { authorization: `Bearer ${OPS_TOKEN} ${OPS_TOKEN}` }],
      ['a token prefix', { authorization: `Bearer ${OPS_TOKEN.slice(0, -1)}` }],
      ['a token with more', { authorization: `Bearer ${OPS_TOKEN}x` }],
      ['wrong static token', { authorization: 'Bearer not-a-token-0123456789abcdef0123' }],
      ['a huge token', { authorization: `Bearer ${'a'.repeat(8_000)}` }],
      ['not a JWT', { authorization: 'Bearer a.b.c' }],
      ['expired JWT', { authorization: `Bearer ${await jwt({}, { exp: now - 600 })}` }],
      ['JWT without exp', { authorization: `Bearer ${await jwt({}, { exp: null })}` }],
      ['JWT not yet valid', { authorization: `Bearer ${await jwt({}, { nbf: now + 600 })}` }],
      ['wrong issuer', { authorization: `Bearer ${await jwt({}, { iss: 'https://evil.example/' })}` }],
      ['wrong audience', { authorization: `Bearer ${await jwt({}, { aud: 'https://other.example/mcp' })}` }],
      ['unsigned (alg none)', { authorization: `Bearer ${unsignedJwt()}` }],
      ['signed by a foreign key', { authorization: `Bearer ${await jwt({}, { key: stranger })}` }],
      ['HS256 with the public key', { authorization: `Bearer ${await hmacWithPublicKey()}` }],
      [
        'signature of another token',
        {
          authorization: `Bearer ${(await jwt({ scope: 'mcp:tools lambda:all', sub: 'x' })).split('.').slice(0, 2).join('.')}.${(await jwt({}, { key: stranger })).split('.')[2]}`,
        },
      ],
    ];
    for (const [what, h] of headers) {
      const res = await rawRequest(server.url, { body: CALL_ECHO, headers: h });
      expect(res.status, `${what}: ${res.text}`).toBe(401);
      expect(res.headers['www-authenticate'], what).toMatch(/^Bearer .*resource_metadata="[^"]+"/);
    }
    expect(invokes()).toEqual([]);
  });

  it('a valid token without the required scope gets 403 insufficient_scope', async () => {
    emulator.clearRequests();
    const res = await rawRequest(server.url, {
      body: CALL_ECHO,
      headers: { authorization: `Bearer ${await jwt({ scope: 'lambda:all' })}` },
    });
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);
    expect(invokes()).toEqual([]);
  });

  it('forged Host and Origin get 403, with a valid token', async () => {
    emulator.clearRequests();
    const port = new URL(server.url).port;
    const auth = { authorization: `Bearer ${OPS_TOKEN}` };
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      `127.0.0.1.evil.example:${port}`,
      'localhost.:80',
    ]) {
      const res = await rawRequest(server.url, { body: CALL_ECHO, headers: { ...auth, host } });
      expect(res.status, `Host ${host}`).toBe(403);
    }
    for (const origin of [
      'http://evil.example',
      `http://evil.example:${port}`,
      'null',
      `https://127.0.0.1.evil.example`,
    ]) {
      const res = await rawRequest(server.url, { body: CALL_ECHO, headers: { ...auth, origin } });
      expect(res.status, `Origin ${origin}`).toBe(403);
    }
    expect(invokes()).toEqual([]);
  });

  it('oversized bodies get 413, with or without a Content-Length', async () => {
    emulator.clearRequests();
    const auth = { authorization: `Bearer ${OPS_TOKEN}` };
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: 'invoke_function',
        arguments: { function_name: 'mcp-echo', payload: { pad: 'x'.repeat(200_000) } },
      },
    });
    const declared = await rawRequest(server.url, { body: big, headers: auth });
    expect(declared.status).toBe(413);
    const chunked = await rawRequest(server.url, { body: big, headers: auth, chunked: true }).catch(
      (error: { early?: boolean }) =>
        error.early ? { status: 413, text: 'closed early' } : Promise.reject(error),
    );
    expect(chunked.status).toBe(413);
    expect(invokes()).toEqual([]);
  });

  it('tokens scoped to some functions never see or invoke the others, on any path', async () => {
    const scopedJwt = await jwt({ scope: 'mcp:tools lambda:echo' });
    for (const token of [LIMITED_TOKEN, scopedJwt]) {
      const conn = await connectHttp(server.url, token);
      try {
        emulator.clearRequests();
        const tools = (await conn.client.listTools()).tools.map((t) => t.name);
        expect(tools).toContain('echo');
        expect(tools.some((t) => /report|internal|refund/.test(t))).toBe(false);

        const listed = await conn.client.callTool({
          name: 'list_functions',
          arguments: { include_metadata: true },
        });
        expect(resultText(listed)).not.toMatch(/mcp-report|payments|internal/);

        await expect(conn.client.callTool({ name: 'report', arguments: {} })).rejects.toThrow(/-32602/);
        // Refused exactly like a function that does not exist: the caller learns nothing.
        const forbidden = await conn.client.callTool({
          name: 'invoke_function',
          arguments: { function_name: 'mcp-report', payload: {} },
        });
        const missing = await conn.client.callTool({
          name: 'invoke_function',
          arguments: { function_name: 'mcp-nothere', payload: {} },
        });
        expect(forbidden.isError).toBe(true);
        expect(resultText(forbidden).replaceAll('mcp-report', 'X')).toBe(
          resultText(missing).replaceAll('mcp-nothere', 'X'),
        );
        for (const name of [
          'mcp-report',
          'arn:aws:lambda:us-east-1:000000000000:function:mcp-report',
          'payments-refund',
        ]) {
          const r = await conn.client.callTool({
            name: 'invoke_function',
            arguments: { function_name: name },
          });
          expect(r.isError, name).toBe(true);
        }
        const batch = await conn.client.callTool({
          name: 'invoke_functions',
          arguments: { invocations: [{ function_name: 'mcp-report' }, { function_name: 'mcp-internal' }] },
        });
        expect(batch.isError).toBe(true);
        const schema = await conn.client.callTool({
          name: 'get_function_schema',
          arguments: { function_name: 'mcp-report' },
        });
        expect(schema.isError).toBe(true);
        const monitor = await conn.client.callTool({
          name: 'monitor_executions',
          arguments: { function_name: 'mcp-report', time_range: { start: '1h' } },
        });
        expect(monitor.isError).toBe(true);
        expect(invokes()).toEqual([]);
        // Its own function works.
        const ok = await conn.client.callTool({ name: 'echo', arguments: { hi: 1 } });
        expect(ok.isError).not.toBe(true);
        expect(invokes().map((r) => r.functionName)).toEqual(['mcp-echo']);
      } finally {
        await conn.close();
      }
    }
  });

  it('a valid token still works after all that (the control)', async () => {
    emulator.clearRequests();
    const res = await rawRequest(server.url, {
      body: CALL_ECHO,
      headers: { authorization: `Bearer ${OPS_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('"status_code\\":200');
    expect(invokes()).toHaveLength(1);
    expect(server.exitCode()).toBeNull();
  });

  it('a flood gets 429 with Retry-After, and only the requests let through invoke', async () => {
    const limited = await startServer(['--rate-limit', '30', '--rate-limit-burst', '5']);
    try {
      emulator.clearRequests();
      const flood = await Promise.all(
        Array.from({ length: 60 }, () =>
          rawRequest(limited.url, { body: CALL_ECHO, headers: { authorization: `Bearer ${OPS_TOKEN}` } }),
        ),
      );
      const statuses = flood.map((r) => r.status);
      const throttled = flood.filter((r) => r.status === 429);
      expect(throttled.length).toBeGreaterThan(40);
      for (const r of throttled) {
        expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
        expect(JSON.parse(r.text).error.code).toBeTypeOf('number');
      }
      expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
      const served = statuses.filter((s) => s === 200).length;
      // Every 200 came back after its invocation answered, so the log is complete here.
      expect(invokes()).toHaveLength(served);

      // Floods of bad tokens are limited by address before authentication, and invoke nothing.
      emulator.clearRequests();
      const bad = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          rawRequest(limited.url, { body: CALL_ECHO, headers: { authorization: `Bearer wrong-${i}` } }),
        ),
      );
      expect(bad.every((r) => r.status === 401 || r.status === 429)).toBe(true);
      expect(bad.some((r) => r.status === 429)).toBe(true);
      expect(invokes()).toEqual([]);
    } finally {
      expect(await limited.stop()).toBe(0);
    }
  });
});
