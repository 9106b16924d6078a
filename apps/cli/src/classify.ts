import { type ErrorCode, isLambdaMcpError, type LambdaMcpError } from '@lambda-mcp/core';
import { type ClassifiedError, classifyCliError, firstLine, internalError, isCliError } from './errors.js';
import { EXIT } from './exit-codes.js';

/**
 * Core error codes that mean "your input was wrong, nothing ran": exit 2. Everything else that core
 * reports is an operation that ran and failed: exit 1. INTERNAL is a bug: exit 70.
 */
const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'FUNCTION_NOT_FOUND',
  'FUNCTION_NOT_ALLOWED',
  'INVALID_INPUT',
  'INVALID_REQUEST',
  'INVALID_CONFIG',
  'PAYLOAD_TOO_LARGE',
]);

/** How to fix the common failures; shown under the error line. */
const HINTS: Partial<Record<ErrorCode, string>> = {
  FUNCTION_NOT_FOUND: 'Run `lambda-mcp functions` to see the functions you can use.',
  FUNCTION_NOT_ALLOWED:
    'Run `lambda-mcp functions --all` to see which filter excludes it (FUNCTION_PREFIX, FUNCTION_LIST, tags, runtimes, exclude).',
  CREDENTIALS_MISSING:
    '`lambda-mcp doctor` checks credentials; --local DIR runs local functions without AWS.',
  ACCESS_DENIED: 'Run `lambda-mcp doctor` to see which permissions are missing.',
  THROTTLED: 'Try again later, or raise the function’s reserved concurrency.',
  BACKEND_UNAVAILABLE:
    'Check the network, the region and any AWS_ENDPOINT_URL setting; `lambda-mcp doctor` helps.',
  MAYBE_EXECUTED: 'The function may have run: check its logs (`lambda-mcp logs <function>`) before retrying.',
  SCHEMA_NOT_FOUND:
    'Check the schema ARN tag on the function (`lambda-mcp doctor` lists broken schema tags).',
};

export function classifyError(error: unknown): ClassifiedError {
  if (isCliError(error)) return classifyCliError(error);
  if (isLambdaMcpError(error)) return classifyCoreError(error);
  return internalError(error instanceof Error ? error.message : String(error));
}

function classifyCoreError(error: LambdaMcpError): ClassifiedError {
  if (error.code === 'INTERNAL') return internalError(error.message);
  if (error.code === 'ABORTED') {
    return { exitCode: EXIT.INTERRUPTED, code: error.code, message: 'interrupted' };
  }
  const hint = HINTS[error.code];
  // A request the backend refused (an AWS error answer) is a backend failure, not a usage error:
  // only our own checks of the command line and its input exit 2.
  const fromBackend = error.details?.awsError !== undefined || error.details?.httpStatus !== undefined;
  const usage = USAGE_CODES.has(error.code) && !(fromBackend && error.code === 'INVALID_REQUEST');
  return {
    exitCode: usage ? EXIT.USAGE : EXIT.FAILURE,
    code: error.code,
    message: firstLine(error.message),
    ...(hint === undefined ? {} : { hint }),
    ...(error.details === undefined ? {} : { details: error.details }),
    retryable: error.retryable,
  };
}
