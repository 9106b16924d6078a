/**
 * One HTTP pipeline for every host: the same assertions run against the container host (the
 * Node server) and the Lambda Function URL host (the handler, called with Function URL events).
 * Both get the same Host/Origin checks, authentication (and its metric), rate limit, body limit,
 * tool-call metrics, health, audit, and neither advertises list_changed (stateless).
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFunctionUrlHandler, type FunctionUrlEvent } from '../src/lambda.js';
import { FUNCTIONS_DIR, parseMessages, type Started, start, waitFor } from './helpers.js';

const TOKEN = 'hosts-token-0123456789abcdef0123456789';
const LAMBDA_HOST = 'abcdefghij1234567890.lambda-url.us-east-1.on.aws';

interface HostResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

interface Host {
  name: string;
  /** The Host header value the host accepts. */
  host: string;
  request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<HostResponse>;
  audit: string[];
  close(): Promise<void>;
}

const ENV = {
  LAMBDA_MCP_AUTH_TOKENS: `team=${TOKEN}`,
  LAMBDA_MCP_RATE_LIMIT: '60',
  LAMBDA_MCP_RATE_LIMIT_BURST: '12',
  LAMBDA_MCP_MAX_BODY_BYTES: '4096',
  LAMBDA_MCP_DISK_CACHE: 'false',
  LOG_LEVEL: 'silent',
};

async function nodeHost(): Promise<Host> {
  const s: Started = await start(['--local', FUNCTIONS_DIR, '--stateless'], {
    ...ENV,
    LAMBDA_MCP_ALLOWED_HOSTS: '127.0.0.1',
  });
  const audit: string[] = [];
  return {
    name: 'container (Node server)',
    host: new URL(s.base).host,
    // node:http, not fetch: fetch does not let a caller set the Host header.
    request(method, path, headers, body) {
      return new Promise((resolve, reject) => {
        const req = http.request(`${s.base}${path}`, { method, headers, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const out: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') out[k] = v;
            resolve({
              status: res.statusCode ?? 0,
              headers: out,
              text: Buffer.concat(chunks).toString('utf8'),
            });
          });
        });
        req.on('error', reject);
        req.end(body);
      });
    },
    get audit() {
      return [...audit, ...s.audit.map((a) => JSON.stringify(a))];
    },
    close: async () => {
      await s.shutdown('test');
    },
  };
}

async function lambdaHost(): Promise<Host> {
  const audit: string[] = [];
  const handler = createFunctionUrlHandler({
    env: { ...ENV, LAMBDA_MCP_LOCAL_DIR: FUNCTIONS_DIR, LAMBDA_MCP_ALLOWED_HOSTS: LAMBDA_HOST },
    writeAudit: (l) => void audit.push(l),
  });
  return {
    name: 'Lambda Function URL',
    host: LAMBDA_HOST,
    async request(method, path, headers, body) {
      const event = {
        version: '2.0',
        rawPath: path,
        rawQueryString: '',
        headers: { host: LAMBDA_HOST, ...headers },
        requestContext: {
          domainName: LAMBDA_HOST,
          requestId: 'req-1',
          http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' },
        },
        ...(body !== undefined ? { body: Buffer.from(body).toString('base64'), isBase64Encoded: true } : {}),
      } as FunctionUrlEvent;
      const r = await handler(event);
      return { status: r.statusCode, headers: r.headers, text: r.body };
    },
    audit,
    close: async () => {},
  };
}

const MCP = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};
const AUTH = { ...MCP, authorization: `Bearer ${TOKEN}` };
const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'hosts', version: '1' } },
});
const CALL = JSON.stringify({
  jsonrpc: '2.0',
  id: 2,
  method: 'tools/call',
  params: { name: 'echo', arguments: { hello: 'hosts' } },
});

function metric(text: string, name: string, labels = ''): number {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}${labels} `) || l.startsWith(`${name}${labels}{`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe.each([
  ['container', nodeHost],
  ['lambda', lambdaHost],
] as const)('the %s host serves the one pipeline', (_name, make) => {
  let host: Host;
  beforeAll(async () => {
    host = await make();
  });
  afterAll(async () => {
    await host?.close();
  });

  it('health, Host/Origin checks, authentication and its metric', async () => {
    await waitFor(async () => (await host.request('GET', '/ready', {})).status === 200, 10_000, 'ready');
    const health = await host.request('GET', '/health', {});
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toMatchObject({ status: 'ok', backend: 'local', functions: 5 });

    expect((await host.request('POST', '/mcp', { ...AUTH, host: 'evil.example' }, INIT)).status).toBe(403);
    expect(
      (await host.request('POST', '/mcp', { ...AUTH, origin: 'https://evil.example' }, INIT)).status,
    ).toBe(403);

    const anonymous = await host.request('POST', '/mcp', MCP, INIT);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer realm="lambda-mcp"/);
    const wrong = await host.request(
      'POST',
      '/mcp',
      { ...MCP, authorization: 'Bearer nope-nope-nope' },
      INIT,
    );
    expect(wrong.status).toBe(401);
    const metrics = (await host.request('GET', '/metrics', {})).text;
    expect(metric(metrics, 'lambda_mcp_auth_failures_total', '{reason="missing"}')).toBe(1);
    expect(metric(metrics, 'lambda_mcp_auth_failures_total', '{reason="unknown_token"}')).toBe(1);
    expect(metric(metrics, 'lambda_mcp_http_refused_total', '{reason="host"}')).toBe(1);
    // Discovery is counted from the DiscoveryService's run event, and prom-client's defaults are there.
    expect(metric(metrics, 'lambda_mcp_discoveries_total', '{outcome="success"}')).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(/^process_cpu_seconds_total \d/m);
    expect(metrics).toMatch(/^# TYPE nodejs_gc_duration_seconds histogram$/m);
  });

  it('initialize without list_changed, a tool call with its duration metric and audit line, the body limit', async () => {
    const init = await host.request('POST', '/mcp', AUTH, INIT);
    expect(init.status).toBe(200);
    expect(init.headers['mcp-session-id']).toBeUndefined();
    const result = (
      parseMessages(init.text)[0] as { result: { capabilities: { tools: { listChanged?: boolean } } } }
    ).result;
    expect(result.capabilities.tools.listChanged).toBe(false);

    const call = await host.request('POST', '/mcp', AUTH, CALL);
    expect(parseMessages(call.text)[0]).toMatchObject({
      id: 2,
      result: { structuredContent: { hello: 'hosts' } },
    });
    // The call's metrics and audit line are recorded as its answer goes out: poll (bounded).
    const metrics = (await waitFor(
      async () => {
        const text = (await host.request('GET', '/metrics', {})).text;
        return metric(text, 'lambda_mcp_tool_call_duration_seconds_count', '{outcome="success"}') > 0 && text;
      },
      5_000,
      'the tool-call metrics',
    )) as string;
    expect(metric(metrics, 'lambda_mcp_tool_calls_total', '{outcome="success",tool="function"}')).toBe(1);
    expect(metric(metrics, 'lambda_mcp_tool_call_duration_seconds_count', '{outcome="success"}')).toBe(1);
    expect(metric(metrics, 'lambda_mcp_invocations_total', '{outcome="success"}')).toBe(1);
    expect(host.audit.map((l) => JSON.parse(l))).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ tool: 'echo', subject: 'token:team', outcome: 'success' }),
      ]),
    );

    const big = JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping', params: { pad: 'x'.repeat(8_000) } });
    expect((await host.request('POST', '/mcp', AUTH, big)).status).toBe(413);
  });

  it('rate-limits one client past its burst, with Retry-After', async () => {
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'ping' });
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 14; i++) {
      const r = await host.request('POST', '/mcp', AUTH, ping);
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers['retry-after'];
    }
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    const metrics = (await host.request('GET', '/metrics', {})).text;
    expect(metric(metrics, 'lambda_mcp_rate_limited_total')).toBeGreaterThan(0);
  });
});
