import { LambdaMcpError } from '@lambda-mcp/core';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it } from 'vitest';
import { GENERIC_TOOL_NAMES, type ToolCallEvent } from '../src/index.js';
import { standardFunctions } from './support/functions.js';
import { connect, setup, text, waitFor } from './support/harness.js';
import { createInMemoryServices, type FakeFunction, fnInfo } from './support/services.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function start(
  functions: FakeFunction[] = standardFunctions(),
  config: Parameters<typeof createInMemoryServices>[1] = {},
  options: Parameters<typeof setup>[1] = {},
  serverOptions: Parameters<typeof setup>[2] = {},
) {
  const services = createInMemoryServices(functions, config);
  const s = await setup(services, options, serverOptions);
  cleanups.push(s.close);
  return { ...s, services };
}

async function expectMcpError(promise: Promise<unknown>, code: number): Promise<McpError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(code);
    return error as McpError;
  }
  throw new Error('expected an McpError');
}

describe('tools/list', () => {
  it('lists generic and per-function tools, sorted, valid, with object schemas that compile', async () => {
    const { client } = await start();
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual([...names].sort());
    for (const g of GENERIC_TOOL_NAMES) expect(names).toContain(g);
    for (const n of [
      'echo',
      'data_processor',
      'customer_lookup',
      'always_fails',
      'slow_report',
      'list_summer',
    ]) {
      expect(names).toContain(n);
    }
    const ajv = new Ajv2020({ strict: false });
    for (const tool of tools) {
      expect(tool.name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      expect(tool.description?.length ?? 0).toBeGreaterThan(10);
      expect(tool.inputSchema.type).toBe('object');
      const { $schema: _s, ...input } = tool.inputSchema as Record<string, unknown>;
      expect(() => ajv.compile(input)).not.toThrow();
      if (tool.outputSchema) expect(tool.outputSchema.type).toBe('object');
    }
  });

  it("keeps the function's real input schema, flat, with $schema and $defs", async () => {
    const { client } = await start();
    const { tools } = await client.listTools();
    const dp = tools.find((t) => t.name === 'data_processor')!;
    expect(dp.inputSchema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['data_source'],
      additionalProperties: false,
      $defs: { user: { type: 'object' } },
    });
    expect(Object.keys(dp.inputSchema.properties ?? {})).toContain('data_source');
    expect(dp.description).toContain('Runs an analytics request.');
    expect(dp.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    const echo = tools.find((t) => t.name === 'echo')!;
    expect(echo.inputSchema).toEqual({ type: 'object' });
    expect(echo.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: false,
      openWorldHint: true,
    });
    const cl = tools.find((t) => t.name === 'customer_lookup')!;
    expect(cl.outputSchema).toMatchObject({ type: 'object', required: ['id', 'name'] });
    // Generated description when the function has none: what it is, without repeating the
    // fields its inputSchema already gives (issue 14.5: every byte is sent on each tools/list).
    expect(cl.description).toContain('customer-lookup');
    expect(cl.description).not.toContain('customer_id');
    // A non-object root schema is wrapped in "payload".
    const ls = tools.find((t) => t.name === 'list_summer')!;
    expect(ls.inputSchema).toMatchObject({
      type: 'object',
      required: ['payload'],
      properties: { payload: { type: 'array' } },
    });
  });

  it('states the capabilities and instructions', async () => {
    const { client } = await start();
    expect(client.getServerCapabilities()).toMatchObject({ tools: { listChanged: true }, logging: {} });
    const instructions = client.getInstructions() ?? '';
    expect(instructions).toContain('list_functions');
    expect(instructions).toContain('invoke_function');
    expect(instructions).toContain('Functions available: 9');
    expect(instructions).not.toContain('Note:');
  });
});

describe('per-function tools', () => {
  it('returns a JSON object as structuredContent plus its text', async () => {
    const { client } = await start();
    const r = await client.callTool({ name: 'echo', arguments: { hello: 'world', n: 1 } });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toEqual({ hello: 'world', n: 1 });
    expect(JSON.parse(text(r))).toEqual({ hello: 'world', n: 1 });
  });

  it('names every failing field when arguments are invalid, without invoking', async () => {
    const { client, services } = await start();
    const r = await client.callTool({
      name: 'data_processor',
      arguments: { data_source: 'nope', output_format: 'xml', extra: 1 },
    });
    expect(r.isError).toBe(true);
    const t = text(r);
    expect(t).toContain('/data_source');
    expect(t).toContain('/output_format');
    expect(t).toContain('additionalProperties');
    expect(services.invocations).toHaveLength(0);
    const missing = await client.callTool({ name: 'data_processor', arguments: {} });
    expect(text(missing)).toContain('/data_source');
  });

  it('invokes with valid arguments', async () => {
    const { client, services } = await start();
    const r = await client.callTool({ name: 'data_processor', arguments: { data_source: 'sales' } });
    expect(r.structuredContent).toEqual({ records: 3, source: 'sales' });
    expect(services.invocations[0]).toMatchObject({
      functionName: 'data-processor',
      payload: { data_source: 'sales' },
    });
  });

  it('reports a function error with type, message and trace', async () => {
    const { client } = await start();
    const r = await client.callTool({ name: 'always_fails', arguments: {} });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('OrderError: the order service is down');
    expect(text(r)).toContain('at handler');
  });

  it('returns conforming structuredContent for a declared output schema (validated by the SDK client)', async () => {
    const { client } = await start();
    await client.listTools();
    const ok = await client.callTool({ name: 'customer_lookup', arguments: { customer_id: 'c-1' } });
    expect(ok.structuredContent).toEqual({ id: 'c-1', name: 'Ada Lovelace' });
    const bad = await client.callTool({ name: 'customer_lookup', arguments: { customer_id: 'c-999' } });
    expect(bad.isError).toBe(true);
    expect(bad.structuredContent).toBeUndefined();
    expect(text(bad)).toContain('does not match its declared output schema');
  });

  it('unwraps a wrapped (non-object) input', async () => {
    const { client } = await start();
    const r = await client.callTool({ name: 'list_summer', arguments: { payload: [1, 2, 3.5] } });
    expect(r.structuredContent).toEqual({ result: 6.5 });
    const bad = await client.callTool({ name: 'list_summer', arguments: { payload: ['a'] } });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain('/payload/0');
  });

  it('returns non-JSON output as text and binary as base64', async () => {
    const { client } = await start();
    const t = await client.callTool({ name: 'text_output', arguments: {} });
    expect(text(t)).toBe('plain text, not JSON');
    expect(t.structuredContent).toBeUndefined();
    const b = await client.callTool({ name: 'binary_output', arguments: {} });
    expect(text(b)).toContain(Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x10]).toString('base64'));
  });

  it('truncates a large result with a notice and keeps JSON validity', async () => {
    const { client } = await start(standardFunctions(), { maxResultBytes: 4096 });
    const r = await client.callTool({ name: 'big_output', arguments: { n: 2000 } });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toBeUndefined();
    const t = text(r);
    expect(Buffer.byteLength(t)).toBeLessThanOrEqual(4096);
    expect(t).toMatch(/Result truncated: showing the first [\d,]+ bytes of [\d,]+ bytes/);
  });

  it('answers an unknown tool with JSON-RPC -32602', async () => {
    const { client } = await start();
    const e = await expectMcpError(
      client.callTool({ name: 'no_such_tool', arguments: {} }),
      ErrorCode.InvalidParams,
    );
    expect(e.message).toContain('no_such_tool');
  });

  it('turns platform failures into isError with the code, never a crash', async () => {
    const fns = standardFunctions();
    fns.push({
      info: fnInfo('throttled'),
      handler: () => {
        throw new LambdaMcpError(
          'THROTTLED',
          'Rate exceeded (reason: ReservedFunctionConcurrentInvocationLimitExceeded)',
          {
            retryable: true,
            cause: new Error('secret AKIAABCDEFGHIJKLMNOP'),
          },
        );
      },
    });
    fns.push({
      info: fnInfo('buggy'),
      handler: () => {
        throw new TypeError('internal path /home/x/secret');
      },
    });
    const { client } = await start(fns);
    const r = await client.callTool({ name: 'throttled', arguments: {} });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('[THROTTLED]');
    expect(text(r)).not.toContain('AKIA');
    const b = await client.callTool({ name: 'buggy', arguments: {} });
    expect(b.isError).toBe(true);
    expect(text(b)).toContain('[INTERNAL]');
    expect(text(b)).not.toContain('/home/x');
    expect(text(b)).not.toMatch(/\bat \w+ \(/);
  });
});

describe('generic tools', () => {
  it('list_functions lists, filters by tags and runtime, and adds metadata on request', async () => {
    const { client } = await start();
    const all = await client.callTool({ name: 'list_functions', arguments: {} });
    const s = all.structuredContent as {
      functions: Array<Record<string, unknown>>;
      total_count: number;
      filtered_count: number;
    };
    expect(s.total_count).toBe(9);
    expect(s.filtered_count).toBe(9);
    expect(s.functions.find((f) => f.name === 'echo')).toMatchObject({
      tool_name: 'echo',
      description: 'Returns its event.',
    });
    expect(s.functions[0]).not.toHaveProperty('memory_size');
    const tagged = await client.callTool({
      name: 'list_functions',
      arguments: { filter_by_tags: { team: 'core' }, include_metadata: true },
    });
    const t = tagged.structuredContent as typeof s;
    expect(t.filtered_count).toBe(1);
    expect(t.functions[0]).toMatchObject({
      name: 'echo',
      memory_size: 128,
      timeout: 30,
      runtime: 'nodejs20.x',
      tags: { team: 'core' },
    });
    const any = await client.callTool({
      name: 'list_functions',
      arguments: { filter_by_tags: { MCPEnabled: '*' } },
    });
    expect((any.structuredContent as typeof s).filtered_count).toBe(5);
    const py = await client.callTool({ name: 'list_functions', arguments: { runtime_filter: 'PYTHON' } });
    expect((py.structuredContent as typeof s).functions.map((f) => f.name)).toEqual(['data-processor']);
    const bad = await client.callTool({ name: 'list_functions', arguments: { include_metadata: 'yes' } });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain('/include_metadata');
  });

  it('invoke_function returns execution_result with logs and REPORT figures', async () => {
    const { client } = await start();
    await client.listTools();
    const r = await client.callTool({
      name: 'invoke_function',
      arguments: { function_name: 'echo', payload: { a: 1 }, log_type: 'Tail' },
    });
    expect(r.isError).toBeFalsy();
    // The first text block is the structured content's JSON, as is (the summary comes after it).
    const blocks = r.content as Array<{ type: string; text: string }>;
    expect(JSON.parse(blocks[0]!.text)).toEqual(r.structuredContent);
    expect(blocks[1]!.text).toContain('echo returned status 200');
    const e = (r.structuredContent as { execution_result: Record<string, unknown> }).execution_result;
    expect(e).toMatchObject({
      function_name: 'echo',
      status_code: 200,
      payload: { a: 1 },
      payload_format: 'json',
      executed_version: '$LATEST',
      duration_ms: 1.5,
      billed_duration_ms: 2,
      memory_used_mb: 40,
      init_duration_ms: 10,
    });
    expect(e.logs).toContain('hello from the function');
    const ev = await client.callTool({
      name: 'invoke_function',
      arguments: { function_name: 'echo', invocation_type: 'Event' },
    });
    expect(
      (ev.structuredContent as { execution_result: { status_code: number } }).execution_result.status_code,
    ).toBe(202);
    const dry = await client.callTool({
      name: 'invoke_function',
      arguments: { function_name: 'echo', invocation_type: 'DryRun' },
    });
    expect(text(dry)).toContain('dry run');
  });

  it('invoke_function reports function errors (isError, structured) and invalid payload fields', async () => {
    const { client } = await start();
    await client.listTools();
    const f = await client.callTool({
      name: 'invoke_function',
      arguments: { function_name: 'always-fails' },
    });
    expect(f.isError).toBe(true);
    expect(
      (f.structuredContent as { execution_result: Record<string, unknown> }).execution_result.function_error,
    ).toMatchObject({
      type: 'OrderError',
      message: 'the order service is down',
    });
    const inv = await client.callTool({
      name: 'invoke_function',
      arguments: { function_name: 'data-processor', payload: { data_source: 1 } },
    });
    expect(inv.isError).toBe(true);
    expect(text(inv)).toContain('/payload/data_source');
    const bad = await client.callTool({ name: 'invoke_function', arguments: { payload: {} } });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain('/function_name');
    const nf = await client.callTool({ name: 'invoke_function', arguments: { function_name: 'nope' } });
    expect(nf.isError).toBe(true);
    expect(text(nf)).toContain('is not available');
  });

  it('invoke_function cuts a large payload inside the structure', async () => {
    const { client } = await start(standardFunctions(), { maxResultBytes: 4096 });
    await client.listTools();
    const r = await client.callTool({
      name: 'invoke_function',
      arguments: { function_name: 'big-output', payload: { n: 3000 } },
    });
    expect(r.isError).toBeFalsy();
    const e = (r.structuredContent as { execution_result: Record<string, unknown> }).execution_result;
    expect(typeof e.payload).toBe('string');
    expect(e.payload_truncated).toMatchObject({ total_bytes: expect.any(Number) });
    expect(text(r)).toContain('Result truncated');
    expect(Buffer.byteLength(text(r))).toBeLessThanOrEqual(4096 + 2);
  });

  it('invoke_functions reports every item, whatever fails', async () => {
    const { client } = await start();
    await client.listTools();
    const r = await client.callTool({
      name: 'invoke_functions',
      arguments: {
        invocations: [
          { function_name: 'echo', payload: { i: 0 } },
          { function_name: 'always-fails' },
          { function_name: 'not-a-function' },
          { function_name: 'data-processor', payload: { data_source: 'bad' } },
          { function_name: 'echo', payload: { i: 4 } },
        ],
        concurrency: 2,
      },
    });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as {
      results: Array<Record<string, unknown>>;
      succeeded: number;
      failed: number;
      function_errors: number;
      total: number;
    };
    expect(s.total).toBe(5);
    expect(s.results.map((x) => x.status)).toEqual([
      'success',
      'function_error',
      'error',
      'error',
      'success',
    ]);
    expect(s.results.map((x) => x.index)).toEqual([0, 1, 2, 3, 4]);
    expect((s.results[4]!.execution_result as { payload: unknown }).payload).toEqual({ i: 4 });
    expect((s.results[2]!.error as { message: string }).message).toContain('is not available');
    expect((s.results[3]!.error as { code: string; message: string }).code).toBe('INVALID_INPUT');
    expect((s.results[3]!.error as { message: string }).message).toContain('/payload/data_source');
    expect([s.succeeded, s.function_errors, s.failed]).toEqual([2, 1, 2]);
  });

  it('get_function_schema returns the schema, its source and examples', async () => {
    const { client } = await start();
    await client.listTools();
    const r = await client.callTool({
      name: 'get_function_schema',
      arguments: { function_name: 'data-processor', include_examples: true },
    });
    const s = r.structuredContent as Record<string, unknown>;
    expect(s.input_schema).toMatchObject({ required: ['data_source'] });
    expect(s.dialect).toBe('2020-12');
    expect(s.tool_name).toBe('data_processor');
    expect(s.input_mode).toBe('flat');
    expect((s.examples as unknown[]).length).toBeGreaterThan(0);
    // Over the real SchemaService a schema comes from the registry (the in-memory backend serves
    // it from DescribeSchema); the hand-written service copy this suite used to run on reported
    // { kind: 'none' }, a source no real schema has.
    expect(s.source).toMatchObject({ kind: 'registry', registry_name: 'reg', schema_name: 'data' });
    const none = await client.callTool({ name: 'get_function_schema', arguments: { function_name: 'echo' } });
    expect((none.structuredContent as Record<string, unknown>).input_schema).toBeNull();
    expect(text(none)).toContain('no known input schema');
  });

  it('monitor_executions accepts relative time ranges and names a bad one', async () => {
    const { client } = await start();
    await client.listTools();
    await client.callTool({ name: 'echo', arguments: {} });
    const r = await client.callTool({
      name: 'monitor_executions',
      arguments: { function_name: 'echo', time_range: { start: '2h' }, include_errors: true },
    });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as {
      summary: Record<string, number>;
      start: string;
      end: string;
      series: { duration: { p99: unknown } };
      recent_errors: Array<Record<string, unknown>>;
    };
    expect(s.summary).toMatchObject({ invocations: 1, error_rate: 0 });
    expect(new Date(s.end).getTime() - new Date(s.start).getTime()).toBeGreaterThan(2 * 3600_000 - 60_000);
    expect(s.series.duration.p99).toBeDefined();
    expect(s.recent_errors[0]).toMatchObject({ kind: 'error', count: 1, occurrences: [{ message: 'boom' }] });
    const bad = await client.callTool({
      name: 'monitor_executions',
      arguments: { function_name: 'echo', time_range: { start: 'yesterday-ish' } },
    });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain('/time_range/start');
  });
});

describe('progress and cancellation', () => {
  it('sends monotonic progress heartbeats while a call runs, and none after', async () => {
    const { client } = await start(standardFunctions(), { progressIntervalMs: 100 });
    const seen: number[] = [];
    let doneAt = -1;
    const r = await client.callTool({ name: 'slow_report', arguments: { ms: 650 } }, undefined, {
      onprogress: (p) => {
        seen.push(p.progress);
      },
    });
    doneAt = seen.length;
    expect(r.structuredContent).toEqual({ done: true });
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
    // Wait for two more intervals: nothing more arrives.
    await new Promise((r) => setTimeout(r, 250));
    expect(seen.length).toBe(doneAt);
  });

  it('counts running calls and tells when it is idle', async () => {
    const { client, lambda } = await start();
    expect(lambda.catalog.activeCalls()).toBe(0);
    await lambda.catalog.whenIdle();
    const call = client.callTool({ name: 'slow_report', arguments: { ms: 300 } });
    await waitFor(() => lambda.catalog.activeCalls() === 1, 5_000, 'the call to start');
    let idle = false;
    const idlePromise = lambda.catalog.whenIdle().then(() => {
      idle = true;
    });
    expect(idle).toBe(false);
    await call;
    await idlePromise;
    expect(lambda.catalog.activeCalls()).toBe(0);
  });

  it('a client cancel aborts the in-flight invocation', async () => {
    const { client, services } = await start();
    const controller = new AbortController();
    const call = client.callTool({ name: 'slow_report', arguments: { ms: 20_000 } }, undefined, {
      signal: controller.signal,
    });
    await waitFor(() => services.invocations.length === 1, 5_000, 'the invocation to start');
    controller.abort('user cancelled');
    await expect(call).rejects.toThrow();
    await waitFor(() => services.aborted.includes('slow-report'), 5_000, 'the invocation to be aborted');
  });
});

describe('catalog changes', () => {
  it('sends tools/list_changed only when the tool list really changed', async () => {
    const services = createInMemoryServices(standardFunctions());
    const s = await setup(services);
    cleanups.push(s.close);
    const other = await connect(s.lambda);
    cleanups.push(other.close);
    // No change: no notification.
    const noop = await s.lambda.refresh();
    expect(noop.changed).toBe(false);
    services.setFunctions([...standardFunctions(), { info: fnInfo('new-function'), handler: () => 1 }]);
    const changed = await s.lambda.refresh();
    expect(changed.changed).toBe(true);
    await waitFor(
      () => s.listChanged.count === 1 && other.listChanged.count === 1,
      5_000,
      'list_changed on both',
    );
    const { tools } = await s.client.listTools();
    expect(tools.map((t) => t.name)).toContain('new_function');
    // The earlier no-op refresh sent nothing (notifications arrive in order).
    expect(s.listChanged.count).toBe(1);
    // A log notification says the same (logging capability).
    await waitFor(
      () => s.logs.some((l) => JSON.stringify(l).includes('The tool list changed')),
      5_000,
      'a log notification',
    );
    // A closed client does not break the broadcast.
    await other.close();
    services.setFunctions(standardFunctions());
    await s.lambda.refresh();
    await waitFor(() => s.listChanged.count === 2, 5_000, 'second list_changed');
    expect(s.lambda.connectedServers()).toBe(1);
  });

  it('starts when discovery fails, says so, keeps generic tools, and recovers', async () => {
    const services = createInMemoryServices(standardFunctions());
    services.failDiscovery(new LambdaMcpError('CREDENTIALS_MISSING', 'No AWS credentials were found.'));
    const s = await setup(services, { discoveryRetryDelaysMs: [] });
    cleanups.push(s.close);
    const instructions = s.client.getInstructions() ?? '';
    expect(instructions).toContain('function discovery failed at startup');
    expect(instructions).toContain('CREDENTIALS_MISSING');
    const { tools } = await s.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...GENERIC_TOOL_NAMES].sort());
    const list = await s.client.callTool({ name: 'list_functions', arguments: {} });
    expect(list.isError).toBe(true);
    expect(text(list)).toContain('No AWS credentials were found. [CREDENTIALS_MISSING]');
    const inv = await s.client.callTool({ name: 'invoke_function', arguments: { function_name: 'echo' } });
    expect(inv.isError).toBe(true);
    expect(text(inv)).toContain('CREDENTIALS_MISSING');
    services.failDiscovery(undefined);
    const r = await s.lambda.refresh();
    expect(r.changed).toBe(true);
    await waitFor(() => s.listChanged.count === 1, 5_000, 'list_changed after recovery');
    expect((await s.client.listTools()).tools.length).toBe(GENERIC_TOOL_NAMES.length + 9);
  });
});

describe('an empty catalog', () => {
  it('says so instead of listing zero tools in silence', async () => {
    const { client } = await start([]);
    expect(client.getInstructions()).toContain('No function matches');
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(
      [...GENERIC_TOOL_NAMES].sort(),
    );
  });
});

describe('configuration', () => {
  it('caps per-function tools and says so; the rest stay reachable through invoke_function', async () => {
    const many = Array.from({ length: 30 }, (_, i) => ({
      info: fnInfo(`fn-${String(i).padStart(2, '0')}`),
      handler: () => i,
    }));
    const { client } = await start(many, { maxFunctionTools: 10 });
    const { tools } = await client.listTools();
    expect(tools.filter((t) => t.name.startsWith('fn_'))).toHaveLength(10);
    expect(client.getInstructions()).toContain('30 functions match, but only the first 10');
    await expectMcpError(client.callTool({ name: 'fn_25', arguments: {} }), ErrorCode.InvalidParams);
    const r = await client.callTool({ name: 'invoke_function', arguments: { function_name: 'fn-25' } });
    expect((r.structuredContent as { execution_result: { payload: unknown } }).execution_result.payload).toBe(
      25,
    );
  });

  it('exposes only the chosen tool families', async () => {
    const g = await start(standardFunctions(), { toolFamilies: 'generic' });
    expect((await g.client.listTools()).tools.map((t) => t.name).sort()).toEqual(
      [...GENERIC_TOOL_NAMES].sort(),
    );
    await expectMcpError(g.client.callTool({ name: 'echo', arguments: {} }), ErrorCode.InvalidParams);
    const p = await start(standardFunctions(), { toolFamilies: 'per-function' });
    const names = (await p.client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('echo');
    expect(names).not.toContain('list_functions');
    await expectMcpError(
      p.client.callTool({ name: 'list_functions', arguments: {} }),
      ErrorCode.InvalidParams,
    );
  });

  it('applies configured annotations and strips configured prefixes from tool names', async () => {
    const fns = [{ info: fnInfo('team-orders'), handler: () => 1 }];
    const { client } = await start(fns, {
      functionPrefixes: ['team-'],
      annotations: { 'team-orders': { readOnly: true, openWorld: false } },
    });
    const tool = (await client.listTools()).tools.find((t) => t.name === 'orders')!;
    expect(tool.annotations).toMatchObject({
      readOnlyHint: true,
      openWorldHint: false,
      destructiveHint: false,
    });
  });
});

describe('authorization and audit hooks', () => {
  it('hides functions the caller may not use, on every path, without revealing them', async () => {
    const events: ToolCallEvent[] = [];
    const { client, services } = await start(
      standardFunctions(),
      {},
      {},
      {
        authorize: (fn) => fn.name !== 'always-fails' && fn.name !== 'customer-lookup',
        onToolCall: (e) => events.push(e),
      },
    );
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).not.toContain('always_fails');
    expect(names).not.toContain('customer_lookup');
    expect(names).toContain('echo');
    await expectMcpError(client.callTool({ name: 'always_fails', arguments: {} }), ErrorCode.InvalidParams);
    const list = await client.callTool({ name: 'list_functions', arguments: {} });
    const fns = (
      list.structuredContent as { functions: Array<{ name: string }>; total_count: number }
    ).functions.map((f) => f.name);
    expect(fns).not.toContain('always-fails');
    expect((list.structuredContent as { total_count: number }).total_count).toBe(7);
    const denied = await client.callTool({
      name: 'invoke_function',
      arguments: { function_name: 'always-fails' },
    });
    const missing = await client.callTool({
      name: 'invoke_function',
      arguments: { function_name: 'always-fails-x' },
    });
    expect(denied.isError).toBe(true);
    expect(text(denied).replace('always-fails', 'X')).toBe(text(missing).replace('always-fails-x', 'X'));
    const batch = await client.callTool({
      name: 'invoke_functions',
      arguments: {
        invocations: [
          { function_name: 'customer-lookup', payload: { customer_id: 'c-1' } },
          { function_name: 'echo' },
        ],
      },
    });
    expect(
      (batch.structuredContent as { results: Array<{ status: string }> }).results.map((r) => r.status),
    ).toEqual(['error', 'success']);
    const schema = await client.callTool({
      name: 'get_function_schema',
      arguments: { function_name: 'customer-lookup' },
    });
    expect(schema.isError).toBe(true);
    const mon = await client.callTool({
      name: 'monitor_executions',
      arguments: { function_name: 'arn:aws:lambda:us-east-1:123456789012:function:always-fails' },
    });
    expect(mon.isError).toBe(true);
    expect(services.invocations.map((i) => i.functionName)).toEqual(['echo']);
    // One audit event per tool call, no payloads.
    expect(events.map((e) => e.tool)).toEqual([
      'always_fails',
      'list_functions',
      'invoke_function',
      'invoke_function',
      'invoke_functions',
      'get_function_schema',
      'monitor_executions',
    ]);
    expect(events[0]).toMatchObject({ outcome: 'unknown_tool', family: 'unknown' });
    expect(events[2]).toMatchObject({ outcome: 'not_available', errorCode: 'FUNCTION_NOT_ALLOWED' });
    expect(events[4]?.items?.map((i) => i.outcome)).toEqual(['not_available', 'success']);
    for (const e of events) {
      expect(typeof e.durationMs).toBe('number');
      expect(e.requestId).toBeDefined();
      expect(JSON.stringify(e)).not.toContain('customer_id');
    }
  });

  it('emits an audit event with function, outcome and duration for a per-function call', async () => {
    const events: ToolCallEvent[] = [];
    const { client } = await start(standardFunctions(), {}, {}, { onToolCall: (e) => events.push(e) });
    await client.callTool({ name: 'echo', arguments: { secret: 'do-not-log' } });
    await client.callTool({ name: 'always_fails', arguments: {} });
    await client.callTool({ name: 'data_processor', arguments: {} });
    expect(events.map((e) => [e.tool, e.family, e.function, e.outcome])).toEqual([
      ['echo', 'function', 'echo', 'success'],
      ['always_fails', 'function', 'always-fails', 'function_error'],
      ['data_processor', 'function', 'data-processor', 'invalid_arguments'],
    ]);
    expect(JSON.stringify(events)).not.toContain('do-not-log');
  });
});

describe('malformed params', () => {
  it('answers params of the wrong shape with -32602 naming the field, not an internal error', async () => {
    const { client } = await start();
    const { ListToolsResultSchema, CallToolResultSchema } = await import(
      '@modelcontextprotocol/sdk/types.js'
    );
    const listed = await expectMcpError(
      client.request({ method: 'tools/list', params: { cursor: 5 } } as never, ListToolsResultSchema),
      ErrorCode.InvalidParams,
    );
    expect(listed.message).toMatch(/Invalid params for tools\/list: params\.cursor: /);
    const called = await expectMcpError(
      client.request({ method: 'tools/call', params: { name: 42 } } as never, CallToolResultSchema),
      ErrorCode.InvalidParams,
    );
    expect(called.message).toMatch(/name/);
    // The server still answers a good request afterwards.
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });

  it('answers a cursor it never issued with -32602', async () => {
    const { client } = await start();
    await expectMcpError(client.listTools({ cursor: 'bogus' }), ErrorCode.InvalidParams);
  });
});
