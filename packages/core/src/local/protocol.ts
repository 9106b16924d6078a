/**
 * Messages between the host (instance.ts) and a function worker (worker.ts). Types only: the
 * worker bundle must stay dependency-free, so nothing here may carry runtime code.
 */

/** Given to the worker at start (Worker `workerData`). */
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
  /** Bytes of log text per invocation the worker forwards before it drops the rest. */
  maxLogBytesPerInvocation: number;
  /** Largest response the worker sends back (AWS: 6291556 bytes). */
  maxResponseBytes: number;
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

export type HostToWorker = InvokeMessage;

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
      /** Peak memory seen by the worker isolate so far, in bytes. */
      memoryBytes: number;
      /** The worker must be replaced after this invocation (uncaught error, unhandled rejection). */
      fatal?: boolean;
    };
