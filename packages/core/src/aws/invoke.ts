/**
 * Invoke, sent at most once unless AWS certainly did not run it. Throttles (429, the request was
 * refused) and connections that were never made are retried with backoff and a cap, honouring
 * Retry-After; anything that may have reached the function (timeouts, 5xx, resets) is reported,
 * never sent again. The SDK's own retries are switched off for Invoke on every client, including a
 * caller's own, by a middleware that hides the error's retryable traits from the retry strategy.
 */

import type { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaMcpError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { BackendInvokeRequest, BackendInvokeResult, CallOptions } from '../types.js';
import { formatFunctionKey } from '../util/function-ref.js';
import { isNotSentError, isThrottlingError, mapAwsError, retryAfterSecondsOf } from './errors.js';
import { addResponseCap, DEFAULT_MAX_INVOKE_RESPONSE_BYTES } from './http-limits.js';
import { sdk } from './sdk.js';

export interface InvokeRetryPolicy {
  /** Retries after a throttle or a connection that was never made (default 3). */
  maxRetries: number;
  /** First backoff step (default 200 ms); doubles each retry, with full jitter. */
  baseDelayMs: number;
  /** The longest single wait, Retry-After included (default 10 s). A longer hint ends retrying. */
  maxDelayMs: number;
}

export const DEFAULT_INVOKE_RETRY: InvokeRetryPolicy = {
  maxRetries: 3,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
};
/** Lambda's longest timeout (900 s) plus a margin, when the caller gives no deadline. */
export const DEFAULT_INVOKE_TIMEOUT_MS = 905_000;

const WRAPPED = Symbol.for('@lambda-mcp/core.aws.noRetry');

interface NoRetryWrapper extends Error {
  [WRAPPED]: unknown;
}

function unwrap(error: unknown): unknown {
  return typeof error === 'object' && error !== null && WRAPPED in error
    ? (error as NoRetryWrapper)[WRAPPED]
    : error;
}

/**
 * Added to each Invoke command inside the SDK's retry loop: errors pass through it wrapped in an
 * error with no status, code or cause, which the retry strategy classifies as not retryable.
 */
function addNoSdkRetry(command: InvokeCommand): void {
  command.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const wrapper = new Error('lambda-mcp: Invoke is not retried by the SDK') as NoRetryWrapper;
        wrapper.name = 'LambdaMcpNoRetry';
        wrapper[WRAPPED] = error;
        throw wrapper;
      }
    },
    { step: 'deserialize', priority: 'high', name: 'lambdaMcpNoSdkRetry', override: true },
  );
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export interface InvokeDeps {
  client: LambdaClient;
  logger: Logger;
  retry: InvokeRetryPolicy;
  /** Largest response read (default 7 MiB: Lambda's 6 MB synchronous limit plus a margin). */
  maxResponseBytes?: number;
  /** For tests: the random source of the jitter. */
  random?: () => number;
}

export async function invokeLambda(
  deps: InvokeDeps,
  request: BackendInvokeRequest,
  options: CallOptions = {},
): Promise<BackendInvokeResult> {
  const timeoutMs = request.timeoutMs ?? DEFAULT_INVOKE_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error('deadline')), timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
  const random = deps.random ?? Math.random;
  const ctx = {
    service: 'lambda' as const,
    operation: 'Invoke',
    functionName: formatFunctionKey(request.functionName, request.qualifier),
    invocationType: request.invocationType,
  };
  const sync = request.invocationType === 'RequestResponse';
  const mayRun = request.invocationType !== 'DryRun';

  const failed = (error: unknown): LambdaMcpError => {
    if (timeout.signal.aborted && !options.signal?.aborted) {
      return new LambdaMcpError(
        'TIMED_OUT',
        mayRun
          ? `Invoke of function "${ctx.functionName}" got no answer within ${timeoutMs} ms; the function may have run. It was not sent again.`
          : `DryRun of function "${ctx.functionName}" got no answer within ${timeoutMs} ms.`,
        { cause: error, details: { timeoutMs } },
      );
    }
    if (options.signal?.aborted) {
      const abort = new Error('aborted');
      abort.name = 'AbortError';
      return mapAwsError(abort, ctx);
    }
    return mapAwsError(error, ctx);
  };

  try {
    for (let attempt = 0; ; attempt++) {
      const command = new (sdk.lambda().InvokeCommand)({
        FunctionName: request.functionName,
        InvocationType: request.invocationType,
        Payload: request.payload,
        ...(request.qualifier ? { Qualifier: request.qualifier } : {}),
        ...(sync && request.logType === 'Tail' ? { LogType: 'Tail' as const } : {}),
        ...(sync && request.clientContext ? { ClientContext: request.clientContext } : {}),
      });
      addNoSdkRetry(command);
      // On every client, a caller's own included: an endless or huge body is never read whole.
      addResponseCap(
        command.middlewareStack as unknown as Parameters<typeof addResponseCap>[0],
        deps.maxResponseBytes ?? DEFAULT_MAX_INVOKE_RESPONSE_BYTES,
      );
      try {
        const out = await deps.client.send(command, { abortSignal: signal });
        const payload = out.Payload
          ? new Uint8Array(out.Payload.buffer, out.Payload.byteOffset, out.Payload.byteLength)
          : new Uint8Array(0);
        const result: BackendInvokeResult = {
          statusCode: out.StatusCode ?? out.$metadata.httpStatusCode ?? 200,
          payload,
        };
        if (out.FunctionError) result.functionError = out.FunctionError;
        if (out.LogResult) result.logResult = out.LogResult;
        if (out.ExecutedVersion) result.executedVersion = out.ExecutedVersion;
        if (out.$metadata.requestId) result.requestId = out.$metadata.requestId;
        return result;
      } catch (wrapped) {
        const error = unwrap(wrapped);
        if (signal.aborted) throw failed(error);
        // Safe to send again only when AWS certainly did not run it (or it cannot run: DryRun).
        const retryable =
          isThrottlingError(error) || isNotSentError(error) || (!mayRun && isTransientForDryRun(error));
        if (!retryable || attempt >= deps.retry.maxRetries) throw failed(error);
        const hint = retryAfterSecondsOf(error);
        const backoff = Math.round(random() * deps.retry.baseDelayMs * 2 ** attempt);
        const delay = Math.max(backoff, hint !== undefined ? hint * 1000 : 0);
        if (delay > deps.retry.maxDelayMs || Date.now() + delay >= deadline) throw failed(error);
        deps.logger.debug('Invoke refused before running; trying again', {
          function: ctx.functionName,
          attempt: attempt + 1,
          delayMs: delay,
          error: (error as { name?: string }).name,
        });
        try {
          await sleep(delay, signal);
        } catch {
          throw failed(error);
        }
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

/** A DryRun runs nothing, so server errors and resets may be retried too. */
function isTransientForDryRun(error: unknown): boolean {
  const e = error as { $metadata?: { httpStatusCode?: number }; code?: string; name?: string };
  const status = e.$metadata?.httpStatusCode ?? 0;
  return (
    status >= 500 || ['ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(e.code ?? '') || e.name === 'TimeoutError'
  );
}
