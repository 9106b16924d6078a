import { LambdaMcpError } from '../errors.js';
import type { DecodedPayload, FunctionErrorInfo } from '../types.js';

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();
// C0 control characters other than tab, newline, carriage return, form feed and backspace.
// biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control characters is the point
const CONTROL = /[\x00-\x07\x0b\x0e-\x1f]/;

/**
 * Decodes a Lambda response body: JSON when it parses, text when it is valid UTF-8 without control
 * characters, otherwise binary (base64), never a byte dump.
 */
export function decodePayload(bytes: Uint8Array | undefined): DecodedPayload {
  if (!bytes || bytes.byteLength === 0) return { kind: 'empty' };
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return binary(bytes);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const trimmed = text.trim();
  if (trimmed.length > 0) {
    const first = trimmed[0] ?? '';
    // Only try JSON.parse when it can be JSON: avoids a thrown exception per text payload.
    if ('{["-0123456789tfn'.includes(first)) {
      try {
        return { kind: 'json', value: JSON.parse(trimmed) as unknown, text };
      } catch {
        // not JSON: fall through
      }
    }
  }
  if (CONTROL.test(text)) return binary(bytes);
  return { kind: 'text', text };
}

function binary(bytes: Uint8Array): DecodedPayload {
  return { kind: 'binary', base64: Buffer.from(bytes).toString('base64'), byteLength: bytes.byteLength };
}

/**
 * Encodes an invocation payload. A JSON value is serialised (undefined sends `{}`, as the AWS
 * console does); raw bytes or a string are sent unchanged. Throws INVALID_INPUT for values JSON
 * cannot represent (BigInt, cycles).
 */
export function encodePayload(payload: unknown, rawPayload?: Uint8Array | string): Uint8Array {
  if (rawPayload !== undefined) {
    return typeof rawPayload === 'string' ? encoder.encode(rawPayload) : rawPayload;
  }
  if (payload === undefined) return encoder.encode('{}');
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch (error) {
    throw new LambdaMcpError(
      'INVALID_INPUT',
      `The payload cannot be serialised as JSON (${error instanceof Error ? error.message : String(error)}).`,
      { cause: error },
    );
  }
  if (text === undefined) {
    throw new LambdaMcpError('INVALID_INPUT', 'The payload must be a JSON value (not a function or symbol).');
  }
  return encoder.encode(text);
}

function toLines(value: unknown): string[] {
  if (typeof value === 'string') return value.split('\n').filter((line) => line.trim() !== '');
  if (Array.isArray(value))
    return value.flatMap((entry) => toLines(typeof entry === 'string' ? entry : JSON.stringify(entry)));
  return [];
}

/**
 * Turns a function's error payload into FunctionErrorInfo. Handles the Node shape
 * (`{errorType, errorMessage, trace}`), the Python/Java shape (`{errorMessage, errorType,
 * stackTrace, requestId}`), platform errors (`Sandbox.Timedout`, `Runtime.ExitError`,
 * `Function.ResponseSizeTooLarge`) and non-JSON bodies.
 */
export function toFunctionErrorInfo(kind: string, payload: DecodedPayload): FunctionErrorInfo {
  if (payload.kind === 'json') {
    const value = payload.value;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      const errorType =
        typeof record.errorType === 'string' && record.errorType ? record.errorType : kind || 'Error';
      const errorMessage =
        typeof record.errorMessage === 'string'
          ? record.errorMessage
          : typeof record.message === 'string'
            ? record.message
            : payload.text;
      const trace = toLines(record.trace ?? record.stackTrace ?? record.stack);
      return { kind, errorType, errorMessage, trace, raw: value };
    }
    return {
      kind,
      errorType: kind || 'Error',
      errorMessage: typeof value === 'string' ? value : payload.text,
      trace: [],
      raw: value,
    };
  }
  if (payload.kind === 'text')
    return { kind, errorType: kind || 'Error', errorMessage: payload.text, trace: [] };
  if (payload.kind === 'binary') {
    return {
      kind,
      errorType: kind || 'Error',
      errorMessage: `The function failed with a binary error payload of ${payload.byteLength} bytes.`,
      trace: [],
    };
  }
  return {
    kind,
    errorType: kind || 'Error',
    errorMessage: 'The function failed without an error payload.',
    trace: [],
  };
}
