/**
 * AWS's own validation of FunctionName and Qualifier, on the wire (the emulator answers as Lambda
 * does: codes, statuses, messages) and in the product (the same inputs are refused before anything
 * is sent, with a message naming what is wrong).
 */
import { GetFunctionCommand, InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsServices } from '../../core/src/aws/index.js';
import { type Emulator, startEmulator } from '../src/index.js';
import { CREDENTIALS, FUNCTIONS_DIR, REGION, sdkClients } from './helpers.js';

async function failure(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

const FUNCTION_NAME_PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?';

describe('FunctionName and Qualifier validation', () => {
  let emulator: Emulator;
  let clients: ReturnType<typeof sdkClients>;
  let lambda: LambdaClient;

  beforeAll(async () => {
    emulator = await startEmulator({ functionsDir: FUNCTIONS_DIR });
    clients = sdkClients(emulator.url);
    lambda = clients.lambda;
  });
  afterAll(async () => {
    clients.destroy();
    await emulator.close();
  });

  const invoke = (FunctionName: string, Qualifier?: string) =>
    failure(lambda.send(new InvokeCommand({ FunctionName, ...(Qualifier ? { Qualifier } : {}) })));

  describe('on the wire, as Lambda answers', () => {
    it('a qualifier over 128 characters: ValidationException naming the length limit', async () => {
      const q = 'a'.repeat(129);
      const e = await invoke('echo', q);
      expect(e.name).toBe('ValidationException');
      expect((e.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
      expect(e.message).toBe(
        `1 validation error detected: Value '${q}' at 'qualifier' failed to satisfy constraint: Member must have length less than or equal to 128`,
      );
    });

    it('a qualifier with characters outside the pattern (as recorded from AWS)', async () => {
      const e = await invoke('echo', 'invalid!');
      expect(e.name).toBe('ValidationException');
      expect(e.message).toBe(
        "1 validation error detected: Value 'invalid!' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: \\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+",
      );
    });

    it('several qualifiers, a malformed region or account: the FunctionName pattern', async () => {
      for (const name of [
        'echo:live:1',
        'arn:aws:lambda:useast1:000000000000:function:echo',
        'arn:aws:lambda:us-east-1:0000:function:echo',
      ]) {
        const e = await invoke(name);
        expect(e.name, name).toBe('ValidationException');
        expect(e.message).toBe(
          `1 validation error detected: Value '${name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${FUNCTION_NAME_PATTERN}`,
        );
      }
    });

    it('a FunctionName over 170 characters and a bad qualifier: both errors in one answer', async () => {
      const name = `arn:aws:lambda:us-east-1:000000000000:function:${'a'.repeat(130)}`;
      const e = await invoke(name, 'bad!');
      expect(e.name).toBe('ValidationException');
      expect(e.message).toMatch(
        /^2 validation errors detected: Value '.*' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 170; /,
      );
      expect(e.message).toContain("Value 'bad!' at 'qualifier'");
    });

    it('a qualifier in the ARN and another as parameter: InvalidParameterValueException', async () => {
      const e = await invoke('echo:live', '1');
      expect(e.name).toBe('InvalidParameterValueException');
      expect(e.message).toBe(
        'The derived qualifier from the function name does not match the specified qualifier.',
      );
    });

    it('another region: 404 "not reachable in this region"; another account: 403 AccessDenied', async () => {
      const region = await invoke('arn:aws:lambda:us-west-2:000000000000:function:echo');
      expect(region.name).toBe('ResourceNotFoundException');
      expect(region.message).toBe(
        "Functions from 'us-west-2' are not reachable in this region ('us-east-1')",
      );
      const account = await failure(
        lambda.send(
          new GetFunctionCommand({ FunctionName: 'arn:aws:lambda:us-east-1:111111111111:function:echo' }),
        ),
      );
      expect(account.name).toBe('AccessDeniedException');
      expect((account.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403);
      expect(account.message).toContain(
        'is not authorized to perform: lambda:GetFunction on resource: arn:aws:lambda:us-east-1:111111111111:function:echo',
      );
    });

    it('an unknown alias of an existing function: 404 Function not found with the qualified ARN', async () => {
      const e = await invoke('echo', 'prod');
      expect(e.name).toBe('ResourceNotFoundException');
      expect(e.message).toBe('Function not found: arn:aws:lambda:us-east-1:000000000000:function:echo:prod');
    });
  });

  describe('in the product: refused before sending, naming what is wrong', () => {
    const open = (config = {}) =>
      createAwsServices(
        { region: REGION, diskCache: false, functionPrefixes: ['echo', 'slow'], ...config },
        { backendOptions: { endpoint: emulator.url, credentials: CREDENTIALS } },
      );

    const cases: Array<[string, string | undefined, RegExp]> = [
      [
        'echo',
        'a'.repeat(129),
        /Invalid qualifier .*: it is 129 characters long \(at most 128\); expected \$LATEST/,
      ],
      ['echo', 'bad!', /Invalid qualifier "bad!"/],
      ['echo:live:1', undefined, /too many ":" separated parts/],
      ['arn:aws:lambda:us-east-1:000000000000:function', undefined, /it is not a Lambda function ARN/],
      ['arn:aws:lambda:us-east-1:0000:function:echo', undefined, /"0000" is not a 12-digit account id/],
      [
        'arn:aws:lambda:us-west-2:000000000000:function:echo',
        undefined,
        /serves account 000000000000 in region us-east-1 only/,
      ],
      [
        'arn:aws:lambda:us-east-1:111111111111:function:echo',
        undefined,
        /serves account 000000000000 in region us-east-1 only/,
      ],
      ['echo:live', '1', /does not match the qualifier given/],
    ];

    it.each(cases)('%s (qualifier %s)', async (functionName, qualifier, message) => {
      const services = await open();
      try {
        await services.discovery.getCatalog();
        emulator.clearRequests();
        const e = await failure(
          services.invocation.invoke({
            functionName,
            ...(qualifier ? { qualifier } : {}),
            payload: { message: 'x' },
          }),
        );
        expect(e.message).toMatch(message);
        expect(['INVALID_REQUEST', 'FUNCTION_NOT_ALLOWED']).toContain(e.code);
        expect(emulator.requests.filter((r) => r.operation === 'Invoke')).toEqual([]);
      } finally {
        await services.close();
      }
    });

    it('an unknown version or alias of a function the caller can see: "has no version or alias"', async () => {
      const services = await open();
      try {
        const e = await failure(
          services.invocation.invoke({ functionName: 'echo', qualifier: 'prod', payload: { message: 'x' } }),
        );
        expect(e.code).toBe('INVALID_REQUEST');
        expect(e.message).toMatch(/^Function 'echo' has no version or alias 'prod'\./);
        const viaName = await failure(
          services.invocation.invoke({ functionName: 'echo:prod', payload: { message: 'x' } }),
        );
        expect(viaName.message).toMatch(/has no version or alias 'prod'/);
        // An alias that exists works.
        const ok = await services.invocation.invoke({
          functionName: 'echo',
          qualifier: 'live',
          payload: { message: 'x' },
        });
        expect(ok.functionError).toBeUndefined();
      } finally {
        await services.close();
      }
    });

    it('a function the caller may not see keeps the missing answer, with or without a qualifier', async () => {
      const services = await open();
      try {
        for (const name of ['fail:prod', 'fail', 'no-such-function:prod']) {
          const e = await failure(services.invocation.invoke({ functionName: name, payload: {} }));
          expect(e.code, name).toBe('FUNCTION_NOT_ALLOWED');
          expect(e.message).not.toMatch(/version or alias/);
        }
      } finally {
        await services.close();
      }
    });
  });
});
