import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connect,
  INITIALIZE,
  MCP_HEADERS,
  metricValue,
  post,
  type Started,
  startLocal,
  waitFor,
} from './helpers.js';

describe('Host and Origin validation (DNS rebinding)', () => {
  let s: Started;
  beforeAll(async () => {
    s = await startLocal();
  });
  afterAll(async () => {
    await s?.shutdown('test');
  });

  it('refuses a foreign Host or Origin with 403 and accepts loopback ones', async () => {
    const port = new URL(s.url).port;
    // fetch does not let us set Host; use node:http for that.
    const { request } = await import('node:http');
    const send = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(s.url, { method: 'POST', headers: { ...MCP_HEADERS, ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(JSON.stringify(INITIALIZE));
      });
    expect(await send({ host: 'evil.example.com', origin: 'http://evil.example.com' })).toBe(403);
    expect(await send({ host: `evil.example.com:${port}` })).toBe(403);
    expect(await send({ host: `localhost:${port}`, origin: 'http://evil.example.com' })).toBe(403);
    expect(await send({ host: `localhost:${port}`, origin: `http://localhost:${port}` })).toBe(200);
    expect(await send({ host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` })).toBe(200);
    expect(await send({ host: `[::1]:${port}` })).toBe(200);
  });

  it('answers CORS preflight only for allowed origins', async () => {
    const ok = await fetch(s.url, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(ok.headers.get('access-control-expose-headers')).toMatch(/mcp-session-id/);
    const bad = await fetch(s.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example.com' } });
    expect(bad.status).toBe(403);
  });
});

describe('request limits and malformed input', () => {
  let s: Started;
  beforeAll(async () => {
    s = await startLocal(['--max-body-bytes', '2048', '--rate-limit', '600', '--rate-limit-burst', '1000']);
  });
  afterAll(async () => {
    await s?.shutdown('test');
  });

  it('refuses a body over the limit with 413, declared or streamed', async () => {
    const big = JSON.stringify({ ...INITIALIZE, params: { ...INITIALIZE.params, pad: 'x'.repeat(5000) } });
    const r = await post(s.url, big);
    expect(r.status).toBe(413);
    expect(r.text).toMatch(/limit is 2048 bytes/);
    // Chunked (no Content-Length): the limit still holds.
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const res = await fetch(s.url, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: stream,
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
    expect(res.status).toBe(413);
  });

  it('answers bad JSON and bad JSON-RPC with JSON-RPC errors, and keeps serving', async () => {
    const cases: Array<[string, number, number]> = [
      ['{"jsonrpc": "2.0", "id": 1, "method": ', 400, -32700],
      ['[]', 400, -32600],
      ['[{"jsonrpc":"2.0","id":1,"method":"ping"}]', 400, -32600],
      ['"just a string"', 400, -32600],
      ['{"jsonrpc":"1.0","id":1,"method":"ping"}', 400, -32600],
      ['{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}', 400, -32600],
      ['{"jsonrpc":"2.0","id":1,"method":"initialize","params":"nope"}', 400, -32600],
    ];
    for (const [body, status, code] of cases) {
      const r = await post(s.url, body);
      expect(r.status, body).toBe(status);
      const msg = r.json() as { jsonrpc: string; error: { code: number; message: string } };
      expect(msg.jsonrpc).toBe('2.0');
      expect(msg.error.code, body).toBe(code);
    }
    const wrongType = await post(s.url, INITIALIZE, { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);
    const { client } = await connect(s.url);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
  });

  it('answers unknown paths with 404 and unsupported methods with 405', async () => {
    expect((await fetch(`${s.base}/nope`)).status).toBe(404);
    const put = await fetch(s.url, { method: 'PUT', body: '{}' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST, DELETE');
  });
});

describe('per-client rate limit', () => {
  it('answers 429 with Retry-After once a client exceeds its budget', async () => {
    const s = await startLocal(['--rate-limit', '60', '--rate-limit-burst', '3']);
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 5; i++) {
        const r = await post(s.url, INITIALIZE);
        statuses.push(r.status);
        if (r.status === 429) retryAfter = r.headers.get('retry-after');
      }
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses.slice(3)).toEqual([429, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect(
        metricValue(await (await fetch(`${s.base}/metrics`)).text(), 'lambda_mcp_rate_limited_total'),
      ).toBe(2);
      // Probes are not rate limited.
      expect((await fetch(`${s.base}/health`)).status).toBe(200);
    } finally {
      await s.shutdown('test');
    }
  });
});

describe('maximum concurrent invocations', () => {
  it('queues up to the limit and refuses beyond it with a THROTTLED tool error', async () => {
    const s = await startLocal(['--max-concurrent-invocations', '1', '--max-queued-invocations', '0']);
    try {
      const { client } = await connect(s.url);
      const slow = client.callTool({ name: 'slow_report', arguments: { seconds: 1.5 } });
      await waitFor(
        async () =>
          metricValue(await (await fetch(`${s.base}/metrics`)).text(), 'lambda_mcp_invocations_in_flight') ===
          1,
        5_000,
        'slow call running',
      );
      const refused = (await client.callTool({ name: 'echo', arguments: {} })) as CallToolResult;
      expect(refused.isError).toBe(true);
      expect(JSON.stringify(refused.content)).toMatch(/THROTTLED|maximum of 1 concurrent/);
      const done = (await slow) as CallToolResult;
      expect(done.isError).toBeFalsy();
      const after = (await client.callTool({ name: 'echo', arguments: { again: true } })) as CallToolResult;
      expect(after.isError).toBeFalsy();
      await client.close();
    } finally {
      await s.shutdown('test');
    }
  });
});
