/**
 * The emulator against responses recorded from real AWS (fixtures/aws at the repository root, with
 * their provenance in its README): each recorded response is replayed as the same call through the real
 * SDK client, and what the client parses from the emulator is compared with the recording: keys,
 * value types, status codes, error codes, message forms (placeholders such as <function-name:1>
 * or 111111111111 match any value), headers and the log/REPORT line format.
 *
 * Not replayed (the emulator does not implement the operation): CreateFunction,
 * PutProvisionedConcurrencyConfig, PutFunctionConcurrency, TagResource/UntagResource and
 * CloudWatch PutMetricData. For PutMetricData the recorded *error form* (query code, Sender,
 * 400) is checked against a GetMetricData validation error, which has the same form.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ListFunctionsCommand,
  ListTagsCommand,
} from '@aws-sdk/client-lambda';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { DescribeSchemaCommand } from '@aws-sdk/client-schemas';
import { createAwsBackend } from '@lambda-mcp/core/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import {
  AWS_FIXTURES_DIR,
  CREDENTIALS,
  decode,
  encode,
  HERE,
  REGION,
  sdkClients,
  waitFor,
} from './helpers.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Recording = Record<string, { 'recorded-content': Record<string, Json> }>;

function load(file: string): Recording {
  return JSON.parse(readFileSync(join(AWS_FIXTURES_DIR, file), 'utf8')) as Recording;
}
function step(file: string, test: string, name: string): Record<string, Json> {
  const recording = load(file);
  const key = Object.keys(recording).find((k) => k.endsWith(test));
  if (!key) throw new Error(`no recording ${test} in ${file}`);
  const value = recording[key]?.['recorded-content'][name];
  if (value === undefined) throw new Error(`no step ${name} in ${test}`);
  return value as Record<string, Json>;
}

/** Placeholder values of the recordings: any value matches them. */
const PLACEHOLDER = /^(<[^>]+>|date|timestamp|code-sha256|log-result)$/;

/**
 * Keys the recording has that depend on how the function was created (not on the API): an
 * environment block, the runtime-version ARN of managed runtimes, and create-time state.
 */
const CREATION_DEPENDENT = new Set(['Environment']);
/** Maps whose keys are data (tag keys, variable names): their values must be strings. */
const DATA_MAPS = new Set(['Tags', 'Variables']);

/** Problems found comparing the shape of `actual` (SDK-parsed) with `recorded`. */
function shapeProblems(recorded: Json | undefined, actual: unknown, path = '$'): string[] {
  if (recorded === undefined || recorded === null) return [];
  if (typeof recorded === 'string' && PLACEHOLDER.test(recorded)) {
    return actual === undefined ? [`${path}: missing`] : [];
  }
  if (Array.isArray(recorded)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${typeof actual}`];
    if (recorded.length > 0 && actual.length > 0) return shapeProblems(recorded[0], actual[0], `${path}[0]`);
    return [];
  }
  if (typeof recorded === 'object') {
    if (typeof actual !== 'object' || actual === null)
      return [`${path}: expected an object, got ${typeof actual}`];
    const problems: string[] = [];
    for (const [key, value] of Object.entries(recorded)) {
      if (key === 'ResponseMetadata' || CREATION_DEPENDENT.has(key)) continue;
      if (!(key in actual)) {
        problems.push(`${path}.${key}: missing`);
        continue;
      }
      const inner = (actual as Record<string, unknown>)[key];
      if (DATA_MAPS.has(key) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const ok =
          typeof inner === 'object' &&
          inner !== null &&
          Object.values(inner).every((v) => typeof v === 'string');
        if (!ok) problems.push(`${path}.${key}: expected a map of strings`);
        continue;
      }
      problems.push(...shapeProblems(value, inner, `${path}.${key}`));
    }
    return problems;
  }
  if (actual instanceof Date && typeof recorded === 'string') return [];
  return typeof actual === typeof recorded
    ? []
    : [`${path}: expected ${typeof recorded}, got ${typeof actual}`];
}

/** A recorded message as a pattern: placeholders and the placeholder account match any value. */
function messagePattern(recorded: string): RegExp {
  const escaped = recorded
    .split(/(<[^>]+>|111111111111)/)
    .map((part, i) =>
      i % 2 === 1 ? (part.startsWith('<') ? '.+?' : '\\d{12}') : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${escaped}$`);
}

/** A recorded log line as a pattern (date, ids, durations and memory are placeholders). */
function linePattern(recorded: string): RegExp {
  const escaped = recorded
    .split(/(<request-id>|<duration>|<memory>|<uuid>|\bdate\b)/)
    .map((part, i) => {
      if (i % 2 === 0) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (part === '<duration>') return '\\d+(?:\\.\\d{2})?';
      if (part === '<memory>') return '\\d+';
      if (part === 'date') return '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z';
      return '[0-9a-f-]{36}';
    })
    .join('');
  return new RegExp(`^${escaped}$`);
}

async function caught(
  promise: Promise<unknown>,
): Promise<Record<string, unknown> & { $metadata: { httpStatusCode: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown> & { $metadata: { httpStatusCode: number } };
  }
  throw new Error('expected the call to fail');
}

/** Compares an SDK error with a recorded error step: code, status, message form, members. */
function expectRecordedError(error: Awaited<ReturnType<typeof caught>>, recorded: Record<string, Json>) {
  const meta = recorded.ResponseMetadata as { HTTPStatusCode: number } | undefined;
  const err = (recorded.Error ?? recorded) as { Code: string; Message?: string };
  expect(error.name).toBe(err.Code);
  if (meta) expect(error.$metadata.httpStatusCode).toBe(meta.HTTPStatusCode);
  if (err.Message) expect(String(error.message)).toMatch(messagePattern(err.Message));
  for (const member of ['Type', 'Reason'] as const) {
    if (typeof recorded[member] === 'string') expect(error[member]).toBe(recorded[member]);
  }
}

describe('emulator conformance with responses recorded from real AWS', () => {
  let emulator: Emulator;
  let clients: ReturnType<typeof sdkClients>;
  const schemaRecordings = JSON.parse(
    readFileSync(join(AWS_FIXTURES_DIR, 'schemas-describe-schema.json'), 'utf8'),
  ) as Record<
    string,
    {
      SchemaArn: string;
      Content: string;
      SchemaName: string;
      SchemaVersion: string;
      Type: string;
      LastModified: string;
    }
  >;

  beforeAll(async () => {
    emulator = await startEmulator({
      functionsDir: join(HERE, 'fixtures', 'conformance-functions'),
      schemas: Object.entries(schemaRecordings).map(([key, s]) => ({
        registryName: key.split('/')[0] as string,
        schemaName: s.SchemaName,
        schemaVersion: s.SchemaVersion,
        schemaArn: s.SchemaArn,
        type: s.Type,
        content: s.Content,
        lastModified: s.LastModified,
      })),
    });
    clients = sdkClients(emulator.url);
  });
  afterAll(async () => {
    clients.destroy();
    await emulator.close();
  });

  it("reads the recordings from the repository (fixtures/aws), the folder core's suites read too", () => {
    const root = join(HERE, '..', '..', '..');
    expect(AWS_FIXTURES_DIR).toBe(join(root, 'fixtures', 'aws'));
    expect(process.env.AWS_FIXTURES_DIR && join(process.env.AWS_FIXTURES_DIR)).toBe(AWS_FIXTURES_DIR);
    for (const file of [
      'README.md',
      'lambda-api.json',
      'lambda-invoke.json',
      'cloudwatch-json.json',
      'logs-filter-log-events.json',
      'tagging-get-resources.json',
      'schemas-describe-schema.json',
    ]) {
      expect(existsSync(join(AWS_FIXTURES_DIR, file)), file).toBe(true);
    }
  });

  it('Invoke with LogType Tail: the log lines and the REPORT format (cold start, trailing tab)', async () => {
    const recorded = step('lambda-invoke.json', 'test_invocation_with_logs[nodejs16.x]', 'invoke');
    const out = await clients.lambda.send(
      new InvokeCommand({ FunctionName: 'log-event', Payload: encode({}), LogType: 'Tail' }),
    );
    expect(shapeProblems(recorded, out)).toEqual([]);
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(JSON.parse(decode(out.Payload))).toEqual({});
    const lines = step('lambda-invoke.json', 'test_invocation_with_logs[nodejs16.x]', 'logs')
      .logs as string[];
    const tail = Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
    const actual = tail.split(/(?<=\n)/);
    // Lines the recording shows, in order (the local runtime may add none before START on Node).
    const start = actual.findIndex((l) => l.startsWith('START'));
    expect(start).toBeGreaterThanOrEqual(0);
    expect(actual.slice(start, start + lines.length)).toHaveLength(lines.length);
    lines.forEach((line, i) => {
      expect(actual[start + i]).toMatch(linePattern(line));
    });
    // The request id of the log is the one in x-amzn-RequestId.
    expect(tail).toContain(`START RequestId: ${out.$metadata.requestId} Version: $LATEST\n`);
  });

  it('Invoke: plain result, DryRun 204, Event 202', async () => {
    const plain = step('lambda-invoke.json', 'test_basic_invoke', 'lambda_invoke_result');
    const out = await clients.lambda.send(
      new InvokeCommand({ FunctionName: 'log-event', Payload: encode({}) }),
    );
    expect(shapeProblems(plain, out)).toEqual([]);
    expect(out.FunctionError).toBeUndefined();
    const dry = step('lambda-invoke.json', 'test_invocation_type_dry_run[nodejs16.x]', 'invoke-result');
    const dryOut = await clients.lambda.send(
      new InvokeCommand({ FunctionName: 'log-event', InvocationType: 'DryRun' }),
    );
    expect(dryOut.StatusCode).toBe(dry.StatusCode);
    expect(decode(dryOut.Payload)).toBe(dry.Payload);
    const event = step('lambda-invoke.json', 'test_invocation_type_event_error', 'invocation_response');
    const eventOut = await clients.lambda.send(
      new InvokeCommand({
        FunctionName: 'fail',
        InvocationType: 'Event',
        Payload: encode({ fail: 'event' }),
      }),
    );
    expect(eventOut.StatusCode).toBe(event.StatusCode);
    expect(decode(eventOut.Payload)).toBe(event.Payload);
  });

  it('Event errors land in the log group: START, END and REPORT lines as recorded', async () => {
    const recorded = step(
      'lambda-invoke.json',
      'test_invocation_type_event_error',
      'log_events',
    ) as unknown as Array<{
      message: string;
    }>;
    let events: Array<{ message?: string }> = [];
    await waitFor(
      async () => {
        const page = await clients.logs.send(
          new FilterLogEventsCommand({ logGroupName: '/aws/lambda/fail' }),
        );
        events = page.events ?? [];
        return events.some((e) => e.message?.startsWith('REPORT'));
      },
      5_000,
      'the REPORT line of the Event invocation',
    );
    for (const kind of ['START', 'END']) {
      const pattern = linePattern(recorded.find((e) => e.message.startsWith(kind))?.message ?? '');
      expect(events.find((e) => e.message?.startsWith(kind))?.message).toMatch(pattern);
    }
    // A warm REPORT (no Init Duration) and a cold one: both recorded forms must be reachable.
    const report = events.find((e) => e.message?.startsWith('REPORT'))?.message ?? '';
    const forms = recorded
      .filter((e) => e.message.startsWith('REPORT'))
      .map((e) =>
        e.message
          .replace(/\d+\.\d{2} ms/g, '<duration> ms')
          .replace(/Billed Duration: \d+ ms/, 'Billed Duration: <duration> ms')
          .replace(/Max Memory Used: \d+ MB/, 'Max Memory Used: <memory> MB')
          .replace('Memory Size: 128 MB', 'Memory Size: <memory> MB'),
      );
    expect(forms.some((f) => linePattern(f).test(report))).toBe(true);
    expect(report.endsWith('\t\n')).toBe(true);
  });

  it('Invoke function errors: handler error, timeout, runtime exit, init error, response too large', async () => {
    const handler = step('lambda-invoke.json', 'test_lambda_handler_error', 'invocation_error');
    const thrown = await clients.lambda.send(
      new InvokeCommand({ FunctionName: 'fail', Payload: encode({ fail: 'x' }) }),
    );
    expect(thrown.StatusCode).toBe(handler.StatusCode);
    expect(thrown.FunctionError).toBe(handler.FunctionError);
    expect(thrown.ExecutedVersion).toBe(handler.ExecutedVersion);
    // Node's shape (errorType, errorMessage, trace) differs from Python's stackTrace/requestId.
    expect(JSON.parse(decode(thrown.Payload))).toMatchObject({ errorType: 'Error', errorMessage: 'boom: x' });

    const timeout = step('lambda-invoke.json', 'test_lambda_invoke_with_timeout', 'invoke-result');
    const slow = await clients.lambda.send(
      new InvokeCommand({ FunctionName: 'slow', Payload: encode({ ms: 1500 }) }),
    );
    expect(slow.FunctionError).toBe(timeout.FunctionError);
    const timeoutPayload = timeout.Payload as { errorType: string; errorMessage: string };
    const slowPayload = JSON.parse(decode(slow.Payload));
    expect(Object.keys(slowPayload).sort()).toEqual(Object.keys(timeoutPayload).sort());
    expect(slowPayload.errorType).toBe(timeoutPayload.errorType);
    expect(slowPayload.errorMessage).toMatch(messagePattern(timeoutPayload.errorMessage));

    const exit = step('lambda-invoke.json', 'test_lambda_handler_exit', 'invocation_error');
    const exited = await clients.lambda.send(
      new InvokeCommand({ FunctionName: 'exiter', Payload: encode({}) }),
    );
    const exitPayload = exit.Payload as { errorType: string; errorMessage: string };
    expect(exited.FunctionError).toBe(exit.FunctionError);
    const exitedPayload = JSON.parse(decode(exited.Payload));
    expect(exitedPayload.errorType).toBe(exitPayload.errorType);
    expect(exitedPayload.errorMessage).toMatch(messagePattern(exitPayload.errorMessage));

    const init = step('lambda-invoke.json', 'test_lambda_runtime_error', 'invocation_error');
    const initFailed = await clients.lambda.send(
      new InvokeCommand({ FunctionName: 'init-error', Payload: encode({}) }),
    );
    expect(initFailed.StatusCode).toBe(init.StatusCode);
    expect(initFailed.FunctionError).toBe(init.FunctionError);
    const initPayload = JSON.parse(decode(initFailed.Payload));
    expect(typeof initPayload.errorType).toBe('string');
    expect(initPayload.errorMessage).toContain('Runtime startup fails');

    const big = step('lambda-invoke.json', 'test_lambda_too_large_response', 'invoke_result');
    const tooBig = await clients.lambda.send(
      new InvokeCommand({ FunctionName: 'big-response', Payload: encode({}) }),
    );
    const bigPayload = big.Payload as { errorType: string; errorMessage: string };
    expect(tooBig.FunctionError).toBe(big.FunctionError);
    expect(JSON.parse(decode(tooBig.Payload))).toEqual(bigPayload);
  });

  it('Invoke: the payload of a function returning its request id, equal to x-amzn-RequestId', async () => {
    const recorded = step('lambda-invoke.json', 'test_request_id_invoke', 'invoke_result');
    const out = await clients.lambda.send(
      new InvokeCommand({ FunctionName: 'request-id', Payload: encode({}) }),
    );
    expect(out.StatusCode).toBe(recorded.StatusCode);
    expect(out.ExecutedVersion).toBe(recorded.ExecutedVersion);
    const id = JSON.parse(decode(out.Payload));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.$metadata.requestId).toBe(id);
  });

  it('Invoke errors: missing function, throttled by reserved concurrency', async () => {
    const missing = step('lambda-invoke.json', 'test_invoke_exceptions', 'invoke_function_doesnotexist');
    expectRecordedError(
      await caught(clients.lambda.send(new InvokeCommand({ FunctionName: 'doesnotexist' }))),
      missing,
    );
    const throttled = step('lambda-invoke.json', 'test_lambda_concurrency_block', 'invoke_latest_first_exc');
    const running = clients.lambda.send(
      new InvokeCommand({ FunctionName: 'limited', Payload: encode({ ms: 700 }) }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const error = await caught(
      clients.lambda.send(new InvokeCommand({ FunctionName: 'limited', Payload: encode({}) })),
    );
    expectRecordedError(error, throttled);
    expect(error.message).toBe(throttled.message);
    await running;
  });

  it('ListFunctions: the recorded keys and types, FunctionVersion=ALL, invalid FunctionVersion', async () => {
    const listDefault = step('lambda-api.json', 'test_list_functions', 'list_default');
    const page = await clients.lambda.send(new ListFunctionsCommand({}));
    expect(shapeProblems(listDefault, page)).toEqual([]);
    const listAll = step('lambda-api.json', 'test_list_functions', 'list_all') as {
      Functions: Array<{ FunctionArn: string }>;
    };
    const all = await clients.lambda.send(new ListFunctionsCommand({ FunctionVersion: 'ALL' }));
    expect(shapeProblems(listAll as unknown as Json, all)).toEqual([]);
    expect(all.Functions?.[0]?.FunctionArn).toMatch(messagePattern(listAll.Functions[0]?.FunctionArn ?? ''));
    const invalid = step('lambda-api.json', 'test_list_functions', 'list_functions_invalid_functionversion');
    expectRecordedError(
      await caught(clients.lambda.send(new ListFunctionsCommand({ FunctionVersion: 'invalid' as 'ALL' }))),
      invalid,
    );
  });

  it('GetFunction and GetFunctionConfiguration: keys, tags, and errors for missing functions and versions', async () => {
    const withTags = step('lambda-api.json', 'test_create_tag_on_fn_create', 'get_function_result');
    const fn = await clients.lambda.send(new GetFunctionCommand({ FunctionName: 'slow' }));
    expect(shapeProblems(withTags, fn)).toEqual([]);
    const basic = step('lambda-invoke.json', 'test_basic_invoke', 'lambda_get_fn');
    expect(shapeProblems(basic, fn)).toEqual([]);
    const conf = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'slow' }));
    expect(shapeProblems(basic.Configuration, conf)).toEqual([]);
    expectRecordedError(
      await caught(clients.lambda.send(new GetFunctionCommand({ FunctionName: 'nonexisting-fn' }))),
      step('lambda-api.json', 'test_ops_on_nonexisting_fn[get_function]', 'not_found_exception'),
    );
    expectRecordedError(
      await caught(
        clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'nonexisting-fn' })),
      ),
      step(
        'lambda-api.json',
        'test_ops_on_nonexisting_fn[get_function_configuration]',
        'not_found_exception',
      ),
    );
    expectRecordedError(
      await caught(clients.lambda.send(new GetFunctionCommand({ FunctionName: 'slow', Qualifier: '1221' }))),
      step('lambda-api.json', 'test_ops_on_nonexisting_version[get_function]', 'version_not_found_exception'),
    );
  });

  it('ListTags and its errors: missing function, alias ARN, malformed ARN', async () => {
    const arn = `arn:aws:lambda:${REGION}:${emulator.accountId}:function:slow`;
    const tags = await clients.lambda.send(new ListTagsCommand({ Resource: arn }));
    expect(
      shapeProblems(step('lambda-api.json', 'test_create_tag_on_fn_create', 'list_tags_result'), tags),
    ).toEqual([]);
    const recorded = 'test_tag_exceptions[lambda_function]';
    expectRecordedError(
      await caught(clients.lambda.send(new ListTagsCommand({ Resource: `${arn.slice(0, -4)}nonexisting` }))),
      step('lambda-api.json', recorded, 'not_found_exception_list'),
    );
    expectRecordedError(
      await caught(clients.lambda.send(new ListTagsCommand({ Resource: `${arn}:alias` }))),
      step('lambda-api.json', recorded, 'aliased_arn_exception'),
    );
    expectRecordedError(
      await caught(
        clients.lambda.send(
          new ListTagsCommand({ Resource: `arn:aws:lambda:${REGION}:${emulator.accountId}:foobar:slow` }),
        ),
      ),
      step('lambda-api.json', recorded, 'invalid_arn_exception'),
    );
  });

  it('name and qualifier validation errors', async () => {
    expectRecordedError(
      await caught(
        clients.lambda.send(
          new InvokeCommand({ FunctionName: `arn:aws:lambda:${REGION}:123400000000@function:myfn` }),
        ),
      ),
      step('lambda-api.json', 'TestLambdaFunction::test_invalid_invoke', 'invoke_function_name_pattern_exc'),
    );
    const badName = step(
      'lambda-api.json',
      'invalid_characters_in_function_name-invoke]',
      'invoke_exception',
    ) as {
      Code: string;
      Errors: string[];
    };
    const nameError = await caught(clients.lambda.send(new InvokeCommand({ FunctionName: 'my-function!' })));
    expect(nameError.name).toBe(badName.Code);
    expect(nameError.message).toBe(`1 validation error detected: ${badName.Errors[0]}`);
    const tooLong = step('lambda-api.json', 'function_name_too_long-invoke]', 'invoke_exception') as {
      Code: string;
      Message: string;
    };
    const longError = await caught(clients.lambda.send(new InvokeCommand({ FunctionName: 'a'.repeat(65) })));
    expect(longError.name).toBe(tooLong.Code);
    expect(longError.message).toMatch(messagePattern(tooLong.Message));
    const badQualifier = step(
      'lambda-api.json',
      'invalid_characters_in_qualifier-invoke]',
      'invoke_exception',
    ) as {
      Code: string;
      Errors: string[];
    };
    const qualifierError = await caught(
      clients.lambda.send(new InvokeCommand({ FunctionName: 'slow', Qualifier: 'invalid!' })),
    );
    expect(qualifierError.name).toBe(badQualifier.Code);
    expect(qualifierError.message).toBe(`1 validation error detected: ${badQualifier.Errors[0]}`);
  });

  it('GetMetricData: result keys, empty results, and the query-compatible error form', async () => {
    const multiple = step(
      'cloudwatch-json.json',
      'test_get_metric_data_for_multiple_metrics[json]',
      'get_metric_data',
    );
    const query = (id: string, metric: string, fn = 'slow') => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: fn }],
        },
        Period: 60,
        Stat: 'Sum',
      },
    });
    const out = await clients.cloudWatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: [query('result1', 'Invocations'), query('result2', 'Errors')],
        StartTime: new Date(Date.now() - 3_600_000),
        EndTime: new Date(Date.now() + 60_000),
      }),
    );
    expect(shapeProblems(multiple, out)).toEqual([]);
    expect(out.MetricDataResults?.[0]?.Label).toBe('Invocations');
    const none = step('cloudwatch-json.json', 'test_get_metric_with_no_results[json]', 'result') as {
      MetricDataResults: Array<{ Values: number[]; StatusCode: string }>;
    };
    const empty = await clients.cloudWatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: [query('result', 'Throttles', 'never-invoked')],
        StartTime: new Date(Date.now() - 3_600_000),
        EndTime: new Date(),
      }),
    );
    expect(empty.MetricDataResults?.[0]?.Values).toEqual(none.MetricDataResults[0]?.Values);
    expect(empty.MetricDataResults?.[0]?.Timestamps).toEqual([]);
    expect(empty.MetricDataResults?.[0]?.StatusCode).toBe(none.MetricDataResults[0]?.StatusCode);

    const recorded = step(
      'cloudwatch-json.json',
      'test_put_metric_data_validation[json]',
      'invalid-param-value',
    ) as {
      Error: { Code: string; QueryErrorCode: string; Type: string };
      ResponseMetadata: { HTTPStatusCode: number };
    };
    const error = await caught(
      clients.cloudWatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: [query('a', 'Errors')],
          StartTime: new Date(),
          EndTime: new Date(Date.now() - 60_000),
        }),
      ),
    );
    expect(error.$metadata.httpStatusCode).toBe(recorded.ResponseMetadata.HTTPStatusCode);
    expect(error.name).toBe(recorded.Error.QueryErrorCode);
    expect(error.Code).toBe(recorded.Error.Code);
    expect(error.Type).toBe(recorded.Error.Type);
  });

  it('FilterLogEvents errors: limit above 10000, unknown nextToken', async () => {
    expectRecordedError(
      await caught(
        clients.logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/slow', limit: 10001 })),
      ),
      step('logs-filter-log-events.json', 'test_filter_log_events_limit_validation', 'error-limit-exceeded'),
    );
    expectRecordedError(
      await caught(
        clients.logs.send(
          new FilterLogEventsCommand({ logGroupName: '/aws/lambda/slow', nextToken: 'unknown' }),
        ),
      ),
      step('logs-filter-log-events.json', 'test_filter_log_events_unknown_token', 'invalid-token'),
    );
  });

  it('GetResources: the mapping list shape and "PaginationToken": "" on the last page', async () => {
    const recorded = step('tagging-get-resources.json', 'test_get_resources', 'get_resources');
    const out = await clients.tagging.send(new GetResourcesCommand({ TagFilters: [{ Key: 'team' }] }));
    expect(shapeProblems(recorded, out)).toEqual([]);
    expect(out.PaginationToken).toBe(recorded.PaginationToken);
    expect(out.ResourceTagMappingList?.length).toBeGreaterThan(0);
  });

  it('DescribeSchema: the recorded responses come back unchanged through the SDK and the AWS backend', async () => {
    const backend = await createAwsBackend({
      region: REGION,
      endpoint: emulator.url,
      credentials: CREDENTIALS,
    });
    try {
      for (const [key, recorded] of Object.entries(schemaRecordings)) {
        const [registryName, schemaName] = key.split('/') as [string, string];
        const out = await clients.schemas.send(
          new DescribeSchemaCommand({ RegistryName: registryName, SchemaName: schemaName }),
        );
        expect(shapeProblems(recorded as unknown as Json, out)).toEqual([]);
        expect(out.Content).toBe(recorded.Content);
        expect(out.LastModified?.toISOString()).toBe(new Date(recorded.LastModified).toISOString());
        const doc = await backend.describeSchema({
          registryName,
          schemaName,
          schemaVersion: recorded.SchemaVersion,
        });
        expect(doc).toMatchObject({
          registryName,
          schemaName,
          type: recorded.Type,
          content: recorded.Content,
          schemaVersion: recorded.SchemaVersion,
        });
      }
    } finally {
      await backend.close();
    }
  });

  it('sets x-amzn-errortype and the recorded body members on Lambda errors (raw HTTP)', async () => {
    const auth =
      'AWS4-HMAC-SHA256 Credential=AKIDRAW/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00';
    const get = (path: string, init: RequestInit = {}) =>
      fetch(`${emulator.url}${path}`, { ...init, headers: { authorization: auth, ...(init.headers ?? {}) } });
    const missing = await get('/2015-03-31/functions/nope');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(missing.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys((await missing.json()) as object).sort()).toEqual(['Message', 'Type']);
    const invalid = await get('/2015-03-31/functions?FunctionVersion=x');
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('x-amzn-errortype')).toBe('ValidationException');
    emulator.setFaults({ throttleRate: 1, retryAfterSeconds: 2, operations: ['Invoke'] });
    try {
      const throttled = await get('/2015-03-31/functions/slow/invocations', { method: 'POST', body: '{}' });
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('x-amzn-errortype')).toBe('TooManyRequestsException');
      expect(throttled.headers.get('retry-after')).toBe('2');
      expect(Object.keys((await throttled.json()) as object).sort()).toEqual(['Reason', 'Type', 'message']);
    } finally {
      emulator.setFaults(undefined);
    }
    const ok = await get('/2015-03-31/functions/slow/invocations', {
      method: 'POST',
      body: '{"ms":1}',
      headers: { 'x-amz-log-type': 'Tail' },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-amz-executed-version')).toBe('$LATEST');
    expect(ok.headers.get('x-amz-log-result')).toBeTruthy();
    expect(ok.headers.get('x-amz-function-error')).toBeNull();
  });
});
