import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Returns memory to the system after many sessions closed at once. V8 runs a full collection only
 * under allocation pressure, so after thousands of sessions are swept an idle server would keep
 * hundreds of MB of garbage (and the resident memory) indefinitely. A full collection here lets
 * V8 free those pages. It costs a pause proportional to the live heap (milliseconds for a
 * server's normal heap), so it runs at most once per `minIntervalMs`, and only after at least
 * `threshold` sessions were closed since the last one.
 */
export interface MemoryReleaser {
  /** Reports closed sessions; may schedule a collection. */
  sessionsClosed(count: number): void;
  stop(): void;
}

let cachedGc: (() => void) | null | undefined;

/** A full-GC function: `global.gc` when exposed, otherwise obtained once through V8 flags. */
export function fullGc(): (() => void) | undefined {
  if (cachedGc !== undefined) return cachedGc ?? undefined;
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') {
    cachedGc = exposed;
    return exposed;
  }
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    cachedGc = typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    cachedGc = null;
  }
  return cachedGc ?? undefined;
}

export function createMemoryReleaser(
  options: {
    threshold?: number;
    minIntervalMs?: number;
    delayMs?: number;
    onCollected?: (info: { sessions: number; ms: number; heapBefore: number; heapAfter: number }) => void;
  } = {},
): MemoryReleaser {
  const threshold = options.threshold ?? 256;
  const minIntervalMs = options.minIntervalMs ?? 30_000;
  const delayMs = options.delayMs ?? 1_000;
  let pending = 0;
  let last = 0;
  let timer: NodeJS.Timeout | undefined;

  const collect = () => {
    timer = undefined;
    const gc = fullGc();
    if (!gc) return;
    const sessions = pending;
    pending = 0;
    last = Date.now();
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    gc();
    options.onCollected?.({
      sessions,
      ms: performance.now() - t0,
      heapBefore,
      heapAfter: process.memoryUsage().heapUsed,
    });
  };

  return {
    sessionsClosed(count) {
      pending += count;
      if (pending < threshold || timer) return;
      const wait = Math.max(delayMs, last + minIntervalMs - Date.now());
      timer = setTimeout(collect, wait);
      timer.unref();
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
