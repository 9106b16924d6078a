import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isLambdaMcpError } from '../../src/errors.js';
import { createLocalBackend, type LocalBackend } from '../../src/local/index.js';
import { FIXTURES, invoke, REQUEST_ID, STREAM_NAME, waitFor } from './helpers.js';

interface ContextEcho {
  event: unknown;
  initId: string;
  count: number;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  remaining: number;
  callbackWaitsForEmptyEventLoop: boolean;
  clientContext: unknown;
  env: Record<string, string | null>;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('local backend: invocation basics', () => {
  let backend: LocalBackend;
  beforeAll(() => {
    backend = createLocalBackend({ dir: FIXTURES });
  });
  afterAll(async () => {
    await backend.close();
  });

  it('passes the event and a Lambda-shaped context', async () => {
    const clientContext = Buffer.from(JSON.stringify({ custom: { tenant: 'a' } })).toString('base64');
    const { result, body } = await invoke(backend, 'context', { hello: 'world' }, { clientContext });
    const echo = body as ContextEcho;
    expect(result.statusCode).toBe(200);
    expect(result.functionError).toBeUndefined();
    expect(result.executedVersion).toBe('$LATEST');
    expect(echo.event).toEqual({ hello: 'world' });
    expect(echo.functionName).toBe('context');
    expect(echo.functionVersion).toBe('$LATEST');
    expect(echo.invokedFunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:context');
    expect(echo.memoryLimitInMB).toBe('256');
    expect(echo.awsRequestId).toMatch(REQUEST_ID);
    expect(echo.awsRequestId).toBe(result.requestId);
    expect(echo.logGroupName).toBe('/aws/lambda/context');
    expect(echo.logStreamName).toMatch(STREAM_NAME);
    expect(echo.remaining).toBeGreaterThan(0);
    expect(echo.remaining).toBeLessThanOrEqual(2000);
    expect(echo.callbackWaitsForEmptyEventLoop).toBe(true);
    expect(echo.clientContext).toEqual({ custom: { tenant: 'a' } });
  });

  it('gives the function its environment and Lambda variables, not the host secrets', async () => {
    expect(process.env.AWS_SECRET_ACCESS_KEY).toBeTruthy();
    const { body } = await invoke(backend, 'context');
    const env = (body as ContextEcho).env;
    expect(env.GREETING).toBe('hi');
    expect(env.AWS_LAMBDA_FUNCTION_NAME).toBe('context');
    expect(env.AWS_REGION).toBe('us-east-1');
    expect(env.AWS_SECRET_ACCESS_KEY).toBeNull();
  });

  it('qualifies invokedFunctionArn with an alias and rejects unknown qualifiers like AWS', async () => {
    const { body } = await invoke(backend, 'context', {}, { qualifier: 'live' });
    expect((body as ContextEcho).invokedFunctionArn).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:context:live',
    );
    const viaName = await invoke(backend, 'context:live');
    expect((viaName.body as ContextEcho).invokedFunctionArn).toMatch(/:function:context:live$/);
    const error = await rejection(invoke(backend, 'context', {}, { qualifier: '3' }));
    expect(isLambdaMcpError(error) && error.code).toBe('FUNCTION_NOT_FOUND');
    expect((error as Error).message).toBe(
      'Function not found: arn:aws:lambda:us-east-1:000000000000:function:context:3',
    );
  });

  it('accepts full and partial ARNs, and refuses another account or region', async () => {
    const full = await invoke(backend, 'arn:aws:lambda:us-east-1:000000000000:function:context');
    expect(full.result.statusCode).toBe(200);
    const partial = await invoke(backend, '000000000000:function:context');
    expect(partial.result.statusCode).toBe(200);
    const other = await rejection(invoke(backend, 'arn:aws:lambda:eu-west-1:000000000000:function:context'));
    expect(isLambdaMcpError(other) && other.code).toBe('FUNCTION_NOT_FOUND');
    const otherAccount = await rejection(
      invoke(backend, 'arn:aws:lambda:us-east-1:111111111111:function:context'),
    );
    expect(isLambdaMcpError(otherAccount) && otherAccount.code).toBe('FUNCTION_NOT_FOUND');
    const bad = await rejection(invoke(backend, 'no such/function'));
    expect(isLambdaMcpError(bad) && bad.code).toBe('INVALID_REQUEST');
  });

  it('reuses a warm instance and reports Init Duration only on the cold start', async () => {
    await backend.stopInstances('context');
    const before = backend.stats('context').coldStarts;
    const first = await invoke(backend, 'context');
    const second = await invoke(backend, 'context');
    const a = first.body as ContextEcho;
    const b = second.body as ContextEcho;
    expect(b.initId).toBe(a.initId);
    expect(b.count).toBe(a.count + 1);
    expect(b.logStreamName).toBe(a.logStreamName);
    const report = (logs: string[]) => logs.find((l) => l.startsWith('REPORT '));
    expect(report(first.logs)).toMatch(/\tInit Duration: \d+\.\d\d ms\t$/);
    expect(report(second.logs)).not.toContain('Init Duration');
    expect(backend.stats('context').coldStarts).toBe(before + 1);

    await backend.stopInstances('context');
    const third = await invoke(backend, 'context');
    expect((third.body as ContextEcho).initId).not.toBe(a.initId);
    expect(report(third.logs)).toContain('Init Duration');
  });

  it('runs CommonJS callback-style handlers', async () => {
    const { body, logs } = await invoke(backend, 'callback', { n: 1 });
    expect(body).toEqual({ echoed: { n: 1 }, cjs: true });
    expect(logs.some((l) => /\tINFO\tcallback style$/.test(l))).toBe(true);
  });

  it('answers DryRun with 204 without running the function', async () => {
    const before = backend.stats('sleeper');
    const { result } = await invoke(backend, 'sleeper', { ms: 1 }, { invocationType: 'DryRun' });
    expect(result.statusCode).toBe(204);
    expect(result.payload.byteLength).toBe(0);
    expect(backend.stats('sleeper').executions).toBe(before.executions);
    expect(backend.stats('sleeper').instances).toBe(before.instances);
    const missing = await rejection(invoke(backend, 'missing', {}, { invocationType: 'DryRun' }));
    expect(isLambdaMcpError(missing) && missing.code).toBe('FUNCTION_NOT_FOUND');
  });

  it('a client-side deadline (timeoutMs): an answer within it comes back and leaves no timer behind; past it the call fails, naming the deadline', async () => {
    const set = vi.spyOn(globalThis, 'setTimeout');
    const clear = vi.spyOn(globalThis, 'clearTimeout');
    try {
      const { result, body } = await invoke(backend, 'sleeper', { ms: 1 }, { timeoutMs: 4321 });
      expect(result.statusCode).toBe(200);
      expect(body).toEqual({ slept: 1 });
      const deadline = set.mock.calls.findIndex(([, ms]) => ms === 4321);
      expect(deadline).toBeGreaterThanOrEqual(0);
      const timer = set.mock.results[deadline]?.value;
      expect(clear.mock.calls.some(([t]) => t === timer)).toBe(true);
    } finally {
      set.mockRestore();
      clear.mockRestore();
    }
    const late = await rejection(invoke(backend, 'sleeper', { ms: 400 }, { timeoutMs: 50 }));
    expect(isLambdaMcpError(late) && late.code).toBe('TIMED_OUT');
    expect((late as Error).message).toMatch(/^No answer from sleeper within the client deadline of 50 ms/);
    await backend.idle({ timeoutMs: 5000 });
  });

  it('accepts Event invocations with 202 and runs them in the background', async () => {
    const before = backend.stats('sleeper').executions;
    const { result } = await invoke(backend, 'sleeper', { ms: 150 }, { invocationType: 'Event' });
    expect(result.statusCode).toBe(202);
    expect(result.payload.byteLength).toBe(0);
    expect(result.logResult).toBeUndefined();
    await waitFor(() => backend.stats('sleeper').executions === before + 1, 5000, 'the event to start');
    await backend.idle({ timeoutMs: 5000 });
    const page = await backend.filterLogEvents({
      logGroupName: '/aws/lambda/sleeper',
      filterPattern: `"END RequestId: ${result.requestId}"`,
    });
    expect(page.events).toHaveLength(1);
  });

  it('names a missing function with AWS wording', async () => {
    const error = await rejection(invoke(backend, 'does-not-exist'));
    expect(isLambdaMcpError(error) && error.code).toBe('FUNCTION_NOT_FOUND');
    expect((error as Error).message).toBe(
      'Function not found: arn:aws:lambda:us-east-1:000000000000:function:does-not-exist:$LATEST',
    );
    const get = await rejection(backend.getFunction('does-not-exist'));
    expect((get as Error).message).toBe(
      'Function not found: arn:aws:lambda:us-east-1:000000000000:function:does-not-exist',
    );
  });

  it('refuses a payload that is not JSON, and too large payloads, before running anything', async () => {
    const executions = backend.stats('context').executions;
    const bad = await rejection(
      backend.invoke({
        functionName: 'context',
        invocationType: 'RequestResponse',
        logType: 'None',
        payload: new TextEncoder().encode('{not json'),
      }),
    );
    expect(isLambdaMcpError(bad) && bad.code).toBe('INVALID_REQUEST');
    expect((bad as Error).message).toMatch(
      /^Could not parse request body into json: Could not parse payload into json: /,
    );
    const big = await rejection(
      backend.invoke({
        functionName: 'context',
        invocationType: 'Event',
        logType: 'None',
        payload: new TextEncoder().encode(JSON.stringify({ a: 'x'.repeat(1_048_577) })),
      }),
    );
    expect(isLambdaMcpError(big) && big.code).toBe('PAYLOAD_TOO_LARGE');
    const badContext = await rejection(invoke(backend, 'context', {}, { clientContext: 'not base64 json!' }));
    expect(isLambdaMcpError(badContext) && badContext.code).toBe('INVALID_REQUEST');
    expect(backend.stats('context').executions).toBe(executions);
  });

  it('an empty payload arrives as {}', async () => {
    const result = await backend.invoke({
      functionName: 'context',
      invocationType: 'RequestResponse',
      logType: 'None',
      payload: new Uint8Array(0),
    });
    expect(JSON.parse(Buffer.from(result.payload).toString()).event).toEqual({});
  });

  it('lists functions as FunctionConfig with tags, and serves schemas through describeSchema', async () => {
    const fns = await backend.listFunctions();
    const names = fns.map((f) => f.name);
    expect(names).toEqual([...names].sort());
    const ctx = fns.find((f) => f.name === 'context');
    expect(ctx).toMatchObject({
      arn: 'arn:aws:lambda:us-east-1:000000000000:function:context',
      runtime: 'nodejs22.x', // the manifest default
      handler: 'index.handler',
      timeoutSeconds: 2,
      memorySizeMb: 256,
      version: '$LATEST',
      logGroup: '/aws/lambda/context',
      description: 'Returns its context',
    });
    expect(ctx?.lastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    const tags = await backend.getTags({
      arns: [ctx?.arn ?? '', 'arn:aws:lambda:us-east-1:000000000000:function:callback'],
    });
    expect(tags.get(ctx?.arn ?? '')).toEqual({
      MCPEnabled: 'true',
      team: 'core',
      'lambda-mcp:input-schema-arn': 'arn:aws:schemas:us-east-1:000000000000:schema/local/context-input',
      'lambda-mcp:output-schema-arn': 'arn:aws:schemas:us-east-1:000000000000:schema/local/context-output',
    });
    expect(tags.get('arn:aws:lambda:us-east-1:000000000000:function:callback')).toEqual({});

    const input = await backend.describeSchema({ registryName: 'local', schemaName: 'context-input' });
    expect(input.type).toBe('JSONSchemaDraft4');
    expect(input.schemaArn).toBe('arn:aws:schemas:us-east-1:000000000000:schema/local/context-input');
    expect(JSON.parse(input.content).$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const output = await backend.describeSchema({ registryName: 'local', schemaName: 'context-output' });
    expect(JSON.parse(output.content).$schema).toBe('http://json-schema.org/draft-07/schema#');
    const none = await rejection(
      backend.describeSchema({ registryName: 'local', schemaName: 'callback-input' }),
    );
    expect(isLambdaMcpError(none) && none.code).toBe('SCHEMA_NOT_FOUND');
    const version = await rejection(
      backend.describeSchema({ registryName: 'local', schemaName: 'context-input', schemaVersion: '2' }),
    );
    expect(isLambdaMcpError(version) && version.code).toBe('SCHEMA_NOT_FOUND');
  });

  it('uses the configured schema tag keys, region and account', async () => {
    const other = createLocalBackend({
      dir: FIXTURES,
      region: 'eu-west-1',
      accountId: '123456789012',
      inputSchemaArnTagKey: 'schema-in',
    });
    try {
      const fn = await other.getFunction('context');
      expect(fn.arn).toBe('arn:aws:lambda:eu-west-1:123456789012:function:context');
      expect(fn.tags?.['schema-in']).toBe(
        'arn:aws:schemas:eu-west-1:123456789012:schema/local/context-input',
      );
      expect(other.scope).toBe(`local:${FIXTURES}`);
    } finally {
      await other.close();
    }
  });
});

describe('local backend: lifecycle', () => {
  it('reaps idle instances after the idle timeout', async () => {
    const backend = createLocalBackend({ dir: FIXTURES, idleTimeoutMs: 150 });
    try {
      await invoke(backend, 'context');
      expect(backend.stats('context').instances).toBe(1);
      await waitFor(() => backend.stats('context').instances === 0, 5000, 'the idle instance to be reaped');
      const next = await invoke(backend, 'context');
      expect(next.logs.find((l) => l.startsWith('REPORT'))).toContain('Init Duration');
    } finally {
      await backend.close();
    }
  });

  it('stops every instance on close and refuses work afterwards', async () => {
    const backend = createLocalBackend({ dir: FIXTURES });
    await invoke(backend, 'context');
    await invoke(backend, 'callback');
    await backend.close();
    expect(backend.stats('context').instances).toBe(0);
    expect(backend.stats('callback').instances).toBe(0);
    const error = await rejection(invoke(backend, 'context'));
    expect(isLambdaMcpError(error) && error.code).toBe('BACKEND_UNAVAILABLE');
    await backend.close(); // idempotent
  });

  it('cancels an invocation on abort: the worker is stopped and the call rejects with ABORTED', async () => {
    const backend = createLocalBackend({ dir: FIXTURES });
    try {
      const controller = new AbortController();
      const pending = rejection(invoke(backend, 'single', { ms: 4000 }, {}, controller.signal));
      await waitFor(() => backend.stats('single').executions === 1, 5000, 'the invocation to start');
      controller.abort();
      const error = await pending;
      expect(isLambdaMcpError(error) && error.code).toBe('ABORTED');
      await waitFor(() => backend.stats('single').instances === 0, 2000, 'the worker to stop');
      expect(backend.stats('single').running).toBe(0);
      const already = new AbortController();
      already.abort();
      const early = await rejection(invoke(backend, 'context', {}, {}, already.signal));
      expect(isLambdaMcpError(early) && early.code).toBe('ABORTED');
      expect(backend.stats('context').executions).toBe(0);
    } finally {
      await backend.close();
    }
  });
});
