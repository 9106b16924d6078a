import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ConfigInput, ConfigSchema } from '../../src/config/schema.js';
import { isErrorCode, isLambdaMcpError, LambdaMcpError } from '../../src/errors.js';
import { createDiscoveryService } from '../../src/services/discovery-service.js';
import { createInvocationService, INVOKE_TIMEOUT_MARGIN_MS } from '../../src/services/invocation-service.js';
import { createSchemaService } from '../../src/services/schema-service.js';
import type { FieldError, InvokeRequest } from '../../src/services/types.js';
import type { BackendInvokeRequest } from '../../src/types.js';
import { ASYNC_PAYLOAD_LIMIT_BYTES, SYNC_PAYLOAD_LIMIT_BYTES } from '../../src/util/lambda-limits.js';
import { ACCOUNT, arnOf, captureLogger, createMemoryBackend, fn, jsonBytes } from './memory-backend.js';

const invokeFixture = JSON.parse(
  readFileSync(`${process.env.AWS_FIXTURES_DIR}/lambda-invoke.json`, 'utf8'),
) as Record<string, { 'recorded-content': Record<string, { Payload?: unknown }> }>;

const SCHEMA_ARN = (name: string) => `arn:aws:schemas:us-east-1:${ACCOUNT}:schema/reg/${name}`;

function setup(config: ConfigInput = {}) {
  const backend = createMemoryBackend({
    functions: [
      fn('echo', { timeoutSeconds: 7 }),
      fn('typed-04'),
      fn('typed-07'),
      fn('typed-2020'),
      fn('stringly'),
      fn('excluded'),
      fn('pinned'),
    ],
    tags: {
      'typed-04': { 'lambda-mcp:input-schema-arn': SCHEMA_ARN('d4') },
      'typed-07': { 'lambda-mcp:input-schema-arn': SCHEMA_ARN('d7') },
      'typed-2020': { 'lambda-mcp:input-schema-arn': SCHEMA_ARN('d2020') },
      stringly: { 'lambda-mcp:input-schema-arn': SCHEMA_ARN('str') },
    },
  });
  const doc = (name: string, content: unknown) =>
    backend.schemas.set(`reg/${name}`, {
      registryName: 'reg',
      schemaName: name,
      type: 'JSONSchemaDraft4',
      content: JSON.stringify(content),
    });
  doc('d4', {
    $schema: 'http://json-schema.org/draft-04/schema#',
    type: 'object',
    required: ['qty'],
    properties: { qty: { type: 'integer', minimum: 1 } },
  });
  doc('d7', {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: {
      user: {
        type: 'object',
        required: ['email'],
        properties: { email: { type: 'string', format: 'email' } },
      },
    },
  });
  doc('d2020', {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: {
      pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false },
    },
    unevaluatedProperties: false,
  });
  doc('str', { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'string', minLength: 3 });
  backend.versions.set('pinned:live', fn('pinned'));
  const parsed = ConfigSchema.parse({ exclude: ['excluded'], ...config });
  const { logger, entries: lines } = captureLogger();
  const discovery = createDiscoveryService({ backend, config: parsed, logger });
  const schemas = createSchemaService({ backend, config: parsed, logger });
  const invocation = createInvocationService({ backend, config: parsed, logger, discovery, schemas });
  return { backend, invocation, lines, discovery };
}

async function failure(promise: Promise<unknown>): Promise<LambdaMcpError> {
  try {
    await promise;
  } catch (error) {
    if (isLambdaMcpError(error)) return error;
    throw error;
  }
  throw new Error('expected a LambdaMcpError');
}

function textOfSize(bytes: number): string {
  return `"${'a'.repeat(bytes - 2)}"`;
}

describe('InvocationService: the allowlist comes first', () => {
  const spellings: [string, Partial<InvokeRequest>][] = [
    ['an excluded name', { functionName: 'excluded' }],
    ['an excluded ARN', { functionName: arnOf('excluded') }],
    ['an excluded partial ARN', { functionName: `${ACCOUNT}:function:excluded` }],
    ['an excluded name with a qualifier', { functionName: 'excluded:prod' }],
    ['an excluded name with a qualifier field', { functionName: 'excluded', qualifier: '1' }],
    ['another account', { functionName: 'arn:aws:lambda:us-east-1:210987654321:function:echo' }],
    ['another region', { functionName: `arn:aws:lambda:us-west-2:${ACCOUNT}:function:echo` }],
    ['a case variant', { functionName: 'Echo' }],
    ['surrounding spaces', { functionName: ' echo ' }],
    ['a Unicode look-alike', { functionName: 'ech\u043e' }],
    ['a name longer than 64', { functionName: 'e'.repeat(65) }],
    ['an ARN longer than 170', { functionName: `${arnOf('echo')}:${'q'.repeat(125)}` }],
    ['an unknown function', { functionName: 'does-not-exist' }],
  ];
  it.each(spellings)('%s never reaches backend.invoke', async (_what, request) => {
    const { backend, invocation } = setup();
    const err = await failure(invocation.invoke({ functionName: 'x', ...request, payload: {} }));
    expect(['FUNCTION_NOT_ALLOWED', 'INVALID_REQUEST']).toContain(err.code);
    expect(backend.calls.invoke).toHaveLength(0);
  });

  it('a pinned FUNCTION_LIST qualifier cannot be swapped for another', async () => {
    const { backend, invocation } = setup({ functionList: ['echo', 'pinned:live'] });
    expect((await failure(invocation.invoke({ functionName: 'pinned', qualifier: '$LATEST' }))).code).toBe(
      'FUNCTION_NOT_ALLOWED',
    );
    const ok = await invocation.invoke({ functionName: 'pinned' });
    expect(ok.qualifier).toBe('live');
    expect(backend.calls.invoke.map((r) => r.qualifier)).toEqual(['live']);
  });
});

describe('InvocationService: input validation against the function’s schema', () => {
  const bad: [string, string, unknown, FieldError[]][] = [
    ['draft-04', 'typed-04', { qty: 0 }, [{ path: '/qty', message: 'must be >= 1', keyword: 'minimum' }]],
    [
      'draft-04 (missing field)',
      'typed-04',
      {},
      [{ path: '/qty', message: 'is required', keyword: 'required' }],
    ],
    [
      'draft-07',
      'typed-07',
      { user: { email: 'not-an-email' } },
      [{ path: '/user/email', message: 'must match format "email"', keyword: 'format' }],
    ],
    [
      '2020-12 (prefixItems)',
      'typed-2020',
      { pair: [1, 'x'] },
      [
        { path: '/pair/0', message: 'must be string', keyword: 'type' },
        { path: '/pair/1', message: 'must be number', keyword: 'type' },
      ],
    ],
    [
      '2020-12 (unevaluatedProperties)',
      'typed-2020',
      { extra: 1 },
      [
        {
          path: '/extra',
          message: 'is not an allowed property (unevaluated)',
          keyword: 'unevaluatedProperties',
        },
      ],
    ],
    [
      'a wrapped non-object schema',
      'stringly',
      'ab',
      [{ path: '', message: 'must NOT have fewer than 3 characters', keyword: 'minLength' }],
    ],
  ];
  it.each(bad)(
    '%s: INVALID_INPUT naming the field, nothing sent',
    async (_what, functionName, payload, errors) => {
      const { backend, invocation } = setup();
      const err = await failure(invocation.invoke({ functionName, payload }));
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.details?.errors).toEqual(errors);
      expect(err.message).toContain(
        `input schema of ${functionName}: ${errors[0]?.path || '(root)'}: ${errors[0]?.message}`,
      );
      expect(backend.calls.invoke).toHaveLength(0);
    },
  );

  it('sends valid payloads, and validate:false skips the check', async () => {
    const { backend, invocation } = setup();
    await invocation.invoke({ functionName: 'typed-04', payload: { qty: 2 } });
    await invocation.invoke({ functionName: 'typed-2020', payload: { pair: ['a', 1] } });
    await invocation.invoke({ functionName: 'stringly', payload: 'abc' });
    await invocation.invoke({ functionName: 'typed-04', payload: { qty: 0 }, validate: false });
    expect(backend.calls.invoke).toHaveLength(4);
    expect(new TextDecoder().decode(backend.calls.invoke[2]?.payload)).toBe('"abc"');
  });

  it('validates raw payloads as JSON and refuses raw payloads that are not JSON', async () => {
    const { backend, invocation } = setup();
    expect(
      (await failure(invocation.invoke({ functionName: 'typed-04', rawPayload: '{"qty":0}' }))).code,
    ).toBe('INVALID_INPUT');
    const notJson = await failure(invocation.invoke({ functionName: 'echo', rawPayload: 'hello' }));
    expect(notJson.code).toBe('INVALID_INPUT');
    expect(notJson.message).toMatch(/not JSON/);
    expect(backend.calls.invoke).toHaveLength(0);
  });

  it('refuses payloads JSON cannot carry', async () => {
    const { invocation } = setup();
    expect((await failure(invocation.invoke({ functionName: 'echo', payload: 1n }))).code).toBe(
      'INVALID_INPUT',
    );
  });
});

describe('InvocationService: payload limits are checked before sending', () => {
  it('synchronous: 6,291,456 bytes pass, one more is PAYLOAD_TOO_LARGE', async () => {
    const { backend, invocation } = setup();
    await invocation.invoke({ functionName: 'echo', rawPayload: textOfSize(SYNC_PAYLOAD_LIMIT_BYTES) });
    expect(backend.calls.invoke[0]?.payload.byteLength).toBe(6_291_456);
    const err = await failure(
      invocation.invoke({ functionName: 'echo', rawPayload: textOfSize(SYNC_PAYLOAD_LIMIT_BYTES + 1) }),
    );
    expect(err.code).toBe('PAYLOAD_TOO_LARGE');
    expect(err.message).toBe(
      'The payload is 6,291,457 bytes; Lambda accepts at most 6,291,456 bytes (6 MB) for a synchronous (RequestResponse) invocation.',
    );
    expect(err.details).toEqual({
      sizeBytes: 6_291_457,
      limitBytes: 6_291_456,
      invocationType: 'RequestResponse',
    });
    expect(backend.calls.invoke).toHaveLength(1);
  });

  it('DryRun has the synchronous limit', async () => {
    const { backend, invocation } = setup();
    const err = await failure(
      invocation.invoke({
        functionName: 'echo',
        invocationType: 'DryRun',
        rawPayload: textOfSize(SYNC_PAYLOAD_LIMIT_BYTES + 1),
      }),
    );
    expect(err.code).toBe('PAYLOAD_TOO_LARGE');
    expect(backend.calls.invoke).toHaveLength(0);
  });

  it('asynchronous (Event): 1,048,576 bytes pass, one more is PAYLOAD_TOO_LARGE', async () => {
    const { backend, invocation } = setup();
    const ok = await invocation.invoke({
      functionName: 'echo',
      invocationType: 'Event',
      rawPayload: textOfSize(ASYNC_PAYLOAD_LIMIT_BYTES),
    });
    expect(ok.statusCode).toBe(202);
    const err = await failure(
      invocation.invoke({
        functionName: 'echo',
        invocationType: 'Event',
        rawPayload: textOfSize(ASYNC_PAYLOAD_LIMIT_BYTES + 1),
      }),
    );
    expect(err.code).toBe('PAYLOAD_TOO_LARGE');
    expect(err.message).toContain('at most 1,048,576 bytes (1 MB) for an asynchronous (Event) invocation');
    expect(backend.calls.invoke).toHaveLength(1);
  });

  it('the client context has Lambda’s limit too', async () => {
    const { backend, invocation } = setup();
    await invocation.invoke({ functionName: 'echo', clientContext: { custom: { a: 1 } } });
    expect(Buffer.from(backend.calls.invoke[0]?.clientContext ?? '', 'base64').toString()).toBe(
      '{"custom":{"a":1}}',
    );
    const err = await failure(
      invocation.invoke({ functionName: 'echo', clientContext: { big: 'x'.repeat(3000) } }),
    );
    expect(err.code).toBe('PAYLOAD_TOO_LARGE');
    expect(err.message).toContain('client context');
  });
});

describe('InvocationService: the request sent and the result decoded', () => {
  it('passes the qualifier, the deadline (function timeout + margin) and the signal', async () => {
    const { backend, invocation } = setup();
    const controller = new AbortController();
    let seenSignal: AbortSignal | undefined;
    backend.onInvoke = (request, options) => {
      seenSignal = options.signal;
      return { statusCode: 200, payload: request.payload };
    };
    await invocation.invoke(
      { functionName: 'echo:prod', payload: { a: 1 }, logType: 'Tail' },
      { signal: controller.signal },
    );
    const sent = backend.calls.invoke[0] as BackendInvokeRequest;
    expect(sent).toMatchObject({
      functionName: 'echo',
      qualifier: 'prod',
      invocationType: 'RequestResponse',
      logType: 'Tail',
      timeoutMs: 7_000 + INVOKE_TIMEOUT_MARGIN_MS,
    });
    expect(seenSignal).toBe(controller.signal);
    await invocation.invoke({ functionName: 'echo', invocationType: 'Event', logType: 'Tail' });
    expect(backend.calls.invoke[1]).toMatchObject({
      invocationType: 'Event',
      logType: 'None',
      timeoutMs: 30_000,
    });
  });

  it('decodes JSON, text and binary payloads', async () => {
    const { backend, invocation } = setup();
    backend.onInvoke = () => ({
      statusCode: 200,
      payload: jsonBytes({ ok: true }),
      requestId: 'r1',
      executedVersion: '$LATEST',
    });
    const json = await invocation.invoke({ functionName: 'echo' });
    expect(json).toMatchObject({
      functionName: 'echo',
      statusCode: 200,
      requestId: 'r1',
      executedVersion: '$LATEST',
      payload: { kind: 'json', value: { ok: true } },
    });
    expect(json.elapsedMs).toBeGreaterThanOrEqual(0);
    backend.onInvoke = () => ({ statusCode: 200, payload: new TextEncoder().encode('plain words') });
    expect((await invocation.invoke({ functionName: 'echo' })).payload).toEqual({
      kind: 'text',
      text: 'plain words',
    });
    backend.onInvoke = () => ({ statusCode: 200, payload: new Uint8Array([0, 159, 146, 150]) });
    expect((await invocation.invoke({ functionName: 'echo' })).payload).toEqual({
      kind: 'binary',
      base64: 'AJ+Slg==',
      byteLength: 4,
    });
  });

  it('decodes the log tail and the REPORT line (Text format)', async () => {
    const { backend, invocation } = setup();
    const log =
      'START RequestId: 1f2e Version: $LATEST\n2025-01-01T00:00:00.000Z\t1f2e\tINFO\thello\nEND RequestId: 1f2e\nREPORT RequestId: 1f2e\tDuration: 3.01 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\tInit Duration: 110.10 ms\t\n';
    backend.onInvoke = () => ({
      statusCode: 200,
      payload: jsonBytes(1),
      logResult: Buffer.from(log).toString('base64'),
    });
    const result = await invocation.invoke({ functionName: 'echo', logType: 'Tail' });
    expect(result.logs).toEqual([
      'START RequestId: 1f2e Version: $LATEST',
      '2025-01-01T00:00:00.000Z\t1f2e\tINFO\thello',
      'END RequestId: 1f2e',
      'REPORT RequestId: 1f2e\tDuration: 3.01 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\tInit Duration: 110.10 ms\t',
    ]);
    expect(result.report).toEqual({
      requestId: '1f2e',
      durationMs: 3.01,
      billedDurationMs: 4,
      memorySizeMb: 128,
      maxMemoryUsedMb: 36,
      initDurationMs: 110.1,
    });
  });

  it('decodes the REPORT figures of the JSON log format', async () => {
    const { backend, invocation } = setup();
    const lines = [
      JSON.stringify({ time: 't', type: 'platform.start', record: { requestId: 'r9', version: '$LATEST' } }),
      JSON.stringify({ timestamp: 't', level: 'INFO', requestId: 'r9', message: 'hi' }),
      JSON.stringify({
        time: 't',
        type: 'platform.report',
        record: {
          requestId: 'r9',
          metrics: { durationMs: 5.5, billedDurationMs: 6, memorySizeMB: 256, maxMemoryUsedMB: 80 },
          status: 'success',
        },
      }),
    ];
    backend.onInvoke = () => ({
      statusCode: 200,
      payload: jsonBytes(1),
      logResult: Buffer.from(lines.join('\n')).toString('base64'),
    });
    const result = await invocation.invoke({ functionName: 'echo', logType: 'Tail' });
    expect(result.report).toEqual({
      requestId: 'r9',
      durationMs: 5.5,
      billedDurationMs: 6,
      memorySizeMb: 256,
      maxMemoryUsedMb: 80,
    });
  });

  const functionErrors: [string, unknown, Record<string, unknown>][] = [
    [
      'Node',
      {
        errorType: 'TypeError',
        errorMessage: 'x is not a function',
        trace: ['TypeError: x is not a function', '    at handler (/var/task/index.js:3:9)'],
      },
      {
        errorType: 'TypeError',
        errorMessage: 'x is not a function',
        trace: ['TypeError: x is not a function', '    at handler (/var/task/index.js:3:9)'],
      },
    ],
    [
      'Python (recorded)',
      invokeFixture[
        'tests/aws/services/lambda_/test_lambda.py::TestLambdaErrors::test_lambda_handler_error'
      ]?.['recorded-content'].invocation_error?.Payload,
      { errorType: 'Exception', errorMessage: 'Handler fails' },
    ],
    [
      'Sandbox.Timedout (recorded)',
      invokeFixture[
        'tests/aws/services/lambda_/test_lambda.py::TestLambdaBehavior::test_lambda_invoke_with_timeout'
      ]?.['recorded-content']['invoke-result']?.Payload,
      {
        errorType: 'Sandbox.Timedout',
        errorMessage: 'RequestId: <timeout_error_msg> Error: Task timed out after 1.00 seconds',
      },
    ],
    [
      'Runtime.ExitError (recorded)',
      invokeFixture[
        'tests/aws/services/lambda_/test_lambda.py::TestLambdaErrors::test_lambda_handler_exit'
      ]?.['recorded-content'].invocation_error?.Payload,
      { errorType: 'Runtime.ExitError' },
    ],
  ];
  it.each(functionErrors)(
    'a %s function error is a result, not an exception',
    async (_shape, body, expected) => {
      const { backend, invocation, lines } = setup();
      backend.onInvoke = () => ({
        statusCode: 200,
        payload: jsonBytes(body),
        functionError: 'Unhandled',
        requestId: 'rq',
      });
      const result = await invocation.invoke({ functionName: 'echo' });
      expect(result.functionError).toMatchObject({ kind: 'Unhandled', ...expected });
      expect(result.functionError?.raw).toEqual(body);
      expect(lines.find((l) => l.fields.component === 'audit')?.fields).toMatchObject({
        outcome: 'function-error',
        errorType: expected.errorType,
      });
    },
  );

  it('passes typed backend errors through unchanged', async () => {
    const { backend, invocation } = setup();
    const throttled = new LambdaMcpError('THROTTLED', 'Rate Exceeded.', {
      retryable: true,
      details: { reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' },
    });
    backend.onInvoke = () => {
      throw throttled;
    };
    expect(await failure(invocation.invoke({ functionName: 'echo' }))).toBe(throttled);
    backend.onInvoke = () => {
      throw new LambdaMcpError('MAYBE_EXECUTED', 'The connection dropped after the request was sent.');
    };
    expect((await failure(invocation.invoke({ functionName: 'echo' }))).code).toBe('MAYBE_EXECUTED');
  });

  it('reports a cancelled call as ABORTED', async () => {
    const { backend, invocation } = setup();
    const controller = new AbortController();
    backend.onInvoke = (_r, options) =>
      new Promise((_resolve, reject) =>
        options.signal?.addEventListener('abort', () =>
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
        ),
      );
    const pending = invocation.invoke({ functionName: 'echo' }, { signal: controller.signal });
    await new Promise((r) => setImmediate(r));
    controller.abort();
    expect((await failure(pending)).code).toBe('ABORTED');
  });

  it('refuses an unknown invocation type or log type', async () => {
    const { invocation } = setup();
    expect(
      (await failure(invocation.invoke({ functionName: 'echo', invocationType: 'Later' as never }))).message,
    ).toMatch(/expected RequestResponse, Event or DryRun/);
    expect(
      (await failure(invocation.invoke({ functionName: 'echo', logType: 'Full' as never }))).message,
    ).toMatch(/expected None or Tail/);
  });
});

describe('InvocationService: audit log', () => {
  it('logs one line per invocation without payload content by default', async () => {
    const { invocation, lines, backend } = setup();
    backend.onInvoke = () => ({
      statusCode: 200,
      payload: jsonBytes({ answer: 'RESPONSE-SECRET-42' }),
      requestId: 'req-7',
    });
    await invocation.invoke({ functionName: 'echo:prod', payload: { password: 'PAYLOAD-SECRET-13' } });
    await failure(
      invocation.invoke({ functionName: 'excluded', payload: { password: 'PAYLOAD-SECRET-13' } }),
    );
    const audit = lines.filter((l) => l.fields.component === 'audit');
    expect(audit).toHaveLength(2);
    expect(audit[0]?.fields).toMatchObject({
      function: 'echo',
      qualifier: 'prod',
      invocationType: 'RequestResponse',
      outcome: 'success',
      requestId: 'req-7',
      statusCode: 200,
    });
    expect(typeof audit[0]?.fields.durationMs).toBe('number');
    expect(audit[1]?.fields).toMatchObject({
      function: 'excluded',
      outcome: 'error',
      code: 'FUNCTION_NOT_ALLOWED',
    });
    const all = JSON.stringify(lines);
    expect(all).not.toContain('PAYLOAD-SECRET-13');
    expect(all).not.toContain('RESPONSE-SECRET-42');
  });

  it('includes payloads only when logPayloads is on', async () => {
    const { invocation, lines, backend } = setup({ logPayloads: true });
    backend.onInvoke = () => ({ statusCode: 200, payload: jsonBytes({ answer: 'RESPONSE-SECRET-42' }) });
    await invocation.invoke({ functionName: 'echo', payload: { password: 'PAYLOAD-SECRET-13' } });
    const audit = lines.find((l) => l.fields.component === 'audit');
    expect(audit?.fields.payload).toContain('PAYLOAD-SECRET-13');
    expect(audit?.fields.response).toContain('RESPONSE-SECRET-42');
  });
});

describe('InvocationService.invokeMany', () => {
  it('runs under the concurrency cap and reports every outcome in order', async () => {
    const { invocation, backend } = setup();
    let running = 0;
    let peak = 0;
    backend.onInvoke = async (request) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return { statusCode: 200, payload: request.payload };
    };
    const requests: InvokeRequest[] = [
      ...Array.from({ length: 8 }, (_, i) => ({ functionName: 'echo', payload: { i } })),
      { functionName: 'excluded' },
      { functionName: 'typed-04', payload: { qty: -1 } },
      { functionName: 'echo', rawPayload: textOfSize(SYNC_PAYLOAD_LIMIT_BYTES + 1) },
    ];
    const outcomes = await invocation.invokeMany(requests, { concurrency: 3 });
    expect(outcomes).toHaveLength(11);
    expect(peak).toBe(3);
    expect(
      outcomes
        .slice(0, 8)
        .map((o) => o.ok && o.result.payload.kind === 'json' && (o.result.payload.value as { i: number }).i),
    ).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(outcomes.slice(8).map((o) => (o.ok ? 'ok' : o.error.code))).toEqual([
      'FUNCTION_NOT_ALLOWED',
      'INVALID_INPUT',
      'PAYLOAD_TOO_LARGE',
    ]);
    expect(outcomes[9]?.request).toBe(requests[9]);
  });

  it('uses the configured concurrency and refuses a bad one', async () => {
    const { invocation } = setup({ invokeConcurrency: 2 });
    expect(await invocation.invokeMany([])).toEqual([]);
    expect(
      isErrorCode(
        await invocation.invokeMany([{ functionName: 'echo' }], { concurrency: 0 }).catch((e) => e),
        'INVALID_REQUEST',
      ),
    ).toBe(true);
  });
});
