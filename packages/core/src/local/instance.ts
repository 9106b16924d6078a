import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { InvokeMessage, WorkerErrorPayload, WorkerInit, WorkerToHost } from './protocol.js';

/** How one invocation on a worker ended, before the backend turns it into a Lambda answer. */
export type RunOutcome =
  | { kind: 'done'; body?: string; error?: WorkerErrorPayload; memoryBytes: number; fatal: boolean }
  /** The worker thread exited (process.exit, or it ended by itself). */
  | { kind: 'exit'; code: number }
  /** The worker hit its heap limit (resourceLimits). */
  | { kind: 'oom'; message: string }
  /** The worker failed outside the handler (should not happen; reported as a runtime error). */
  | { kind: 'crash'; message: string };

export type StartOutcome =
  | { ok: true; initDurationMs: number }
  | { ok: false; initDurationMs: number; error: WorkerErrorPayload };

export interface WorkerInstanceOptions {
  workerPath: string;
  functionName: string;
  init: WorkerInit;
  env: Record<string, string>;
  /** The manifest/code generation this instance was started for; a newer one retires it. */
  generation: string;
  onLog: (instance: WorkerInstance, ts: number, text: string) => void;
  onDropped: (instance: WorkerInstance, bytes: number) => void;
  /** Called once when the worker is gone, whatever the reason. */
  onGone: (instance: WorkerInstance) => void;
}

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

let nextInstanceId = 1;

/** One execution environment: a worker thread with the handler loaded. */
export class WorkerInstance {
  readonly id = nextInstanceId++;
  readonly functionName: string;
  readonly generation: string;
  /** Peak memory the worker reported (V8 heap + external), bytes. */
  peakMemoryBytes = 0;
  readonly logStreamName: string;
  readonly createdAt = Date.now();
  busy = false;
  lastUsed = Date.now();
  /** Set when the instance must not take more invocations. */
  retired = false;
  gone = false;
  private readonly worker: Worker;
  private pending: ((outcome: RunOutcome) => void) | undefined;
  private started: Promise<StartOutcome>;
  private exitCode: number | undefined;

  constructor(options: WorkerInstanceOptions) {
    this.functionName = options.functionName;
    this.generation = options.generation;
    this.logStreamName = options.init.logStreamName;
    const t0 = performance.now();
    this.worker = new Worker(options.workerPath, {
      workerData: options.init,
      env: options.env,
      execArgv: [],
      argv: [],
      stdout: true,
      stderr: true,
      stdin: false,
      name: `lambda:${options.init.functionName}`,
      resourceLimits: {
        maxOldGenerationSizeMb: options.init.memorySizeMb,
        stackSizeMb: 4,
      },
    });
    // stdout/stderr: true keeps the worker's stdio away from the host's. The worker routes its
    // output through parentPort itself; the host does not read these streams continuously because
    // a read stream holds a reference that would keep the host process alive while instances idle.
    // drainRawOutput() picks up anything that got past the worker's patches.

    this.started = new Promise<StartOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: StartOutcome) => {
        if (settled) return;
        settled = true;
        resolve(outcome);
      };
      this.worker.on('message', (message: WorkerToHost) => {
        switch (message.t) {
          case 'log':
            options.onLog(this, message.ts, message.text);
            return;
          case 'log-dropped':
            options.onDropped(this, message.bytes);
            return;
          case 'ready':
            this.peakMemoryBytes = Math.max(this.peakMemoryBytes, message.memoryBytes);
            finish({ ok: true, initDurationMs: performance.now() - t0 });
            return;
          case 'init-error':
            finish({ ok: false, initDurationMs: performance.now() - t0, error: message.error });
            return;
          case 'done': {
            if (message.fatal) this.retired = true;
            const pending = this.pending;
            this.pending = undefined;
            pending?.({
              kind: 'done',
              ...(message.body !== undefined ? { body: message.body } : {}),
              ...(message.error ? { error: message.error } : {}),
              memoryBytes: message.memoryBytes,
              fatal: message.fatal === true,
            });
            if (message.fatal && !pending) void this.terminate();
            return;
          }
        }
      });
      this.worker.on('error', (error: Error & { code?: string }) => {
        this.retired = true;
        const outcome: RunOutcome =
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? { kind: 'oom', message: error.message }
            : { kind: 'crash', message: error.message };
        finish({
          ok: false,
          initDurationMs: performance.now() - t0,
          error:
            outcome.kind === 'oom'
              ? {
                  errorType: 'Runtime.OutOfMemory',
                  errorMessage: 'Runtime exited with error: signal: killed',
                }
              : {
                  errorType: 'Runtime.ExitError',
                  errorMessage: `Runtime exited with error: ${error.message}`,
                },
        });
        this.resolvePending(outcome);
      });
      this.worker.on('exit', (code) => {
        this.exitCode = code;
        this.retired = true;
        this.gone = true;
        finish({
          ok: false,
          initDurationMs: performance.now() - t0,
          error: {
            errorType: 'Runtime.ExitError',
            errorMessage:
              code === 0
                ? 'Runtime exited without providing a reason'
                : `Runtime exited with error: exit status ${code}`,
          },
        });
        this.resolvePending({ kind: 'exit', code });
        options.onGone(this);
      });
    });
  }

  private resolvePending(outcome: RunOutcome): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.(outcome);
  }

  /** Resolves when the handler is loaded (INIT done) or failed to load. */
  start(): Promise<StartOutcome> {
    return this.started;
  }

  run(message: InvokeMessage): Promise<RunOutcome> {
    if (this.gone) return Promise.resolve({ kind: 'exit', code: this.exitCode ?? 0 });
    return new Promise<RunOutcome>((resolve) => {
      this.pending = resolve;
      this.worker.postMessage(message);
    });
  }

  /**
   * Output that reached the worker's real stdio channel (past the worker's own capture). Reading it
   * makes the stream hold a reference, so an instance that had any is retired afterwards.
   */
  drainRawOutput(): string | undefined {
    let text = '';
    for (const stream of [this.worker.stdout, this.worker.stderr]) {
      if (stream.readableLength === 0) continue;
      let chunk: Buffer | string | null;
      // biome-ignore lint/suspicious/noAssignInExpressions: the usual read loop.
      while ((chunk = stream.read() as Buffer | string | null) !== null) text += chunk.toString();
    }
    if (text === '') return undefined;
    this.retired = true;
    return text;
  }

  /** Busy instances keep the host alive; idle ones must not keep a CLI from exiting. */
  setBusy(busy: boolean): void {
    this.busy = busy;
    this.lastUsed = Date.now();
    if (this.gone) return;
    if (busy) this.worker.ref();
    else this.worker.unref();
  }

  async terminate(): Promise<void> {
    this.retired = true;
    if (this.gone) return;
    try {
      await this.worker.terminate();
    } catch {
      // Already gone.
    }
  }
}
