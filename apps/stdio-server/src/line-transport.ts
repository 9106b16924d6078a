/**
 * The stdio transport: newline-delimited JSON-RPC on stdin and stdout, like the SDK's
 * `StdioServerTransport`, with two differences that keep the server alive on bad input:
 *
 * - A line longer than the message limit (10 MB, the SDK's own) is skipped up to its newline and
 *   answered with a JSON-RPC error naming the limit; the SDK's transport closes itself instead,
 *   and the server exits with every call in flight lost.
 * - Blank lines (whitespace only) are ignored, as newline-delimited JSON readers do; the SDK's
 *   transport reports each one as a parse error.
 *
 * Bytes are kept as the chunks that arrived and joined once per line, so a long line costs
 * linear time, and a line over the limit is never held in memory past the limit.
 */
import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type JSONRPCMessage, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';

/** The SDK's stdio limit (STDIO_DEFAULT_MAX_BUFFER_SIZE): 10 MB per message. */
export const DEFAULT_MAX_LINE_BYTES = 10 * 1024 * 1024;

/** A stdin line over the limit: the transport skipped it (reported through `onerror`). */
export class LineTooLongError extends Error {
  readonly limitBytes: number;
  readonly lineBytes: number;
  constructor(limitBytes: number, lineBytes: number) {
    super(
      `A line of at least ${lineBytes.toLocaleString('en-US')} bytes is larger than the ` +
        `${limitBytes.toLocaleString('en-US')}-byte limit on one JSON-RPC message; it was skipped.`,
    );
    this.name = 'LineTooLongError';
    this.limitBytes = limitBytes;
    this.lineBytes = lineBytes;
  }
}

export interface LineTransportOptions {
  /** Longest line accepted, in bytes (default 10 MB). */
  maxLineBytes?: number;
}

const NEWLINE = 0x0a;

export class LineTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;

  readonly #stdin: Readable;
  readonly #stdout: Writable;
  readonly #max: number;
  #chunks: Buffer[] = [];
  #bytes = 0;
  /** Bytes of the line being skipped (over the limit), until its newline. */
  #skipping = 0;
  #started = false;
  #closed = false;
  /** While stdout's buffer is full: one wait for 'drain' that every send shares. */
  #drained: Promise<void> | undefined;

  constructor(stdin: Readable, stdout: Writable, options: LineTransportOptions = {}) {
    this.#stdin = stdin;
    this.#stdout = stdout;
    this.#max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  readonly #ondata = (chunk: Buffer | string) => {
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    while (start < data.length) {
      const nl = data.indexOf(NEWLINE, start);
      const end = nl === -1 ? data.length : nl;
      const piece = data.subarray(start, end);
      if (this.#skipping > 0) {
        this.#skipping += piece.length;
      } else if (this.#bytes + piece.length > this.#max) {
        this.#skipping = this.#bytes + piece.length;
        this.#chunks = [];
        this.#bytes = 0;
      } else if (piece.length > 0) {
        this.#chunks.push(piece);
        this.#bytes += piece.length;
      }
      if (nl === -1) break;
      this.#endLine();
      start = nl + 1;
    }
  };

  readonly #onerror = (error: Error) => {
    this.onerror?.(error);
  };

  #endLine(): void {
    if (this.#skipping > 0) {
      const skipped = this.#skipping;
      this.#skipping = 0;
      this.onerror?.(new LineTooLongError(this.#max, skipped));
      return;
    }
    const line =
      this.#chunks.length === 1
        ? (this.#chunks[0] as Buffer).toString('utf8')
        : Buffer.concat(this.#chunks, this.#bytes).toString('utf8');
    this.#chunks = [];
    this.#bytes = 0;
    if (line.trim() === '') return;
    let message: JSONRPCMessage;
    try {
      message = JSONRPCMessageSchema.parse(JSON.parse(line));
    } catch (error) {
      this.onerror?.(error as Error);
      return;
    }
    this.onmessage?.(message);
  }

  async start(): Promise<void> {
    if (this.#started) throw new Error('The stdio transport is already started.');
    this.#started = true;
    this.#stdin.on('data', this.#ondata);
    this.#stdin.on('error', this.#onerror);
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.#stdout.write(`${JSON.stringify(message)}\n`)) return Promise.resolve();
    // Full: every send waits for the same 'drain' (one listener however many answers are queued),
    // and a stdout that closes or fails ends the wait too.
    this.#drained ??= new Promise<void>((resolve) => {
      const done = () => {
        this.#stdout.off('drain', done);
        this.#stdout.off('close', done);
        this.#stdout.off('error', done);
        this.#drained = undefined;
        resolve();
      };
      this.#stdout.on('drain', done);
      this.#stdout.on('close', done);
      this.#stdout.on('error', done);
    });
    return this.#drained;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stdin.off('data', this.#ondata);
    this.#stdin.off('error', this.#onerror);
    if (this.#stdin.listenerCount('data') === 0) this.#stdin.pause();
    this.#chunks = [];
    this.#bytes = 0;
    this.onclose?.();
  }
}
