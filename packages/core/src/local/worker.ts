/**
 * The runtime of one local function instance: its own Node.js process (started by instance.ts,
 * possibly ahead of time as a spare), which loads the handler once on the host's `init` message
 * (the INIT phase) and then runs invocations one at a time, like a Lambda execution environment.
 * Dependency-free (only node: built-ins) because tsup builds it as its own file,
 * dist/local/worker.js.
 *
 * The host talks to it over fd 3, one JSON message a line (protocol.ts). Console output and writes
 * through process.stdout/stderr become Lambda Text-format log lines sent on that channel, in order
 * with the answer; anything else written to fd 1 and 2 (by native code or by child processes,
 * which inherit them) reaches the host on the process's own stdout/stderr pipes, which the host
 * keeps as the function's log. Nothing here can reach the host's streams.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import type { InitMessage, InvokeMessage, WorkerErrorPayload, WorkerInit, WorkerToHost } from './protocol.js';

// Kept before any function code can replace them.
const reallyExit = (process as unknown as { reallyExit: (code?: number) => never }).reallyExit.bind(process);
const resourceUsage = process.resourceUsage.bind(process);

const channel = new net.Socket({ fd: 3, readable: true, writable: true });
const post = (message: WorkerToHost): void => {
  channel.write(`${JSON.stringify(message)}\n`);
};
// The host went away (or closed the channel): nothing is left to serve.
channel.on('close', () => reallyExit(0));
channel.on('error', () => reallyExit(0));

let init: WorkerInit = {
  file: '',
  exportPath: '',
  handler: '',
  functionName: '',
  memorySizeMb: 128,
  logGroupName: '',
  logStreamName: '',
  taskRoot: '',
  maxLogBytesPerInvocation: 6 * 1024 * 1024,
  maxResponseBytes: 6_291_556,
};

// Lambda's Node runtime logs `undefined` as the request id during INIT.
let currentRequestId = 'undefined';
let logBytes = 0;
let droppedBytes = 0;

function emitLog(text: string): void {
  const bytes = Buffer.byteLength(text);
  if (logBytes + bytes > init.maxLogBytesPerInvocation) {
    droppedBytes += bytes;
    return;
  }
  logBytes += bytes;
  post({ t: 'log', ts: Date.now(), text });
}

function logLine(level: string, message: string): void {
  emitLog(`${new Date().toISOString()}\t${currentRequestId}\t${level}\t${message}\n`);
}

// --- console and stdio capture -------------------------------------------------------------
const LEVELS: Record<string, string> = {
  log: 'INFO',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  debug: 'DEBUG',
  trace: 'TRACE',
};
const consoleRecord = console as unknown as Record<string, (...args: unknown[]) => void>;
for (const [method, level] of Object.entries(LEVELS)) {
  consoleRecord[method] = (...args: unknown[]) => logLine(level, format(...args));
}

function patchWrite(stream: NodeJS.WriteStream): void {
  const write = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    emitLog(text);
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  };
  const target = stream as unknown as Record<string, unknown>;
  target.write = write;
  // Every other path into the stream (end(chunk), pipe, cork/uncork) ends in _write/_writev: route
  // those here too, so nothing reaches the worker's real stdio channel.
  target._write = (chunk: unknown, encoding: unknown, callback: () => void) =>
    write(chunk, encoding, callback);
  target._writev = (chunks: { chunk: unknown }[], callback: () => void) => {
    for (const c of chunks) write(c.chunk);
    callback();
  };
}
patchWrite(process.stdout);
patchWrite(process.stderr);

// Synchronous writes to fd 1 and 2 go through the channel too, so that they stay in order with
// the invocation's other log lines (the stdout/stderr pipes are read separately by the host).
const fsRecord = fs as unknown as Record<string, unknown>;
const writeSync = fs.writeSync;
fsRecord.writeSync = (fd: number, data: unknown, ...rest: unknown[]): number => {
  if (fd !== 1 && fd !== 2) return (writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
  const text = typeof data === 'string' ? data : Buffer.from(data as Uint8Array).toString('utf8');
  emitLog(text);
  return Buffer.byteLength(text);
};
const writeAsync = fs.write;
fsRecord.write = (fd: number, data: unknown, ...rest: unknown[]): void => {
  if (fd !== 1 && fd !== 2) {
    (writeAsync as (...a: unknown[]) => void)(fd, data, ...rest);
    return;
  }
  const text = typeof data === 'string' ? data : Buffer.from(data as Uint8Array).toString('utf8');
  emitLog(text);
  const callback = rest.find((r) => typeof r === 'function') as
    | ((error: null, written: number, data: unknown) => void)
    | undefined;
  if (callback) queueMicrotask(() => callback(null, Buffer.byteLength(text), data));
};
(process as unknown as Record<string, unknown>)._rawDebug = (...args: unknown[]) =>
  emitLog(`${format(...args)}\n`);
syncBuiltinESMExports();

// --- errors in AWS's Node shape ----------------------------------------------------------------
function isErrorLike(value: unknown): value is Error {
  return (
    value instanceof Error ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as Error).message === 'string' &&
      typeof (value as Error).name === 'string')
  );
}

// Frames of this runtime file say nothing about the handler.
const OWN_FRAMES = [import.meta.url];

function toPayload(error: unknown): WorkerErrorPayload {
  try {
    if (isErrorLike(error)) {
      const stack = typeof error.stack === 'string' ? error.stack : `${error.name}: ${error.message}`;
      const trace = stack.split('\n').filter((line) => !OWN_FRAMES.some((own) => line.includes(own)));
      return { errorType: error.name, errorMessage: error.message, trace };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

function logError(title: string, payload: WorkerErrorPayload): void {
  const formatted = JSON.stringify({
    errorType: payload.errorType,
    errorMessage: payload.errorMessage,
    stack: payload.trace ?? [],
  });
  logLine('ERROR', `${title} \t${formatted}`);
}

/** Peak resident memory of this process (the host also watches it from outside). */
function sampleMemory(): number {
  return resourceUsage().maxRSS * 1024;
}

// --- INIT: load the handler ------------------------------------------------------------------
type Handler = (
  event: unknown,
  context: unknown,
  callback: (err?: unknown, result?: unknown) => void,
) => unknown;

function lookup(root: unknown, path: string): unknown {
  let value: unknown = root;
  for (const part of path.split('.')) {
    if (value === null || value === undefined) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

async function loadHandler(): Promise<Handler> {
  let mod: unknown;
  try {
    mod = await import(pathToFileURL(init.file).href);
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw Object.assign(new Error(`${error.name}: ${error.message}`), {
        name: 'Runtime.UserCodeSyntaxError',
        stack: `Runtime.UserCodeSyntaxError: ${error.name}: ${error.message}`,
      });
    }
    const code = (error as { code?: string } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      const message = `Error: ${(error as Error).message}`;
      throw Object.assign(new Error(message), {
        name: 'Runtime.ImportModuleError',
        stack: `Runtime.ImportModuleError: ${message}`,
      });
    }
    throw error;
  }
  let fn = lookup(mod, init.exportPath);
  if (fn === undefined) fn = lookup((mod as { default?: unknown }).default, init.exportPath);
  if (typeof fn !== 'function') {
    const message = `${init.handler} is undefined or not exported`;
    throw Object.assign(new Error(message), {
      name: 'Runtime.HandlerNotFound',
      stack: `Runtime.HandlerNotFound: ${message}`,
    });
  }
  return fn as Handler;
}

let handler: Handler | undefined;
let active:
  | { requestId: string; settle: (error: unknown, result?: unknown, fatal?: boolean) => void }
  | undefined;

process.on('uncaughtException', (error) => {
  const payload = toPayload(error);
  logError('Uncaught Exception', payload);
  if (active) active.settle(error, undefined, true);
  else post({ t: 'done', requestId: '', error: payload, memoryBytes: sampleMemory(), fatal: true });
});

process.on('unhandledRejection', (reason) => {
  const text = isErrorLike(reason) ? `${reason.name}: ${reason.message}` : String(reason);
  const stack = isErrorLike(reason) && typeof reason.stack === 'string' ? reason.stack.split('\n') : [];
  const error = Object.assign(new Error(text), {
    name: 'Runtime.UnhandledPromiseRejection',
    stack: [`Runtime.UnhandledPromiseRejection: ${text}`, ...stack.slice(1)].join('\n'),
  });
  logError('Unhandled Promise Rejection', toPayload(error));
  if (active) active.settle(error, undefined, true);
  else post({ t: 'done', requestId: '', error: toPayload(error), memoryBytes: sampleMemory(), fatal: true });
});

// --- INVOKE ------------------------------------------------------------------------------------
function run(message: InvokeMessage): void {
  const fn = handler;
  if (!fn) return;
  currentRequestId = message.requestId;
  logBytes = 0;
  droppedBytes = 0;

  let settled = false;
  const settle = (error: unknown, result?: unknown, fatal = false): void => {
    if (settled) return;
    settled = true;
    active = undefined;
    let body: string | undefined;
    let errorPayload: WorkerErrorPayload | undefined;
    if (error !== null && error !== undefined) {
      errorPayload = toPayload(error);
      if (!fatal) logError('Invoke Error', errorPayload);
    } else {
      try {
        body = JSON.stringify(result === undefined ? null : result) ?? 'null';
      } catch (stringifyError) {
        errorPayload = toPayload(stringifyError);
        logError('Invoke Error', errorPayload);
      }
      if (body !== undefined && Buffer.byteLength(body) > init.maxResponseBytes) {
        body = undefined;
        errorPayload = {
          errorType: 'Function.ResponseSizeTooLarge',
          errorMessage: `Response payload size exceeded maximum allowed payload size (${init.maxResponseBytes} bytes).`,
        };
      }
    }
    if (droppedBytes > 0) {
      post({ t: 'log-dropped', bytes: droppedBytes });
      droppedBytes = 0;
    }
    post({
      t: 'done',
      requestId: message.requestId,
      ...(body !== undefined ? { body } : {}),
      ...(errorPayload ? { error: errorPayload } : {}),
      memoryBytes: sampleMemory(),
      ...(fatal ? { fatal: true } : {}),
    });
  };
  active = { requestId: message.requestId, settle };

  const callback = (error?: unknown, result?: unknown): void => settle(error ?? null, result);
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: init.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: message.invokedFunctionArn,
    memoryLimitInMB: String(init.memorySizeMb),
    awsRequestId: message.requestId,
    logGroupName: init.logGroupName,
    logStreamName: init.logStreamName,
    identity: undefined,
    clientContext: message.clientContext,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
    done: (error?: unknown, result?: unknown) => settle(error ?? null, result),
    succeed: (result?: unknown) => settle(null, result),
    fail: (error: unknown) => settle(error ?? new Error('handled')),
  };

  try {
    const event: unknown = JSON.parse(message.event);
    const returned = fn(event, context, callback);
    if (
      returned !== null &&
      typeof returned === 'object' &&
      typeof (returned as Promise<unknown>).then === 'function'
    ) {
      (returned as Promise<unknown>).then(
        (result) => settle(null, result),
        (error: unknown) => settle(error ?? new Error('Promise rejected without a reason')),
      );
    } else if (fn.length < 3) {
      // A synchronous handler that takes no callback: Lambda answers null once the event loop is
      // empty. The host channel keeps this loop busy for ever, so answer on the next turn instead
      // (after any context.succeed/done calls made in the same turn).
      setImmediate(() => settle(null, null));
    }
  } catch (error) {
    settle(error);
  }
}

function start(message: InitMessage): void {
  init = message.init;
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, message.env);
  try {
    process.chdir(init.taskRoot);
  } catch {
    // The folder is checked by the host; a vanished one fails at import below.
  }
  loadHandler().then(
    (fn) => {
      handler = fn;
      post({ t: 'ready', memoryBytes: sampleMemory() });
    },
    (error: unknown) => {
      const payload = toPayload(error);
      logError('Init Error', payload);
      post({ t: 'init-error', error: payload });
    },
  );
}

// Host messages: one JSON object a line.
let pending = '';
channel.setEncoding('utf8');
channel.on('data', (chunk: string) => {
  pending += chunk;
  let nl = pending.indexOf('\n');
  while (nl >= 0) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    nl = pending.indexOf('\n');
    const message = JSON.parse(line) as InitMessage | InvokeMessage;
    if (message.t === 'init') start(message);
    else if (message.t === 'invoke') run(message);
  }
});
