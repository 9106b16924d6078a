import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, metricValue, post, type Started, startLocal, waitFor } from './helpers.js';

type Result = CallToolResult & { structuredContent?: Record<string, unknown> };

for (const mode of ['stateful', 'stateless'] as const) {
  describe(`every tool over HTTP (${mode})`, () => {
    let server: Started;
    let client: Awaited<ReturnType<typeof connect>>['client'];
    let transport: Awaited<ReturnType<typeof connect>>['transport'];

    beforeAll(async () => {
      server = await startLocal(
        mode === 'stateless'
          ? ['--stateless', '--progress-interval-ms', '200']
          : ['--progress-interval-ms', '200'],
      );
      ({ client, transport } = await connect(server.url));
    });
    afterAll(async () => {
      await client?.close();
      await server?.shutdown('test');
    });

    it('negotiates the protocol and gives session ids only when stateful', () => {
      expect(client.getServerVersion()?.name).toBe('lambda-mcp');
      // Stateless mode cannot deliver list_changed (no stream outlives a request): not advertised.
      expect(client.getServerCapabilities()?.tools?.listChanged).toBe(mode === 'stateful');
      if (mode === 'stateful') expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      else expect(transport.sessionId).toBeUndefined();
    });

    it('lists per-function and generic tools, sorted, with object input schemas', async () => {
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);
      for (const n of ['always_fails', 'customer_lookup', 'data_processor', 'echo', 'slow_report']) {
        expect(names).toContain(n);
      }
      for (const n of [
        'list_functions',
        'invoke_function',
        'invoke_functions',
        'get_function_schema',
        'monitor_executions',
      ]) {
        expect(names).toContain(n);
      }
      for (const t of tools) expect(t.inputSchema.type).toBe('object');
      const dp = tools.find((t) => t.name === 'data_processor');
      expect(dp?.inputSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(dp?.inputSchema.$defs).toBeDefined();
    });

    it('per-function tools: echo, customer_lookup, data_processor, always_fails', async () => {
      const echo = (await client.callTool({ name: 'echo', arguments: { hello: 'world', n: 1 } })) as Result;
      expect(echo.isError).toBeFalsy();
      expect(echo.structuredContent).toEqual({ hello: 'world', n: 1 });

      const cust = (await client.callTool({
        name: 'customer_lookup',
        arguments: { customer_id: 'CUST-0001' },
      })) as Result;
      expect(cust.isError).toBeFalsy();
      expect(cust.structuredContent?.customer_id).toBe('CUST-0001');

      const bad = (await client.callTool({
        name: 'customer_lookup',
        arguments: { customer_id: 'nope' },
      })) as Result;
      expect(bad.isError).toBe(true);
      expect(JSON.stringify(bad.content)).toMatch(/customer_id/);

      const dp = (await client.callTool({
        name: 'data_processor',
        arguments: { data_source: 'sales-metrics', output_format: 'json' },
      })) as Result;
      expect(dp.isError).toBeFalsy();
      expect(dp.structuredContent).toBeDefined();

      const fails = (await client.callTool({ name: 'always_fails', arguments: {} })) as Result;
      expect(fails.isError).toBe(true);
      expect(JSON.stringify(fails.content)).toMatch(/PaymentDeclinedError/);
    });

    it('generic tools: list_functions, invoke_function, invoke_functions, get_function_schema, monitor_executions', async () => {
      const list = (await client.callTool({
        name: 'list_functions',
        arguments: { include_metadata: true },
      })) as Result;
      expect(list.structuredContent?.total_count).toBe(5);

      const inv = (await client.callTool({
        name: 'invoke_function',
        arguments: { function_name: 'echo', payload: { a: 1 }, log_type: 'Tail' },
      })) as Result;
      expect(inv.isError).toBeFalsy();
      const exec = inv.structuredContent?.execution_result as Record<string, unknown>;
      expect(exec.status_code).toBe(200);
      expect(exec.payload).toEqual({ a: 1 });
      expect(Array.isArray(exec.logs)).toBe(true);

      const many = (await client.callTool({
        name: 'invoke_functions',
        arguments: {
          invocations: [
            { function_name: 'echo', payload: { i: 1 } },
            { function_name: 'always-fails', payload: {} },
            { function_name: 'no-such-function', payload: {} },
          ],
        },
      })) as Result;
      const text = JSON.stringify(many.structuredContent);
      expect(text).toMatch(/"i":1/);
      expect(text).toMatch(/PaymentDeclinedError/);
      expect(text).toMatch(/FUNCTION_NOT_ALLOWED|not available|not found/i);

      const schema = (await client.callTool({
        name: 'get_function_schema',
        arguments: { function_name: 'data-processor', include_examples: true },
      })) as Result;
      expect(JSON.stringify(schema.structuredContent)).toMatch(/data_source/);

      const mon = (await client.callTool({
        name: 'monitor_executions',
        arguments: { function_name: 'echo', time_range: { start: '1h' }, include_errors: true },
      })) as Result;
      expect(mon.isError).toBeFalsy();
      const summary = (mon.structuredContent as { summary?: { invocations?: number } }).summary;
      expect(summary?.invocations).toBeGreaterThanOrEqual(2);
    });

    it('an unknown tool is JSON-RPC error -32602', async () => {
      await expect(client.callTool({ name: 'nope', arguments: {} })).rejects.toThrow(/-32602/);
    });

    it('sends progress notifications during a slow call', async () => {
      const progress: number[] = [];
      const r = (await client.callTool({ name: 'slow_report', arguments: { seconds: 1.2 } }, undefined, {
        onprogress: (p) => void progress.push(p.progress),
        resetTimeoutOnProgress: true,
      })) as Result;
      expect(r.isError).toBeFalsy();
      expect(progress.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < progress.length; i++)
        expect(progress[i]).toBeGreaterThan(progress[i - 1] as number);
    });

    if (mode === 'stateful') {
      it('a client cancel aborts the in-flight invocation', async () => {
        const ac = new AbortController();
        const before = Number(
          metricValue(await (await fetch(`${server.base}/metrics`)).text(), 'lambda_mcp_invocations_total', {
            outcome: 'aborted',
          }) || 0,
        );
        const started = Date.now();
        const call = client.callTool({ name: 'slow_report', arguments: { seconds: 20 } }, undefined, {
          signal: ac.signal,
        });
        await waitFor(async () => server.app?.activeCalls() === 1, 5_000, 'call in flight');
        ac.abort('user cancelled');
        await expect(call).rejects.toThrow();
        // The server stops the invocation: the limiter records it as aborted, long before 20 s.
        await waitFor(
          async () =>
            metricValue(
              await (await fetch(`${server.base}/metrics`)).text(),
              'lambda_mcp_invocations_total',
              {
                outcome: 'aborted',
              },
            ) ===
            before + 1,
          8_000,
          'aborted invocation in metrics',
        );
        expect(Date.now() - started).toBeLessThan(15_000);
        const audit = (await waitFor(
          () => server.audit.find((a) => a.outcome === 'cancelled'),
          3_000,
          'audit',
        )) as Record<string, unknown>;
        expect(audit.tool).toBe('slow_report');
        expect(audit.function).toBe('slow-report');
      });
    } else {
      it('answers GET and DELETE with 405', async () => {
        const get = await fetch(server.url, { headers: { accept: 'text/event-stream' } });
        expect(get.status).toBe(405);
        expect(get.headers.get('allow')).toBe('POST');
        const del = await fetch(server.url, { method: 'DELETE' });
        expect(del.status).toBe(405);
        const list = await post(server.url, { jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} });
        expect(list.status).toBe(200);
        expect(list.headers.get('mcp-session-id')).toBeNull();
      });
    }
  });
}
