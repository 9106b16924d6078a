import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Backend } from '../backend.js';
import { LambdaMcpError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import type {
  BackendInvokeRequest,
  BackendInvokeResult,
  CallOptions,
  FilterLogEventsPage,
  FilterLogEventsRequest,
  FunctionConfig,
  GetMetricDataRequest,
  InvocationType,
  MetricDataResult,
  RawSchemaDocument,
  SchemaRef,
  TagFilter,
  Tags,
} from '../types.js';
import {
  type CatalogEntry,
  LocalCatalog,
  type SyntheticContext,
  type SyntheticFunctionSpec,
} from './catalog.js';
import { compileFilterPattern } from './filter-pattern.js';
import { createHistoryFile, type HistoryFile } from './history.js';
import { type RunOutcome, resolveWorkerPath, WorkerInstance } from './instance.js';
import {
  endLine,
  lambdaTimestamp,
  logStreamName,
  logTail,
  reportLine,
  startLine,
  timeoutLine,
} from './log-format.js';
import { realPathInside } from './manifest.js';
import { functionArn, notFound, parseTarget, type Target } from './names.js';
import type { WorkerErrorPayload } from './protocol.js';
import { type InvocationRecord, RecordStore, type RecordStoreOptions } from './records.js';

/** AWS limits the local backend enforces like Lambda. */
export const LOCAL_LIMITS = {
  /** Synchronous request and response payloads. */
  syncPayloadBytes: 6_291_456,
  /** Event (asynchronous) payloads, since October 2025. */
  asyncPayloadBytes: 1_048_576,
  /** The response size AWS names in Function.ResponseSizeTooLarge. */
  responseBytes: 6_291_556,
  /** Base64 client context. */
  clientContextBytes: 3_583,
  /** Lambda's INIT phase limit. */
  initTimeoutMs: 10_000,
} as const;

export interface LocalBackendOptions {
  /** Directory of function folders, each with a `function.json`. Optional with synthetic functions. */
  dir?: string;
  /** Functions without code (config and tags only); invoking one echoes the event. */
  syntheticFunctions?: SyntheticFunctionSpec[];
  /** Default `us-east-1`. */
  region?: string;
  /** Default `000000000000`. */
  accountId?: string;
  logger?: Logger;
  /** Idle instances are stopped after this long (ms). Default 5 minutes; 0 stops them after each invocation. */
  idleTimeoutMs?: number;
  /** Account-level concurrency: running invocations across all functions. Default 32. */
  maxConcurrency?: number;
  /** Tag that points to a function's input schema (as `inputSchemaArnTagKey` in the config). */
  inputSchemaArnTagKey?: string;
  outputSchemaArnTagKey?: string;
  /** Bounds of the in-memory invocation records (metrics and logs). */
  records?: Partial<RecordStoreOptions>;
  /** Log text a worker forwards per invocation before dropping the rest. Default 6 MB. */
  maxWorkerLogBytesPerInvocation?: number;
  /** Extra environment variables for every function (a function's own `environment` wins). */
  env?: Record<string, string>;
  /** How long a scanned manifest is trusted before an invocation checks the folder again (ms). Default 1000. */
  manifestRecheckMs?: number;
  /** Event invocations waiting for a free slot; beyond this an Event invocation is refused. Default 10,000. */
  maxQueuedEvents?: number;
  /** Path of the built worker (dist/local/worker.js); found automatically. */
  workerPath?: string;
  /**
   * A JSON Lines file shared by the processes on this machine: each finished invocation (and
   * throttle) is appended, and records other processes appended are merged in before metric and
   * log queries. Off when not given (records then live in this process's memory only). The apps
   * pass `localHistoryFile(config, dir)`.
   */
  historyFile?: string;
  /** The history file is rotated to `<file>.1` past this size. Default 16 MB. */
  historyMaxBytes?: number;
}

export interface LocalFunctionStats {
  functionName: string;
  /** Invocations accepted (not throttled), finished or running. */
  invocations: number;
  /** Invocations whose event reached the handler (a worker got it, or a synthetic handler ran). */
  executions: number;
  errors: number;
  throttles: number;
  coldStarts: number;
  running: number;
  instances: number;
  queuedEvents: number;
}

/** The local backend: the Backend interface plus what tests, the emulator and benchmarks need. */
export interface LocalBackend extends Backend {
  readonly kind: 'local';
  readonly dir: string | undefined;
  readonly accountId: string;
  /** Counters of one function (zeros for a function never invoked). */
  stats(functionName: string): LocalFunctionStats;
  allStats(): LocalFunctionStats[];
  /** How many invocations reached the function's handler: the emulator proves "no duplicate execution" with it. */
  executionCount(functionName: string): number;
  /** Adds (or replaces) a synthetic function at run time. */
  registerSyntheticFunction(spec: SyntheticFunctionSpec): void;
  removeSyntheticFunction(name: string): boolean;
  /** Stops the warm instances of one function (or all): the next invocation is a cold start. */
  stopInstances(functionName?: string): Promise<void>;
  /** Resolves once no invocation (Event ones included) is running or queued. */
  idle(options?: { timeoutMs?: number }): Promise<void>;
}

interface EventJob {
  run: () => void;
}

interface FunctionState {
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

/** One invocation in progress: its record and the text for its log tail. */
interface Invocation {
  record: InvocationRecord;
  tail: string[];
  tailBytes: number;
  inTail: boolean;
  workerDroppedBytes: number;
}

interface Answer {
  body?: string;
  error?: WorkerErrorPayload;
  durationMs: number;
  initDurationMs?: number;
  maxMemoryUsedMb: number;
  status?: 'timeout' | 'error';
  reportErrorType?: string;
  /** Platform lines written after REPORT (timeouts, runtime exits), as Lambda does. */
  after?: string[];
  aborted?: boolean;
}

const MIB = 1024 * 1024;

function errorPayload(error: unknown): WorkerErrorPayload {
  if (error instanceof Error) {
    return { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

function architecture(): string {
  return process.arch === 'arm64' ? 'arm64' : 'x86_64';
}

/**
 * Creates a Lambda-like backend over a directory of Node.js functions (and/or synthetic ones).
 * Each instance is a worker thread; see docs/local-backend.md for the semantics and limits.
 */
export function createLocalBackend(options: LocalBackendOptions = {}): LocalBackend {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const logger = options.logger ?? silentLogger;
  const idleTimeoutMs = options.idleTimeoutMs ?? 5 * 60_000;
  const maxConcurrency = options.maxConcurrency ?? 32;
  const inputTagKey = options.inputSchemaArnTagKey ?? 'lambda-mcp:input-schema-arn';
  const outputTagKey = options.outputSchemaArnTagKey ?? 'lambda-mcp:output-schema-arn';
  const maxQueuedEvents = options.maxQueuedEvents ?? 10_000;
  const workerLogBudget = options.maxWorkerLogBytesPerInvocation ?? 6 * MIB;
  const dir = options.dir === undefined ? undefined : resolve(options.dir);
  const catalog = new LocalCatalog({
    ...(dir !== undefined ? { dir } : {}),
    synthetic: options.syntheticFunctions ?? [],
    logger,
    recheckMs: options.manifestRecheckMs ?? 1000,
  });
  const store = new RecordStore(options.records);
  const history: HistoryFile | undefined =
    options.historyFile === undefined || options.historyFile === ''
      ? undefined
      : createHistoryFile({
          file: options.historyFile,
          instanceId: randomUUID(),
          logger,
          ...(options.historyMaxBytes !== undefined ? { maxBytes: options.historyMaxBytes } : {}),
        });
  const states = new Map<string, FunctionState>();
  const bound = new Map<WorkerInstance, Invocation>();
  const configCache = new WeakMap<CatalogEntry, FunctionConfig>();
  let workerPath = options.workerPath;
  let totalRunning = 0;
  let closed = false;
  const idleWaiters = new Set<() => void>();

  const state = (name: string): FunctionState => {
    let s = states.get(name);
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
      states.set(name, s);
    }
    return s;
  };

  const reaper =
    idleTimeoutMs > 0
      ? setInterval(
          () => {
            const now = Date.now();
            for (const s of states.values()) {
              for (const inst of s.instances) {
                if (!inst.busy && now - inst.lastUsed >= idleTimeoutMs) void stopInstance(s, inst);
              }
            }
          },
          Math.max(50, Math.min(30_000, Math.floor(idleTimeoutMs / 2))),
        )
      : undefined;
  reaper?.unref();

  async function stopInstance(s: FunctionState, inst: WorkerInstance): Promise<void> {
    const i = s.instances.indexOf(inst);
    if (i >= 0) s.instances.splice(i, 1);
    await inst.terminate();
  }

  // ------------------------------------------------------------------ catalog

  function schemaArn(name: string, kind: 'input' | 'output'): string {
    return `arn:aws:schemas:${region}:${accountId}:schema/local/${name}-${kind}`;
  }

  function tagsOf(entry: CatalogEntry): Tags {
    const tags: Tags = { ...entry.spec.tags };
    if (entry.spec.inputSchema) tags[inputTagKey] = schemaArn(entry.spec.name, 'input');
    if (entry.spec.outputSchema) tags[outputTagKey] = schemaArn(entry.spec.name, 'output');
    return tags;
  }

  function toConfig(entry: CatalogEntry): FunctionConfig {
    const cached = configCache.get(entry);
    if (cached) return cached;
    const s = entry.spec;
    const config: FunctionConfig = {
      name: s.name,
      arn: functionArn(region, accountId, s.name),
      runtime: s.runtime,
      description: s.description,
      handler: s.handler,
      timeoutSeconds: s.timeoutSeconds,
      memorySizeMb: s.memorySizeMb,
      lastModified: lambdaTimestamp(s.lastModifiedMs),
      version: '$LATEST',
      state: 'Active',
      packageType: 'Zip',
      architectures: [architecture()],
      logGroup: `/aws/lambda/${s.name}`,
      logFormat: 'Text',
      ...(s.reservedConcurrency !== undefined ? { reservedConcurrency: s.reservedConcurrency } : {}),
      tags: tagsOf(entry),
    };
    configCache.set(entry, config);
    return config;
  }

  /** Finds a function for a request; FUNCTION_NOT_FOUND as AWS words it, INVALID_CONFIG for a bad folder. */
  async function lookup(target: Target, qualifiedMessage: boolean): Promise<CatalogEntry> {
    const found = await catalog.get(target.name);
    if (found === undefined) {
      throw notFound(
        region,
        accountId,
        target.name,
        target.qualifier ?? (qualifiedMessage ? '$LATEST' : undefined),
      );
    }
    if ('problem' in found) {
      throw new LambdaMcpError(
        'INVALID_CONFIG',
        `Local function ${JSON.stringify(target.name)} cannot be used: ${found.problem}`,
        { details: { functionName: target.name, problem: found.problem } },
      );
    }
    const q = target.qualifier;
    if (q !== undefined && q !== '$LATEST' && found.spec.aliases[q] === undefined) {
      throw notFound(region, accountId, target.name, q);
    }
    return found;
  }

  function checkOpen(signal?: AbortSignal): void {
    if (closed) throw new LambdaMcpError('BACKEND_UNAVAILABLE', 'The local backend is closed.');
    if (signal?.aborted) {
      throw new LambdaMcpError('ABORTED', 'The operation was cancelled.', { cause: signal.reason });
    }
  }

  // ------------------------------------------------------------------ logs of an invocation

  function appendLog(inv: Invocation, ts: number, text: string, force = false): void {
    store.appendLog(inv.record, ts, text, force);
    if (!inv.inTail) return;
    inv.tail.push(text);
    inv.tailBytes += text.length;
    while (inv.tailBytes > 16_384 && inv.tail.length > 1) {
      inv.tailBytes -= (inv.tail.shift() ?? '').length;
    }
  }

  function onWorkerLog(inst: WorkerInstance, ts: number, text: string): void {
    const inv = bound.get(inst);
    if (inv) appendLog(inv, ts, text);
  }

  function onWorkerDropped(inst: WorkerInstance, bytes: number): void {
    const inv = bound.get(inst);
    if (inv) inv.workerDroppedBytes += bytes;
  }

  function onWorkerGone(inst: WorkerInstance): void {
    bound.delete(inst);
    const s = states.get(inst.functionName);
    if (s) {
      const i = s.instances.indexOf(inst);
      if (i >= 0) s.instances.splice(i, 1);
    }
  }

  // ------------------------------------------------------------------ running one invocation

  async function startInstance(entry: CatalogEntry, inv: Invocation): Promise<WorkerInstance> {
    const spec = entry.spec;
    // The folder may have changed since the scan: check the handler file again before loading it.
    const file = await realPathInside(spec.dir, spec.handlerFile, `handler file of ${spec.name}`).catch(
      (error: Error) => {
        throw new LambdaMcpError(
          'INVALID_CONFIG',
          `Local function ${JSON.stringify(spec.name)} cannot be used: ${error.message}`,
          {
            details: { functionName: spec.name, problem: error.message },
          },
        );
      },
    );
    workerPath ??= resolveWorkerPath();
    const stream = logStreamName();
    const env: Record<string, string> = {
      ...(process.env.PATH ? { PATH: process.env.PATH } : {}),
      LANG: 'en_US.UTF-8',
      ...options.env,
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
    const inst = new WorkerInstance({
      workerPath,
      functionName: spec.name,
      init: {
        file,
        exportPath: spec.exportPath,
        handler: spec.handler,
        functionName: spec.name,
        memorySizeMb: spec.memorySizeMb,
        logGroupName: `/aws/lambda/${spec.name}`,
        logStreamName: stream,
        maxLogBytesPerInvocation: workerLogBudget,
        maxResponseBytes: LOCAL_LIMITS.responseBytes,
      },
      env,
      generation: spec.generation,
      onLog: onWorkerLog,
      onDropped: onWorkerDropped,
      onGone: onWorkerGone,
    });
    bound.set(inst, inv);
    return inst;
  }

  type Race = RunOutcome | { kind: 'timeout' } | { kind: 'aborted' };

  function race<T>(work: Promise<T>, timeoutMs: number, signal?: AbortSignal): Promise<T | Race> {
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

  function platformFailure(
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

  async function runOnWorker(
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
        void stopInstance(s, candidate);
        continue;
      }
      inst = candidate;
      break;
    }
    let initDurationMs: number | undefined;
    if (inst) {
      bound.set(inst, inv);
      inst.setBusy(true);
    } else {
      const fresh = await startInstance(entry, inv);
      inst = fresh;
      s.instances.push(fresh);
      fresh.setBusy(true);
      s.coldStarts++;
      appendLog(
        inv,
        Date.now(),
        `INIT_START Runtime Version: nodejs:${process.versions.node}\tRuntime Version ARN: local\n`,
        true,
      );
      const started = await race(fresh.start(), LOCAL_LIMITS.initTimeoutMs, signal);
      if ('ok' in started) {
        initDurationMs = started.initDurationMs;
        if (!started.ok) {
          void stopInstance(s, fresh);
          appendLog(
            inv,
            Date.now(),
            `INIT_REPORT Init Duration: ${initDurationMs.toFixed(2)} ms\tPhase: init\tStatus: error\tError Type: ${started.error.errorType}\n`,
            true,
          );
          inv.inTail = true;
          appendLog(inv, Date.now(), startLine(requestId), true);
          return {
            error: started.error,
            durationMs: 0,
            initDurationMs,
            maxMemoryUsedMb: 0,
            status: 'error',
            reportErrorType: started.error.errorType,
          };
        }
      } else {
        void stopInstance(s, fresh);
        inv.inTail = true;
        appendLog(inv, Date.now(), startLine(requestId), true);
        if (started.kind === 'aborted') return { aborted: true, durationMs: 0, maxMemoryUsedMb: 0 };
        return {
          ...platformFailure(requestId, { kind: 'timeout' }, spec.timeoutSeconds, spec.memorySizeMb, 0),
        };
      }
    }
    const peakMb = () => Math.max(1, Math.ceil(inst.peakMemoryBytes / MIB));
    inv.inTail = true;
    appendLog(inv, Date.now(), startLine(requestId), true);
    s.executions++;
    const t0 = performance.now();
    const outcome = await race(
      inst.run({
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
    const raw = inst.drainRawOutput();
    if (raw !== undefined) appendLog(inv, Date.now(), raw);
    if (outcome.kind === 'done') {
      inst.peakMemoryBytes = Math.max(inst.peakMemoryBytes, outcome.memoryBytes);
      if (outcome.fatal || inst.retired || idleTimeoutMs <= 0) void stopInstance(s, inst);
      else inst.setBusy(false);
      return {
        ...base,
        ...(outcome.body !== undefined ? { body: outcome.body } : {}),
        ...(outcome.error ? { error: outcome.error } : {}),
        maxMemoryUsedMb: peakMb(),
      };
    }
    // Everything else ends the instance.
    void stopInstance(s, inst);
    if (outcome.kind === 'aborted') return { ...base, aborted: true, maxMemoryUsedMb: peakMb() };
    return {
      ...platformFailure(requestId, outcome, spec.timeoutSeconds, spec.memorySizeMb, peakMb()),
      ...base,
    };
  }

  async function runSynthetic(
    entry: CatalogEntry,
    s: FunctionState,
    inv: Invocation,
    event: string,
    invokedArn: string,
    signal?: AbortSignal,
  ): Promise<Answer> {
    const spec = entry.spec;
    const requestId = inv.record.requestId;
    const stream = syntheticStreams.get(spec.name) ?? logStreamName();
    syntheticStreams.set(spec.name, stream);
    inv.record.logStreamName = stream;
    inv.inTail = true;
    appendLog(inv, Date.now(), startLine(requestId), true);
    s.executions++;
    const timeoutMs = spec.timeoutSeconds * 1000;
    const t0 = performance.now();
    const deadline = Date.now() + timeoutMs;
    const invoke = entry.synthetic?.invoke;
    const context: SyntheticContext = {
      functionName: spec.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: invokedArn,
      memoryLimitInMB: String(spec.memorySizeMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${spec.name}`,
      logStreamName: stream,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      log: (message: string) =>
        appendLog(inv, Date.now(), `${new Date().toISOString()}\t${requestId}\tINFO\t${message}\n`),
    };
    const work = (async () => (invoke ? await invoke(JSON.parse(event), context) : JSON.parse(event)))();
    const outcome = await race(
      work.then(
        (value) => ({ kind: 'value' as const, value }),
        (error: unknown) => ({ kind: 'error' as const, error }),
      ),
      timeoutMs,
      signal,
    );
    const durationMs = performance.now() - t0;
    if (outcome.kind === 'value') {
      let body: string;
      try {
        body = JSON.stringify(outcome.value === undefined ? null : outcome.value) ?? 'null';
      } catch (error) {
        return { durationMs, error: errorPayload(error), maxMemoryUsedMb: 0 };
      }
      if (Buffer.byteLength(body) > LOCAL_LIMITS.responseBytes) {
        return {
          durationMs,
          maxMemoryUsedMb: 0,
          error: {
            errorType: 'Function.ResponseSizeTooLarge',
            errorMessage: `Response payload size exceeded maximum allowed payload size (${LOCAL_LIMITS.responseBytes} bytes).`,
          },
        };
      }
      return { durationMs, body, maxMemoryUsedMb: 0 };
    }
    if (outcome.kind === 'error') {
      const payload = errorPayload(outcome.error);
      appendLog(
        inv,
        Date.now(),
        `${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify({ errorType: payload.errorType, errorMessage: payload.errorMessage, stack: payload.trace })}\n`,
      );
      return { durationMs, error: payload, maxMemoryUsedMb: 0 };
    }
    if (outcome.kind === 'aborted') return { durationMs, aborted: true, maxMemoryUsedMb: 0 };
    return {
      ...platformFailure(requestId, { kind: 'timeout' }, spec.timeoutSeconds, spec.memorySizeMb, 0),
      durationMs,
    };
  }
  const syntheticStreams = new Map<string, string>();

  /** Runs one accepted invocation to its end and writes END/REPORT. The slot is already taken. */
  async function execute(
    entry: CatalogEntry,
    target: Target,
    invocationType: InvocationType,
    event: string,
    clientContext: unknown,
    requestId: string,
    signal?: AbortSignal,
  ): Promise<{ inv: Invocation; answer: Answer }> {
    const s = state(entry.spec.name);
    const alias =
      target.qualifier !== undefined && target.qualifier !== '$LATEST' ? target.qualifier : undefined;
    const record = store.add({
      requestId,
      functionName: entry.spec.name,
      ...(alias ? { qualifier: alias } : {}),
      invocationType,
      start: Date.now(),
      durationMs: 0,
      throttled: false,
      concurrency: s.running,
      lines: [],
      logBytes: 0,
      droppedLogBytes: 0,
      done: false,
    });
    const inv: Invocation = { record, tail: [], tailBytes: 0, inTail: false, workerDroppedBytes: 0 };
    s.invocations++;
    const invokedArn = functionArn(region, accountId, entry.spec.name, target.qualifier);
    let answer: Answer;
    try {
      answer = entry.synthetic
        ? await runSynthetic(entry, s, inv, event, invokedArn, signal)
        : await runOnWorker(entry, s, inv, event, invokedArn, clientContext, signal);
    } catch (error) {
      // Could not start (e.g. the handler now escapes its folder): not an invocation after all.
      record.done = true;
      record.discarded = true;
      s.invocations--;
      throw error;
    }
    const now = Date.now();
    const dropped = inv.workerDroppedBytes + record.droppedLogBytes;
    if (dropped > 0) {
      appendLog(
        inv,
        now,
        `[lambda-mcp] ${dropped} bytes of log output were not kept by the local runtime\n`,
        true,
      );
    }
    if (answer.aborted) {
      appendLog(
        inv,
        now,
        `${new Date(now).toISOString()} ${requestId} Invocation cancelled by the caller\n`,
        true,
      );
    }
    appendLog(inv, now, endLine(requestId), true);
    appendLog(
      inv,
      now,
      reportLine({
        requestId,
        durationMs: answer.durationMs,
        memorySizeMb: entry.spec.memorySizeMb,
        maxMemoryUsedMb: answer.maxMemoryUsedMb,
        ...(answer.initDurationMs !== undefined ? { initDurationMs: answer.initDurationMs } : {}),
        ...(answer.status ? { status: answer.status } : {}),
        ...(answer.reportErrorType ? { errorType: answer.reportErrorType } : {}),
      }),
      true,
    );
    for (const line of answer.after ?? []) appendLog(inv, now, line, true);
    record.durationMs = answer.durationMs;
    if (answer.initDurationMs !== undefined) record.initDurationMs = answer.initDurationMs;
    if (answer.error) {
      record.errorType = answer.error.errorType;
      record.errorMessage = answer.error.errorMessage;
      s.errors++;
    }
    if (answer.aborted) record.aborted = true;
    record.done = true;
    history?.append(record);
    return { inv, answer };
  }

  // ------------------------------------------------------------------ concurrency

  function throttleReason(entry: CatalogEntry, s: FunctionState): string | undefined {
    const reserved = entry.spec.reservedConcurrency;
    if (reserved !== undefined) {
      return s.running >= reserved ? 'ReservedFunctionConcurrentInvocationLimitExceeded' : undefined;
    }
    return totalRunning >= maxConcurrency ? 'ConcurrentInvocationLimitExceeded' : undefined;
  }

  function acquire(s: FunctionState): void {
    s.running++;
    totalRunning++;
  }

  function release(s: FunctionState): void {
    s.running--;
    totalRunning--;
    pumpEvents();
    if (totalRunning === 0 && queuedTotal() === 0) {
      for (const w of idleWaiters) w();
      idleWaiters.clear();
    }
  }

  function queuedTotal(): number {
    let n = 0;
    for (const s of states.values()) n += s.queue.length;
    return n;
  }

  let pumping = false;
  function pumpEvents(): void {
    if (pumping || closed) return;
    pumping = true;
    try {
      for (const s of states.values()) {
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
      pumping = false;
    }
  }

  function recordThrottle(
    entry: CatalogEntry,
    target: Target,
    invocationType: InvocationType,
    s: FunctionState,
  ): void {
    s.throttles++;
    const alias =
      target.qualifier !== undefined && target.qualifier !== '$LATEST' ? target.qualifier : undefined;
    const record = store.add({
      requestId: randomUUID(),
      functionName: entry.spec.name,
      ...(alias ? { qualifier: alias } : {}),
      invocationType,
      start: Date.now(),
      durationMs: 0,
      throttled: true,
      concurrency: s.running,
      lines: [],
      logBytes: 0,
      droppedLogBytes: 0,
      done: true,
    });
    history?.append(record);
  }

  /** Merges the records other processes appended to the shared history since the last query. */
  async function mergeHistory(): Promise<void> {
    if (!history) return;
    for (const entry of await history.readNew()) store.addFinished(entry.record, entry.lines);
  }

  // ------------------------------------------------------------------ invoke

  function parseEvent(request: BackendInvokeRequest): string {
    const limit =
      request.invocationType === 'Event' ? LOCAL_LIMITS.asyncPayloadBytes : LOCAL_LIMITS.syncPayloadBytes;
    const size = request.payload.byteLength;
    if (size > limit) {
      const message =
        request.invocationType === 'Event'
          ? `${size} byte payload is too large for the Event invocation type (limit ${limit} bytes)`
          : `Request must be smaller than ${limit} bytes for the InvokeFunction operation`;
      throw new LambdaMcpError('PAYLOAD_TOO_LARGE', message, { details: { size, limit } });
    }
    const text = Buffer.from(request.payload.buffer, request.payload.byteOffset, size).toString('utf8');
    if (text.trim() === '') return '{}';
    try {
      JSON.parse(text);
    } catch (error) {
      throw new LambdaMcpError(
        'INVALID_REQUEST',
        `Could not parse request body into json: Could not parse payload into json: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return text;
  }

  function parseClientContext(value: string | undefined): unknown {
    if (value === undefined || value === '') return undefined;
    const fail = () =>
      new LambdaMcpError(
        'INVALID_REQUEST',
        `Client context must be a valid Base64-encoded JSON object of at most ${LOCAL_LIMITS.clientContextBytes} bytes.`,
      );
    if (value.length > LOCAL_LIMITS.clientContextBytes || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw fail();
    try {
      const parsed: unknown = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw fail();
      return parsed;
    } catch {
      throw fail();
    }
  }

  function toResult(inv: Invocation, answer: Answer, request: BackendInvokeRequest): BackendInvokeResult {
    const body = answer.error ? JSON.stringify(answer.error) : (answer.body ?? 'null');
    return {
      statusCode: 200,
      payload: new Uint8Array(Buffer.from(body, 'utf8')),
      ...(answer.error ? { functionError: 'Unhandled' } : {}),
      ...(request.logType === 'Tail' ? { logResult: logTail(inv.tail.join('')) } : {}),
      executedVersion: '$LATEST',
      requestId: inv.record.requestId,
    };
  }

  async function invoke(
    request: BackendInvokeRequest,
    callOptions: CallOptions = {},
  ): Promise<BackendInvokeResult> {
    const signal = callOptions.signal;
    checkOpen(signal);
    const target = parseTarget(request.functionName, request.qualifier, region, accountId);
    const entry = await lookup(target, true);
    checkOpen(signal);
    const event = parseEvent(request);
    const invocationType = request.invocationType;
    if (invocationType === 'DryRun') {
      return { statusCode: 204, payload: new Uint8Array(0), requestId: randomUUID() };
    }
    const s = state(entry.spec.name);
    const requestId = randomUUID();

    if (invocationType === 'Event') {
      if (queuedTotal() >= maxQueuedEvents) {
        throw new LambdaMcpError('THROTTLED', 'Rate Exceeded.', {
          details: {
            reason: 'ConcurrentInvocationLimitExceeded',
            retryAfterSeconds: 1,
            queuedEvents: maxQueuedEvents,
          },
          retryable: true,
        });
      }
      if (entry.spec.reservedConcurrency === 0) {
        // Lambda accepts the event, then throttles it until it is dropped.
        recordThrottle(entry, target, invocationType, s);
        logger.warn('event dropped: reserved concurrency is 0', { functionName: entry.spec.name, requestId });
        return { statusCode: 202, payload: new Uint8Array(0), requestId };
      }
      const job: EventJob = {
        run: () => {
          if (throttleReason(entry, s) !== undefined) return;
          acquire(s);
          execute(entry, target, invocationType, event, undefined, requestId)
            .catch((error: unknown) => {
              logger.warn('event invocation failed to start', {
                functionName: entry.spec.name,
                requestId,
                error: (error as Error).message,
              });
            })
            .finally(() => release(s));
        },
      };
      s.queue.push(job);
      pumpEvents();
      return { statusCode: 202, payload: new Uint8Array(0), requestId };
    }

    const clientContext = parseClientContext(request.clientContext);
    const reason = throttleReason(entry, s);
    if (reason !== undefined) {
      recordThrottle(entry, target, invocationType, s);
      throw new LambdaMcpError('THROTTLED', 'Rate Exceeded.', {
        details: {
          reason,
          retryAfterSeconds: 1,
          functionName: entry.spec.name,
          ...(entry.spec.reservedConcurrency !== undefined
            ? { reservedConcurrency: entry.spec.reservedConcurrency }
            : { maxConcurrency }),
        },
        retryable: true,
      });
    }
    acquire(s);
    const running = execute(entry, target, invocationType, event, clientContext, requestId, signal).finally(
      () => release(s),
    );
    let outcome: { inv: Invocation; answer: Answer };
    if (request.timeoutMs !== undefined && request.timeoutMs > 0) {
      // A client-side deadline: like an SDK timeout, the function itself keeps running.
      running.catch(() => {});
      const clientTimeout = request.timeoutMs;
      const raced = await Promise.race([
        running,
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), clientTimeout).unref()),
      ]);
      if (raced === 'timeout') {
        throw new LambdaMcpError(
          'TIMED_OUT',
          `No answer from ${entry.spec.name} within the client deadline of ${clientTimeout} ms; the invocation may still be running.`,
          { details: { functionName: entry.spec.name, requestId, timeoutMs: clientTimeout } },
        );
      }
      outcome = raced;
    } else {
      outcome = await running;
    }
    if (closed)
      throw new LambdaMcpError('BACKEND_UNAVAILABLE', 'The local backend was closed during the invocation.');
    if (outcome.answer.aborted) {
      throw new LambdaMcpError('ABORTED', 'The invocation was cancelled.', {
        details: { functionName: entry.spec.name, requestId },
        cause: signal?.reason,
      });
    }
    return toResult(outcome.inv, outcome.answer, request);
  }

  // ------------------------------------------------------------------ the Backend

  const backend: LocalBackend = {
    kind: 'local',
    region,
    accountId,
    dir,
    scope: `local:${dir ?? '(synthetic)'}`,

    async listFunctions(callOptions?: CallOptions): Promise<FunctionConfig[]> {
      checkOpen(callOptions?.signal);
      return (await catalog.list()).map(toConfig);
    },

    async unusableFunctions(callOptions?: CallOptions) {
      checkOpen(callOptions?.signal);
      return catalog.unusable();
    },

    async getFunction(name: string, qualifier?: string, callOptions?: CallOptions): Promise<FunctionConfig> {
      checkOpen(callOptions?.signal);
      const target = parseTarget(name, qualifier, region, accountId);
      return toConfig(await lookup(target, false));
    },

    async getTags(request: { arns: string[]; tagFilters?: TagFilter[] }, callOptions?: CallOptions) {
      checkOpen(callOptions?.signal);
      const out = new Map<string, Tags>();
      for (const arn of request.arns) {
        let target: Target;
        try {
          target = parseTarget(arn, undefined, region, accountId);
        } catch {
          continue;
        }
        const found = await catalog.get(target.name);
        if (found && !('problem' in found)) out.set(arn, tagsOf(found));
      }
      return out;
    },

    invoke,

    async describeSchema(ref: SchemaRef, callOptions?: CallOptions): Promise<RawSchemaDocument> {
      checkOpen(callOptions?.signal);
      const missing = (what: string) =>
        new LambdaMcpError('SCHEMA_NOT_FOUND', what, {
          details: { registryName: ref.registryName, schemaName: ref.schemaName },
        });
      if (ref.registryName !== 'local') {
        throw missing(
          `Registry with name ${ref.registryName} does not exist. The local backend serves the registry "local".`,
        );
      }
      const match = /^(.+)-(input|output)$/.exec(ref.schemaName);
      const name = match?.[1];
      const kind = match?.[2] as 'input' | 'output' | undefined;
      const found = name ? await catalog.get(name) : undefined;
      const schema =
        found && !('problem' in found)
          ? kind === 'input'
            ? found.spec.inputSchema
            : found.spec.outputSchema
          : undefined;
      if (!found || 'problem' in found || !schema || !name || !kind) {
        throw missing(`Schema with name ${ref.schemaName} does not exist.`);
      }
      if (ref.schemaVersion !== undefined && ref.schemaVersion !== '1') {
        throw missing(
          `Schema ${ref.schemaName} has no version ${ref.schemaVersion}; local schemas have version 1.`,
        );
      }
      return {
        registryName: 'local',
        schemaName: ref.schemaName,
        schemaArn: schemaArn(name, kind),
        schemaVersion: '1',
        // The registry knows two types; JSON Schema content keeps its own $schema, which wins.
        type: 'openapi' in schema ? 'OpenApi3' : 'JSONSchemaDraft4',
        content: JSON.stringify(schema, null, 2),
        lastModified: new Date(found.spec.lastModifiedMs).toISOString(),
        description: `${kind === 'input' ? 'Input' : 'Output'} schema of the local function ${name}`,
      };
    },

    async getMetricData(
      request: GetMetricDataRequest,
      callOptions?: CallOptions,
    ): Promise<MetricDataResult[]> {
      checkOpen(callOptions?.signal);
      await mergeHistory();
      return store.getMetricData(request);
    },

    async filterLogEvents(
      request: FilterLogEventsRequest,
      callOptions?: CallOptions,
    ): Promise<FilterLogEventsPage> {
      checkOpen(callOptions?.signal);
      await mergeHistory();
      const prefix = '/aws/lambda/';
      const name = request.logGroupName.startsWith(prefix)
        ? request.logGroupName.slice(prefix.length)
        : undefined;
      const known =
        name !== undefined && (store.records(name).length > 0 || (await catalog.get(name)) !== undefined);
      if (!known || name === undefined) {
        throw new LambdaMcpError('FUNCTION_NOT_FOUND', 'The specified log group does not exist.', {
          details: { logGroupName: request.logGroupName, resource: 'logGroup' },
        });
      }
      const limit = request.limit ?? 10_000;
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
        throw new LambdaMcpError(
          'INVALID_REQUEST',
          `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value ${limit < 1 ? 'greater than or equal to 1' : 'less than or equal to 10000'}`,
        );
      }
      const matcher = compileFilterPattern(request.filterPattern);
      return store.filterLogEvents(
        name,
        {
          ...(request.start ? { start: request.start } : {}),
          ...(request.end ? { end: request.end } : {}),
          ...(request.logStreamNamePrefix !== undefined
            ? { logStreamNamePrefix: request.logStreamNamePrefix }
            : {}),
          ...(request.nextToken !== undefined ? { nextToken: request.nextToken } : {}),
          limit,
        },
        matcher,
      );
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (reaper) clearInterval(reaper);
      const all: Promise<void>[] = [];
      for (const s of states.values()) {
        s.queue.length = 0;
        for (const inst of [...s.instances]) all.push(stopInstance(s, inst));
      }
      await Promise.all(all);
      for (const w of idleWaiters) w();
      idleWaiters.clear();
    },

    stats(functionName: string): LocalFunctionStats {
      const s = states.get(functionName);
      return {
        functionName,
        invocations: s?.invocations ?? 0,
        executions: s?.executions ?? 0,
        errors: s?.errors ?? 0,
        throttles: s?.throttles ?? 0,
        coldStarts: s?.coldStarts ?? 0,
        running: s?.running ?? 0,
        instances: s?.instances.length ?? 0,
        queuedEvents: s?.queue.length ?? 0,
      };
    },

    allStats(): LocalFunctionStats[] {
      return [...states.keys()].sort().map((name) => backend.stats(name));
    },

    executionCount(functionName: string): number {
      return states.get(functionName)?.executions ?? 0;
    },

    registerSyntheticFunction(spec: SyntheticFunctionSpec): void {
      catalog.addSynthetic(spec);
    },

    removeSyntheticFunction(name: string): boolean {
      return catalog.removeSynthetic(name);
    },

    async stopInstances(functionName?: string): Promise<void> {
      const targets = functionName === undefined ? [...states.values()] : [states.get(functionName)];
      const all: Promise<void>[] = [];
      for (const s of targets) {
        if (!s) continue;
        for (const inst of [...s.instances]) if (!inst.busy) all.push(stopInstance(s, inst));
      }
      await Promise.all(all);
    },

    idle(idleOptions?: { timeoutMs?: number }): Promise<void> {
      if (closed || (totalRunning === 0 && queuedTotal() === 0)) return Promise.resolve();
      return new Promise((resolvePromise, reject) => {
        const timeoutMs = idleOptions?.timeoutMs ?? 60_000;
        const timer = setTimeout(() => {
          idleWaiters.delete(done);
          reject(new LambdaMcpError('TIMED_OUT', `The local backend was still busy after ${timeoutMs} ms.`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolvePromise();
        };
        idleWaiters.add(done);
      });
    },
  };
  return backend;
}
