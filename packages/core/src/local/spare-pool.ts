/**
 * Pre-started runtime processes, one per memory size recently used: a cold start takes one that
 * has already booted Node.js and only has to load the handler, and a new spare is started once
 * that instance is ready. A spare holds no function, no function environment (it starts with PATH
 * and LANG only) and never keeps the host alive.
 */
import { RuntimeProcess, spareEnv } from './runtime-process.js';

/** Memory sizes kept warm at once; the least recently used one goes first. */
const MAX_SIZES = 4;

export class SparePool {
  private readonly spares = new Map<number, { proc: RuntimeProcess; detach: () => void }>();
  private closed = false;

  constructor(
    private readonly workerPath: () => string,
    private readonly enabled: boolean,
  ) {}

  /** A started spare for this memory size, or undefined (the caller starts a process itself). */
  take(memorySizeMb: number): RuntimeProcess | undefined {
    const spare = this.spares.get(memorySizeMb);
    if (!spare) return undefined;
    this.spares.delete(memorySizeMb);
    spare.detach();
    if (spare.proc.exited) return undefined;
    return spare.proc;
  }

  /** Starts a spare for this memory size if none is waiting. */
  refill(memorySizeMb: number): void {
    if (!this.enabled || this.closed || this.spares.has(memorySizeMb)) return;
    if (this.spares.size >= MAX_SIZES) {
      const oldest = this.spares.keys().next().value as number;
      this.discard(oldest);
    }
    let proc: RuntimeProcess;
    try {
      proc = new RuntimeProcess(this.workerPath(), memorySizeMb, spareEnv());
    } catch {
      return;
    }
    proc.setRef(false);
    const detach = proc.onExit(() => {
      if (this.spares.get(memorySizeMb)?.proc === proc) this.spares.delete(memorySizeMb);
    });
    this.spares.set(memorySizeMb, { proc, detach });
  }

  /** Stops spares started more than `ms` ago (the backend's idle timeout). */
  stopOlderThan(ms: number): void {
    const now = Date.now();
    for (const [size, spare] of this.spares) if (now - spare.proc.spawnedAt >= ms) this.discard(size);
  }

  get size(): number {
    return this.spares.size;
  }

  private discard(size: number): void {
    const spare = this.spares.get(size);
    if (!spare) return;
    this.spares.delete(size);
    spare.detach();
    spare.proc.kill();
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.spares.values()].map((s) => {
      s.detach();
      return s.proc.stop();
    });
    this.spares.clear();
    await Promise.all(all);
  }
}
