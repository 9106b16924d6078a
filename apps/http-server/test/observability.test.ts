import { createServices } from '@lambda-mcp/core';
import { createLocalBackend } from '@lambda-mcp/core/local';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, FUNCTIONS_DIR, metricValue, type Started, start, startLocal, waitFor } from './helpers.js';

const servers: Started[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.shutdown('test')));
});

describe('health, readiness and metrics', () => {
  it('/ready is 503 until the first discovery finished, /health is 200 all along', async () => {
    const local = createLocalBackend({ dir: FUNCTIONS_DIR });
    let open: () => void = () => {};
    const gate = new Promise<void>((r) => {
      open = r;
    });
    // A decorator whose listing waits for the gate (the local backend itself is left as it is).
    const backend: typeof local = Object.create(local);
    backend.listFunctions = async (o) => {
      await gate;
      return local.listFunctions(o);
    };
    const services = createServices({ backend, config: { backend: 'local', localDir: FUNCTIONS_DIR } });
    const s = await start(['--local', FUNCTIONS_DIR], {}, { services });
    servers.push(s);
    const notReady = await fetch(`${s.base}/ready`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ ready: false, reason: 'first discovery not finished' });
    const health = await fetch(`${s.base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      backend: 'local',
      functions: 0,
      mode: 'stateful',
    });
    open();
    await waitFor(async () => (await fetch(`${s.base}/ready`)).status === 200, 5_000, 'ready');
    const body = (await (await fetch(`${s.base}/health`)).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', backend: 'local', functions: 5 });
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('/metrics reports tool calls and invocations by outcome, latency, sessions, catalog size and discovery', async () => {
    const s = await startLocal();
    servers.push(s);
    const { client } = await connect(s.url);
    await client.callTool({ name: 'echo', arguments: { a: 1 } });
    await client.callTool({ name: 'echo', arguments: { a: 2 } });
    await client.callTool({ name: 'always_fails', arguments: {} });
    await client.callTool({ name: 'invoke_function', arguments: { function_name: 'nope-nope' } });
    const res = await fetch(`${s.base}/metrics`);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const m = await res.text();
    expect(metricValue(m, 'lambda_mcp_tool_calls_total', { tool: 'function', outcome: 'success' })).toBe(2);
    expect(
      metricValue(m, 'lambda_mcp_tool_calls_total', { tool: 'function', outcome: 'function_error' }),
    ).toBe(1);
    expect(
      metricValue(m, 'lambda_mcp_tool_calls_total', { tool: 'invoke_function', outcome: 'not_available' }),
    ).toBe(1);
    expect(metricValue(m, 'lambda_mcp_invocations_total', { outcome: 'success' })).toBe(2);
    expect(metricValue(m, 'lambda_mcp_invocations_total', { outcome: 'function_error' })).toBe(1);
    expect(metricValue(m, 'lambda_mcp_invocation_duration_seconds_count')).toBeGreaterThanOrEqual(3);
    expect(metricValue(m, 'lambda_mcp_tool_call_duration_seconds_count', { outcome: 'success' })).toBe(2);
    expect(
      metricValue(m, 'lambda_mcp_tool_call_duration_seconds_bucket', { outcome: 'success', le: '+Inf' }),
    ).toBe(2);
    expect(metricValue(m, 'lambda_mcp_sessions')).toBe(1);
    expect(metricValue(m, 'lambda_mcp_sessions_opened_total')).toBe(1);
    expect(metricValue(m, 'lambda_mcp_catalog_functions')).toBe(5);
    expect(metricValue(m, 'lambda_mcp_discovery_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(metricValue(m, 'lambda_mcp_discoveries_total', { outcome: 'success' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(m, 'process_resident_memory_bytes')).toBeGreaterThan(1e6);
    // Per-function tool names (function names) never appear in metrics labels.
    expect(m).not.toMatch(/always_fails|always-fails/);
    await client.close();
  });

  it('logs structured JSON lines to the log writer', async () => {
    const s = await startLocal();
    servers.push(s);
    const lines = s.logs
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const listening = lines.find((l) => l.msg === 'Listening');
    expect(listening).toMatchObject({
      level: 'info',
      app: 'lambda-mcp-http',
      mode: 'stateful',
      backend: 'local',
    });
    expect(typeof listening?.time).toBe('string');
  });
});

describe('audit payloads', () => {
  it('include the arguments only when the operator opts in', async () => {
    for (const [flag, expectPayload] of [
      ['--no-log-payloads', false],
      ['--log-payloads', true],
    ] as const) {
      for (const mode of [[], ['--stateless']]) {
        const s = await startLocal([flag, ...mode]);
        servers.push(s);
        const { client } = await connect(s.url);
        await client.callTool({ name: 'echo', arguments: { planted: 'value-1234' } });
        await client.close();
        const line = (await waitFor(
          () => s.audit.find((a) => a.tool === 'echo'),
          2_000,
          'audit line',
        )) as Record<string, unknown>;
        if (expectPayload) expect(line.arguments).toEqual({ planted: 'value-1234' });
        else expect(JSON.stringify(s.audit)).not.toContain('value-1234');
        expect(line.subject).toBe('anonymous');
      }
    }
  });
});
