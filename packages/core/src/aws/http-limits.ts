/**
 * Bounds on what the AWS clients wait for and read: connection and request timeouts for the SDK's
 * Node.js HTTP handler, and a cap on response bodies. The SDK collects a response body whole
 * before parsing it, so an endpoint that sends an endless (or huge) body would otherwise grow the
 * process until it fails (`RangeError` in the body concatenation). Lambda answers a synchronous
 * Invoke with at most 6 MB; past that cap (plus a margin) reading stops and the connection is
 * closed.
 */
import { type Readable, Transform } from 'node:stream';

/** Lambda's limit on a synchronous response (6 MB) plus a margin: 7 MiB. */
export const DEFAULT_MAX_INVOKE_RESPONSE_BYTES = 7 * 1024 * 1024;
/** Any other AWS response (a ListFunctions page, a schema, log events): far above real sizes. */
export const DEFAULT_MAX_READ_RESPONSE_BYTES = 64 * 1024 * 1024;
/** Defaults of the configurable timeouts (see CONFIG_SETTINGS). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;

export interface AwsHttpLimits {
  /** No TCP connection within this long: given up (never sent, so safe to retry). */
  connectTimeoutMs: number;
  /**
   * Reads: no response (headers) within this long, or no data for this long while the body is
   * read: given up (the SDK's standard retries then apply). Invoke uses its own deadline.
   */
  requestTimeoutMs: number;
}

/** Thrown into the SDK's body reader when a response passes its cap. */
export class ResponseTooLargeError extends Error {
  readonly limitBytes: number;
  readonly receivedBytes: number;
  readonly declaredBytes: number | undefined;
  constructor(limitBytes: number, receivedBytes: number, declaredBytes?: number) {
    super(
      declaredBytes !== undefined
        ? `The response declares ${declaredBytes} bytes, over the ${limitBytes}-byte cap; it was not read.`
        : `The response passed the ${limitBytes}-byte cap; reading stopped.`,
    );
    this.name = 'ResponseTooLargeError';
    this.limitBytes = limitBytes;
    this.receivedBytes = receivedBytes;
    this.declaredBytes = declaredBytes;
  }
}

/** The SDK's `requestHandler` options for a client (NodeHttpHandler). */
export function requestHandlerOptions(
  limits: AwsHttpLimits,
  kind: 'read' | 'invoke',
): {
  connectionTimeout: number;
  requestTimeout?: number;
  socketTimeout?: number;
  throwOnRequestTimeout: boolean;
} {
  if (kind === 'invoke') {
    // A synchronous Invoke is silent until the function returns: its time bound is the
    // function's own timeout plus a margin, set per call (invoke.ts), not an idle timeout here.
    return { connectionTimeout: limits.connectTimeoutMs, throwOnRequestTimeout: true };
  }
  return {
    connectionTimeout: limits.connectTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    socketTimeout: limits.requestTimeoutMs,
    throwOnRequestTimeout: true,
  };
}

function isNodeReadable(value: unknown): value is Readable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Readable).pipe === 'function' &&
    typeof (value as Readable).destroy === 'function'
  );
}

/** A stream that passes `source` through and fails (closing the source) past `limit` bytes. */
export function capStream(source: Readable, limit: number): Transform {
  let seen = 0;
  const capped = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) {
        source.unpipe(capped);
        source.destroy();
        callback(new ResponseTooLargeError(limit, seen));
        return;
      }
      callback(null, chunk);
    },
  });
  source.once('error', (error) => capped.destroy(error));
  source.pipe(capped);
  return capped;
}

interface MiddlewareStackLike {
  add(
    middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
    options: { step: 'deserialize'; priority: 'low'; name: string; override: boolean },
  ): void;
}

/**
 * Adds the cap to a client's or a command's middleware stack. It sits in the deserialize step
 * below the SDK's deserializer (inside the retry loop), so it sees the raw HTTP response: a
 * declared length over the cap fails at once; otherwise the body is read through `capStream`.
 */
export function addResponseCap(stack: MiddlewareStackLike, limit: number): void {
  stack.add(
    (next) => async (args) => {
      const result = (await next(args)) as {
        response?: { headers?: Record<string, string>; body?: unknown };
      };
      const response = result?.response;
      if (!response || !isNodeReadable(response.body)) return result;
      const body = response.body;
      const declared = Number(response.headers?.['content-length'] ?? response.headers?.['Content-Length']);
      if (Number.isFinite(declared) && declared > limit) {
        body.destroy();
        throw new ResponseTooLargeError(limit, 0, declared);
      }
      response.body = capStream(body, limit);
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'lambdaMcpResponseCap', override: true },
  );
}
