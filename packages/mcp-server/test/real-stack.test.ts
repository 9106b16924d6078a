// The tool layer over the real core services and the real local backend (worker threads) with the
// bundled example functions: the schemas come from the SchemaService (draft-04, draft-07, 2020-12).
import { fileURLToPath } from 'node:url';
import { createServices, type Services } from '@lambda-mcp/core';
import { createLocalBackend } from '@lambda-mcp/core/local';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaMcpServer, type LambdaMcpServer } from '../src/index.js';
import { text } from './support/harness.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/functions', import.meta.url));

describe('over createServices and the local backend', () => {
  let services: Services;
  let lambda: LambdaMcpServer;
  let client: Client;

  beforeAll(async () => {
    const backend = createLocalBackend({ dir: EXAMPLES });
    services = createServices({
      backend,
      config: { backend: 'local', localDir: EXAMPLES, diskCache: false },
    });
    lambda = createLambdaMcpServer(services);
    await lambda.ready;
    const [a, b] = InMemoryTransport.createLinkedPair();
    await lambda.createServer().connect(b);
    client = new Client({ name: 'real-stack', version: '1' });
    await client.connect(a);
  });
  afterAll(async () => {
    await client?.close();
    await lambda?.close();
    await services?.close();
  });

  it('lists the bundled functions with their schemas', async () => {
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    for (const n of ['always_fails', 'customer_lookup', 'data_processor', 'echo', 'slow_report']) {
      expect(byName.has(n)).toBe(true);
    }
    expect(byName.get('customer_lookup')?.outputSchema?.type).toBe('object');
    expect(byName.get('data_processor')?.inputSchema.required).toContain('data_source');
    expect(byName.get('echo')?.inputSchema).toEqual({ type: 'object' });
    expect(byName.get('echo')?.description).toContain('Takes any JSON object');
  });

  it('validates with the dialect of each schema', async () => {
    // slow-report has a draft-04 schema; data-processor 2020-12; customer-lookup draft-07.
    const slow = await client.callTool({ name: 'slow_report', arguments: { seconds: 100 } });
    expect(slow.isError).toBe(true);
    expect(text(slow)).toContain('/seconds');
    const dp = await client.callTool({ name: 'data_processor', arguments: { data_source: 42 } });
    expect(dp.isError).toBe(true);
    expect(text(dp)).toContain('/data_source');
    const cl = await client.callTool({ name: 'customer_lookup', arguments: { customer_id: 'CUST-0002' } });
    expect(cl.isError).toBeFalsy();
    expect(cl.structuredContent).toMatchObject({ customer_id: 'CUST-0002' });
  });

  it('invokes through the generic tools with REPORT figures from the log tail', async () => {
    const r = await client.callTool({
      name: 'invoke_function',
      arguments: { function_name: 'echo', payload: { a: [1, 2] }, log_type: 'Tail' },
    });
    const e = (r.structuredContent as { execution_result: Record<string, unknown> }).execution_result;
    expect(e).toMatchObject({ status_code: 200, payload: { a: [1, 2] } });
    expect(e.duration_ms).toEqual(expect.any(Number));
    expect(e.memory_size_mb).toBe(128);
    const m = await client.callTool({ name: 'monitor_executions', arguments: { function_name: 'echo' } });
    expect(
      (m.structuredContent as { summary: { invocations: number } }).summary.invocations,
    ).toBeGreaterThanOrEqual(1);
    const s = await client.callTool({
      name: 'get_function_schema',
      arguments: { function_name: 'data-processor', include_examples: true },
    });
    const sc = s.structuredContent as { examples: Array<{ payload: unknown }>; dialect: string };
    expect(sc.dialect).toBe('2020-12');
    expect(sc.examples.length).toBeGreaterThan(0);
    // The generated examples validate against the tool's own schema: call the tool with one.
    const example = sc.examples[0]?.payload as Record<string, unknown>;
    const run = await client.callTool({ name: 'data_processor', arguments: example });
    expect(run.isError).toBeFalsy();
  });
});
