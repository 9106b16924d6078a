/** Request parsing of the local backend: Lambda's payload and client-context limits, as AWS words them. */
import { LambdaMcpError } from '../errors.js';
import type { BackendInvokeRequest } from '../types.js';
import { LAMBDA_LIMITS } from '../util/lambda-limits.js';

/** AWS limits the local backend enforces like Lambda (the one definition, in util/lambda-limits.ts). */
export const LOCAL_LIMITS = LAMBDA_LIMITS;

/** The event as JSON text (`{}` for an empty payload); PAYLOAD_TOO_LARGE or INVALID_REQUEST otherwise. */
export function parseEvent(request: BackendInvokeRequest): string {
  const limit =
    request.invocationType === 'Event' ? LOCAL_LIMITS.asyncPayloadBytes : LOCAL_LIMITS.syncPayloadBytes;
  const size = request.payload.byteLength;
  if (size > limit) {
    const message =
      request.invocationType === 'Event'
        ? `${size} byte payload is too large for the Event invocation type (limit ${limit} bytes)`
        : `Request must be smaller than ${limit} bytes for the InvokeFunction operation`;
    throw new LambdaMcpError('PAYLOAD_TOO_LARGE', message, { details: { size, limit } });
  }
  const text = Buffer.from(request.payload.buffer, request.payload.byteOffset, size).toString('utf8');
  if (text.trim() === '') return '{}';
  try {
    JSON.parse(text);
  } catch (error) {
    throw new LambdaMcpError(
      'INVALID_REQUEST',
      `Could not parse request body into json: Could not parse payload into json: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return text;
}

/** The decoded client context (a JSON object), or undefined when none was given. */
export function parseClientContext(value: string | undefined): unknown {
  if (value === undefined || value === '') return undefined;
  const fail = () =>
    new LambdaMcpError(
      'INVALID_REQUEST',
      `Client context must be a valid Base64-encoded JSON object of at most ${LOCAL_LIMITS.clientContextBytes} bytes.`,
    );
  if (value.length > LOCAL_LIMITS.clientContextBytes || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw fail();
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw fail();
    return parsed;
  } catch {
    throw fail();
  }
}
