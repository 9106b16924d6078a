/**
 * Typed errors with string codes. One base class; third-party errors are mapped to it at the
 * boundary (one file per backend). A brand symbol makes `isLambdaMcpError` work across bundles
 * (ESM/CJS copies of this class are different constructors, so `instanceof` is not enough).
 */
export type ErrorCode =
  | 'FUNCTION_NOT_FOUND'
  | 'FUNCTION_NOT_ALLOWED'
  | 'INVALID_INPUT'
  | 'PAYLOAD_TOO_LARGE'
  | 'THROTTLED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'BACKEND_UNAVAILABLE'
  | 'ACCESS_DENIED'
  | 'CREDENTIALS_MISSING'
  | 'INVALID_CONFIG'
  | 'INVALID_REQUEST'
  | 'SCHEMA_NOT_FOUND'
  | 'SCHEMA_INVALID'
  | 'FUNCTION_STATE_ERROR'
  | 'MAYBE_EXECUTED'
  | 'SERVICE_ERROR'
  | 'INTERNAL';

const BRAND = Symbol.for('@lambda-mcp/core.LambdaMcpError');

export interface LambdaMcpErrorOptions {
  cause?: unknown;
  /** Structured, non-secret details safe to show a caller (field errors, limits, retry hints). */
  details?: Record<string, unknown>;
  /** Whether trying again later may succeed (throttling, transient backend errors). */
  retryable?: boolean;
}

/**
 * Every infrastructure failure of the library: a string `code` (see `ErrorCode`), a message for a
 * person, optional `details` safe to show a caller, `retryable`, and the original `cause`. A
 * function's own failure is not an error: it comes back as `InvocationResult.functionError`.
 * Check with `isLambdaMcpError` or `isErrorCode`, not `instanceof` (the ESM and CommonJS builds
 * share a brand, not a class).
 *
 * @example
 * ```ts
 * import { isErrorCode, isLambdaMcpError } from '@lambda-mcp/core';
 *
 * try {
 *   await services.invocation.invoke({ functionName: 'orders', payload: { id: 1 } });
 * } catch (error) {
 *   if (isErrorCode(error, 'INVALID_INPUT')) console.error(error.details?.errors);
 *   else if (isLambdaMcpError(error) && error.retryable) retryLater();
 *   else throw error;
 * }
 * ```
 */
export class LambdaMcpError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly retryable: boolean;
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message: string, options: LambdaMcpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LambdaMcpError';
    this.code = code;
    this.details = options.details;
    this.retryable = options.retryable ?? false;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown>; retryable: boolean } {
    return {
      code: this.code,
      message: this.message,
      ...(this.details ? { details: this.details } : {}),
      retryable: this.retryable,
    };
  }
}

/** Whether `value` is a `LambdaMcpError` (from either the ESM or the CommonJS build). */
export function isLambdaMcpError(value: unknown): value is LambdaMcpError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Whether `value` is a `LambdaMcpError` with this `code`. */
export function isErrorCode(value: unknown, code: ErrorCode): value is LambdaMcpError {
  return isLambdaMcpError(value) && value.code === code;
}

/** Wraps anything thrown into a LambdaMcpError, keeping the cause. */
export function toLambdaMcpError(value: unknown, fallback: ErrorCode = 'INTERNAL'): LambdaMcpError {
  if (isLambdaMcpError(value)) return value;
  if (value instanceof Error && value.name === 'AbortError') {
    return new LambdaMcpError('ABORTED', 'The operation was cancelled.', { cause: value });
  }
  const message = value instanceof Error ? value.message : String(value);
  return new LambdaMcpError(fallback, message, { cause: value });
}
