/**
 * Control-plane reads under Lambda's request quotas. Lambda limits control-plane calls per account
 * and region (Lambda Developer Guide, "Lambda quotas", API requests: GetFunction 100 requests per
 * second; GetPolicy 15; the remainder of the control plane, ListFunctions and ListTags included,
 * 15 requests per second, none of them can be increased). Several servers discovering one account
 * at once, or one account of 10,000 functions, meet that quota; the SDK's own retries give up after
 * `maxAttempts` and share a small retry budget per client. Pages and per-function reads are sent
 * again here after a throttle, with capped exponential backoff and full jitter, within a deadline.
 */
import { LambdaMcpError } from '../errors.js';
import { isThrottlingError, retryAfterSecondsOf } from './errors.js';

export interface ThrottleRetryPolicy {
  /** First backoff ceiling (ms); doubles per attempt. */
  baseMs: number;
  /** Largest backoff ceiling (ms). */
  capMs: number;
  /** Give up after this long spent waiting on throttles for one request (ms). */
  deadlineMs: number;
}

export const DEFAULT_THROTTLE_RETRY: ThrottleRetryPolicy = { baseMs: 200, capMs: 5_000, deadlineMs: 120_000 };

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `send` and, while it fails with a throttle, waits (full jitter: a random time up to
 * min(cap, base x 2^attempt), at least any Retry-After) and runs it again, until the deadline.
 * Anything else, and the last throttle after the deadline, is thrown as it came.
 */
export async function withThrottleRetry<T>(
  send: () => Promise<T>,
  options: { signal?: AbortSignal; policy?: Partial<ThrottleRetryPolicy>; random?: () => number } = {},
): Promise<T> {
  const policy = { ...DEFAULT_THROTTLE_RETRY, ...options.policy };
  const random = options.random ?? Math.random;
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!isThrottlingError(error) || options.signal?.aborted) throw error;
      const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 20));
      const after = (retryAfterSecondsOf(error) ?? 0) * 1000;
      const wait = Math.max(after, random() * ceiling);
      if (Date.now() - started + wait > policy.deadlineMs) throw error;
      await sleep(wait, options.signal).catch(() => {
        throw new LambdaMcpError('ABORTED', 'The request was cancelled while waiting out a throttle.', {
          cause: error,
        });
      });
    }
  }
}
