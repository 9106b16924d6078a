// Issue 14 through a real MCP client (SDK Client over the in-memory transport) on the real core
// services and the local backend with the bundled example functions.
import { fileURLToPath } from 'node:url';
import { type ConfigInput, createServices, type Services } from '@lambda-mcp/core';
import { createLocalBackend } from '@lambda-mcp/core/local';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaMcpServer, type LambdaMcpServer } from '../src/index.js';
import { text } from './support/harness.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/functions', import.meta.url));

type Sc = Record<string, unknown>;

async function start(config: Partial<ConfigInput> = {}) {
  const backend = createLocalBackend({ dir: EXAMPLES });
  const services = createServices({
    backend,
    config: { backend: 'local', localDir: EXAMPLES, diskCache: false, ...config },
  });
  const lambda = createLambdaMcpServer(services);
  await lambda.ready;
  const [a, b] = InMemoryTransport.createLinkedPair();
  await lambda.createServer().connect(b);
  const client = new Client({ name: 'model-facing', version: '1' });
  await client.connect(a);
  return {
    client,
    async close() {
      await client.close();
      await lambda.close();
      await services.close();
    },
  };
}

describe('the seed interface and what a model sees', () => {
  let stack: Awaited<ReturnType<typeof start>>;
  let client: Client;
  beforeAll(async () => {
    stack = await start({ exclude: ['slow-report'] });
    client = stack.client;
  });
  afterAll(async () => stack?.close());

  it("pins the four seed tools' argument and response shapes", async () => {
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(Object.keys(byName.get('list_functions')?.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(['include_metadata', 'filter_by_tags', 'runtime_filter']),
    );
    expect(byName.get('invoke_function')?.inputSchema.required).toEqual(['function_name']);
    expect(Object.keys(byName.get('invoke_function')?.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(['function_name', 'payload', 'invocation_type', 'log_type', 'qualifier']),
    );
    expect(Object.keys(byName.get('get_function_schema')?.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(['function_name', 'schema_version', 'include_examples']),
    );
    expect(Object.keys(byName.get('monitor_executions')?.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(['function_name', 'time_range', 'include_errors', 'metric_types']),
    );

    const list = (await client.callTool({ name: 'list_functions', arguments: { include_metadata: true } }))
      .structuredContent as Sc;
    expect(list).toMatchObject({ total_count: 4, filtered_count: 4 });
    expect((list.functions as Sc[])[0]).toMatchObject({
      name: expect.any(String),
      arn: expect.stringMatching(/^arn:aws:lambda:/),
      description: expect.any(String),
      runtime: expect.any(String),
      timeout: expect.any(Number),
      memory_size: expect.any(Number),
      tags: expect.any(Object),
    });

    const inv = (
      await client.callTool({
        name: 'invoke_function',
        arguments: { function_name: 'echo', payload: { a: 1 } },
      })
    ).structuredContent as { execution_result: Sc };
    expect(inv.execution_result).toMatchObject({
      status_code: 200,
      payload: { a: 1 },
      payload_format: 'json',
    });

    const schema = (
      await client.callTool({ name: 'get_function_schema', arguments: { function_name: 'customer-lookup' } })
    ).structuredContent as Sc;
    expect(schema).toMatchObject({
      function_name: 'customer-lookup',
      schema: { type: 'object', required: ['customer_id'] },
      version: '1',
      // our own fields beside the seed's
      input_schema: { type: 'object' },
      dialect: 'draft-07',
      input_mode: 'flat',
    });
    const examples = schema.examples as Array<{ description: string; payload: Sc }>;
    expect(examples.length).toBeGreaterThan(0);
    for (const e of examples) {
      expect(e.description.length).toBeGreaterThan(10);
      expect(e.payload.customer_id).toBe('CUST-0001');
    }

    const mon = (await client.callTool({ name: 'monitor_executions', arguments: { function_name: 'echo' } }))
      .structuredContent as Sc;
    expect(mon).toMatchObject({
      function_name: 'echo',
      start: expect.any(String),
      end: expect.any(String),
      period_seconds: 60,
      series: { invocations: expect.any(Array), duration: { p99: expect.any(Array) } },
      summary: { invocations: expect.any(Number), error_rate: expect.any(Number) },
    });
  });

  it('every example validates and the function accepts it (no CUST-0000)', async () => {
    const schema = (
      await client.callTool({ name: 'get_function_schema', arguments: { function_name: 'customer-lookup' } })
    ).structuredContent as { examples: Array<{ payload: Sc }> };
    for (const { payload } of schema.examples) {
      const r = await client.callTool({ name: 'customer_lookup', arguments: payload });
      expect(r.isError, text(r)).toBeFalsy();
      expect(r.structuredContent).toMatchObject({ customer_id: 'CUST-0001', name: 'Ada Lovelace' });
    }
    const dp = (
      await client.callTool({ name: 'get_function_schema', arguments: { function_name: 'data-processor' } })
    ).structuredContent as { examples: Array<{ payload: Sc }> };
    for (const { payload } of dp.examples) {
      const r = await client.callTool({ name: 'data_processor', arguments: payload });
      expect(r.isError, text(r)).toBeFalsy();
    }
  });

  it('an unknown schema_version is an error naming the version that exists', async () => {
    const r = await client.callTool({
      name: 'get_function_schema',
      arguments: { function_name: 'customer-lookup', schema_version: '7' },
    });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/has no version "7": the only version is 1/);
    expect(text(r)).toContain('[SCHEMA_NOT_FOUND]');
  });

  it('monitor_executions takes CloudWatch names, rounds figures and groups errors by type', async () => {
    for (let i = 0; i < 2; i++) await client.callTool({ name: 'always_fails', arguments: { amount: i + 1 } });
    await client.callTool({ name: 'customer_lookup', arguments: { customer_id: 'CUST-9999' } });
    await client.callTool({ name: 'customer_lookup', arguments: { customer_id: 'CUST-0002' } });
    const r = await client.callTool({
      name: 'monitor_executions',
      arguments: {
        function_name: 'customer-lookup',
        metric_types: [
          'Invocations',
          'ERRORS',
          'Duration',
          'ConcurrentExecutions',
          'IteratorAge',
          'InitDuration',
        ],
        include_errors: true,
      },
    });
    expect(r.isError, text(r)).toBeFalsy();
    const sc = r.structuredContent as {
      series: Record<string, unknown>;
      summary: Record<string, number>;
      init_duration: Record<string, number>;
      recent_errors: Array<{ error_type: string; count: number; occurrences: Sc[] }>;
    };
    expect(Object.keys(sc.series)).toEqual(
      expect.arrayContaining(['invocations', 'errors', 'duration', 'concurrency', 'iterator_age']),
    );
    expect(sc.summary.error_rate).toBe(
      Math.round(((sc.summary.errors ?? 0) / (sc.summary.invocations ?? 1)) * 1e4) / 1e4,
    );
    for (const p of (sc.series.duration as { average: Array<{ value: number }> }).average) {
      expect(Math.round(p.value * 100) / 100).toBe(p.value);
    }
    expect(sc.init_duration.cold_starts).toBeGreaterThanOrEqual(1);
    const group = sc.recent_errors.find((g) => g.error_type === 'CustomerNotFound');
    expect(group?.count).toBeGreaterThanOrEqual(1);
    expect(group?.occurrences[0]).toMatchObject({
      message: 'No customer with id CUST-9999',
      request_id: expect.any(String),
    });
    expect(group?.occurrences[0]?.raw).toBeUndefined();

    const raw = await client.callTool({
      name: 'monitor_executions',
      arguments: { function_name: 'always-fails', include_errors: true, include_raw_errors: true },
    });
    const groups = (
      raw.structuredContent as {
        recent_errors: Array<{ error_type: string; count: number; occurrences: Sc[] }>;
      }
    ).recent_errors;
    expect(groups[0]).toMatchObject({ error_type: 'PaymentDeclinedError', count: 2 });
    expect(String(groups[0]?.occurrences[0]?.raw)).toContain('PaymentDeclinedError');
    expect(groups[0]?.occurrences[0]?.trace).toEqual(expect.arrayContaining([expect.any(String)]));

    const bad = await client.callTool({
      name: 'monitor_executions',
      arguments: { function_name: 'echo', metric_types: ['Latency'] },
    });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain('/metric_types');
    expect(text(bad)).toContain('ConcurrentExecutions');
  });

  it('a typo gets "did you mean" from the visible names only', async () => {
    const r = await client.callTool({
      name: 'invoke_function',
      arguments: { function_name: 'custmer-lookup' },
    });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('Did you mean "customer-lookup"?');
    // slow-report is excluded: a near miss of it suggests nothing, and never its name.
    const hidden = await client.callTool({
      name: 'get_function_schema',
      arguments: { function_name: 'slow-reprt' },
    });
    expect(hidden.isError).toBe(true);
    expect(text(hidden)).not.toContain('slow-report');
    expect(text(hidden)).not.toContain('Did you mean');
    const exact = await client.callTool({
      name: 'monitor_executions',
      arguments: { function_name: 'slow-report' },
    });
    expect(text(exact)).not.toContain('Did you mean');
  });

  it("invoke_functions carries a failure's trace once per item", async () => {
    const r = await client.callTool({
      name: 'invoke_functions',
      arguments: {
        invocations: [
          { function_name: 'always-fails', payload: { amount: 5 }, log_type: 'Tail' },
          { function_name: 'echo', payload: { ok: true } },
        ],
      },
    });
    const item = (r.structuredContent as { results: Sc[] }).results[0] as {
      execution_result: { function_error: { trace: string[] }; payload: unknown };
    };
    const frame = item.execution_result.function_error.trace.find((l) => l.includes(' at '));
    expect(frame).toBeDefined();
    expect(item.execution_result.payload).toBeNull();
    const json = JSON.stringify(item.execution_result);
    const logs = JSON.stringify((item.execution_result as unknown as { logs?: string[] }).logs ?? []);
    // Once in function_error (the log tail is the function's own output, asked for with Tail).
    expect(
      json.split(JSON.stringify(frame).slice(1, -1)).length - 1 - (logs.includes(String(frame)) ? 1 : 0),
    ).toBe(1);
  });

  it('search_functions ranks the visible functions; list_functions takes a query', async () => {
    const r = await client.callTool({
      name: 'search_functions',
      arguments: { query: 'which function looks up a customer profile' },
    });
    const sc = r.structuredContent as { functions: Sc[]; total_count: number };
    expect(sc.functions[0]).toMatchObject({ name: 'customer-lookup', tool_name: 'customer_lookup' });
    expect(sc.total_count).toBe(4);
    const analytics = await client.callTool({
      name: 'search_functions',
      arguments: { query: 'analytics per region csv' },
    });
    expect((analytics.structuredContent as { functions: Sc[] }).functions[0]?.name).toBe('data-processor');
    // An excluded function is never found, however well it matches.
    const hidden = await client.callTool({ name: 'search_functions', arguments: { query: 'slow report' } });
    expect(JSON.stringify(hidden.structuredContent)).not.toContain('slow-report');
    const listed = await client.callTool({
      name: 'list_functions',
      arguments: { query: 'payment declined card' },
    });
    expect(((listed.structuredContent as { functions: Sc[] }).functions[0] as Sc).name).toBe('always-fails');
  });
});

describe('a small tool list (generic tools only) with search', () => {
  it('finds a function by search and invokes it through invoke_function', async () => {
    const stack = await start({ toolFamilies: 'generic' });
    try {
      const { tools } = await stack.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([
        'get_function_schema',
        'invoke_function',
        'invoke_functions',
        'list_functions',
        'monitor_executions',
        'search_functions',
      ]);
      const found = await stack.client.callTool({
        name: 'search_functions',
        arguments: { query: 'echo the event back' },
      });
      const name = String((found.structuredContent as { functions: Sc[] }).functions[0]?.name);
      expect(name).toBe('echo');
      const r = await stack.client.callTool({
        name: 'invoke_function',
        arguments: { function_name: name, payload: { hi: 1 } },
      });
      expect((r.structuredContent as { execution_result: Sc }).execution_result.payload).toEqual({ hi: 1 });
    } finally {
      await stack.close();
    }
  });

  it('a generic result over the size cap is cut with a notice, not an error', async () => {
    const stack = await start({ maxResultBytes: 2500 });
    try {
      const r = await stack.client.callTool({
        name: 'get_function_schema',
        arguments: { function_name: 'data-processor' },
      });
      expect(r.isError).toBeFalsy();
      expect(text(r)).toContain('Result truncated');
      expect(r.structuredContent).toMatchObject({ function_name: 'data-processor' });
    } finally {
      await stack.close();
    }
  });
});
