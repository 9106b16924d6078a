/**
 * One local function instance: a runtime process (runtime-process.ts) that loads the handler once
 * (the INIT phase) and then runs invocations one at a time, like a Lambda execution environment.
 * The host side of the protocol: every message the runtime sends is checked (child-messages.ts);
 * a malformed one, a process that exits, or memory past the memory size ends this instance only.
 */
import { MessageReader } from './child-messages.js';
import type { InvokeMessage, WorkerErrorPayload, WorkerInit, WorkerToHost } from './protocol.js';
import type { RuntimeProcess } from './runtime-process.js';

/** How one invocation on an instance ended, before the backend turns it into a Lambda answer. */
export type RunOutcome =
  | { kind: 'done'; body?: string; error?: WorkerErrorPayload; memoryBytes: number; fatal: boolean }
  /** The runtime process exited (process.exit, or it ended by itself). */
  | { kind: 'exit'; code: number }
  /** The process went past its memory size (resident memory, heap and off-heap). */
  | { kind: 'oom'; message: string }
  /** The process was killed by a signal, or broke the protocol. */
  | { kind: 'crash'; message: string };

export type StartOutcome =
  | { ok: true; initDurationMs: number }
  | { ok: false; initDurationMs: number; error: WorkerErrorPayload };

export interface WorkerInstanceOptions {
  process: RuntimeProcess;
  functionName: string;
  init: WorkerInit;
  env: Record<string, string>;
  /** The manifest/code generation this instance was started for; a newer one retires it. */
  generation: string;
  onLog: (instance: WorkerInstance, ts: number, text: string) => void;
  onDropped: (instance: WorkerInstance, bytes: number) => void;
  /** Called once when the process is gone, whatever the reason. */
  onGone: (instance: WorkerInstance) => void;
  /** Called when the runtime broke the protocol (the instance is then ended). */
  onViolation?: (instance: WorkerInstance, reason: string) => void;
}

const SIGNAL_WORDS: Record<string, string> = {
  SIGKILL: 'killed',
  SIGABRT: 'aborted',
  SIGSEGV: 'segmentation fault',
  SIGTERM: 'terminated',
  SIGBUS: 'bus error',
};

// --------------------------------------------------------------- memory watchdog
// Resident memory of every live instance, read from /proc: busy and starting ones every tick,
// idle ones every 25th. An instance past its memory size is killed (Runtime.OutOfMemory).
const WATCH_MS = 20;
const watched = new Set<WorkerInstance>();
let watchTimer: NodeJS.Timeout | undefined;
let tick = 0;

function watch(instance: WorkerInstance): void {
  watched.add(instance);
  if (watchTimer) return;
  watchTimer = setInterval(() => {
    tick++;
    for (const inst of watched) if (inst.busy || tick % 25 === 0) inst.checkMemory();
  }, WATCH_MS);
  watchTimer.unref();
}

function unwatch(instance: WorkerInstance): void {
  watched.delete(instance);
  if (watched.size === 0 && watchTimer) {
    clearInterval(watchTimer);
    watchTimer = undefined;
  }
}

const MIB = 1024 * 1024;
let nextInstanceId = 1;

/** One execution environment: a runtime process with the handler loaded. */
export class WorkerInstance {
  readonly id = nextInstanceId++;
  readonly functionName: string;
  readonly generation: string;
  /** Peak resident memory of the process (reported by it and watched from the host), bytes. */
  peakMemoryBytes = 0;
  readonly logStreamName: string;
  readonly createdAt = Date.now();
  busy = false;
  lastUsed = Date.now();
  /** Set when the instance must not take more invocations. */
  retired = false;
  gone = false;
  private readonly proc: RuntimeProcess;
  private readonly limitBytes: number;
  private readonly options: WorkerInstanceOptions;
  private pending: ((outcome: RunOutcome) => void) | undefined;
  private pendingRequestId: string | undefined;
  private readonly started: Promise<StartOutcome>;
  private finishStart: (outcome: StartOutcome) => void = () => {};
  private starting = true;
  private readonly t0 = performance.now();
  /** Why the host ended the process, when it did (decides the outcome at exit). */
  private endedBy: RunOutcome | undefined;
  private stderrTail = '';

  constructor(options: WorkerInstanceOptions) {
    this.options = options;
    this.proc = options.process;
    this.functionName = options.functionName;
    this.generation = options.generation;
    this.logStreamName = options.init.logStreamName;
    this.limitBytes = options.init.memorySizeMb * MIB;
    this.started = new Promise<StartOutcome>((resolve) => {
      let settled = false;
      this.finishStart = (outcome) => {
        if (settled) return;
        settled = true;
        this.starting = false;
        resolve(outcome);
      };
    });

    const reader = new MessageReader(
      (message) => this.onMessage(message),
      (reason) => this.violate(reason),
    );
    this.proc.channel.on('data', (chunk: Buffer) => reader.push(chunk));
    // Output that did not go through the runtime's console (child processes, native code).
    this.proc.child.stdout?.on('data', (chunk: Buffer) =>
      this.options.onLog(this, Date.now(), chunk.toString('utf8')),
    );
    this.proc.child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.stderrTail = (this.stderrTail + text).slice(-2048);
      this.options.onLog(this, Date.now(), text);
    });
    this.proc.onExit((code, signal) => this.onExit(code, signal));
    if (this.proc.exited) this.onExit(null, null);
    else {
      watch(this);
      this.proc.send({ t: 'init', init: options.init, env: options.env });
    }
  }

  private onMessage(message: WorkerToHost): void {
    if (this.gone || this.endedBy) return;
    switch (message.t) {
      case 'log':
        this.options.onLog(this, message.ts, message.text);
        return;
      case 'log-dropped':
        this.options.onDropped(this, message.bytes);
        return;
      case 'ready':
        if (!this.starting) {
          this.violate('ready: the function is already loaded');
          return;
        }
        this.notePeak(message.memoryBytes);
        this.finishStart({ ok: true, initDurationMs: performance.now() - this.t0 });
        return;
      case 'init-error':
        if (!this.starting) {
          this.violate('init-error: the function is already loaded');
          return;
        }
        this.retired = true;
        this.finishStart({ ok: false, initDurationMs: performance.now() - this.t0, error: message.error });
        return;
      case 'done': {
        if (message.fatal) this.retired = true;
        if (this.pending === undefined) {
          // An uncaught error between invocations: the instance is replaced.
          if (message.fatal && message.requestId === '') {
            void this.terminate();
            return;
          }
          this.violate(
            `done: no invocation is running (requestId ${JSON.stringify(message.requestId.slice(0, 64))})`,
          );
          return;
        }
        if (message.requestId !== this.pendingRequestId) {
          this.violate(
            `done: requestId ${JSON.stringify(message.requestId.slice(0, 64))} is not the running invocation`,
          );
          return;
        }
        this.notePeak(message.memoryBytes);
        const outcome: RunOutcome = {
          kind: 'done',
          ...(message.body !== undefined ? { body: message.body } : {}),
          ...(message.error ? { error: message.error } : {}),
          memoryBytes: this.peakMemoryBytes,
          fatal: message.fatal === true,
        };
        // Output a child process wrote to the stdout/stderr pipes before the answer arrives in the
        // same turn of the event loop: let those reads land in this invocation's log first.
        const pending = this.pending;
        this.pending = undefined;
        this.pendingRequestId = undefined;
        setImmediate(() => pending(outcome));
        return;
      }
    }
  }

  private notePeak(bytes: number): void {
    if (bytes > this.peakMemoryBytes) this.peakMemoryBytes = Math.min(bytes, Number.MAX_SAFE_INTEGER);
  }

  /** Reads the resident memory; past the memory size the process is killed. */
  checkMemory(): void {
    if (this.gone || this.endedBy) return;
    const rss = this.proc.residentBytes();
    if (rss === undefined) return;
    this.notePeak(rss);
    if (rss > this.limitBytes) {
      this.end({ kind: 'oom', message: `resident memory ${Math.ceil(rss / MIB)} MB` });
    }
  }

  private violate(reason: string): void {
    if (this.gone || this.endedBy) return;
    this.options.onViolation?.(this, reason);
    this.end({ kind: 'crash', message: `the runtime sent an invalid message (${reason})` });
  }

  /** Ends the process for a reason the host decided; the invocation in flight gets that outcome. */
  private end(outcome: RunOutcome): void {
    this.endedBy = outcome;
    this.retired = true;
    this.proc.kill();
    this.finishStart({ ok: false, initDurationMs: performance.now() - this.t0, error: startError(outcome) });
    this.resolvePending(outcome);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.gone) return;
    this.gone = true;
    this.retired = true;
    unwatch(this);
    let outcome: RunOutcome;
    if (this.endedBy) outcome = this.endedBy;
    else if (signal === 'SIGABRT' || /heap out of memory|Reached heap limit/.test(this.stderrTail)) {
      outcome = { kind: 'oom', message: 'JavaScript heap out of memory' };
    } else if (code !== null) outcome = { kind: 'exit', code };
    else if (signal !== null)
      outcome = { kind: 'crash', message: `signal: ${SIGNAL_WORDS[signal] ?? signal}` };
    else
      outcome = {
        kind: 'crash',
        message: this.proc.spawnError?.message ?? 'the process could not be started',
      };
    this.finishStart({ ok: false, initDurationMs: performance.now() - this.t0, error: startError(outcome) });
    // Let the last pipe reads land in the log first.
    setImmediate(() => {
      this.resolvePending(outcome);
      this.options.onGone(this);
    });
  }

  private resolvePending(outcome: RunOutcome): void {
    const pending = this.pending;
    this.pending = undefined;
    this.pendingRequestId = undefined;
    pending?.(outcome);
  }

  /** Resolves when the handler is loaded (INIT done) or failed to load. */
  start(): Promise<StartOutcome> {
    return this.started;
  }

  run(message: InvokeMessage): Promise<RunOutcome> {
    if (this.gone) return Promise.resolve(this.endedBy ?? { kind: 'exit', code: 0 });
    return new Promise<RunOutcome>((resolve) => {
      this.pending = resolve;
      this.pendingRequestId = message.requestId;
      this.proc.send(message);
    });
  }

  /** Busy instances keep the host alive; idle ones must not keep a CLI from exiting. */
  setBusy(busy: boolean): void {
    this.busy = busy;
    this.lastUsed = Date.now();
    if (!this.gone) this.proc.setRef(busy);
  }

  async terminate(): Promise<void> {
    this.retired = true;
    if (this.gone) return;
    await this.proc.stop();
  }
}

function startError(outcome: RunOutcome): WorkerErrorPayload {
  switch (outcome.kind) {
    case 'oom':
      return { errorType: 'Runtime.OutOfMemory', errorMessage: 'Runtime exited with error: signal: killed' };
    case 'exit':
      return {
        errorType: 'Runtime.ExitError',
        errorMessage:
          outcome.code === 0
            ? 'Runtime exited without providing a reason'
            : `Runtime exited with error: exit status ${outcome.code}`,
      };
    case 'crash':
      return {
        errorType: 'Runtime.ExitError',
        errorMessage: `Runtime exited with error: ${outcome.message}`,
      };
    default:
      return { errorType: 'Runtime.ExitError', errorMessage: 'Runtime exited without providing a reason' };
  }
}
