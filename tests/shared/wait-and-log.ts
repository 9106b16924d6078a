/**
 * The test helpers every suite shares (package tests and tests/*): a bounded poll and a logger that
 * records what it is told. Imported by relative path; it depends on nothing but Node.js, so any
 * package's tests can use it (their tsconfig's rootDir is the repository).
 */

type Falsy = undefined | null | false | '' | 0;

/** Thrown by a `waitFor` check to end the wait at once (the awaited thing can no longer happen). */
export class GaveUp extends Error {}

/**
 * Polls `check` until it returns a truthy value (which it resolves to), or throws after `ms`
 * naming `what` and the last error `check` threw, if any. An error the check throws is retried
 * (kept for the timeout message), except a `GaveUp`, which ends the wait at once.
 */
export async function waitFor<T>(
  check: () => T | Falsy | Promise<T | Falsy>,
  ms = 5_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as T;
    } catch (error) {
      if (error instanceof GaveUp) throw error;
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `Timed out after ${ms} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : String(last)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One call to a captured logger: its level, message and fields (a child's bindings merged in). */
export interface CapturedLog {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

/** The shape of core's `Logger`, restated so this file needs no package. */
export interface CapturingLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): CapturingLogger;
}

/** A logger that keeps every call in `entries`, children included, in order. */
export function captureLogger(): { logger: CapturingLogger; entries: CapturedLog[] } {
  const entries: CapturedLog[] = [];
  const make = (bindings: Record<string, unknown>): CapturingLogger => {
    const at =
      (level: CapturedLog['level']) =>
      (message: string, fields?: Record<string, unknown>): void => {
        entries.push({ level, message, fields: { ...bindings, ...fields } });
      };
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return { logger: make({}), entries };
}
