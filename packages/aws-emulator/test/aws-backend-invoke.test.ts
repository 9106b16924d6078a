/**
 * Invoke through the AWS backend over the emulator: invocation types, headers, retries that are
 * safe (throttles, Retry-After) and the rule that a call that may have run is never sent again.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { BackendInvokeRequest } from '@lambda-mcp/core';
import { type AwsBackend, createAwsBackend } from '@lambda-mcp/core/aws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { CREDENTIALS, decode, encode, FUNCTIONS_DIR, REGION } from './helpers.js';

async function failure(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

const call = (
  functionName: string,
  payload: unknown = {},
  extra: Partial<BackendInvokeRequest> = {},
): BackendInvokeRequest => ({
  functionName,
  invocationType: 'RequestResponse',
  logType: 'None',
  payload: encode(payload),
  ...extra,
});

describe('AWS backend Invoke over the emulator', () => {
  let emulator: Emulator;
  let backend: AwsBackend;

  beforeAll(async () => {
    emulator = await startEmulator({ functionsDir: FUNCTIONS_DIR });
    backend = await createAwsBackend({
      region: REGION,
      endpoint: emulator.url,
      credentials: CREDENTIALS,
      invokeRetry: { maxRetries: 3, baseDelayMs: 20, maxDelayMs: 2_000 },
    });
  });
  afterEach(() => {
    emulator.setFaults(undefined);
  });
  afterAll(async () => {
    await backend.close();
    await emulator.close();
  });

  const invokes = () => emulator.requests.filter((r) => r.operation === 'Invoke');

  it('returns the raw payload, executed version, request id and the log tail', async () => {
    const context = Buffer.from(JSON.stringify({ custom: { tenant: 't1' } })).toString('base64');
    const result = await backend.invoke(
      call('echo', { message: 'hello' }, { logType: 'Tail', clientContext: context, qualifier: 'live' }),
    );
    expect(result.statusCode).toBe(200);
    expect(result.payload).toBeInstanceOf(Uint8Array);
    const body = JSON.parse(decode(result.payload));
    expect(body.echo).toEqual({ message: 'hello' });
    expect(body.clientContext).toMatchObject({ custom: { tenant: 't1' } });
    expect(result.executedVersion).toBe('$LATEST');
    expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.functionError).toBeUndefined();
    const tail = Buffer.from(result.logResult ?? '', 'base64').toString('utf8');
    expect(tail).toContain('REPORT RequestId:');
    expect(emulator.requests.at(-1)?.path).toBe('/2015-03-31/functions/echo/invocations');
  });

  it('passes FunctionError through with the error object as the payload', async () => {
    const result = await backend.invoke(call('fail', { fail: 'on purpose' }));
    expect(result.functionError).toBe('Unhandled');
    expect(JSON.parse(decode(result.payload))).toMatchObject({
      errorType: 'Error',
      errorMessage: 'boom: on purpose',
    });
  });

  it('answers Event with 202 and DryRun with 204 and empty payloads', async () => {
    const event = await backend.invoke(call('echo', { message: 'e' }, { invocationType: 'Event' }));
    expect(event.statusCode).toBe(202);
    expect(event.payload.byteLength).toBe(0);
    const before = emulator.executions('echo');
    const dry = await backend.invoke(call('echo', {}, { invocationType: 'DryRun' }));
    expect(dry.statusCode).toBe(204);
    expect(dry.payload.byteLength).toBe(0);
    expect(emulator.executions('echo')).toBe(before);
  });

  it('maps invoke errors: not found, too large, invalid content', async () => {
    expect((await failure(backend.invoke(call('missing')))).code).toBe('FUNCTION_NOT_FOUND');
    const big = new TextEncoder().encode(JSON.stringify({ d: 'x'.repeat(1_100_000) }));
    const tooBig = await failure(backend.invoke({ ...call('echo'), invocationType: 'Event', payload: big }));
    expect(tooBig.code).toBe('PAYLOAD_TOO_LARGE');
    expect(tooBig.message).toContain('too large for the Event invocation type');
    const invalid = await failure(
      backend.invoke({ ...call('echo'), payload: new TextEncoder().encode('{bad') }),
    );
    expect(invalid.code).toBe('INVALID_REQUEST');
    expect(invalid.message).toContain('InvalidRequestContentException');
  });

  it('retries throttles after the Retry-After hint, then runs the function exactly once', async () => {
    // Throttle the first two attempts: the decisions come from the seed, one per request.
    emulator.setFaults({ throttleRate: 1, retryAfterSeconds: 0.3, operations: ['Invoke'] });
    emulator.clearRequests();
    const before = emulator.executions('echo');
    const pending = backend.invoke(call('echo', { message: 'after throttles' }));
    // Lift the throttling once two attempts were refused.
    const deadline = Date.now() + 5_000;
    while (invokes().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    emulator.setFaults(undefined);
    const result = await pending;
    expect(result.statusCode).toBe(200);
    const attempts = invokes();
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect(attempts.slice(0, -1).every((r) => r.fault === 'throttle' && r.status === 429)).toBe(true);
    for (let i = 1; i < attempts.length; i++) {
      const gap = (attempts[i]?.time ?? 0) - (attempts[i - 1]?.time ?? 0);
      expect(gap).toBeGreaterThanOrEqual(280);
    }
    expect(emulator.executions('echo') - before).toBe(1);
  });

  it('gives up after the retry cap with THROTTLED, its reason and Retry-After, having run nothing', async () => {
    emulator.setFaults({ throttleRate: 1, retryAfterSeconds: 0, operations: ['Invoke'] });
    emulator.clearRequests();
    const before = emulator.executions('echo');
    const error = await failure(backend.invoke(call('echo', { message: 'x' })));
    expect(error.code).toBe('THROTTLED');
    expect(error.retryable).toBe(true);
    expect(error.details).toMatchObject({ reason: 'CallerRateLimitExceeded', retryAfterSeconds: 0 });
    expect(invokes()).toHaveLength(4);
    expect(emulator.executions('echo')).toBe(before);
  });

  it('does not wait for a Retry-After longer than its cap', async () => {
    emulator.setFaults({ throttleRate: 1, retryAfterSeconds: 30, operations: ['Invoke'] });
    emulator.clearRequests();
    const started = Date.now();
    const error = await failure(backend.invoke(call('echo', { message: 'x' })));
    expect(error.code).toBe('THROTTLED');
    expect(error.details).toMatchObject({ retryAfterSeconds: 30 });
    expect(invokes()).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it.each([
    ['a 5xx after the function ran', { serverErrorRate: 1, afterExecutionShare: 1 }, 1],
    ['a dropped connection after the function ran', { dropRate: 1, afterExecutionShare: 1 }, 1],
    ['a 5xx before the function ran', { serverErrorRate: 1, afterExecutionShare: 0 }, 0],
    ['a dropped connection before the function ran', { dropRate: 1, afterExecutionShare: 0 }, 0],
  ])('reports MAYBE_EXECUTED and never sends again on %s', async (_what, faults, ran) => {
    emulator.setFaults({ ...faults, operations: ['Invoke'] });
    emulator.clearRequests();
    const before = emulator.executions('echo');
    const error = await failure(backend.invoke(call('echo', { message: 'once' })));
    expect(error.code).toBe('MAYBE_EXECUTED');
    expect(error.message).toContain('may have run');
    expect(error.message).toContain('not sent again');
    expect(invokes()).toHaveLength(1);
    expect(emulator.executions('echo') - before).toBe(ran);
  });

  it('never lets a caller-supplied client retry an Invoke, while the same client retries other calls', async () => {
    const own = new LambdaClient({
      region: REGION,
      endpoint: emulator.url,
      credentials: CREDENTIALS,
      maxAttempts: 3,
    });
    // Baseline: the bare SDK client does resend a failed Invoke (this is what the backend prevents).
    emulator.setFaults({ serverErrorRate: 1, afterExecutionShare: 1, operations: ['Invoke'] });
    emulator.clearRequests();
    const before = emulator.executions('echo');
    await failure(own.send(new InvokeCommand({ FunctionName: 'echo', Payload: encode({ message: 'sdk' }) })));
    expect(invokes()).toHaveLength(3);
    expect(emulator.executions('echo') - before).toBe(3);

    const byo = await createAwsBackend({ region: REGION, clients: { lambda: own } });
    try {
      emulator.clearRequests();
      const mid = emulator.executions('echo');
      const error = await failure(byo.invoke(call('echo', { message: 'byo' })));
      expect(error.code).toBe('MAYBE_EXECUTED');
      expect(invokes()).toHaveLength(1);
      expect(emulator.executions('echo') - mid).toBe(1);
      // Reads keep the client's own retries.
      emulator.setFaults({ serverErrorRate: 1, operations: ['GetFunction'] });
      emulator.clearRequests();
      expect((await failure(byo.getFunction('echo'))).code).toBe('SERVICE_ERROR');
      expect(emulator.requests.filter((r) => r.operation === 'GetFunction')).toHaveLength(3);
    } finally {
      await byo.close();
      own.destroy();
    }
  });

  it('retries a DryRun after a 5xx: it runs nothing', async () => {
    emulator.setFaults({ serverErrorRate: 1, operations: ['Invoke'] });
    emulator.clearRequests();
    const pending = backend.invoke(call('echo', {}, { invocationType: 'DryRun' }));
    const deadline = Date.now() + 5_000;
    while (invokes().length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    emulator.setFaults(undefined);
    const result = await pending;
    expect(result.statusCode).toBe(204);
    expect(invokes().length).toBeGreaterThanOrEqual(2);
  });

  // The function sleeps past its 1 s timeout, so the emulator answers only when that timeout ends
  // it. The call must fail before that answer exists: the emulator has received the Invoke
  // (one request) and not yet answered it (no status recorded). No wall-clock bound is asserted.
  it('times out on the client side after timeoutMs, saying the function may have run', async () => {
    emulator.clearRequests();
    const error = await failure(backend.invoke(call('slow', { ms: 5_000 }, { timeoutMs: 300 })));
    expect(error.code).toBe('TIMED_OUT');
    expect(error.message).toContain('may have run');
    expect(invokes()).toHaveLength(1);
    expect(invokes()[0]?.status).toBeUndefined();
  });

  it('cancels the HTTP request when the abort signal fires', async () => {
    const controller = new AbortController();
    emulator.clearRequests();
    setTimeout(() => controller.abort(), 150);
    const error = await failure(backend.invoke(call('slow', { ms: 5_000 }), { signal: controller.signal }));
    expect(error.code).toBe('ABORTED');
    expect(error.message).toContain('cancelled');
    expect(invokes()).toHaveLength(1);
    expect(invokes()[0]?.status).toBeUndefined();
  });

  it('refuses calls once closed, and closes twice without harm', async () => {
    const closing = await createAwsBackend({
      region: REGION,
      endpoint: emulator.url,
      credentials: CREDENTIALS,
    });
    await closing.listFunctions();
    await closing.close();
    await closing.close();
    for (const pending of [
      closing.listFunctions(),
      closing.invoke(call('echo')),
      closing.getTags({ arns: ['x'] }),
    ]) {
      const error = await failure(pending);
      expect(error.code).toBe('BACKEND_UNAVAILABLE');
      expect(error.message).toBe('The AWS backend is closed.');
    }
  });

  it('reports an unreachable endpoint as BACKEND_UNAVAILABLE after retrying connections never made', async () => {
    const nowhere = await createAwsBackend({
      region: REGION,
      endpoint: 'http://127.0.0.1:1',
      credentials: CREDENTIALS,
      invokeRetry: { maxRetries: 2, baseDelayMs: 5 },
    });
    try {
      const error = await failure(nowhere.invoke(call('echo')));
      expect(error.code).toBe('BACKEND_UNAVAILABLE');
      expect(error.message).toContain('ECONNREFUSED');
      expect((await failure(nowhere.listFunctions())).code).toBe('BACKEND_UNAVAILABLE');
    } finally {
      await nowhere.close();
    }
  });
});
