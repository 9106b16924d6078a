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
