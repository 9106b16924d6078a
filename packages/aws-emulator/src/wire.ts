/** Shapes shared by the emulated services: a parsed request, a response, and AWS error bodies. */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type ServiceName = 'lambda' | 'schemas' | 'monitoring' | 'logs' | 'tagging' | 'sts';

export interface WireRequest {
  method: string;
  /** Raw path without the query string, still URL-encoded. */
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  service: ServiceName;
  region: string;
  accessKeyId?: string;
  requestId: string;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
  /** Operation name for the request log (e.g. `Invoke`). */
  operation: string;
  functionName?: string;
  /** AWS error code when the response is an error. */
  errorCode?: string;
  /** Overrides the response's x-amzn-RequestId (Invoke answers with the invocation's request id). */
  requestId?: string;
}

/** What a service handler returns before the common headers are added. */
export type Handled = Omit<WireResponse, 'headers'> & { headers?: Record<string, string> };

/** A failure a handler throws to answer with an AWS error. */
export class WireError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: {
      /** Lambda's `Type` member (User/Service). */
      type?: string;
      reason?: string;
      retryAfterSeconds?: number;
      /** CloudWatch's query code and fault (InvalidParameterValue;Sender). */
      queryCode?: string;
      queryFault?: 'Sender' | 'Receiver';
      /** Lambda bodies use `Message` for some errors and `message` for others (as AWS). */
      messageKey?: 'Message' | 'message';
    } = {},
  ) {
    super(message);
    this.name = 'WireError';
  }
}

type WireErrorExtra = ConstructorParameters<typeof WireError>[3];

/** The operation of an AWS JSON protocol request: its `x-amz-target` after the service's prefix. */
export function jsonTargetOperation(req: Pick<WireRequest, 'headers'>, prefix: string): string {
  const target = header(req.headers, 'x-amz-target') ?? '';
  return target.startsWith(prefix) ? target.slice(prefix.length) : 'Unknown';
}

/** The answer to an operation the emulator does not implement, in the service's error shape. */
export function unknownOperation(operation: string, extra: WireErrorExtra): WireError {
  return new WireError(
    400,
    'UnknownOperationException',
    `Operation ${operation} is not supported by this emulator.`,
    extra,
  );
}

/** An AWS JSON protocol body (`{}` when empty); a SerializationException when it is not JSON. */
export function parseJsonBody(
  req: Pick<WireRequest, 'body'>,
  extra: WireErrorExtra,
): Record<string, unknown> {
  try {
    return JSON.parse(req.body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    throw new WireError(400, 'SerializationException', 'The request body is not valid JSON.', extra);
  }
}

export function newRequestId(): string {
  return randomUUID();
}

export function jsonBody(value: unknown): string {
  return JSON.stringify(value);
}

/** `Z` or `+00:00` ISO times to Lambda's `2025-09-23T18:32:33.857+0000`. */
export function toLambdaTime(value: string | number | Date | undefined): string {
  const date =
    value === undefined
      ? new Date(0)
      : new Date(typeof value === 'string' ? Date.parse(value.replace(/\+0000$/, 'Z')) : value);
  const iso = Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString();
  return iso.replace(/Z$/, '+0000');
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
