/** The signals that shut the server down gracefully (exit 0 once calls in flight are answered). */
export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

/** The part of `process` this uses (a test passes an EventEmitter). */
export interface SignalSource {
  once(event: ShutdownSignal, listener: (signal: ShutdownSignal) => void): unknown;
  off(event: ShutdownSignal, listener: (signal: ShutdownSignal) => void): unknown;
}

/**
 * Takes the shutdown signals from the bin's first line: one that comes while the server is still
 * starting (loading its bundle, reading its configuration) is kept, and the server shuts down for
 * it as soon as it can (`serve`), instead of Node.js's default of dying by the signal. A second
 * signal before then is left to that default (a second Ctrl-C still stops a start that hangs).
 */
export function holdShutdownSignals(source: SignalSource): {
  /** From now on each signal shuts the server down; a signal kept meanwhile does so at once. */
  serve(shutdown: (signal: ShutdownSignal) => void): void;
} {
  let kept: ShutdownSignal | undefined;
  const keep = (signal: ShutdownSignal) => {
    kept ??= signal;
  };
  for (const signal of SHUTDOWN_SIGNALS) source.once(signal, keep);
  return {
    serve(shutdown) {
      for (const signal of SHUTDOWN_SIGNALS) {
        // The new listener first: a signal with no listener left has its handle closed, and one that
        // arrived but was not yet dispatched (the thread was busy starting) would be lost with it.
        source.once(signal, () => shutdown(signal));
        source.off(signal, keep);
      }
      if (kept) shutdown(kept);
    },
  };
}
