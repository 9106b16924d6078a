/**
 * The one error-to-tool-result mapper: every tool (per-function and generic) turns a failed call
 * into its result and audit outcome here, so the words for "invalid", "not available",
 * "cancelled" and "failed" are written once.
 */
import { type FieldError, isLambdaMcpError, type Logger } from '@lambda-mcp/core';
import { formatFieldErrors } from '@lambda-mcp/core/internal';
import {
  errorResult,
  fieldErrorsOf,
  internalErrorResult,
  invalidArgumentsResult,
  notAvailableText,
  outcomeOf,
  redact,
} from './errors.js';
import type { ToolCallEvent, ToolCallOutcome, ToolResult } from './types.js';

/** A tool call's result and its audit event (without the parts the caller fills in). */
export interface ToolOutcome {
  result: ToolResult;
  audit: Omit<ToolCallEvent, 'time' | 'tool' | 'family' | 'durationMs' | 'requestId'>;
}

/** What failed: the tool, the function it was about, and where the payload sits in its arguments. */
export interface FailureTarget {
  /** The tool, as named in "Invalid arguments for <tool>". */
  tool: string;
  /** The function as the caller named it (the "not available" answer repeats it). */
  function?: string;
  qualifier?: string;
  /**
   * The JSON pointer of the function's payload inside the tool's arguments (`/payload`; empty for
   * a per-function tool whose arguments are the event). The services report a payload's field
   * errors relative to the payload; this prefix makes them name the caller's argument.
   */
  payloadPath?: string;
  /** The words before the message of an INVALID_INPUT without field errors ("Invalid payload"). */
  invalidLabel?: string;
  /** The words before the message of any other error ("Function discovery failed, so ..."). */
  prefix?: string;
  /** Appended to the "not available" answer ("Did you mean ...?"). */
  suggestion?: string;
  /** The call's signal: an error after it aborted is a cancellation. */
  signal?: AbortSignal;
}

export interface FailureContext {
  logger: Logger;
  discoveryProblem(): string | undefined;
}

export type FailureMapper = (error: unknown, target: FailureTarget) => ToolOutcome;

/** Field errors made to name the caller's argument (the payload's place in the tool's arguments). */
export function atPayload(errors: readonly FieldError[], payloadPath = ''): FieldError[] {
  return payloadPath ? errors.map((e) => ({ ...e, path: `${payloadPath}${e.path}` })) : [...errors];
}

/** The "not available" answer: the same words whether the function is missing or not the caller's. */
export function notAvailableResult(name: string, discoveryProblem?: string, suggestion = ''): ToolResult {
  const text = notAvailableText(name, discoveryProblem);
  return {
    isError: true,
    content: [
      {
        type: 'text',
        text: suggestion
          ? text.replace('[FUNCTION_NOT_ALLOWED].', `[FUNCTION_NOT_ALLOWED].${suggestion}`)
          : text,
      },
    ],
  };
}

/** Whether an error means "no such function for this caller" (never which of the two). */
export function isNotAvailable(error: unknown): boolean {
  return (
    isLambdaMcpError(error) && (error.code === 'FUNCTION_NOT_ALLOWED' || error.code === 'FUNCTION_NOT_FOUND')
  );
}

/**
 * The tool result for an error thrown by a tool call: field errors for invalid input, the same
 * "not available" words for a function that is missing or not the caller's, "cancelled", or the
 * error's message with its code and a hint; never a stack, and never the text of an unexpected
 * (INTERNAL) error, which goes to the server log.
 */
export function toolFailure(error: unknown, target: FailureTarget, context: FailureContext): ToolOutcome {
  const about = {
    ...(target.function !== undefined ? { function: target.function } : {}),
    ...(target.qualifier ? { qualifier: target.qualifier } : {}),
  };
  const done = (result: ToolResult, outcome: ToolCallOutcome, errorCode?: string): ToolOutcome => ({
    result,
    audit: { ...about, outcome, ...(errorCode ? { errorCode } : {}) },
  });
  if (!isLambdaMcpError(error) || (error.code === 'INTERNAL' && !target.signal?.aborted)) {
    const cause = isLambdaMcpError(error) && error.cause !== undefined ? error.cause : error;
    context.logger.error('A tool call failed with an unexpected error', {
      tool: target.tool,
      error: cause instanceof Error ? cause.message : String(cause),
      stack: cause instanceof Error ? cause.stack : undefined,
    });
    return done(internalErrorResult(), 'error', 'INTERNAL');
  }
  const outcome = outcomeOf(error, target.signal);
  if (error.code === 'INVALID_INPUT') {
    // Field errors name the caller's arguments only when we know where the payload sits in them.
    const fields = target.payloadPath !== undefined ? fieldErrorsOf(error) : undefined;
    return done(
      fields
        ? invalidArgumentsResult(target.tool, atPayload(fields, target.payloadPath))
        : errorResult(error, target.invalidLabel),
      outcome,
      error.code,
    );
  }
  if (isNotAvailable(error)) {
    return done(
      notAvailableResult(target.function ?? target.tool, context.discoveryProblem(), target.suggestion),
      'not_available',
      'FUNCTION_NOT_ALLOWED',
    );
  }
  if (outcome === 'cancelled') {
    return done(
      { isError: true, content: [{ type: 'text', text: 'The call was cancelled [ABORTED].' }] },
      outcome,
      'ABORTED',
    );
  }
  return done(errorResult(error, target.prefix), outcome, error.code);
}

/** A failed item of a batch (invoke_functions): its code, message and audit outcome. */
export interface ItemFailure {
  code: string;
  message: string;
  retryable?: boolean;
  outcome: ToolCallOutcome;
}

/**
 * The same rules as `toolFailure` for one item of a batch result, in an item's shorter words:
 * "Invalid payload:" and the field errors, the "not available" answer, or the error's message.
 */
export function itemFailure(error: unknown, target: FailureTarget, context: FailureContext): ItemFailure {
  if (!isLambdaMcpError(error) || (error.code === 'INTERNAL' && !target.signal?.aborted)) {
    const { audit } = toolFailure(error, target, context); // logs it
    return {
      code: 'INTERNAL',
      message: 'This invocation failed because of an internal error; the details are in the server log.',
      outcome: audit.outcome,
    };
  }
  const outcome = outcomeOf(error, target.signal);
  const fields = error.code === 'INVALID_INPUT' ? fieldErrorsOf(error) : undefined;
  if (fields) {
    const list = formatFieldErrors(atPayload(fields, target.payloadPath), { style: 'list' });
    return { code: error.code, message: `Invalid payload:\n${list}`, retryable: error.retryable, outcome };
  }
  if (isNotAvailable(error)) {
    const text = notAvailableResult(
      target.function ?? target.tool,
      context.discoveryProblem(),
      target.suggestion,
    ).content[0]?.text;
    return { code: 'FUNCTION_NOT_ALLOWED', message: text ?? '', outcome: 'not_available' };
  }
  return { code: error.code, message: redact(error.message), retryable: error.retryable, outcome };
}
