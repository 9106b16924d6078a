import { EXIT, type ExitCode } from './exit-codes.js';

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

export function internalError(message: string): ClassifiedError {
  return {
    exitCode: EXIT.INTERNAL,
    code: 'INTERNAL',
    message: `internal error: ${message}`,
    hint: `This is a bug in lambda-mcp. Please report it at ${REPORT_URL} with the output of the same command run with --debug.`,
  };
}

/** A CliError's exit code and line; needs nothing from core (usage errors stay fast). */
export function classifyCliError(error: CliError): ClassifiedError {
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
