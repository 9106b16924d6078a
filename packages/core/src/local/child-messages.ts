/**
 * The host's reading of a runtime process's channel: newline-delimited JSON, each line checked
 * field by field against the protocol before anything uses it. A function runs in the same
 * process as its runtime and can write anything on the channel; a line that is not a well-formed
 * message is reported as a violation (the host then ends that instance), never thrown.
 */
import type { WorkerErrorPayload, WorkerToHost } from './protocol.js';

/** Longest line accepted: a 6 MB response body JSON-escaped (up to twice as long), with room. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export type Parsed = { ok: true; message: WorkerToHost } | { ok: false; reason: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[]): string | undefined {
  for (const key of Object.keys(value))
    if (!allowed.includes(key)) return `unknown field ${JSON.stringify(key)}`;
  return undefined;
}

function errorPayload(value: unknown): WorkerErrorPayload | string {
  if (!isObject(value)) return 'error is not an object';
  const extra = onlyKeys(value, ['errorType', 'errorMessage', 'trace']);
  if (extra) return `error: ${extra}`;
  if (typeof value.errorType !== 'string') return 'error.errorType is not a string';
  if (typeof value.errorMessage !== 'string') return 'error.errorMessage is not a string';
  if (value.trace !== undefined) {
    if (!Array.isArray(value.trace) || !value.trace.every((l) => typeof l === 'string')) {
      return 'error.trace is not a list of strings';
    }
    return { errorType: value.errorType, errorMessage: value.errorMessage, trace: value.trace as string[] };
  }
  return { errorType: value.errorType, errorMessage: value.errorMessage };
}

/** Checks one decoded value against the protocol. */
export function checkMessage(value: unknown): Parsed {
  const bad = (reason: string): Parsed => ({ ok: false, reason });
  if (!isObject(value))
    return bad(`a message must be a JSON object, got ${value === null ? 'null' : typeof value}`);
  switch (value.t) {
    case 'ready': {
      const extra = onlyKeys(value, ['t', 'memoryBytes']);
      if (extra) return bad(`ready: ${extra}`);
      if (!isCount(value.memoryBytes)) return bad('ready: memoryBytes is not a non-negative number');
      return { ok: true, message: { t: 'ready', memoryBytes: value.memoryBytes } };
    }
    case 'init-error': {
      const extra = onlyKeys(value, ['t', 'error']);
      if (extra) return bad(`init-error: ${extra}`);
      const error = errorPayload(value.error);
      if (typeof error === 'string') return bad(`init-error: ${error}`);
      return { ok: true, message: { t: 'init-error', error } };
    }
    case 'log': {
      const extra = onlyKeys(value, ['t', 'ts', 'text']);
      if (extra) return bad(`log: ${extra}`);
      if (!isCount(value.ts)) return bad('log: ts is not a timestamp');
      if (typeof value.text !== 'string') return bad('log: text is not a string');
      return { ok: true, message: { t: 'log', ts: value.ts, text: value.text } };
    }
    case 'log-dropped': {
      const extra = onlyKeys(value, ['t', 'bytes']);
      if (extra) return bad(`log-dropped: ${extra}`);
      if (!isCount(value.bytes)) return bad('log-dropped: bytes is not a non-negative number');
      return { ok: true, message: { t: 'log-dropped', bytes: value.bytes } };
    }
    case 'done': {
      const extra = onlyKeys(value, ['t', 'requestId', 'body', 'error', 'memoryBytes', 'fatal']);
      if (extra) return bad(`done: ${extra}`);
      if (typeof value.requestId !== 'string') return bad('done: requestId is not a string');
      if (!isCount(value.memoryBytes)) return bad('done: memoryBytes is not a non-negative number');
      if (value.body !== undefined && typeof value.body !== 'string')
        return bad('done: body is not a string');
      if (value.fatal !== undefined && typeof value.fatal !== 'boolean')
        return bad('done: fatal is not a boolean');
      if (value.body !== undefined && value.error !== undefined) return bad('done: both body and error');
      let error: WorkerErrorPayload | undefined;
      if (value.error !== undefined) {
        const checked = errorPayload(value.error);
        if (typeof checked === 'string') return bad(`done: ${checked}`);
        error = checked;
      }
      return {
        ok: true,
        message: {
          t: 'done',
          requestId: value.requestId,
          ...(value.body !== undefined ? { body: value.body } : {}),
          ...(error ? { error } : {}),
          memoryBytes: value.memoryBytes,
          ...(value.fatal === true ? { fatal: true } : {}),
        },
      };
    }
    default:
      return bad(
        `unknown message type ${JSON.stringify(String(value.t)).slice(0, 40)} (accepted: ready, init-error, log, log-dropped, done)`,
      );
  }
}

/**
 * Splits a byte stream into lines and checks each. `onMessage` gets every well-formed message;
 * `onViolation` the first problem, after which the reader ignores the rest of the stream.
 */
export class MessageReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private broken = false;

  constructor(
    private readonly onMessage: (message: WorkerToHost) => void,
    private readonly onViolation: (reason: string) => void,
    private readonly maxBytes = MAX_MESSAGE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    if (this.broken) return;
    let start = 0;
    let nl = chunk.indexOf(10);
    while (nl >= 0) {
      const piece = chunk.subarray(start, nl);
      const line =
        this.length === 0 ? piece : Buffer.concat([...this.chunks, piece], this.length + piece.length);
      this.chunks = [];
      this.length = 0;
      if (line.length > this.maxBytes) {
        this.fail(`a message longer than ${this.maxBytes} bytes`);
        return;
      }
      this.line(line);
      if (this.broken) return;
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.chunks.push(rest);
      this.length += rest.length;
      if (this.length > this.maxBytes) this.fail(`a message longer than ${this.maxBytes} bytes`);
    }
  }

  private line(line: Buffer): void {
    if (line.length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(line.toString('utf8'));
    } catch {
      this.fail('a line that is not JSON');
      return;
    }
    const parsed = checkMessage(value);
    if (parsed.ok) this.onMessage(parsed.message);
    else this.fail(parsed.reason);
  }

  private fail(reason: string): void {
    this.broken = true;
    this.chunks = [];
    this.length = 0;
    this.onViolation(reason);
  }
}
