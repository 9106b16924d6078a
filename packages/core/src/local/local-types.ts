/** The options and the extra API of the local backend (beyond the Backend interface). */
import type { Backend } from '../backend.js';
import type { Logger } from '../logger.js';
import type { SyntheticFunctionSpec } from './catalog.js';
import type { InvocationHistory } from './history.js';
import type { RecordStoreOptions } from './records.js';

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
  /** Path of the built runtime script (dist/local/worker.js); found automatically. */
  workerPath?: string;
  /**
   * Start a spare runtime process per memory size in use, so that a cold start only loads the
   * handler (Node.js has already booted). Default true.
   */
  spareProcesses?: boolean;
  /**
   * A JSON Lines file shared by the processes on this machine: each finished invocation (and
   * throttle) is appended, and records other processes appended are merged in before metric and
   * log queries. Off when not given (records then live in this process's memory only). The apps
   * pass `localHistoryFile(config, dir)`.
   */
  historyFile?: string;
  /** The history file is rotated to `<file>.1` past this size. Default 16 MB. */
  historyMaxBytes?: number;
  /** Another shared history instead of the file (e.g. the HTTP server's Redis history); wins over `historyFile`. */
  history?: InvocationHistory;
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
