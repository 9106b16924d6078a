import { type FieldError, isLambdaMcpError, type LambdaMcpError } from '@lambda-mcp/core';
import { formatFieldErrors } from '@lambda-mcp/core/internal';
import type { ToolCallOutcome, ToolResult } from './types.js';

const BRAND = Symbol.for('@lambda-mcp/mcp-server.UnknownToolError');

/** Thrown by the tool layer for a tool name it does not serve; the wiring maps it to JSON-RPC -32602. */
export class UnknownToolError extends Error {
  readonly toolName: string;
  readonly [BRAND] = true;
  constructor(toolName: string) {
    super(`Unknown tool: ${JSON.stringify(toolName)}. Call tools/list for the tools this server offers.`);
    this.name = 'UnknownToolError';
    this.toolName = toolName;
  }
}

export function isUnknownToolError(value: unknown): value is UnknownToolError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Removes things that look like credentials from a message before it leaves the server. */
export function redact(text: string): string {
  return text
    .replace(/\b(AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b/g, '[redacted]')
    .replace(
      /(secret|password|token|signature|credential)s?(["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi,
      '$1$2[redacted]',
    )
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1[redacted]');
}

/** Field errors carried by an INVALID_INPUT error's details, when the service put them there. */
export function fieldErrorsOf(error: LambdaMcpError): FieldError[] | undefined {
  const details = error.details;
  const candidates = [details?.errors, details?.fieldErrors, details?.fields];
  for (const c of candidates) {
    if (Array.isArray(c) && c.every((e) => typeof e === 'object' && e !== null && 'message' in e)) {
      return c.map((e) => {
        const r = e as Record<string, unknown>;
        return {
          path:
            typeof r.path === 'string' ? r.path : typeof r.instancePath === 'string' ? r.instancePath : '',
          message: String(r.message),
          keyword: typeof r.keyword === 'string' ? r.keyword : '',
        };
      });
    }
  }
  return undefined;
}

export function invalidArgumentsResult(toolName: string, errors: readonly FieldError[]): ToolResult {
  return {
    isError: true,
    content: [
      {
        type: 'text',
        text:
          `Invalid arguments for ${toolName}: ${errors.length} problem${errors.length === 1 ? '' : 's'}.\n` +
          `${formatFieldErrors(errors, { style: 'list' })}\n` +
          "Fix the arguments to match the tool's input schema and call it again.",
      },
    ],
  };
}

/**
 * What a caller sees for a function it may not use, whether it does not exist, is outside the
 * configured filters or is not authorized for this caller: the same words in every case, so the
 * answer never reveals which functions exist.
 */
export function notAvailableText(name: string, discoveryProblem?: string): string {
  return (
    `Function ${JSON.stringify(name)} is not available: it does not exist or this server does not expose it to you ` +
    '[FUNCTION_NOT_ALLOWED]. Call list_functions to see the functions you can use.' +
    (discoveryProblem ? `\nNote: ${discoveryProblem}` : '')
  );
}

const HINTS: Partial<Record<string, string>> = {
  THROTTLED: 'Lambda throttled the request; wait a little and try again.',
  TIMED_OUT: 'The invocation ran out of time.',
  PAYLOAD_TOO_LARGE: 'Send a smaller payload (Lambda accepts at most 6 MB synchronous, 1 MB asynchronous).',
  ACCESS_DENIED:
    "The server's AWS identity is not allowed to do this; an operator must grant the permission.",
  CREDENTIALS_MISSING: 'The server has no AWS credentials; an operator must configure them.',
  BACKEND_UNAVAILABLE: 'The backend could not be reached; try again later.',
  MAYBE_EXECUTED:
    'The request may have reached the function before it failed; it was not retried to avoid running it twice. Check before retrying.',
  FUNCTION_STATE_ERROR: 'The function is not in a state that allows invocation (see the message).',
  SCHEMA_NOT_FOUND: 'The function has no usable schema.',
};

/** An isError result for a LambdaMcpError: message, code, a hint; never a stack or a cause. */
export function errorResult(error: LambdaMcpError, prefix?: string): ToolResult {
  const hint = HINTS[error.code];
  const retry = error.retryable && !hint?.includes('try again') ? ' Retrying later may succeed.' : '';
  const text = `${prefix ? `${prefix}: ` : ''}${redact(error.message)} [${error.code}]${hint ? `\n${hint}` : ''}${retry}`;
  return { isError: true, content: [{ type: 'text', text }] };
}

export function internalErrorResult(): ToolResult {
  return {
    isError: true,
    content: [
      {
        type: 'text',
        text: 'The server failed to handle this call because of an internal error [INTERNAL]. The details are in the server log.',
      },
    ],
  };
}

/** The audit outcome of a thrown error. */
export function outcomeOf(error: unknown, signal?: AbortSignal): ToolCallOutcome {
  if (signal?.aborted) return 'cancelled';
  if (!isLambdaMcpError(error)) return 'error';
  switch (error.code) {
    case 'ABORTED':
      return 'cancelled';
    case 'INVALID_INPUT':
      return 'invalid_arguments';
    case 'FUNCTION_NOT_ALLOWED':
    case 'FUNCTION_NOT_FOUND':
      return 'not_available';
    default:
      return 'error';
  }
}
