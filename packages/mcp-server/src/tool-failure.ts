/** A failed tool call as a tool result and its audit outcome. */
import { isLambdaMcpError, type Logger } from '@lambda-mcp/core';
import {
  errorResult,
  fieldErrorsOf,
  internalErrorResult,
  invalidArgumentsResult,
  notAvailableText,
  outcomeOf,
} from './errors.js';
import type { ToolCallEvent, ToolCallOutcome, ToolResult } from './types.js';

/** A tool call's result and its audit event (without the parts the caller fills in). */
export interface ToolOutcome {
  result: ToolResult;
  audit: Omit<ToolCallEvent, 'time' | 'tool' | 'family' | 'durationMs' | 'requestId'>;
}

export type FailureMapper = (
  error: unknown,
  name: string,
  signal?: AbortSignal,
) => { result: ToolResult; audit: { outcome: ToolCallOutcome; errorCode?: string } };

/**
 * The tool result for an error thrown by a tool call: field errors for invalid input, the same
 * "not available" words for a function that is missing or not the caller's, "cancelled", or the
 * error's message with its code and a hint; never a stack.
 */
export function toolFailure(
  error: unknown,
  name: string,
  signal: AbortSignal | undefined,
  context: { logger: Logger; discoveryProblem: () => string | undefined },
): { result: ToolResult; audit: { outcome: ToolCallOutcome; errorCode?: string } } {
  const outcome = outcomeOf(error, signal);
  if (!isLambdaMcpError(error)) {
    context.logger.error('A tool call failed with an unexpected error', {
      error: error instanceof Error ? error.message : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
    return { result: internalErrorResult(), audit: { outcome: 'error', errorCode: 'INTERNAL' } };
  }
  if (error.code === 'INVALID_INPUT') {
    const fields = fieldErrorsOf(error);
    return {
      result: fields ? invalidArgumentsResult(name, fields) : errorResult(error, 'Invalid arguments'),
      audit: { outcome, errorCode: error.code },
    };
  }
  if (error.code === 'FUNCTION_NOT_ALLOWED' || error.code === 'FUNCTION_NOT_FOUND') {
    return {
      result: {
        isError: true,
        content: [{ type: 'text', text: notAvailableText(name, context.discoveryProblem()) }],
      },
      audit: { outcome: 'not_available', errorCode: 'FUNCTION_NOT_ALLOWED' },
    };
  }
  if (outcome === 'cancelled') {
    return {
      result: { isError: true, content: [{ type: 'text', text: 'The call was cancelled [ABORTED].' }] },
      audit: { outcome, errorCode: 'ABORTED' },
    };
  }
  return { result: errorResult(error), audit: { outcome, errorCode: error.code } };
}
