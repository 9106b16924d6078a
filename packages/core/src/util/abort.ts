import { LambdaMcpError } from '../errors.js';

export function abortError(signal?: AbortSignal): LambdaMcpError {
  const reason: unknown = signal?.reason;
  return new LambdaMcpError(
    'ABORTED',
    'The operation was cancelled.',
    reason === undefined ? {} : { cause: reason },
  );
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}

/**
 * Waits for a shared promise with the caller's own signal: the caller stops waiting when its
 * signal aborts, the shared work goes on for the others.
 */
export function raceSignal<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
