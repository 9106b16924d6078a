/**
 * The process a local function instance runs in: `node --max-old-space-size=<memory size>
 * dist/local/worker.js`, with only the environment it is given, its stdout and stderr piped to the
 * host (its child processes inherit those pipes, never the host's descriptors) and a message
 * channel on fd 3. Ending it ends the processes it started too. Spare processes are started ahead
 * of time so that a cold start does not wait for Node.js to boot (spare-pool.ts).
 *
 * Not a new session (`detached`): on Linux that puts the process in a scheduling autogroup of its
 * own, which made every invocation round trip several times slower on a loaded machine. Its
 * descendants are found through /proc when it is killed instead of through a process group.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let here: string | undefined;
function moduleDir(): string {
  if (here === undefined) here = dirname(fileURLToPath(import.meta.url));
  return here;
}

/**
 * Finds dist/local/worker.js: beside this module when running from dist/local, one level down when
 * tsup put this code in a shared chunk at dist/, and in ../../dist/local when running from src
 * under vitest (build first).
 */
export function resolveWorkerPath(): string {
  const dir = moduleDir();
  const candidates = [
    join(dir, 'worker.js'),
    join(dir, 'local', 'worker.js'),
    join(dir, '..', '..', 'dist', 'local', 'worker.js'),
  ];
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  throw new Error(
    `The local runtime's worker file was not found (looked for ${candidates.join(', ')}). Build @lambda-mcp/core first: pnpm --filter @lambda-mcp/core build`,
  );
}

/** The environment a spare starts with; the function's own replaces it at init. */
export function spareEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', LANG: 'en_US.UTF-8' };
}

/** Read buffer for /proc/<pid>/status (VmRSS is in its first kilobyte); reads are synchronous. */
const statusBuffer = Buffer.alloc(4096);

export class RuntimeProcess {
  readonly child: ChildProcess;
  readonly channel: Socket;
  readonly memorySizeMb: number;
  readonly spawnedAt = Date.now();
  exited = false;
  /** Set when spawning failed (no pid). */
  spawnError: Error | undefined;
  private readonly exitListeners = new Set<(code: number | null, signal: NodeJS.Signals | null) => void>();
  /** /proc/<pid>/status, kept open for the memory watchdog's reads (undefined until the first). */
  private statusFd: number | undefined;

  constructor(workerPath: string, memorySizeMb: number, env: Record<string, string>) {
    this.memorySizeMb = memorySizeMb;
    this.child = spawn(process.execPath, [`--max-old-space-size=${memorySizeMb}`, workerPath], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env,
      cwd: tmpdir(),
      windowsHide: true,
    });
    this.channel = this.child.stdio[3] as Socket;
    // A dead child must never make a write or a read throw in the host.
    const ignore = () => {};
    this.channel.on('error', ignore);
    this.child.stdout?.on('error', ignore);
    this.child.stderr?.on('error', ignore);
    this.child.on('error', (error) => {
      this.spawnError = error;
      if (this.child.pid === undefined) this.markExited(null, null);
    });
    this.child.on('exit', (code, signal) => this.markExited(code, signal));
  }

  private markExited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exited) return;
    this.exited = true;
    for (const listener of this.exitListeners) listener(code, signal);
    this.exitListeners.clear();
    this.channel.destroy();
    this.closeStatus();
    // Output still in the pipes is read for a moment; child processes the function left behind
    // may hold them open, so they are closed after that and never keep the host alive.
    this.setRef(false);
    const timer = setTimeout(() => {
      this.child.stdout?.destroy();
      this.child.stderr?.destroy();
    }, 200);
    timer.unref();
  }

  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  send(message: unknown): void {
    if (!this.exited) this.channel.write(`${JSON.stringify(message)}\n`);
  }

  /** Whether the host waits for this process (a busy instance) or may exit without it. */
  setRef(ref: boolean): void {
    const handles: Array<{ ref?: () => unknown; unref?: () => unknown } | null | undefined> = [
      this.child,
      this.channel,
      this.child.stdout as Socket | null,
      this.child.stderr as Socket | null,
    ];
    for (const h of handles) {
      if (ref) h?.ref?.();
      else h?.unref?.();
    }
  }

  /**
   * Resident memory now, in bytes; undefined where /proc is not available. The watchdog reads it
   * every 20 ms for each busy instance, so /proc/<pid>/status stays open and is read again from
   * offset 0 (one pread instead of open, fstat, two reads and close: about 9 instead of 59 µs of
   * CPU a read). The descriptor belongs to this process: once it has exited, reads fail.
   */
  residentBytes(): number | undefined {
    if (this.exited || this.child.pid === undefined) return undefined;
    try {
      this.statusFd ??= openSync(`/proc/${this.child.pid}/status`, 'r');
      const n = readSync(this.statusFd, statusBuffer, 0, statusBuffer.length, 0);
      const kb = /VmRSS:\s+(\d+) kB/.exec(statusBuffer.toString('latin1', 0, n))?.[1];
      return kb === undefined ? undefined : Number(kb) * 1024;
    } catch {
      this.closeStatus();
      return undefined;
    }
  }

  private closeStatus(): void {
    if (this.statusFd === undefined) return;
    try {
      closeSync(this.statusFd);
    } catch {
      // Already closed.
    }
    this.statusFd = undefined;
  }

  /** Kills the process and the processes it started (found before it dies, while still its descendants). */
  kill(): void {
    const pid = this.child.pid;
    if (pid === undefined || this.exited) return;
    for (const target of [pid, ...descendantsOf(pid)]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }

  /** Kills and waits (bounded) for the exit. */
  async stop(timeoutMs = 2000): Promise<void> {
    if (this.exited) return;
    // Waiting for the exit keeps the host alive for that long (bounded), even for an idle process.
    this.child.ref();
    const exited = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.onExit(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.kill();
    await exited;
  }
}

/** Process ids below `pid` in the process tree (Linux /proc; none elsewhere). */
export function descendantsOf(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    const code = entry.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue;
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid);
    if (list) list.push(Number(entry));
    else children.set(ppid, [Number(entry)]);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    for (const child of children.get(next) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}
