/**
 * The one mapping of AWS SDK errors to LambdaMcpError codes, fed with the SDK's own exception
 * classes (as the clients throw them after parsing a response) and with Node's network errors.
 * The same mapping is exercised over real HTTP in packages/aws-emulator/test.
 */
import { InvalidParameterValueException as CwInvalidParameterValueException } from '@aws-sdk/client-cloudwatch';
import { ResourceNotFoundException as LogsResourceNotFoundException } from '@aws-sdk/client-cloudwatch-logs';
import {
  EFSMountFailureException,
  ENILimitReachedException,
  InvalidParameterValueException,
  InvalidRequestContentException,
  KMSAccessDeniedException,
  LambdaServiceException,
  RequestTooLargeException,
  ResourceNotFoundException,
  ResourceNotReadyException,
  ServiceException,
  SubnetIPAddressLimitReachedException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { ForbiddenException, NotFoundException, UnauthorizedException } from '@aws-sdk/client-schemas';
import { CredentialsProviderError } from '@smithy/core/config';
import { describe, expect, it } from 'vitest';
import type { AwsErrorContext } from '../../src/aws/errors.js';
import {
  isAccessDeniedError,
  isNotSentError,
  mapAwsError,
  retryAfterSecondsOf,
} from '../../src/aws/errors.js';
import { isLambdaMcpError } from '../../src/errors.js';

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode, requestId: 'req-1' } });
const read: AwsErrorContext = { service: 'lambda', operation: 'GetFunction', functionName: 'f' };
const syncInvoke: AwsErrorContext = {
  service: 'lambda',
  operation: 'Invoke',
  functionName: 'f',
  invocationType: 'RequestResponse',
};
const eventInvoke: AwsErrorContext = { ...syncInvoke, invocationType: 'Event' };
const dryRun: AwsErrorContext = { ...syncInvoke, invocationType: 'DryRun' };

function unmodelled(name: string, status: number, message = `${name} happened`) {
  return new LambdaServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    message,
    ...meta(status),
  });
}

function networkError(code: string, name = 'Error', message = `connect ${code}`) {
  return Object.assign(new Error(message), { name, code, $metadata: {} });
}

describe('mapAwsError', () => {
  it('maps a missing function to FUNCTION_NOT_FOUND with the AWS message', () => {
    const error = mapAwsError(
      new ResourceNotFoundException({
        message: 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:f',
        Type: 'User',
        ...meta(404),
      }),
      read,
    );
    expect(isLambdaMcpError(error)).toBe(true);
    expect(error.code).toBe('FUNCTION_NOT_FOUND');
    expect(error.message).toBe('Function not found: arn:aws:lambda:us-east-1:123456789012:function:f');
    expect(error.details).toMatchObject({
      awsError: 'ResourceNotFoundException',
      httpStatus: 404,
      requestId: 'req-1',
    });
    expect(error.cause).toBeInstanceOf(ResourceNotFoundException);
  });

  it('maps throttling with its reason and Retry-After, retryable', () => {
    const error = mapAwsError(
      new TooManyRequestsException({
        message: 'Rate Exceeded.',
        Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
        retryAfterSeconds: '3',
        ...meta(429),
      }),
      syncInvoke,
    );
    expect(error.code).toBe('THROTTLED');
    expect(error.retryable).toBe(true);
    expect(error.details).toMatchObject({
      reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      retryAfterSeconds: 3,
    });
    expect(error.message).toContain('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect(
      mapAwsError(unmodelled('ThrottlingException', 400), { service: 'logs', operation: 'FilterLogEvents' })
        .code,
    ).toBe('THROTTLED');
    expect(mapAwsError(unmodelled('Whatever', 429), read).code).toBe('THROTTLED');
  });

  it('reads Retry-After from the member, the header (seconds or a date)', () => {
    expect(retryAfterSecondsOf({ retryAfterSeconds: '2' })).toBe(2);
    expect(retryAfterSecondsOf({ $response: { headers: { 'retry-after': '0.5' } } })).toBe(0.5);
    const inFive = new Date(Date.now() + 5_000).toUTCString();
    const fromDate = retryAfterSecondsOf({ $response: { headers: { 'retry-after': inFive } } }) ?? 0;
    expect(fromDate).toBeGreaterThan(3);
    expect(fromDate).toBeLessThanOrEqual(5);
    expect(retryAfterSecondsOf({})).toBeUndefined();
  });

  it('maps both 413 names, and a bare 413, to PAYLOAD_TOO_LARGE', () => {
    expect(mapAwsError(unmodelled('RequestEntityTooLargeException', 413), syncInvoke).code).toBe(
      'PAYLOAD_TOO_LARGE',
    );
    expect(
      mapAwsError(new RequestTooLargeException({ message: 'quota', ...meta(413) }), syncInvoke).code,
    ).toBe('PAYLOAD_TOO_LARGE');
    expect(mapAwsError(unmodelled('Unknown', 413), syncInvoke).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('maps denials to ACCESS_DENIED with a hint, in every service', () => {
    const lambda = mapAwsError(
      unmodelled(
        'AccessDeniedException',
        403,
        'User: arn:aws:iam::1:user/u is not authorized to perform: lambda:ListFunctions',
      ),
      { service: 'lambda', operation: 'ListFunctions' },
    );
    expect(lambda.code).toBe('ACCESS_DENIED');
    expect(lambda.message).toContain('lambda:ListFunctions');
    expect(lambda.message).toContain('IAM permissions');
    const schemas = { service: 'schemas' as const, operation: 'DescribeSchema' };
    expect(
      mapAwsError(
        new UnauthorizedException({
          message: 'no',
          Code: 'UnauthorizedException',
          Message: 'no',
          ...meta(401),
        }),
        schemas,
      ).code,
    ).toBe('ACCESS_DENIED');
    expect(
      mapAwsError(
        new ForbiddenException({ message: 'no', Code: 'ForbiddenException', Message: 'no', ...meta(403) }),
        schemas,
      ).code,
    ).toBe('ACCESS_DENIED');
    expect(isAccessDeniedError(unmodelled('AccessDeniedException', 400))).toBe(true);
    expect(isAccessDeniedError(unmodelled('ValidationException', 400))).toBe(false);
  });

  it('maps invalid requests to INVALID_REQUEST', () => {
    expect(
      mapAwsError(
        new InvalidRequestContentException({ message: 'Could not parse', ...meta(400) }),
        syncInvoke,
      ).code,
    ).toBe('INVALID_REQUEST');
    expect(mapAwsError(new InvalidParameterValueException({ message: 'bad', ...meta(400) }), read).code).toBe(
      'INVALID_REQUEST',
    );
    expect(mapAwsError(unmodelled('ValidationException', 400), read).code).toBe('INVALID_REQUEST');
    const cw = mapAwsError(new CwInvalidParameterValueException({ message: 'StartTime', ...meta(400) }), {
      service: 'cloudwatch',
      operation: 'GetMetricData',
    });
    expect(cw.code).toBe('INVALID_REQUEST');
    // A missing log group is not a missing function.
    const logs = mapAwsError(
      new LogsResourceNotFoundException({ message: 'The specified log group does not exist.', ...meta(400) }),
      { service: 'logs', operation: 'FilterLogEvents' },
    );
    expect(logs.code).toBe('INVALID_REQUEST');
    expect(logs.message).toContain('The specified log group does not exist.');
  });

  it('maps KMS, ENI, EFS, subnet and EC2 function-state failures to FUNCTION_STATE_ERROR', () => {
    const failures = [
      new KMSAccessDeniedException({ message: 'kms', ...meta(502) }),
      new ENILimitReachedException({ message: 'eni', ...meta(502) }),
      new EFSMountFailureException({ message: 'efs', ...meta(403) }),
      new SubnetIPAddressLimitReachedException({ message: 'subnet', ...meta(502) }),
      unmodelled('EC2UnexpectedException', 502),
      new ResourceNotReadyException({ message: 'not ready', ...meta(502) }),
    ];
    for (const failure of failures) {
      const error = mapAwsError(failure, syncInvoke);
      expect(error.code, failure.name).toBe('FUNCTION_STATE_ERROR');
      expect(error.message).toContain(failure.name);
    }
  });

  it('maps 5xx to SERVICE_ERROR on reads, to MAYBE_EXECUTED on sync and Event invokes, not on DryRun', () => {
    const fault = () => new ServiceException({ message: 'internal', ...meta(500) });
    const onRead = mapAwsError(fault(), read);
    expect(onRead.code).toBe('SERVICE_ERROR');
    expect(onRead.retryable).toBe(true);
    for (const ctx of [syncInvoke, eventInvoke]) {
      const maybe = mapAwsError(fault(), ctx);
      expect(maybe.code).toBe('MAYBE_EXECUTED');
      expect(maybe.message).toContain('may have run');
      expect(maybe.retryable).toBe(false);
    }
    expect(mapAwsError(fault(), dryRun).code).toBe('SERVICE_ERROR');
    expect(mapAwsError(unmodelled('Unknown', 503), syncInvoke).code).toBe('MAYBE_EXECUTED');
  });

  it('maps network failures: never sent is BACKEND_UNAVAILABLE, maybe sent on Invoke is MAYBE_EXECUTED', () => {
    const refused = networkError('ECONNREFUSED');
    expect(isNotSentError(refused)).toBe(true);
    expect(mapAwsError(refused, syncInvoke).code).toBe('BACKEND_UNAVAILABLE');
    const unavailable = mapAwsError(networkError('ENOTFOUND'), read);
    expect(unavailable.code).toBe('BACKEND_UNAVAILABLE');
    expect(unavailable.message).toContain('AWS_ENDPOINT_URL');
    // The SDK names a reset socket TimeoutError with code ECONNRESET.
    const reset = networkError('ECONNRESET', 'TimeoutError', 'socket hang up');
    expect(isNotSentError(reset)).toBe(false);
    expect(mapAwsError(reset, syncInvoke).code).toBe('MAYBE_EXECUTED');
    expect(mapAwsError(reset, read).code).toBe('BACKEND_UNAVAILABLE');
    expect(mapAwsError(networkError('ETIMEDOUT', 'TimeoutError'), syncInvoke).code).toBe('TIMED_OUT');
    const wrapped = Object.assign(new Error('outer'), { cause: networkError('ECONNREFUSED') });
    expect(isNotSentError(wrapped)).toBe(true);
  });

  it('maps cancellation to ABORTED, saying a started sync invocation may still run', () => {
    const abort = Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    expect(mapAwsError(abort, read).code).toBe('ABORTED');
    const invoke = mapAwsError(abort, syncInvoke);
    expect(invoke.code).toBe('ABORTED');
    expect(invoke.message).toContain('may still run');
  });

  it('maps credential failures to CREDENTIALS_MISSING with how to fix it, never a secret', () => {
    const planted = 'planted-secret-value-123';
    process.env.LAMBDA_MCP_TEST_PLANTED = planted;
    const error = mapAwsError(
      new CredentialsProviderError('Could not load credentials from any providers'),
      read,
    );
    expect(error.code).toBe('CREDENTIALS_MISSING');
    expect(error.message).toMatch(/^No AWS credentials found/);
    for (const hint of ['AWS_PROFILE', 'aws sso login', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      expect(error.message).toContain(hint);
    }
    const expired = mapAwsError(
      unmodelled('ExpiredTokenException', 403, 'The security token included in the request is expired'),
      read,
    );
    expect(expired.code).toBe('CREDENTIALS_MISSING');
    expect(expired.message).toContain('expired');
    for (const e of [error, expired]) {
      expect(JSON.stringify(e.toJSON())).not.toContain(planted);
      expect(JSON.stringify(e.toJSON())).not.toContain(process.env.AWS_SECRET_ACCESS_KEY ?? 'no-secret-set');
    }
  });

  it('maps a missing schema to SCHEMA_NOT_FOUND naming it', () => {
    const error = mapAwsError(
      new NotFoundException({
        message: 'Schema not found',
        Code: 'NotFoundException',
        Message: 'Schema not found',
        ...meta(404),
      }),
      {
        service: 'schemas',
        operation: 'DescribeSchema',
        schema: { registryName: 'discovered-schemas', schemaName: 'order@NewOrder', schemaVersion: '3' },
      },
    );
    expect(error.code).toBe('SCHEMA_NOT_FOUND');
    expect(error.message).toContain('discovered-schemas/order@NewOrder version 3');
  });

  it('passes a LambdaMcpError through unchanged', () => {
    const original = mapAwsError(unmodelled('ValidationException', 400), read);
    expect(mapAwsError(original, syncInvoke)).toBe(original);
  });
});
