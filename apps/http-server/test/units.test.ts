import { readFileSync } from 'node:fs';
import { isLambdaMcpError } from '@lambda-mcp/core';
import { describe, expect, it } from 'vitest';
import { createFunctionMatcher, validatePattern } from '../src/auth/patterns.js';
import { parseAuthPolicy, parseTokenList } from '../src/auth/policy.js';
import { createLimiter } from '../src/concurrency.js';
import { createHostOriginGuard, parseHostHeader } from '../src/host-origin.js';
import { checkJsonRpcBody } from '../src/json-rpc.js';
import { createMemoryReleaser, fullGc } from '../src/memory.js';
import { createMetricsRegistry, createServerMetrics } from '../src/metrics.js';
import { createRateLimiter } from '../src/rate-limit.js';
import { loadHttpSettings } from '../src/settings.js';

describe('metrics registry', () => {
  it('renders counters, gauges and cumulative histograms in the text format, escaping label values', async () => {
    const r = createMetricsRegistry();
    const c = r.counter('x_total', 'A counter.\nTwo lines', ['outcome']);
    c.inc({ outcome: 'ok' });
    c.inc({ outcome: 'ok' }, 2);
    c.inc({ outcome: 'a"b\\c\nd' });
    const g = r.gauge('g', 'A gauge.');
    g.set(5);
    g.dec({}, 2);
    r.gauge('live', 'Read at scrape time.', () => 42);
    const h = r.histogram('lat_seconds', 'Latency.', [0.1, 1]);
    h.observe(0.05);
    h.observe(0.5);
    h.observe(3);
    const text = await r.render();
    expect(text).toContain('# HELP x_total A counter.\\nTwo lines\n# TYPE x_total counter\n');
    expect(text).toContain('x_total{outcome="ok"} 3\n');
    expect(text).toContain('x_total{outcome="a\\"b\\\\c\\nd"} 1\n');
    expect(text).toContain('g 3\n');
    expect(text).toContain('live 42\n');
    expect(text).toContain('lat_seconds_bucket{le="0.1"} 1\n');
    expect(text).toContain('lat_seconds_bucket{le="1"} 2\n');
    expect(text).toContain('lat_seconds_bucket{le="+Inf"} 3\n');
    expect(text).toContain('lat_seconds_sum 3.55\n');
    expect(text).toContain('lat_seconds_count 3\n');
    expect(() => c.inc({}, -1)).toThrow(/only goes up/);
    expect(() => r.counter('x_total', 'again')).toThrow(/twice/);
    expect(() => r.counter('bad-name', 'x')).toThrow(/Invalid metric name/);
  });
});

describe('rate limiter', () => {
  it('allows a burst, then refuses with a Retry-After until tokens refill, per key', () => {
    let t = 0;
    const rl = createRateLimiter({ requestsPerMinute: 60, burst: 3, now: () => t });
    expect([1, 2, 3].map(() => rl.take('a').allowed)).toEqual([true, true, true]);
    const refused = rl.take('a');
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(rl.take('b').allowed).toBe(true);
    t += 1000;
    expect(rl.take('a').allowed).toBe(true);
    expect(rl.take('a').allowed).toBe(false);
  });

  it('is off at 0 and forgets idle clients', () => {
    expect(createRateLimiter({ requestsPerMinute: 0 }).enabled).toBe(false);
    let t = 0;
    const rl = createRateLimiter({ requestsPerMinute: 600, burst: 10, now: () => t });
    for (let i = 0; i < 50; i++) rl.take(`k${i}`);
    expect(rl.size()).toBe(50);
    t += 120_000;
    rl.take('fresh');
    expect(rl.size()).toBe(1);
  });
});

describe('Host and Origin validation', () => {
  it('parses Host headers with ports and IPv6', () => {
    expect(parseHostHeader('LocalHost:3000')).toEqual({ hostname: 'localhost', port: '3000' });
    expect(parseHostHeader('[::1]:8080')).toEqual({ hostname: '[::1]', port: '8080' });
    expect(parseHostHeader('example.com')).toEqual({ hostname: 'example.com' });
    expect(parseHostHeader('a:b:c')).toBeUndefined();
    expect(parseHostHeader('x:99999999')).toBeUndefined();
  });

  it('defaults to loopback names on a loopback bind, any port', () => {
    const g = createHostOriginGuard({ bindHost: '127.0.0.1' });
    expect(g.check({ host: '127.0.0.1:3000' })).toBeUndefined();
    expect(g.check({ host: 'localhost:1' })).toBeUndefined();
    expect(g.check({ host: '[::1]:3000' })).toBeUndefined();
    expect(g.check({ host: 'evil.example.com:3000' })).toMatch(/Invalid Host/);
    expect(g.check({ host: undefined })).toMatch(/Invalid Host/);
    expect(g.check({ host: 'localhost:3000', origin: 'http://localhost:5173' })).toBeUndefined();
    expect(g.check({ host: 'localhost:3000', origin: 'http://evil.example.com' })).toMatch(/Invalid Origin/);
    expect(g.check({ host: 'localhost:3000', origin: 'null' })).toMatch(/Invalid Origin/);
  });

  it('on a public bind accepts any Host but only same-origin or listed Origins', () => {
    const g = createHostOriginGuard({ bindHost: '0.0.0.0' });
    expect(g.check({ host: 'mcp.example.com' })).toBeUndefined();
    expect(g.check({ host: 'mcp.example.com', origin: 'https://mcp.example.com' })).toBeUndefined();
    expect(g.check({ host: 'mcp.example.com', origin: 'https://other.example.com' })).toMatch(/Origin/);
    const listed = createHostOriginGuard({
      bindHost: '0.0.0.0',
      allowedHosts: ['mcp.example.com:443', 'internal'],
      allowedOrigins: ['https://app.example.com'],
    });
    expect(listed.check({ host: 'mcp.example.com:443' })).toBeUndefined();
    expect(listed.check({ host: 'mcp.example.com:8443' })).toMatch(/Host/);
    expect(listed.check({ host: 'internal:9000' })).toBeUndefined();
    expect(listed.check({ host: 'internal', origin: 'https://app.example.com' })).toBeUndefined();
    expect(listed.check({ host: 'internal', origin: 'https://internal' })).toMatch(/Origin/);
    expect(() => createHostOriginGuard({ bindHost: '0.0.0.0', allowedOrigins: ['not a url'] })).toThrow(
      /Invalid allowed origin/,
    );
  });
});

describe('function patterns', () => {
  it('matches globs with exclusions winning', () => {
    const m = createFunctionMatcher(['data-*', 'echo', '!data-secret*']);
    expect(m('data-processor')).toBe(true);
    expect(m('echo')).toBe(true);
    expect(m('echo2')).toBe(false);
    expect(m('data-secret-store')).toBe(false);
    expect(m('DATA-processor')).toBe(false);
    expect(createFunctionMatcher([])('echo')).toBe(false);
    expect(createFunctionMatcher(['a?c'])('abc')).toBe(true);
    // "." cannot be in a function name: refused, not silently matching nothing.
    expect(() => createFunctionMatcher(['a.c'])).toThrow(/patterns may use/);
    expect(validatePattern('ok-*')).toBeUndefined();
    expect(validatePattern('bad pattern')).toMatch(/patterns may use/);
    expect(validatePattern('!')).toMatch(/empty/);
  });
});

describe('auth policy', () => {
  it('accepts the documented format and refuses mistakes with the path named', () => {
    const policy = parseAuthPolicy(
      {
        resource: 'https://mcp.example.com/mcp',
        tokens: [
          { name: 'ci', sha256: 'a'.repeat(64), functions: ['echo'] },
          { name: 'ops', tokenEnv: 'OPS_TOKEN' },
        ],
        oauth: {
          issuer: 'https://auth.example.com/',
          jwksUrl: 'https://auth.example.com/jwks.json',
          scopes: { 'lambda:read': ['customer-*'] },
        },
      },
      'test',
    );
    expect(policy.tokens[1]?.functions).toEqual(['*']);
    expect(policy.oauth?.algorithms).toContain('RS256');
    expect(policy.oauth?.algorithms).not.toContain('none');
    const bad = (v: unknown) => {
      try {
        parseAuthPolicy(v, 'policy.json');
      } catch (error) {
        expect(isLambdaMcpError(error)).toBe(true);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad({ tokens: [{ name: 'x', sha256: 'abc' }] })).toMatch(/tokens\.0\.sha256: a SHA-256 is 64 hex/);
    expect(bad({ tokens: [{ name: 'x' }] })).toMatch(/exactly one of "sha256" or "tokenEnv"/);
    expect(bad({ tokens: [{ name: 'x', tokenEnv: 'A', functions: ['a b'] }] })).toMatch(
      /bad function pattern/,
    );
    expect(bad({ tokns: [] })).toMatch(/policy\.json/);
    expect(bad({ oauth: { issuer: 'x', jwksUrl: 'https://a' } })).toMatch(/oauth\.issuer/);
    expect(bad({ oauth: { issuer: 'https://a', jwksUrl: 'https://a/j', algorithms: ['none'] } })).toMatch(
      /algorithms/,
    );
  });

  it('parses token lists with optional names and refuses short tokens', () => {
    expect(parseTokenList('abcdefghijklmnopqrstuvwxyz, ci=0123456789abcdef0123', 'ENV')).toEqual([
      { name: 'ENV-1', token: 'abcdefghijklmnopqrstuvwxyz' },
      { name: 'ci', token: '0123456789abcdef0123' },
    ]);
    expect(() => parseTokenList('short', 'ENV')).toThrow(/too short/);
  });
});

describe('settings', () => {
  it('reads flags over environment, with clear errors', () => {
    const s = loadHttpSettings(
      { 'max-sessions': '5', 'session-idle-timeout': '2m', 'allowed-hosts': ['a,b', 'c'] },
      { LAMBDA_MCP_MAX_SESSIONS: '9', LAMBDA_MCP_RATE_LIMIT: '0', LAMBDA_MCP_STATELESS: 'true' },
    );
    expect(s.maxSessions).toBe(5);
    expect(s.sessionIdleTimeoutSeconds).toBe(120);
    expect(s.rateLimitPerMinute).toBe(0);
    expect(s.stateless).toBe(true);
    expect(s.allowedHosts).toEqual(['a', 'b', 'c']);
    expect(() => loadHttpSettings({ 'max-sessions': '0' }, {})).toThrow(
      /Invalid --max-sessions "0": expected an integer from 1 to 1000000/,
    );
    expect(() => loadHttpSettings({}, { LAMBDA_MCP_SESSION_IDLE_TIMEOUT: 'soon' })).toThrow(
      /LAMBDA_MCP_SESSION_IDLE_TIMEOUT "soon": expected a duration/,
    );
    expect(() => loadHttpSettings({}, { LAMBDA_MCP_OAUTH_ISSUER: 'ftp://x' })).toThrow(/http\(s\) URL/);
  });

  it("reads negative integers and repeated list items as core's loadConfig does (one engine)", () => {
    expect(() => loadHttpSettings({}, { LAMBDA_MCP_RATE_LIMIT: '-5' })).toThrow(
      'Invalid LAMBDA_MCP_RATE_LIMIT "-5": expected an integer from 0 to 10000000.',
    );
    expect(() => loadHttpSettings({ 'max-sessions': '-1' }, {})).toThrow(
      'Invalid --max-sessions "-1": expected an integer from 1 to 1000000.',
    );
    expect(
      loadHttpSettings(
        { 'allowed-hosts': ['a,b', 'a'] },
        { LAMBDA_MCP_ALLOWED_ORIGINS: 'https://x,https://x' },
      ),
    ).toMatchObject({ allowedHosts: ['a', 'b'], allowedOrigins: ['https://x'] });
  });
});

describe('JSON-RPC shape check', () => {
  it('names what is wrong', () => {
    expect(checkJsonRpcBody({ jsonrpc: '2.0', id: 1, method: 'ping' })).toBeUndefined();
    expect(checkJsonRpcBody({ jsonrpc: '2.0', method: 'notifications/initialized' })).toBeUndefined();
    expect(checkJsonRpcBody({ jsonrpc: '2.0', id: 1, result: {} })).toBeUndefined();
    expect(checkJsonRpcBody([])).toMatch(/batches/);
    expect(checkJsonRpcBody(5)).toMatch(/object/);
    expect(checkJsonRpcBody({ jsonrpc: '1.0', method: 'x' })).toMatch(/"2.0"/);
    expect(checkJsonRpcBody({ jsonrpc: '2.0', method: 7 })).toMatch(/method/);
    expect(checkJsonRpcBody({ jsonrpc: '2.0', id: 1.5, method: 'x' })).toMatch(/id/);
    expect(checkJsonRpcBody({ jsonrpc: '2.0', id: 1, method: 'x', params: 3 })).toMatch(/params/);
    expect(checkJsonRpcBody({ jsonrpc: '2.0', id: 1 })).toMatch(/needs a "method"/);
  });
});

describe('invocation limiter', () => {
  it('grants up to max, queues up to maxQueue, refuses beyond with THROTTLED, and honours abort', async () => {
    const l = createLimiter(1, 1);
    const r1 = await l.acquire();
    const queued = l.acquire();
    await expect(l.acquire()).rejects.toMatchObject({ code: 'THROTTLED' });
    expect(l.queued).toBe(1);
    r1();
    const r2 = await queued;
    expect(l.active).toBe(1);
    const ac = new AbortController();
    const waiting = l.acquire(ac.signal);
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED' });
    expect(l.queued).toBe(0);
    r2();
    r2();
    expect(l.active).toBe(0);
  });
});

describe('memory releaser', () => {
  it('runs one full collection once enough sessions closed, and not before', async () => {
    expect(typeof fullGc()).toBe('function');
    const runs: number[] = [];
    const r = createMemoryReleaser({
      threshold: 3,
      delayMs: 10,
      minIntervalMs: 60_000,
      onCollected: (info) => void runs.push(info.sessions),
    });
    r.sessionsClosed(2);
    await new Promise((res) => setTimeout(res, 50));
    expect(runs).toEqual([]);
    r.sessionsClosed(1);
    r.sessionsClosed(1);
    const deadline = Date.now() + 2_000;
    while (runs.length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    expect(runs).toEqual([4]);
    r.stop();
  });
});

describe('server metrics', () => {
  it("keeps the server's metric names and adds prom-client's default process and Node.js metrics", async () => {
    const text = await createServerMetrics({ sessions: () => 3 }).registry.render();
    const typed = (name: string) =>
      text.split('\n').filter((l) => l === `# TYPE ${name} ${l.split(' ').pop()}`);
    for (const name of [
      'lambda_mcp_tool_calls_total',
      'lambda_mcp_tool_call_duration_seconds',
      'lambda_mcp_auth_failures_total',
      'lambda_mcp_sessions',
      'process_resident_memory_bytes',
      'nodejs_heap_used_bytes',
      'nodejs_external_memory_bytes',
      'process_uptime_seconds',
      'process_cpu_seconds_total',
      'process_start_time_seconds',
      'nodejs_eventloop_lag_seconds',
      'nodejs_gc_duration_seconds',
    ]) {
      expect(typed(name), name).toHaveLength(1);
    }
    expect(text).toContain('\nlambda_mcp_sessions 3\n');
    expect(
      createServerMetrics({ defaultMetrics: false }).registry.prometheus.getSingleMetric(
        'process_cpu_seconds_total',
      ),
    ).toBeUndefined();
  });

  it('prints label names in sorted order, as the server always has', async () => {
    const m = createServerMetrics({ defaultMetrics: false });
    m.toolCalls.inc({ tool: 'function', outcome: 'success' });
    m.toolCallDuration.observe(0.002, { outcome: 'success' });
    const text = await m.registry.render();
    expect(text).toContain('lambda_mcp_tool_calls_total{outcome="success",tool="function"} 1\n');
    expect(text).toContain('lambda_mcp_tool_call_duration_seconds_count{outcome="success"} 1\n');
  });
});

describe('the package surface', () => {
  it('exports a small documented root; the building blocks only from ./internal', async () => {
    const root = await import('../src/index.js');
    expect(Object.keys(root).sort()).toEqual([
      'EXIT_FAILURE',
      'EXIT_FORCED',
      'EXIT_OK',
      'EXIT_USAGE',
      'HTTP_SETTINGS',
      'VERSION',
      'helpText',
      'loadHttpSettings',
      'parseAuthPolicy',
      'parseHttpArgs',
      'startHttpServer',
    ]);
    const internal = await import('../src/internal.js');
    for (const name of ['createHttpApp', 'createRuntime', 'createAuthenticator', 'createServerMetrics']) {
      expect(internal, name).toHaveProperty(name);
    }
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    expect(Object.keys(pkg.exports)).toEqual(['.', './lambda', './internal', './package.json']);
  });
});
