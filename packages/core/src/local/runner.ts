/**
 * Running one accepted invocation: a warm instance of the current code or a new one (from a
 * spare process when one is waiting), the INIT phase, the invocation with its timeout and
 * cancellation, platform failures in Lambda's words, and synthetic functions (no code). The slot
 * is taken by the caller (scheduler.ts); the log and record are written through invocation-log.ts.
 */
import { LambdaMcpError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { InvocationType } from '../types.js';
import type { CatalogEntry } from './catalog.js';
import { type RunOutcome, WorkerInstance } from './instance.js';
import type { Answer, Invocation, InvocationLog } from './invocation-log.js';
import { logStreamName, startLine, timeoutLine } from './log-format.js';
import { realPathInside } from './manifest.js';
import { functionArn, type Target } from './names.js';
import { LOCAL_LIMITS } from './requests.js';
import { RuntimeProcess, resolveWorkerPath } from './runtime-process.js';
import type { FunctionState, Scheduler } from './scheduler.js';
import { SparePool } from './spare-pool.js';
import { runSynthetic } from './synthetic-runner.js';

const MIB = 1024 * 1024;

export interface RunnerOptions {
  region: string;
  accountId: string;
  logger: Logger;
  idleTimeoutMs: number;
  workerLogBudget: number;
  /** Extra environment variables for every function (a function's own `environment` wins). */
  env: Record<string, string> | undefined;
  workerPath: string | undefined;
  /** Start spare runtime processes ahead of cold starts. */
  spareProcesses: boolean;
}

type Race = RunOutcome | { kind: 'timeout' } | { kind: 'aborted' };

export function race<T>(work: Promise<T>, timeoutMs: number, signal?: AbortSignal): Promise<T | Race> {
  return new Promise((resolvePromise) => {
    let done = false;
    const finish = (value: T | Race) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolvePromise(value);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    const onAbort = () => finish({ kind: 'aborted' });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    work.then(finish, (error: unknown) => finish({ kind: 'crash', message: String(error) }));
  });
}

/** The answer for a timeout or a runtime that ended, in Lambda's words. */
export function platformFailure(
  requestId: string,
  outcome: RunOutcome | { kind: 'timeout' },
  timeoutSeconds: number,
  memorySizeMb: number,
  peakMb: number,
): Answer {
  switch (outcome.kind) {
    case 'timeout': {
      const message = `Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;
      return {
        error: { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${requestId} Error: ${message}` },
        durationMs: 0,
        maxMemoryUsedMb: peakMb,
        status: 'timeout',
        after: [timeoutLine(Date.now(), requestId, timeoutSeconds)],
      };
    }
    case 'oom': {
      const message = `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`;
      return {
        error: { errorType: 'Runtime.OutOfMemory', errorMessage: message },
        durationMs: 0,
        maxMemoryUsedMb: memorySizeMb,
        status: 'error',
        reportErrorType: 'Runtime.OutOfMemory',
        after: [`${message}\nRuntime.OutOfMemory\n`],
      };
    }
    case 'exit':
    case 'crash': {
      const reason =
        outcome.kind === 'crash'
          ? `Runtime exited with error: ${outcome.message}`
          : outcome.code === 0
            ? 'Runtime exited without providing a reason'
            : `Runtime exited with error: exit status ${outcome.code}`;
      const message = `RequestId: ${requestId} Error: ${reason}`;
      return {
        error: { errorType: 'Runtime.ExitError', errorMessage: message },
        durationMs: 0,
        maxMemoryUsedMb: peakMb,
        status: 'error',
        reportErrorType: 'Runtime.ExitError',
        after: [`${message}\nRuntime.ExitError\n`],
      };
    }
    default:
      return { durationMs: 0, maxMemoryUsedMb: peakMb };
  }
}

export class Runner {
  private readonly bound = new Map<WorkerInstance, Invocation>();
  /** One log stream per synthetic function (they have no instances). */
  private readonly syntheticStreams = new Map<string, string>();
  private workerPath: string | undefined;
  private readonly spares: SparePool;
  private readonly reaper: NodeJS.Timeout | undefined;

  constructor(
    private readonly o: RunnerOptions,
    private readonly scheduler: Scheduler,
    private readonly log: InvocationLog,
  ) {
    this.workerPath = o.workerPath;
    this.spares = new SparePool(() => this.resolvedWorkerPath(), o.spareProcesses);
    const idle = o.idleTimeoutMs;
    this.reaper =
      idle > 0
        ? setInterval(
            () => {
              const now = Date.now();
              for (const s of scheduler.states.values()) {
                for (const inst of s.instances) {
                  if (!inst.busy && now - inst.lastUsed >= idle) void this.stopInstance(s, inst);
                }
              }
              this.spares.stopOlderThan(idle);
            },
            Math.max(50, Math.min(30_000, Math.floor(idle / 2))),
          )
        : undefined;
    this.reaper?.unref();
  }

  private resolvedWorkerPath(): string {
    this.workerPath ??= resolveWorkerPath();
    return this.workerPath;
  }

  async stopInstance(s: FunctionState, inst: WorkerInstance): Promise<void> {
    const i = s.instances.indexOf(inst);
    if (i >= 0) s.instances.splice(i, 1);
    await inst.terminate();
  }

  /** Stops every instance and spare (the backend is closing). */
  async close(): Promise<void> {
    if (this.reaper) clearInterval(this.reaper);
    const all: Promise<void>[] = [this.spares.close()];
    for (const s of this.scheduler.states.values()) {
      for (const inst of [...s.instances]) all.push(this.stopInstance(s, inst));
    }
    await Promise.all(all);
  }

  /** Runs one accepted invocation to its end and writes END/REPORT. The slot is already taken. */
  async execute(
    entry: CatalogEntry,
    target: Target,
    invocationType: InvocationType,
    event: string,
    clientContext: unknown,
    requestId: string,
    signal?: AbortSignal,
  ): Promise<{ inv: Invocation; answer: Answer }> {
    const s = this.scheduler.state(entry.spec.name);
    const inv = this.log.begin(entry, target, invocationType, requestId, s.running);
    s.invocations++;
    const invokedArn = functionArn(this.o.region, this.o.accountId, entry.spec.name, target.qualifier);
    let answer: Answer;
    try {
      answer = entry.synthetic
        ? await runSynthetic(entry, s, inv, event, invokedArn, this.log, this.syntheticStreams, signal)
        : await this.runOnInstance(entry, s, inv, event, invokedArn, clientContext, signal);
    } catch (error) {
      // Could not start (e.g. the handler now escapes its folder): not an invocation after all.
      this.log.discard(inv);
      s.invocations--;
      throw error;
    }
    if (answer.error) s.errors++;
    this.log.finish(inv, entry, answer);
    return { inv, answer };
  }

  private async startInstance(entry: CatalogEntry, inv: Invocation): Promise<WorkerInstance> {
    const spec = entry.spec;
    // The folder may have changed since the scan: check the handler file again before loading it.
    const file = await realPathInside(spec.dir, spec.handlerFile, `handler file of ${spec.name}`).catch(
      (error: Error) => {
        throw new LambdaMcpError(
          'INVALID_CONFIG',
          `Local function ${JSON.stringify(spec.name)} cannot be used: ${error.message}`,
          { details: { functionName: spec.name, problem: error.message } },
        );
      },
    );
    const region = this.o.region;
    const stream = logStreamName();
    // Only what the function is given and Lambda's own variables: nothing of the host's.
    const env: Record<string, string> = {
      ...(process.env.PATH ? { PATH: process.env.PATH } : {}),
      LANG: 'en_US.UTF-8',
      ...this.o.env,
      ...spec.environment,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: spec.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySizeMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: stream,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      LAMBDA_TASK_ROOT: spec.dir,
      _HANDLER: spec.handler,
    };
    // NODE_OPTIONS only works at process start: such a function gets a process of its own.
    const proc =
      (env.NODE_OPTIONS === undefined ? this.spares.take(spec.memorySizeMb) : undefined) ??
      new RuntimeProcess(this.resolvedWorkerPath(), spec.memorySizeMb, env);
    const inst = new WorkerInstance({
      process: proc,
      functionName: spec.name,
      init: {
        file,
        exportPath: spec.exportPath,
        handler: spec.handler,
        functionName: spec.name,
        memorySizeMb: spec.memorySizeMb,
        logGroupName: `/aws/lambda/${spec.name}`,
        logStreamName: stream,
        taskRoot: spec.dir,
        maxLogBytesPerInvocation: this.o.workerLogBudget,
        maxResponseBytes: LOCAL_LIMITS.responseBytes,
      },
      env,
      generation: spec.generation,
      onLog: (i, ts, text) => {
        const bound = this.bound.get(i);
        if (bound) this.log.appendLog(bound, ts, text);
      },
      onDropped: (i, bytes) => {
        const bound = this.bound.get(i);
        if (bound) bound.workerDroppedBytes += bytes;
      },
      onGone: (i) => {
        this.bound.delete(i);
        const st = this.scheduler.states.get(i.functionName);
        const at = st ? st.instances.indexOf(i) : -1;
        if (st && at >= 0) st.instances.splice(at, 1);
      },
      onViolation: (i, reason) =>
        this.o.logger.warn('local function instance ended: its runtime sent an invalid message', {
          functionName: i.functionName,
          reason,
        }),
    });
    this.bound.set(inst, inv);
    // The next cold start of this memory size takes a spare started once this one is loaded.
    void inst.start().then(() => this.spares.refill(spec.memorySizeMb));
    return inst;
  }

  private async runOnInstance(
    entry: CatalogEntry,
    s: FunctionState,
    inv: Invocation,
    event: string,
    invokedArn: string,
    clientContext: unknown,
    signal?: AbortSignal,
  ): Promise<Answer> {
    const spec = entry.spec;
    const requestId = inv.record.requestId;
    const timeoutMs = spec.timeoutSeconds * 1000;
    // Warm instance of the current code, else a new one; older generations retire.
    let inst: WorkerInstance | undefined;
    for (const candidate of [...s.instances]) {
      if (candidate.busy || candidate.retired) continue;
      if (candidate.generation !== spec.generation) {
        void this.stopInstance(s, candidate);
        continue;
      }
      inst = candidate;
      break;
    }
    let initDurationMs: number | undefined;
    if (inst) {
      this.bound.set(inst, inv);
      inst.setBusy(true);
    } else {
      const fresh = await this.startInstance(entry, inv);
      inst = fresh;
      s.instances.push(fresh);
      fresh.setBusy(true);
      s.coldStarts++;
      this.log.appendLog(
        inv,
        Date.now(),
        `INIT_START Runtime Version: nodejs:${process.versions.node}\tRuntime Version ARN: local\n`,
        true,
      );
      const started = await race(fresh.start(), LOCAL_LIMITS.initTimeoutMs, signal);
      if ('ok' in started) {
        initDurationMs = started.initDurationMs;
        if (!started.ok) {
          void this.stopInstance(s, fresh);
          this.log.appendLog(
            inv,
            Date.now(),
            `INIT_REPORT Init Duration: ${initDurationMs.toFixed(2)} ms\tPhase: init\tStatus: error\tError Type: ${started.error.errorType}\n`,
            true,
          );
          inv.inTail = true;
          this.log.appendLog(inv, Date.now(), startLine(requestId), true);
          return {
            error: started.error,
            durationMs: 0,
            initDurationMs,
            maxMemoryUsedMb: started.error.errorType === 'Runtime.OutOfMemory' ? spec.memorySizeMb : 0,
            status: 'error',
            reportErrorType: started.error.errorType,
          };
        }
      } else {
        void this.stopInstance(s, fresh);
        inv.inTail = true;
        this.log.appendLog(inv, Date.now(), startLine(requestId), true);
        if (started.kind === 'aborted') return { aborted: true, durationMs: 0, maxMemoryUsedMb: 0 };
        return platformFailure(requestId, { kind: 'timeout' }, spec.timeoutSeconds, spec.memorySizeMb, 0);
      }
    }
    const running = inst;
    const peakMb = () => Math.max(1, Math.ceil(running.peakMemoryBytes / MIB));
    inv.inTail = true;
    this.log.appendLog(inv, Date.now(), startLine(requestId), true);
    s.executions++;
    const t0 = performance.now();
    const outcome = await race(
      running.run({
        t: 'invoke',
        requestId,
        event,
        deadline: Date.now() + timeoutMs,
        invokedFunctionArn: invokedArn,
        ...(clientContext !== undefined ? { clientContext } : {}),
      }),
      timeoutMs,
      signal,
    );
    const durationMs = performance.now() - t0;
    const base = { durationMs, ...(initDurationMs !== undefined ? { initDurationMs } : {}) };
    if (outcome.kind === 'done') {
      if (outcome.fatal || running.retired || this.o.idleTimeoutMs <= 0) void this.stopInstance(s, running);
      else running.setBusy(false);
      return {
        ...base,
        ...(outcome.body !== undefined ? { body: outcome.body } : {}),
        ...(outcome.error ? { error: outcome.error } : {}),
        maxMemoryUsedMb: Math.min(peakMb(), spec.memorySizeMb),
      };
    }
    // Everything else ends the instance.
    void this.stopInstance(s, running);
    if (outcome.kind === 'aborted') return { ...base, aborted: true, maxMemoryUsedMb: peakMb() };
    return {
      ...platformFailure(requestId, outcome, spec.timeoutSeconds, spec.memorySizeMb, peakMb()),
      ...base,
    };
  }
}
