/**
 * End to end over AWS wire protocols: the built stdio server, with its default AWS backend, pointed
 * at the wire-level emulator through AWS_ENDPOINT_URL and static test credentials. The real AWS SDK
 * clients sign and send every request; the emulator answers from the bundled local functions. So
 * tools/list shows the functions with their registry schemas (DescribeSchema), tools/call invokes
 * them (Invoke), and monitor_executions returns their metrics (GetMetricData).
 */
import { type Emulator, startEmulator } from '@lambda-mcp/aws-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, type Session, startSession } from './support.js';

let emulator: Emulator;
let session: Session;

beforeAll(async () => {
  emulator = await startEmulator({ functionsDir: EXAMPLES });
  session = await startSession([], { AWS_ENDPOINT_URL: emulator.url, FUNCTION_TAG_KEY: 'MCPEnabled' });
});

afterAll(async () => {
  await session?.close();
  await emulator?.close();
});

function text(result: unknown): string {
  const blocks = ((result as { content?: unknown }).content ?? []) as Array<{ type: string; text?: string }>;
  return blocks.map((b) => b.text ?? '').join('\n');
}

describe('stdio server over the AWS backend against the emulator', () => {
  it('lists the emulator functions with the schemas read from the registry', async () => {
    const { tools } = await session.client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['data_processor', 'echo', 'customer_lookup', 'list_functions']),
    );
    const processor = tools.find((t) => t.name === 'data_processor');
    expect(processor?.inputSchema.type).toBe('object');
    expect(Object.keys(processor?.inputSchema.properties ?? {})).toContain('data_source');
    const ops = emulator.requests.map((r) => `${r.service}:${r.operation}`);
    expect(ops).toContain('lambda:ListFunctions');
    expect(ops).toContain('tagging:GetResources');
    expect(ops).toContain('schemas:DescribeSchema');
  });

  it('invokes a function through Invoke and validates before sending', async () => {
    const before = emulator.executions('data-processor');
    const ok = await session.client.callTool({
      name: 'data_processor',
      arguments: { data_source: 'sales-metrics', output_format: 'json' },
    });
    expect(ok.isError, text(ok)).toBeFalsy();
    expect(ok.structuredContent).toBeDefined();
    expect(emulator.executions('data-processor')).toBe(before + 1);

    const bad = await session.client.callTool({ name: 'data_processor', arguments: { data_source: 42 } });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain('data_source');
    expect(emulator.executions('data-processor')).toBe(before + 1);
  });

  it('reports a function error with its type and message', async () => {
    const res = await session.client.callTool({
      name: 'invoke_function',
      arguments: { function_name: 'always-fails', payload: {} },
    });
    expect(res.isError).toBe(true);
    expect(text(res)).toContain('PaymentDeclinedError');
  });

  it('returns the metrics of what ran through GetMetricData', async () => {
    const res = await session.client.callTool({
      name: 'monitor_executions',
      arguments: { function_name: 'data-processor', time_range: { start: '1h' }, include_errors: true },
    });
    expect(res.isError, text(res)).toBeFalsy();
    const summary = (res.structuredContent as { summary: { invocations: number; errors: number } }).summary;
    expect(summary.invocations).toBeGreaterThanOrEqual(1);
    expect(summary.errors).toBe(0);
    expect(emulator.requests.some((r) => r.service === 'monitoring' && r.operation === 'GetMetricData')).toBe(
      true,
    );
  });
});
