import {
  type InvocationResult,
  type InvocationService,
  type InvokeOutcome,
  type InvokeRequest,
  LambdaMcpError,
  toLambdaMcpError,
} from '@lambda-mcp/core';
import { mapWithConcurrency } from '@lambda-mcp/core/internal';

/**
 * A counting semaphore with a bounded FIFO queue: at most `max` holders; up to `maxQueue` waiters;
 * anyone beyond that is refused at once. A waiter whose signal aborts leaves the queue.
 */
export interface Limiter {
  acquire(signal?: AbortSignal): Promise<() => void>;
  readonly active: number;
  readonly queued: number;
  readonly max: number;
}

export function createLimiter(max: number, maxQueue: number): Limiter {
  let active = 0;
  const queue: Array<{ grant: () => void; fail: (e: unknown) => void }> = [];

  const release = () => {
    const next = queue.shift();
    if (next) next.grant();
    else active -= 1;
  };
  const once = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  };

  return {
    get active() {
      return active;
    },
    get queued() {
      return queue.length;
    },
    max,
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(toLambdaMcpError(signal.reason ?? abortError()));
      if (active < max) {
        active += 1;
        return Promise.resolve(once());
      }
      if (queue.length >= maxQueue) {
        return Promise.reject(
          new LambdaMcpError(
            'THROTTLED',
            `The server is running its maximum of ${max} concurrent invocations; try again shortly.`,
            { retryable: true, details: { maxConcurrentInvocations: max } },
          ),
        );
      }
      return new Promise((resolve, reject) => {
        const entry = {
          grant: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve(once());
          },
          fail: reject,
        };
        const onAbort = () => {
          const i = queue.indexOf(entry);
          if (i >= 0) queue.splice(i, 1);
          reject(new LambdaMcpError('ABORTED', 'The operation was cancelled.', { cause: signal?.reason }));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(entry);
      });
    },
  };
}

function abortError(): Error {
  const e = new Error('The operation was cancelled.');
  e.name = 'AbortError';
  return e;
}

export interface InvocationObserver {
  /** Called once per invocation attempt that got a slot, with the outcome. */
  onInvocation?(event: { outcome: string; durationMs: number; functionName: string }): void;
  onActiveChange?(active: number): void;
}

/** `success`, `function_error`, or the error code in lower case (`throttled`, `not_allowed` ...). */
export function invocationOutcome(result: InvocationResult | undefined, error?: unknown): string {
  if (error !== undefined) return toLambdaMcpError(error).code.toLowerCase();
  return result?.functionError ? 'function_error' : 'success';
}

/**
 * Wraps an InvocationService so that at most `limiter.max` invocations run at once across the
 * whole server (every session, every tool), and each one is counted. `invokeMany` keeps its own
 * per-call cap and takes a slot per item.
 */
export function limitInvocations(
  inner: InvocationService,
  limiter: Limiter,
  observer: InvocationObserver = {},
): InvocationService {
  const invoke = async (request: InvokeRequest, options?: { signal?: AbortSignal }) => {
    const release = await limiter.acquire(options?.signal);
    observer.onActiveChange?.(limiter.active);
    const started = performance.now();
    try {
      const result = await inner.invoke(request, options);
      observer.onInvocation?.({
        outcome: invocationOutcome(result),
        durationMs: performance.now() - started,
        functionName: request.functionName,
      });
      return result;
    } catch (error) {
      observer.onInvocation?.({
        outcome: invocationOutcome(undefined, error),
        durationMs: performance.now() - started,
        functionName: request.functionName,
      });
      throw error;
    } finally {
      release();
      observer.onActiveChange?.(limiter.active);
    }
  };

  return {
    invoke,
    async invokeMany(requests, options) {
      const concurrency = Math.max(1, options?.concurrency ?? 8);
      return mapWithConcurrency(requests, concurrency, async (request): Promise<InvokeOutcome> => {
        try {
          const result = await invoke(request, options);
          return { ok: true, request, result };
        } catch (error) {
          return { ok: false, request, error: toLambdaMcpError(error) };
        }
      });
    },
  };
}
