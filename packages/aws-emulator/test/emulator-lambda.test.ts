import {
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ListFunctionsCommand,
  ListTagsCommand,
  paginateListFunctions,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator, syntheticCatalog } from '../src/index.js';
import { decode, encode, FUNCTIONS_DIR, sdkClients } from './helpers.js';

/** The error an SDK call threw, for assertions. */
async function failure(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

describe('emulated Lambda over the real SDK client', () => {
  let emulator: Emulator;
  let clients: ReturnType<typeof sdkClients>;

  beforeAll(async () => {
    emulator = await startEmulator({
      functionsDir: FUNCTIONS_DIR,
      synthetic: syntheticCatalog({ count: 120, matching: 10, prefix: 'syn-' }),
    });
    clients = sdkClients(emulator.url);
  });
  afterAll(async () => {
    clients.destroy();
    await emulator.close();
  });

  it('pages ListFunctions with Marker/MaxItems, at most 50 per page, sorted by name', async () => {
    const first = await clients.lambda.send(new ListFunctionsCommand({ MaxItems: 500 }));
    expect(first.Functions).toHaveLength(50);
    expect(first.NextMarker).toBeTruthy();
    const small = await clients.lambda.send(new ListFunctionsCommand({ MaxItems: 7 }));
    expect(small.Functions).toHaveLength(7);
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateListFunctions({ client: clients.lambda, pageSize: 50 }, {})) {
      pages++;
      for (const fn of page.Functions ?? []) names.push(fn.FunctionName ?? '');
    }
    expect(names).toHaveLength(125);
    expect(pages).toBe(3);
    expect([...names].sort()).toEqual(names);
    expect(new Set(names).size).toBe(125);
    const requests = emulator.requests.filter((r) => r.operation === 'ListFunctions');
    expect(requests.every((r) => r.status === 200 && r.service === 'lambda')).toBe(true);
  });

  it('lists FunctionConfiguration with the keys AWS returns, LastModified as "+0000"', async () => {
    const page = await clients.lambda.send(new ListFunctionsCommand({}));
    const echo = page.Functions?.find((f) => f.FunctionName === 'echo');
    expect(echo).toBeDefined();
    expect(echo?.FunctionArn).toBe(`arn:aws:lambda:us-east-1:${emulator.accountId}:function:echo`);
    expect(echo?.LastModified).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    expect(echo?.LoggingConfig).toEqual({ LogFormat: 'Text', LogGroup: '/aws/lambda/echo' });
    expect(echo?.MemorySize).toBe(256);
    expect(echo?.Timeout).toBe(3);
    expect(echo?.Version).toBe('$LATEST');
    const all = await clients.lambda.send(new ListFunctionsCommand({ FunctionVersion: 'ALL', MaxItems: 5 }));
    expect(all.Functions?.[0]?.FunctionArn).toMatch(/:\$LATEST$/);
  });

  it('refuses an invalid FunctionVersion with the recorded ValidationException', async () => {
    const error = await failure(
      clients.lambda.send(new ListFunctionsCommand({ FunctionVersion: 'invalid' as 'ALL' })),
    );
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe(
      "1 validation error detected: Value 'invalid' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]",
    );
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
  });

  it('answers GetFunction with Configuration, Code, Tags and Concurrency', async () => {
    const echo = await clients.lambda.send(new GetFunctionCommand({ FunctionName: 'echo' }));
    expect(echo.Code?.RepositoryType).toBe('S3');
    expect(echo.Configuration?.State).toBe('Active');
    // The local runtime tags a function that has an input schema with its registry ARN.
    expect(echo.Tags).toEqual({
      MCPEnabled: 'true',
      team: 'core',
      'lambda-mcp:input-schema-arn': `arn:aws:schemas:us-east-1:${emulator.accountId}:schema/local/echo-input`,
    });
    const limited = await clients.lambda.send(new GetFunctionCommand({ FunctionName: 'limited' }));
    expect(limited.Concurrency?.ReservedConcurrentExecutions).toBe(1);
    expect(limited.Tags).toBeUndefined();
    const alias = await clients.lambda.send(
      new GetFunctionCommand({ FunctionName: 'echo', Qualifier: 'live' }),
    );
    expect(alias.Configuration?.FunctionArn).toMatch(/:function:echo:live$/);
    const byArn = await clients.lambda.send(
      new GetFunctionConfigurationCommand({
        FunctionName: `arn:aws:lambda:us-east-1:${emulator.accountId}:function:fail`,
      }),
    );
    expect(byArn.FunctionName).toBe('fail');
  });

  it('answers missing functions and versions with 404 ResourceNotFoundException as AWS', async () => {
    const missing = await failure(clients.lambda.send(new GetFunctionCommand({ FunctionName: 'nope' })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.message).toBe(
      `Function not found: arn:aws:lambda:us-east-1:${emulator.accountId}:function:nope`,
    );
    expect(missing.Type).toBe('User');
    const version = await failure(
      clients.lambda.send(new GetFunctionCommand({ FunctionName: 'echo', Qualifier: '1221' })),
    );
    expect(version.message).toMatch(/:function:echo:1221$/);
    const invoke = await failure(clients.lambda.send(new InvokeCommand({ FunctionName: 'doesnotexist' })));
    expect(invoke.message).toMatch(/:function:doesnotexist:\$LATEST$/);
    const other = await failure(
      clients.lambda.send(
        new GetFunctionCommand({ FunctionName: 'arn:aws:lambda:eu-west-1:111111111111:function:echo' }),
      ),
    );
    expect(other.name).toBe('ResourceNotFoundException');
  });

  it('validates names and qualifiers with the AWS patterns', async () => {
    const name = await failure(clients.lambda.send(new InvokeCommand({ FunctionName: 'my-function!' })));
    expect(name.name).toBe('ValidationException');
    expect(name.message).toContain("Value 'my-function!' at 'functionName' failed to satisfy constraint");
    const qualifier = await failure(
      clients.lambda.send(new InvokeCommand({ FunctionName: 'echo', Qualifier: 'invalid!' })),
    );
    expect(qualifier.message).toContain("Value 'invalid!' at 'qualifier'");
    const mismatch = await failure(
      clients.lambda.send(new InvokeCommand({ FunctionName: 'echo:live', Qualifier: 'other' })),
    );
    expect(mismatch.name).toBe('InvalidParameterValueException');
    expect(mismatch.message).toBe(
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
  });

  it('answers ListTags by ARN, refusing aliases and bad ARNs as AWS', async () => {
    const arn = `arn:aws:lambda:us-east-1:${emulator.accountId}:function:echo`;
    const tags = await clients.lambda.send(new ListTagsCommand({ Resource: arn }));
    expect(tags.Tags).toMatchObject({ MCPEnabled: 'true', team: 'core' });
    expect(Object.keys(tags.Tags ?? {})).toHaveLength(3);
    const alias = await failure(clients.lambda.send(new ListTagsCommand({ Resource: `${arn}:live` })));
    expect(alias.name).toBe('InvalidParameterValueException');
    expect(alias.message).toBe(
      'Tags on function aliases and versions are not supported. Please specify a function ARN.',
    );
    const bad = await failure(
      clients.lambda.send(
        new ListTagsCommand({ Resource: `arn:aws:lambda:us-east-1:${emulator.accountId}:foobar:x` }),
      ),
    );
    expect(bad.name).toBe('ValidationException');
    const missing = await failure(
      clients.lambda.send(
        new ListTagsCommand({ Resource: `arn:aws:lambda:us-east-1:${emulator.accountId}:function:nope` }),
      ),
    );
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  it('invokes synchronously with the payload, executed version and a base64 log tail with a REPORT line', async () => {
    const out = await clients.lambda.send(
      new InvokeCommand({ FunctionName: 'echo', Payload: encode({ message: 'hi' }), LogType: 'Tail' }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.ExecutedVersion).toBe('$LATEST');
    expect(out.FunctionError).toBeUndefined();
    expect(JSON.parse(decode(out.Payload)).echo).toEqual({ message: 'hi' });
    const tail = Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
    expect(tail).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST\n/m);
    expect(tail).toMatch(/\tINFO\techo \{"message":"hi"\}\n/);
    expect(tail).toMatch(
      /REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d{2} ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: \d+ MB\t/,
    );
  });

  it('passes the client context to the function, and refuses a malformed one', async () => {
    const context = Buffer.from(JSON.stringify({ custom: { user: 'u1' } })).toString('base64');
    const out = await clients.lambda.send(
      new InvokeCommand({ FunctionName: 'echo', Payload: encode({ message: 'x' }), ClientContext: context }),
    );
    expect(JSON.parse(decode(out.Payload)).clientContext).toMatchObject({ custom: { user: 'u1' } });
    const bad = await failure(
      clients.lambda.send(new InvokeCommand({ FunctionName: 'echo', ClientContext: 'not base64 json!' })),
    );
    expect((bad.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
  });

  it('answers Event with 202 and DryRun with 204, both with empty bodies; DryRun runs nothing', async () => {
    const before = emulator.executions('slow');
    const dry = await clients.lambda.send(
      new InvokeCommand({ FunctionName: 'slow', InvocationType: 'DryRun' }),
    );
    expect(dry.StatusCode).toBe(204);
    expect(decode(dry.Payload)).toBe('');
    expect(emulator.executions('slow')).toBe(before);
    const event = await clients.lambda.send(
      new InvokeCommand({ FunctionName: 'slow', InvocationType: 'Event', Payload: encode({ ms: 5 }) }),
    );
    expect(event.StatusCode).toBe(202);
    expect(decode(event.Payload)).toBe('');
    expect(event.ExecutedVersion).toBeUndefined();
  });

  it('reports a function error as 200 with X-Amz-Function-Error and the error object as the body', async () => {
    const out = await clients.lambda.send(
      new InvokeCommand({ FunctionName: 'fail', Payload: encode({ fail: 'x' }) }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    const body = JSON.parse(decode(out.Payload));
    expect(body).toMatchObject({ errorType: 'Error', errorMessage: 'boom: x' });
    expect(Array.isArray(body.trace)).toBe(true);
  });

  it('reports a timeout as Sandbox.Timedout in the body', async () => {
    const out = await clients.lambda.send(
      new InvokeCommand({ FunctionName: 'slow', Payload: encode({ ms: 1500 }) }),
    );
    expect(out.FunctionError).toBe('Unhandled');
    const body = JSON.parse(decode(out.Payload));
    expect(body.errorType).toBe('Sandbox.Timedout');
    expect(body.errorMessage).toMatch(/^RequestId: \S+ Error: Task timed out after 1\.00 seconds$/);
  });

  it('refuses a non-JSON payload and payloads over the limits with the recorded errors', async () => {
    const notJson = await failure(
      clients.lambda.send(
        new InvokeCommand({ FunctionName: 'echo', Payload: new TextEncoder().encode('{nope') }),
      ),
    );
    expect(notJson.name).toBe('InvalidRequestContentException');
    expect(notJson.message).toMatch(
      /^Could not parse request body into json: Could not parse payload into json: /,
    );
    const big = new TextEncoder().encode(JSON.stringify({ data: 'x'.repeat(1_048_600) }));
    const eventTooBig = await failure(
      clients.lambda.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'Event', Payload: big })),
    );
    expect(eventTooBig.name).toBe('RequestEntityTooLargeException');
    expect((eventTooBig.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(413);
    expect(eventTooBig.message).toBe(
      `${big.length} byte payload is too large for the Event invocation type (limit 1048576 bytes)`,
    );
    const huge = new TextEncoder().encode(JSON.stringify({ data: 'x'.repeat(6_291_500) }));
    const syncTooBig = await failure(
      clients.lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: huge })),
    );
    expect(syncTooBig.message).toBe(
      'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
    );
  });

  it('throttles beyond reserved concurrency with 429 TooManyRequestsException, Reason and Retry-After', async () => {
    const slow = clients.lambda.send(
      new InvokeCommand({ FunctionName: 'limited', Payload: encode({ ms: 800 }) }),
    );
    // Let the first call take the only slot.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const error = await failure(
      clients.lambda.send(new InvokeCommand({ FunctionName: 'limited', Payload: encode({}) })),
    );
    expect(error.name).toBe('TooManyRequestsException');
    expect(error.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect(error.message).toBe('Rate Exceeded.');
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(429);
    expect(error.retryAfterSeconds).toBeDefined();
    expect(((await slow) as { StatusCode: number }).StatusCode).toBe(200);
  });

  it('logs every request with service, operation and function name', async () => {
    await clients.lambda.send(
      new InvokeCommand({ FunctionName: 'echo:live', Payload: encode({ message: 'q' }) }),
    );
    const last = emulator.requests.at(-1);
    expect(last).toMatchObject({ service: 'lambda', operation: 'Invoke', functionName: 'echo', status: 200 });
    expect(last?.accessKeyId).toBe('AKIDEMULATORTEST');
  });

  it('refuses unsigned requests', async () => {
    const response = await fetch(`${emulator.url}/2015-03-31/functions`);
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });
});
