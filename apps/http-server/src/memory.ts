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

/**
 * Returns memory to the system when a burst of requests is over. Under load V8 grows its young
 * generation and keeps the pages of old-generation garbage, and it runs no collection while the
 * process is idle, so a server that served thousands of calls would hold that memory until the
 * next burst. Once at least `minRequests` requests were answered since the last collection and
 * none arrived (and none is running) for `idleMs`, one full collection runs. A steady trickle of
 * requests never triggers it: it waits for a quiet period, and runs at most once per quiet period.
 */
export interface IdleReleaser {
  /** Reports a request starting; `done` is called when it ends. */
  requestStarted(): () => void;
  stop(): void;
}

export function createIdleReleaser(
  options: {
    idleMs?: number;
    minRequests?: number;
    onCollected?: (info: { requests: number; ms: number; heapBefore: number; heapAfter: number }) => void;
  } = {},
): IdleReleaser {
  const idleMs = options.idleMs ?? 5_000;
  const minRequests = options.minRequests ?? 500;
  let running = 0;
  let requests = 0;
  let lastActivity = Date.now();
  let timer: NodeJS.Timeout | undefined;

  const check = () => {
    timer = undefined;
    if (requests < minRequests) return;
    const quietFor = Date.now() - lastActivity;
    if (running > 0 || quietFor < idleMs) {
      arm(running > 0 ? idleMs : idleMs - quietFor);
      return;
    }
    const gc = fullGc();
    const count = requests;
    requests = 0;
    if (!gc) return;
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    gc();
    options.onCollected?.({
      requests: count,
      ms: performance.now() - t0,
      heapBefore,
      heapAfter: process.memoryUsage().heapUsed,
    });
  };
  const arm = (ms: number) => {
    if (timer) return;
    timer = setTimeout(check, Math.max(1, ms));
    timer.unref();
  };

  return {
    requestStarted() {
      running += 1;
      requests += 1;
      lastActivity = Date.now();
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        running -= 1;
        lastActivity = Date.now();
        if (requests >= minRequests) arm(idleMs);
      };
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/**
 * Keeps resident memory near a target under sustained load. V8 sizes its heap for the whole machine
 * (or the whole container), so with a small live set it still lets garbage pile up to hundreds of
 * MB before a full collection. Every `intervalMs` this reads the resident size; above `targetBytes`
 * it runs one full collection (a few milliseconds for this server's live heap of some tens of MB).
 * When a collection does not bring the process back under the target (the live set itself is
 * larger), the next one waits twice as long (up to `maxGapMs`), so a big live set costs at most one
 * collection per `maxGapMs`.
 */
export interface MemoryGovernor {
  stop(): void;
}

export function createMemoryGovernor(options: {
  targetBytes: number;
  intervalMs?: number;
  minGapMs?: number;
  maxGapMs?: number;
  rss?: () => number;
  onCollected?: (info: { rssBefore: number; rssAfter: number; ms: number }) => void;
}): MemoryGovernor {
  const intervalMs = options.intervalMs ?? 1_000;
  const minGapMs = options.minGapMs ?? 2_000;
  const maxGapMs = options.maxGapMs ?? 60_000;
  const rss = options.rss ?? (() => process.memoryUsage.rss());
  let gap = minGapMs;
  let last = 0;
  const timer = setInterval(() => {
    const before = rss();
    if (before <= options.targetBytes || Date.now() - last < gap) return;
    const gc = fullGc();
    if (!gc) return;
    const t0 = performance.now();
    gc();
    last = Date.now();
    const after = rss();
    gap = after > options.targetBytes * 0.9 ? Math.min(maxGapMs, gap * 2) : minGapMs;
    options.onCollected?.({ rssBefore: before, rssAfter: after, ms: performance.now() - t0 });
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
    },
  };
}
