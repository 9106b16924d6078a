import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  renameSync,
  type Stats,
  statSync,
  writeSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { defaultCacheDir } from '../cache/file-catalog-cache.js';
import type { Logger } from '../logger.js';
import type { InvocationType } from '../types.js';
import { isPrivateFile, NO_LINK_NO_WAIT } from '../util/private-file.js';
import type { InvocationRecord } from './records.js';

/** The history file is rotated (renamed to `<file>.1`) once it grows past this. */
export const DEFAULT_HISTORY_MAX_BYTES = 16 * 1024 * 1024;

const FORMAT = 1;
const READ_CHUNK = 4 * 1024 * 1024;
const INVOCATION_TYPES: readonly InvocationType[] = ['RequestResponse', 'Event', 'DryRun'];

/**
 * Where the apps keep the local backend's invocation history:
 * `<cacheDir>/local-history/<sha256(resolved dir), 16 hex>.jsonl`; `undefined` (no history) when
 * the disk cache is off (`diskCache: false`, LAMBDA_MCP_DISK_CACHE=false). The library itself
 * keeps no history unless given a file.
 */
export function localHistoryFile(
  config: { diskCache?: boolean; cacheDir?: string | undefined },
  dir: string,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  if (config.diskCache === false) return undefined;
  const base = config.cacheDir ?? defaultCacheDir(env);
  const hash = createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 16);
  return join(base, 'local-history', `${hash}.jsonl`);
}

/** A finished record as read back from the history, ready for the record store. */
export interface HistoryEntry {
  record: Omit<InvocationRecord, 'lines' | 'logBytes' | 'done'>;
  lines: [number, string][];
}

/** One line of the file. The error message is left out: the function's own log lines carry it. */
interface StoredRecord {
  v: typeof FORMAT;
  /** The writing backend instance: a reader skips its own. */
  instance: string;
  requestId: string;
  functionName: string;
  qualifier?: string;
  invocationType: InvocationType;
  start: number;
  durationMs: number;
  initDurationMs?: number;
  throttled: boolean;
  errorType?: string;
  aborted?: boolean;
  concurrency: number;
  logStreamName?: string;
  droppedLogBytes: number;
  /** [epoch ms, message] */
  lines: [number, string][];
}

export interface HistoryFileOptions {
  file: string;
  maxBytes?: number;
  /** This backend instance (its own lines are not read back). */
  instanceId: string;
  logger: Logger;
}

export interface HistoryFile {
  readonly file: string;
  /** False once writing or reading failed (one warning was logged); the backend goes on in memory. */
  readonly enabled: boolean;
  /** Appends one finished record as one line (one O_APPEND write, so processes never interleave). */
  append(record: InvocationRecord): void;
  /** Records other backends appended since the last call (the first call reads the whole history). */
  readNew(): Promise<HistoryEntry[]>;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const optionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';

function toEntry(value: unknown): (HistoryEntry & { instance: string }) | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (
    v.v !== FORMAT ||
    typeof v.instance !== 'string' ||
    typeof v.requestId !== 'string' ||
    typeof v.functionName !== 'string' ||
    v.functionName === '' ||
    !INVOCATION_TYPES.includes(v.invocationType as InvocationType) ||
    !finite(v.start) ||
    !finite(v.durationMs) ||
    !(v.initDurationMs === undefined || finite(v.initDurationMs)) ||
    typeof v.throttled !== 'boolean' ||
    !optionalString(v.qualifier) ||
    !optionalString(v.errorType) ||
    !optionalString(v.logStreamName) ||
    !(v.aborted === undefined || typeof v.aborted === 'boolean') ||
    !finite(v.concurrency) ||
    !finite(v.droppedLogBytes) ||
    !Array.isArray(v.lines)
  ) {
    return undefined;
  }
  const lines: [number, string][] = [];
  for (const line of v.lines as unknown[]) {
    if (!Array.isArray(line) || !finite(line[0]) || typeof line[1] !== 'string') return undefined;
    lines.push([line[0], line[1]]);
  }
  const record: HistoryEntry['record'] = {
    requestId: v.requestId,
    functionName: v.functionName,
    invocationType: v.invocationType as InvocationType,
    start: v.start,
    durationMs: v.durationMs,
    throttled: v.throttled,
    concurrency: v.concurrency,
    droppedLogBytes: v.droppedLogBytes,
    ...(typeof v.qualifier === 'string' ? { qualifier: v.qualifier } : {}),
    ...(finite(v.initDurationMs) ? { initDurationMs: v.initDurationMs } : {}),
    ...(typeof v.errorType === 'string' ? { errorType: v.errorType } : {}),
    ...(v.aborted === true ? { aborted: true } : {}),
    ...(typeof v.logStreamName === 'string' ? { logStreamName: v.logStreamName } : {}),
  };
  return { instance: v.instance, record, lines };
}

/**
 * One finished record as the history stores it (one JSON object, no newline): the file's line, and
 * what other stores shared by several processes (the HTTP server's Redis history) keep.
 */
export function encodeHistoryRecord(record: InvocationRecord, instanceId: string): string {
  const stored: StoredRecord = {
    v: FORMAT,
    instance: instanceId,
    requestId: record.requestId,
    functionName: record.functionName,
    ...(record.qualifier !== undefined ? { qualifier: record.qualifier } : {}),
    invocationType: record.invocationType,
    start: record.start,
    durationMs: record.durationMs,
    ...(record.initDurationMs !== undefined ? { initDurationMs: record.initDurationMs } : {}),
    throttled: record.throttled,
    ...(record.errorType !== undefined ? { errorType: record.errorType } : {}),
    ...(record.aborted ? { aborted: true } : {}),
    concurrency: record.concurrency,
    ...(record.logStreamName !== undefined ? { logStreamName: record.logStreamName } : {}),
    droppedLogBytes: record.droppedLogBytes,
    lines: record.lines.map((l) => [l.ts, l.message]),
  };
  return JSON.stringify(stored);
}

/** Reads one stored record back (undefined for anything malformed); `instance` names its writer. */
export function decodeHistoryRecord(text: string): (HistoryEntry & { instance: string }) | undefined {
  return parseLine(text);
}

/**
 * What the local backend needs of its shared history: the file (`createHistoryFile`), or another
 * store shared by several processes (the HTTP server's Redis history for a fleet of replicas).
 */
export interface InvocationHistory {
  /** Appends one finished record (must not throw; a failing store logs and goes on). */
  append(record: InvocationRecord): void;
  /** Records other backends appended since the last call. */
  readNew(): Promise<HistoryEntry[]>;
}

/** Parses one line; a line glued to the end of a torn one (a writer died mid-line) is still found. */
function parseLine(text: string): (HistoryEntry & { instance: string }) | undefined {
  try {
    return toEntry(JSON.parse(text));
  } catch {
    const at = text.lastIndexOf('{"v":1,');
    if (at <= 0) return undefined;
    try {
      return toEntry(JSON.parse(text.slice(at)));
    } catch {
      return undefined;
    }
  }
}

/** A file's identity across renames (inode numbers alone can be reused after a rotation). */
function identity(s: Stats): string {
  return `${s.dev}:${s.ino}:${s.birthtimeMs}`;
}

const NOT_PRIVATE =
  "it is not this user's private file (a link, not a regular file, another user's, or writable by group or others)";

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The local backend's durable history: an append-only JSON Lines file shared by the processes on
 * one machine. Writes are synchronous (one `write` on an O_APPEND descriptor per record, so a
 * short-lived CLI process never loses its record on exit); reads are asynchronous and incremental
 * (the offset of each file is remembered, only the new tail is read). Past `maxBytes` the file is
 * renamed to `<file>.1` (the previous `.1` is replaced) and a new one started. Every failure is
 * contained: a bad line is skipped, an unwritable or unreadable file logs one warning and turns
 * the history off, and so does a file someone else could have written (a link, not a regular file,
 * another user's, writable by group or others: util/private-file.ts), which is neither read nor
 * appended to.
 */
export function createHistoryFile(options: HistoryFileOptions): HistoryFile {
  const file = resolve(options.file);
  const rotated = `${file}.1`;
  const maxBytes = Math.max(1, options.maxBytes ?? DEFAULT_HISTORY_MAX_BYTES);
  const { instanceId, logger } = options;
  let enabled = true;
  let dirReady = false;
  /** Bytes consumed per file identity (the current file and `.1`). */
  let consumed = new Map<string, number>();
  let reading: Promise<unknown> = Promise.resolve();

  const disable = (what: string, error: unknown): void => {
    if (!enabled) return;
    enabled = false;
    logger.warn(`local invocation history turned off: cannot ${what} ${file}; records stay in memory only`, {
      file,
      error: errorText(error),
    });
  };

  const rotate = (written: Stats): void => {
    try {
      // Another process may have rotated already: rename only the file this process wrote to.
      if (identity(statSync(file)) === identity(written)) renameSync(file, rotated);
    } catch (error) {
      logger.debug('local history rotation skipped', { file, error: errorText(error) });
    }
  };

  function append(record: InvocationRecord): void {
    if (!enabled || record.discarded) return;
    const data = Buffer.from(`${encodeHistoryRecord(record, instanceId)}\n`, 'utf8');
    let fd: number | undefined;
    try {
      if (!dirReady) {
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
        dirReady = true;
      }
      // Never through a link planted in its place, never into a pipe (O_NONBLOCK: no wait for a
      // reader), and only into a file of this user's that nobody else can write.
      fd = openSync(
        file,
        constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NO_LINK_NO_WAIT,
        0o600,
      );
      if (!isPrivateFile(fstatSync(fd))) throw new Error(NOT_PRIVATE);
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      const after = fstatSync(fd);
      if (after.size > maxBytes) rotate(after);
    } catch (error) {
      disable('write', error);
    } finally {
      if (fd !== undefined) {
        try {
          closeSync(fd);
        } catch {
          // nothing more to do
        }
      }
    }
  }

  /** Reads complete lines of one file from where this process stopped; the file may not exist. */
  async function readFile(path: string, out: HistoryEntry[], seen: Map<string, number>): Promise<void> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, constants.O_RDONLY | NO_LINK_NO_WAIT);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    try {
      const s = await handle.stat();
      // Records count in metrics and logs: only from a file this user wrote.
      if (!isPrivateFile(s)) throw new Error(NOT_PRIVATE);
      const id = identity(s);
      let offset = consumed.get(id) ?? 0;
      if (offset > s.size) offset = 0; // replaced or truncated in place
      let carry = Buffer.alloc(0);
      while (offset + carry.length < s.size) {
        const want = Math.min(READ_CHUNK, s.size - offset - carry.length);
        const chunk = Buffer.allocUnsafe(want);
        const { bytesRead } = await handle.read(chunk, 0, want, offset + carry.length);
        if (bytesRead === 0) break;
        const buf =
          carry.length > 0
            ? Buffer.concat([carry, chunk.subarray(0, bytesRead)])
            : chunk.subarray(0, bytesRead);
        let start = 0;
        for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
          if (nl > start) {
            const entry = parseLine(buf.toString('utf8', start, nl));
            if (entry && entry.instance !== instanceId)
              out.push({ record: entry.record, lines: entry.lines });
          }
          start = nl + 1;
        }
        offset += start;
        // A line without its newline yet is being written (or was torn): read it again next time.
        carry = Buffer.from(buf.subarray(start));
      }
      seen.set(id, offset);
    } finally {
      await handle.close().catch(() => {});
    }
  }

  async function readAll(): Promise<HistoryEntry[]> {
    if (!enabled) return [];
    const out: HistoryEntry[] = [];
    const seen = new Map<string, number>();
    try {
      // The rotated file first: after a rotation it holds the end of the file this process was reading.
      await readFile(rotated, out, seen);
      await readFile(file, out, seen);
    } catch (error) {
      disable('read', error);
      return [];
    }
    consumed = seen;
    return out;
  }

  return {
    file,
    get enabled() {
      return enabled;
    },
    append,
    readNew(): Promise<HistoryEntry[]> {
      // One read at a time, so two concurrent queries never merge the same lines twice.
      const next = reading.then(readAll, readAll);
      reading = next.catch(() => {});
      return next;
    },
  };
}
