/**
 * Messages between the host (instance.ts) and a function's runtime process (worker.ts), one JSON
 * object a line on the runtime's fd 3. Types only: the runtime bundle must stay dependency-free,
 * so nothing here may carry runtime code. The host validates every line the runtime sends
 * (child-messages.ts); the runtime trusts the host.
 */

/** What the runtime needs to load one function (sent in the `init` message). */
export interface WorkerInit {
  /** Absolute path of the handler's module file, already checked to lie inside the function folder. */
  file: string;
  /** Property path of the handler inside the module, e.g. `handler` or `handlers.main`. */
  exportPath: string;
  /** The handler string from the manifest, for error messages (`index.handler`). */
  handler: string;
  functionName: string;
  memorySizeMb: number;
  logGroupName: string;
  logStreamName: string;
  /** The function folder: the working directory, as LAMBDA_TASK_ROOT in Lambda. */
  taskRoot: string;
  /** Bytes of log text per invocation the runtime forwards before it drops the rest. */
  maxLogBytesPerInvocation: number;
  /** Largest response the runtime sends back (AWS: 6291556 bytes). */
  maxResponseBytes: number;
}

/** Turns a started (possibly pre-forked) runtime into one function's instance. */
export interface InitMessage {
  t: 'init';
  init: WorkerInit;
  /** The whole environment of the function: process.env is replaced by it. */
  env: Record<string, string>;
}

export interface InvokeMessage {
  t: 'invoke';
  requestId: string;
  /** The event as JSON text (already validated by the host). */
  event: string;
  /** Epoch ms when the invocation times out. */
  deadline: number;
  invokedFunctionArn: string;
  clientContext?: unknown;
}

export type HostToWorker = InitMessage | InvokeMessage;

/** The error shape AWS's Node runtime returns (`errorType`, `errorMessage`, `trace`). */
export interface WorkerErrorPayload {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export type WorkerToHost =
  | { t: 'ready'; memoryBytes: number }
  | { t: 'init-error'; error: WorkerErrorPayload }
  /** One log event (a console line with its trailing newline, or raw stdout/stderr text). */
  | { t: 'log'; ts: number; text: string }
  /** Log output was dropped for this invocation after the per-invocation budget. */
  | { t: 'log-dropped'; bytes: number }
  | {
      t: 'done';
      requestId: string;
      /** Response body (JSON text) when the handler succeeded. */
      body?: string;
      error?: WorkerErrorPayload;
      /** Peak resident memory of the runtime process so far, in bytes. */
      memoryBytes: number;
      /** The instance must be replaced after this invocation (uncaught error, unhandled rejection). */
      fatal?: boolean;
    };
