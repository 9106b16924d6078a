/**
 * The one place that knows the AWS SDK's exception names. Everything the AWS clients throw is
 * turned into a LambdaMcpError here, once, at the boundary. Messages name what failed and how to
 * fix it; they never carry credentials (only the access key id may appear, and we never add it).
 */
import { isLambdaMcpError, LambdaMcpError } from '../errors.js';
import type { InvocationType } from '../types.js';

export type AwsServiceName = 'lambda' | 'schemas' | 'cloudwatch' | 'logs' | 'tagging' | 'sts';

export interface AwsErrorContext {
  service: AwsServiceName;
  /** SDK operation name, e.g. `Invoke`, `ListFunctions`. */
  operation: string;
  functionName?: string;
  /** Set for Invoke: decides whether a failure may have run the function. */
  invocationType?: InvocationType;
  /** For Schemas: what was asked. */
  schema?: { registryName: string; schemaName: string; schemaVersion?: string };
}

/** Structural view of an SDK error (ServiceException, network errors, credential errors). */
interface SdkErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $response?: { headers?: Record<string, string | undefined>; statusCode?: number };
  Reason?: string;
  Type?: string;
  retryAfterSeconds?: string;
  tryNextLink?: boolean;
  cause?: unknown;
}

const FUNCTION_STATE_PREFIXES = ['KMS', 'ENI', 'EFS', 'EC2', 'Subnet', 'S3Files', 'SnapStart'];
const FUNCTION_STATE_NAMES = new Set([
  'InvalidSubnetIDException',
  'InvalidSecurityGroupIDException',
  'InvalidZipFileException',
  'InvalidRuntimeException',
  'ResourceNotReadyException',
  'ResourceConflictException',
  'CodeArtifactUserDeletedException',
  'CodeArtifactUserFailedException',
  'CodeArtifactUserPendingException',
  'RecursiveInvocationException',
]);
const THROTTLE_NAMES = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'ThrottledException',
  'Throttling',
  'RequestLimitExceeded',
  'LimitExceededException',
  'EC2ThrottledException',
]);
const ACCESS_DENIED_NAMES = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedException',
  'UnauthorizedOperation',
  'ForbiddenException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
]);
const EXPIRED_NAMES = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);
const INVALID_REQUEST_NAMES = new Set([
  'InvalidRequestContentException',
  'InvalidParameterValueException',
  'InvalidParameterValue',
  'InvalidParameterException',
  'InvalidParameterCombinationException',
  'MissingRequiredParameterException',
  'ValidationException',
  'ValidationError',
  'BadRequestException',
  'UnsupportedMediaTypeException',
  'InvalidNextToken',
  'PaginationTokenExpiredException',
  'PreconditionFailedException',
  'ModeNotSupportedException',
  'NoPublishedVersionException',
  'DurableExecutionAlreadyStartedException',
]);
const TOO_LARGE_NAMES = new Set([
  'RequestEntityTooLargeException',
  'RequestTooLargeException',
  'SerializedRequestEntityTooLargeException',
]);
const SERVICE_ERROR_NAMES = new Set([
  'ServiceException',
  'InternalServiceException',
  'InternalServiceError',
  'InternalServiceFault',
  'InternalServerErrorException',
  'InternalFailure',
  'ServiceUnavailableException',
  'ServiceUnavailable',
]);
const CREDENTIAL_ERROR_NAMES = new Set(['CredentialsProviderError', 'TokenProviderError']);
/** Connection failures where the request was certainly not sent. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Connection failures after the request may have been sent. */
const MAYBE_SENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'UND_ERR_SOCKET']);

const CREDENTIALS_HELP =
  'Set AWS_PROFILE (or --profile) to a configured profile, run `aws sso login` for an SSO profile, ' +
  'or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys).';

function asSdkError(error: unknown): SdkErrorLike {
  return typeof error === 'object' && error !== null ? (error as SdkErrorLike) : { message: String(error) };
}

function statusOf(e: SdkErrorLike): number | undefined {
  return e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
}

/** Network error code anywhere in the cause chain (the SDK sometimes wraps them). */
function networkCodeOf(e: SdkErrorLike): string | undefined {
  let current: unknown = e;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const c = current as SdkErrorLike;
    if (typeof c.code === 'string' && /^E[A-Z_]+$|^UND_ERR/.test(c.code)) return c.code;
    if (c.message && /socket hang up/i.test(c.message)) return 'ECONNRESET';
    current = c.cause;
  }
  return undefined;
}

/** Seconds from the error's `retryAfterSeconds` member or its Retry-After header. */
export function retryAfterSecondsOf(error: unknown): number | undefined {
  const e = asSdkError(error);
  const raw =
    e.retryAfterSeconds ?? e.$response?.headers?.['retry-after'] ?? e.$response?.headers?.['Retry-After'];
  if (raw === undefined || raw === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

export function isThrottlingError(error: unknown): boolean {
  const e = asSdkError(error);
  return statusOf(e) === 429 || THROTTLE_NAMES.has(e.name ?? '');
}

export function isAccessDeniedError(error: unknown): boolean {
  const e = asSdkError(error);
  return ACCESS_DENIED_NAMES.has(e.name ?? '') || statusOf(e) === 403;
}

export function isCredentialsError(error: unknown): boolean {
  const e = asSdkError(error);
  return (
    CREDENTIAL_ERROR_NAMES.has(e.name ?? '') ||
    /could not load credentials|credential is missing|unable to load credentials/i.test(e.message ?? '')
  );
}

/**
 * AWS's access-denied message names the action and the resource: "User: <principal> is not
 * authorized to perform: <action> on resource: <resource> because no identity-based policy allows
 * the <action> action" (IAM User Guide, "Troubleshoot access denied error messages"). The action
 * and resource are kept as error details so `lambda-mcp doctor` can name the statement to add.
 */
export function deniedActionOf(
  message: string,
): { deniedAction: string; deniedResource?: string; deniedBy?: string } | undefined {
  const m =
    /not authorized to perform:? ([a-zA-Z0-9-]+:[A-Za-z0-9*]+)(?: on resource:? ("[^"]*"|\S+))?(?: because (?:no|an?) ([a-z-]+(?: [a-z-]+)*) (?:policy|allows))?/.exec(
      message,
    );
  if (!m?.[1]) return undefined;
  const out: { deniedAction: string; deniedResource?: string; deniedBy?: string } = { deniedAction: m[1] };
  if (m[2]) out.deniedResource = m[2].replace(/^"|"$/g, '');
  if (m[3]) out.deniedBy = m[3];
  return out;
}

/** STS names for credentials it does not accept (unknown key, bad signature, expired token). */
const REJECTED_CREDENTIAL_NAMES = new Set([
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'AuthFailure',
  'InvalidSignatureException',
]);

/** True when AWS answered that the resource does not exist (`ResourceNotFoundException`). */
export function isResourceNotFoundError(error: unknown): boolean {
  return asSdkError(error).name === 'ResourceNotFoundException';
}

/** True when AWS refused the credentials themselves (not a missing permission). */
export function isRejectedCredentialsError(error: unknown): boolean {
  return REJECTED_CREDENTIAL_NAMES.has(asSdkError(error).name ?? '');
}

/**
 * The SDK's Node.js handler gave up connecting (its `connectionTimeout`): no connection, so the
 * request was never sent. It has no error code, only this name and message.
 */
function isConnectTimeout(e: SdkErrorLike): boolean {
  return e.name === 'TimeoutError' && /did not establish a connection/i.test(e.message ?? '');
}

/** True when the request certainly never reached AWS (safe to send again, even an Invoke). */
export function isNotSentError(error: unknown): boolean {
  const e = asSdkError(error);
  if (isConnectTimeout(e)) return true;
  const code = networkCodeOf(e);
  return code !== undefined && NOT_SENT_CODES.has(code);
}

function what(ctx: AwsErrorContext): string {
  if (ctx.functionName) return `${ctx.operation} of function "${ctx.functionName}"`;
  if (ctx.schema) return `${ctx.operation} of schema "${ctx.schema.registryName}/${ctx.schema.schemaName}"`;
  return ctx.operation;
}

function awsMessage(e: SdkErrorLike): string {
  const message = (e.message ?? '').trim();
  // The SDK's fallback message for unknown errors is the bare name; keep a short one.
  return message.length > 500 ? `${message.slice(0, 500)}…` : message;
}

function isSyncInvoke(ctx: AwsErrorContext): boolean {
  return ctx.operation === 'Invoke' && ctx.invocationType !== 'DryRun';
}

/** Maps anything an AWS client throws to a LambdaMcpError with a code and a clear message. */
export function mapAwsError(error: unknown, ctx: AwsErrorContext): LambdaMcpError {
  if (isLambdaMcpError(error)) return error;
  const e = asSdkError(error);
  const name = e.name ?? 'Error';
  const status = statusOf(e);
  const requestId = e.$metadata?.requestId;
  const base = {
    cause: error,
    details: {
      awsError: name,
      ...(status ? { httpStatus: status } : {}),
      ...(requestId ? { requestId } : {}),
    },
  };
  const msg = awsMessage(e);
  const subject = what(ctx);

  if (name === 'ResponseTooLargeError') {
    // Our own cap (http-limits.ts) on the body read: the endpoint sent more than AWS ever does.
    const limit = (e as { limitBytes?: number }).limitBytes ?? 0;
    const declared = (e as { declaredBytes?: number }).declaredBytes;
    const details = { limitBytes: limit, ...(declared !== undefined ? { declaredBytes: declared } : {}) };
    if (ctx.operation === 'Invoke') {
      return new LambdaMcpError(
        'PAYLOAD_TOO_LARGE',
        `${subject} answered with a response larger than Lambda's 6 MB limit for synchronous responses ` +
          `(${declared !== undefined ? `${declared} bytes declared` : `more than ${limit} bytes`}); ` +
          `reading stopped at ${limit} bytes and the connection was closed.` +
          (isSyncInvoke(ctx) ? ' The function ran; it was not sent again.' : ''),
        { cause: error, details },
      );
    }
    return new LambdaMcpError(
      'SERVICE_ERROR',
      `AWS answered ${subject} with a response over ${limit} bytes; reading stopped. Check any endpoint override (AWS_ENDPOINT_URL…).`,
      { cause: error, details },
    );
  }

  if (isConnectTimeout(e)) {
    return new LambdaMcpError(
      'BACKEND_UNAVAILABLE',
      `Cannot reach AWS for ${subject}: no connection within the connection timeout (LAMBDA_MCP_AWS_CONNECT_TIMEOUT_MS); it was not sent. Check the network, the region and any endpoint override (AWS_ENDPOINT_URL…).`,
      { ...base, retryable: true },
    );
  }

  if (name === 'AbortError') {
    return new LambdaMcpError(
      'ABORTED',
      isSyncInvoke(ctx)
        ? `${subject} was cancelled; the function may already have started and may still run.`
        : `${subject} was cancelled.`,
      { cause: error },
    );
  }

  if (isCredentialsError(e)) {
    return new LambdaMcpError(
      'CREDENTIALS_MISSING',
      `No AWS credentials found (${msg || name}). ${CREDENTIALS_HELP}`,
      base,
    );
  }
  if (EXPIRED_NAMES.has(name)) {
    return new LambdaMcpError(
      'CREDENTIALS_MISSING',
      `The AWS credentials have expired (${name}). Refresh them (for SSO: \`aws sso login\`) and try again.`,
      base,
    );
  }

  // An answer that is no AWS response at all (an HTML or text error page, an endpoint that
  // implements only some operations): a backend failure, not a rejected request.
  if (name === 'SyntaxError' || /^Deserialization error/i.test(msg)) {
    return new LambdaMcpError(
      'BACKEND_UNAVAILABLE',
      `${subject}: the endpoint answered${status ? ` HTTP ${status}` : ''} with something that is not an AWS response (${msg.split('\n', 1)[0]}). ` +
        'Check the endpoint (AWS_ENDPOINT_URL…); an endpoint that implements only Invoke can serve an explicit FUNCTION_LIST with LAMBDA_MCP_TRUST_FUNCTION_LIST=true.',
      base,
    );
  }

  if (name === 'ResourceNotFoundException' && ctx.service === 'lambda') {
    return new LambdaMcpError('FUNCTION_NOT_FOUND', msg || `Function not found (${subject}).`, base);
  }
  if (name === 'NotFoundException' && ctx.service === 'schemas') {
    const s = ctx.schema;
    const label = s
      ? `${s.registryName}/${s.schemaName}${s.schemaVersion ? ` version ${s.schemaVersion}` : ''}`
      : 'the schema';
    return new LambdaMcpError(
      'SCHEMA_NOT_FOUND',
      `Schema ${label} was not found in the registry${msg ? `: ${msg}` : '.'}`,
      base,
    );
  }
  if (name === 'ResourceNotFoundException') {
    // Logs: the log group does not exist; CloudWatch: a missing resource. Not a missing function.
    return new LambdaMcpError('INVALID_REQUEST', `${subject}: ${msg || 'resource not found'}`, base);
  }

  if (isThrottlingError(e)) {
    const retryAfterSeconds = retryAfterSecondsOf(e);
    return new LambdaMcpError(
      'THROTTLED',
      `${subject} was throttled by AWS (${e.Reason ?? name})${retryAfterSeconds !== undefined ? `; retry after ${retryAfterSeconds} s` : ''}.`,
      {
        ...base,
        retryable: true,
        details: {
          ...base.details,
          ...(e.Reason ? { reason: e.Reason } : {}),
          ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
        },
      },
    );
  }

  if (TOO_LARGE_NAMES.has(name) || status === 413) {
    return new LambdaMcpError(
      'PAYLOAD_TOO_LARGE',
      `${subject}: the request is too large (${msg || name}).`,
      base,
    );
  }

  if (
    FUNCTION_STATE_NAMES.has(name) ||
    (ctx.service === 'lambda' && FUNCTION_STATE_PREFIXES.some((p) => name.startsWith(p)))
  ) {
    return new LambdaMcpError(
      'FUNCTION_STATE_ERROR',
      `${subject} failed because of the function's configuration or state (${name}): ${msg}`,
      { ...base, retryable: name === 'ResourceNotReadyException' || name === 'ResourceConflictException' },
    );
  }

  if (isAccessDeniedError(e) || (status === 401 && ctx.service === 'schemas')) {
    const denied = deniedActionOf(msg);
    return new LambdaMcpError(
      'ACCESS_DENIED',
      `Access denied for ${subject} (${name})${msg ? `: ${msg}` : ''}. Check the IAM permissions of the credentials in use.`,
      denied ? { ...base, details: { ...base.details, ...denied } } : base,
    );
  }

  if (
    INVALID_REQUEST_NAMES.has(name) ||
    (status !== undefined && status >= 400 && status < 500 && e.$fault !== 'server')
  ) {
    return new LambdaMcpError(
      'INVALID_REQUEST',
      `${subject} was rejected by AWS (${name})${msg ? `: ${msg}` : ''}`,
      base,
    );
  }

  const networkCode = networkCodeOf(e);
  // The SDK names a reset socket ("socket hang up", ECONNRESET) TimeoutError too: the code decides.
  const isTimeout = networkCode === 'ETIMEDOUT' || (name === 'TimeoutError' && !networkCode);
  const isServer =
    SERVICE_ERROR_NAMES.has(name) || (status !== undefined && status >= 500) || e.$fault === 'server';

  if (isSyncInvoke(ctx) && !(networkCode && NOT_SENT_CODES.has(networkCode))) {
    if (isTimeout) {
      return new LambdaMcpError(
        'TIMED_OUT',
        `${subject} timed out waiting for Lambda; the function may have run. It was not sent again.`,
        base,
      );
    }
    if (isServer || (networkCode && MAYBE_SENT_CODES.has(networkCode))) {
      return new LambdaMcpError(
        'MAYBE_EXECUTED',
        `${subject} failed after the request was sent (${networkCode ?? name}); the function may have run. It was not sent again to avoid a duplicate execution.`,
        base,
      );
    }
  }

  if (isTimeout) {
    return new LambdaMcpError(
      'TIMED_OUT',
      `${subject} timed out waiting for AWS (no answer within the request timeout, LAMBDA_MCP_AWS_REQUEST_TIMEOUT_MS); try again later.`,
      { ...base, retryable: true },
    );
  }
  if (networkCode) {
    return new LambdaMcpError(
      'BACKEND_UNAVAILABLE',
      `Cannot reach AWS for ${subject} (${networkCode}). Check the network, the region and any endpoint override (AWS_ENDPOINT_URL…).`,
      { ...base, retryable: true },
    );
  }
  if (isServer) {
    return new LambdaMcpError(
      'SERVICE_ERROR',
      `AWS answered ${subject} with a service error (${name})${msg ? `: ${msg}` : ''}`,
      {
        ...base,
        retryable: true,
      },
    );
  }
  if (/region is missing/i.test(msg)) {
    return new LambdaMcpError(
      'INVALID_CONFIG',
      'No AWS region configured. Set AWS_REGION, --region, or a region in your AWS profile.',
      base,
    );
  }
  return new LambdaMcpError('SERVICE_ERROR', `${subject} failed (${name})${msg ? `: ${msg}` : ''}`, base);
}
