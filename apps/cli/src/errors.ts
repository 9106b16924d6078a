import { type ErrorCode, isLambdaMcpError, type LambdaMcpError } from '@lambda-mcp/core';
import { EXIT, type ExitCode } from './exit-codes.js';

const BRAND = Symbol.for('@lambda-mcp/cli.CliError');

export type CliErrorKind = 'usage' | 'failure' | 'internal' | 'interrupted';

/**
 * An error the CLI raises itself. `message` is the one line the user sees: what was wrong and what
 * is accepted. `hint` is an optional second line (how to fix it).
 */
export class CliError extends Error {
  readonly kind: CliErrorKind;
  readonly code: string;
  readonly hint: string | undefined;
  readonly [BRAND] = true;

  constructor(
    kind: CliErrorKind,
    code: string,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.kind = kind;
    this.code = code;
    this.hint = options.hint;
  }
}

export function isCliError(value: unknown): value is CliError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

export function usageError(message: string, hint?: string): CliError {
  return new CliError('usage', 'USAGE', message, hint === undefined ? {} : { hint });
}

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
    'Set AWS_PROFILE (or --profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; or use --local DIR for local functions.',
  ACCESS_DENIED: 'Run `lambda-mcp doctor` to see which permissions are missing.',
  THROTTLED: 'Try again later, or raise the function’s reserved concurrency.',
  BACKEND_UNAVAILABLE:
    'Check the network, the region and any AWS_ENDPOINT_URL setting; `lambda-mcp doctor` helps.',
  MAYBE_EXECUTED: 'The function may have run: check its logs (`lambda-mcp logs <function>`) before retrying.',
  SCHEMA_NOT_FOUND:
    'Check the schema ARN tag on the function (`lambda-mcp doctor` lists broken schema tags).',
};

export const REPORT_URL = 'https://github.com/lambda-mcp/lambda-mcp/issues';

export interface ClassifiedError {
  exitCode: ExitCode;
  /** A stable string code for --json output and scripts. */
  code: string;
  message: string;
  hint?: string;
  details?: Record<string, unknown>;
  retryable?: boolean;
}

export function classifyError(error: unknown): ClassifiedError {
  if (isCliError(error)) {
    const exitCode =
      error.kind === 'usage'
        ? EXIT.USAGE
        : error.kind === 'failure'
          ? EXIT.FAILURE
          : error.kind === 'interrupted'
            ? EXIT.INTERRUPTED
            : EXIT.INTERNAL;
    return {
      exitCode,
      code: error.code,
      message: error.message,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    };
  }
  if (isLambdaMcpError(error)) return classifyCoreError(error);
  const message = error instanceof Error ? error.message : String(error);
  return {
    exitCode: EXIT.INTERNAL,
    code: 'INTERNAL',
    message: `internal error: ${message}`,
    hint: `This is a bug in lambda-mcp. Please report it at ${REPORT_URL} with the output of the same command run with --debug.`,
  };
}

function classifyCoreError(error: LambdaMcpError): ClassifiedError {
  if (error.code === 'INTERNAL') {
    return {
      exitCode: EXIT.INTERNAL,
      code: error.code,
      message: `internal error: ${error.message}`,
      hint: `This is a bug in lambda-mcp. Please report it at ${REPORT_URL} with the output of the same command run with --debug.`,
    };
  }
  if (error.code === 'ABORTED') {
    return { exitCode: EXIT.INTERRUPTED, code: error.code, message: 'interrupted' };
  }
  const hint = HINTS[error.code];
  return {
    exitCode: USAGE_CODES.has(error.code) ? EXIT.USAGE : EXIT.FAILURE,
    code: error.code,
    message: firstLine(error.message),
    ...(hint === undefined ? {} : { hint }),
    ...(error.details === undefined ? {} : { details: error.details }),
    retryable: error.retryable,
  };
}

export function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.trim();
}

/** The stack and cause chain, for --debug. */
export function describeForDebug(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  let depth = 0;
  while (current !== undefined && current !== null && depth < 5) {
    if (current instanceof Error) {
      parts.push(depth === 0 ? (current.stack ?? String(current)) : `Caused by: ${current.stack ?? current}`);
      current = current.cause;
    } else {
      parts.push(`${depth === 0 ? '' : 'Caused by: '}${String(current)}`);
      break;
    }
    depth += 1;
  }
  return parts.join('\n');
}
