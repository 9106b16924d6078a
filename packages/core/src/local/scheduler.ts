/**
 * Concurrency of the local backend: per-function state and counters, account-level and reserved
 * concurrency (throttling), the queue of accepted Event invocations waiting for a slot, and
 * waiting for the backend to go idle.
 */
import { LambdaMcpError } from '../errors.js';
import type { CatalogEntry } from './catalog.js';
import type { WorkerInstance } from './instance.js';

export interface EventJob {
  run: () => void;
}

export interface FunctionState {
  name: string;
  instances: WorkerInstance[];
  running: number;
  queue: EventJob[];
  invocations: number;
  executions: number;
  errors: number;
  throttles: number;
  coldStarts: number;
}

export class Scheduler {
  readonly states = new Map<string, FunctionState>();
  totalRunning = 0;
  closed = false;
  private pumping = false;
  private readonly idleWaiters = new Set<() => void>();

  constructor(readonly maxConcurrency: number) {}

  state(name: string): FunctionState {
    let s = this.states.get(name);
    if (!s) {
      s = {
        name,
        instances: [],
        running: 0,
        queue: [],
        invocations: 0,
        executions: 0,
        errors: 0,
        throttles: 0,
        coldStarts: 0,
      };
      this.states.set(name, s);
    }
    return s;
  }

  /** Why an invocation would be throttled now, or undefined when a slot is free. */
  throttleReason(entry: CatalogEntry, s: FunctionState): string | undefined {
    const reserved = entry.spec.reservedConcurrency;
    if (reserved !== undefined) {
      return s.running >= reserved ? 'ReservedFunctionConcurrentInvocationLimitExceeded' : undefined;
    }
    return this.totalRunning >= this.maxConcurrency ? 'ConcurrentInvocationLimitExceeded' : undefined;
  }

  acquire(s: FunctionState): void {
    s.running++;
    this.totalRunning++;
  }

  release(s: FunctionState): void {
    s.running--;
    this.totalRunning--;
    this.pumpEvents();
    if (this.totalRunning === 0 && this.queuedTotal() === 0) this.wakeIdle();
  }

  queuedTotal(): number {
    let n = 0;
    for (const s of this.states.values()) n += s.queue.length;
    return n;
  }

  enqueue(s: FunctionState, job: EventJob): void {
    s.queue.push(job);
    this.pumpEvents();
  }

  /** Starts queued Event invocations while slots are free. */
  pumpEvents(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    try {
      for (const s of this.states.values()) {
        while (s.queue.length > 0) {
          const job = s.queue[0];
          if (!job) break;
          const before = s.running;
          job.run();
          if (s.running === before) break; // still no slot
          s.queue.shift();
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Resolves once no invocation is running or queued (bounded by `timeoutMs`). */
  idle(timeoutMs = 60_000): Promise<void> {
    if (this.closed || (this.totalRunning === 0 && this.queuedTotal() === 0)) return Promise.resolve();
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        this.idleWaiters.delete(done);
        reject(new LambdaMcpError('TIMED_OUT', `The local backend was still busy after ${timeoutMs} ms.`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolvePromise();
      };
      this.idleWaiters.add(done);
    });
  }

  wakeIdle(): void {
    for (const w of this.idleWaiters) w();
    this.idleWaiters.clear();
  }

  /** Drops queued events and wakes idle waiters (the backend is closing). */
  close(): void {
    this.closed = true;
    for (const s of this.states.values()) s.queue.length = 0;
    this.wakeIdle();
  }
}
