/**
 * The invocation log of the local backend: one record per invocation (and throttle) in the
 * RecordStore and the shared history file, its log lines (START, the function's output, END,
 * REPORT and the platform lines after it), and the 16 KB kept for a LogType Tail answer.
 */
import { randomUUID } from 'node:crypto';
import type { InvocationType } from '../types.js';
import type { CatalogEntry } from './catalog.js';
import type { InvocationHistory } from './history.js';
import { endLine, reportLine } from './log-format.js';
import type { Target } from './names.js';
import type { WorkerErrorPayload } from './protocol.js';
import type { InvocationRecord, RecordStore } from './records.js';

/** One invocation in progress: its record and the text for its log tail. */
export interface Invocation {
  record: InvocationRecord;
  tail: string[];
  tailBytes: number;
  inTail: boolean;
  workerDroppedBytes: number;
}

/** How an invocation ended, as the runner saw it. */
export interface Answer {
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

const TAIL_KEEP_BYTES = 16_384;

function aliasOf(target: Target): string | undefined {
  return target.qualifier !== undefined && target.qualifier !== '$LATEST' ? target.qualifier : undefined;
}

export class InvocationLog {
  constructor(
    readonly store: RecordStore,
    private readonly history: InvocationHistory | undefined,
  ) {}

  appendLog(inv: Invocation, ts: number, text: string, force = false): void {
    this.store.appendLog(inv.record, ts, text, force);
    if (!inv.inTail) return;
    inv.tail.push(text);
    inv.tailBytes += text.length;
    while (inv.tailBytes > TAIL_KEEP_BYTES && inv.tail.length > 1) {
      inv.tailBytes -= (inv.tail.shift() ?? '').length;
    }
  }

  /** Opens the record of an accepted invocation. */
  begin(
    entry: CatalogEntry,
    target: Target,
    invocationType: InvocationType,
    requestId: string,
    concurrency: number,
  ): Invocation {
    const alias = aliasOf(target);
    const record = this.store.add({
      requestId,
      functionName: entry.spec.name,
      ...(alias ? { qualifier: alias } : {}),
      invocationType,
      start: Date.now(),
      durationMs: 0,
      throttled: false,
      concurrency,
      lines: [],
      logBytes: 0,
      droppedLogBytes: 0,
      done: false,
    });
    return { record, tail: [], tailBytes: 0, inTail: false, workerDroppedBytes: 0 };
  }

  /** An invocation that could not start after all: its record is dropped. */
  discard(inv: Invocation): void {
    inv.record.done = true;
    inv.record.discarded = true;
  }

  /** Writes END, REPORT and the lines after it, and closes the record. */
  finish(inv: Invocation, entry: CatalogEntry, answer: Answer): void {
    const { record } = inv;
    const requestId = record.requestId;
    const now = Date.now();
    const dropped = inv.workerDroppedBytes + record.droppedLogBytes;
    if (dropped > 0) {
      this.appendLog(
        inv,
        now,
        `[lambda-mcp] ${dropped} bytes of log output were not kept by the local runtime\n`,
        true,
      );
    }
    if (answer.aborted) {
      this.appendLog(
        inv,
        now,
        `${new Date(now).toISOString()} ${requestId} Invocation cancelled by the caller\n`,
        true,
      );
    }
    this.appendLog(inv, now, endLine(requestId), true);
    this.appendLog(
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
    for (const line of answer.after ?? []) this.appendLog(inv, now, line, true);
    record.durationMs = answer.durationMs;
    if (answer.initDurationMs !== undefined) record.initDurationMs = answer.initDurationMs;
    if (answer.error) {
      record.errorType = answer.error.errorType;
      record.errorMessage = answer.error.errorMessage;
    }
    if (answer.aborted) record.aborted = true;
    record.done = true;
    this.history?.append(record);
  }

  /** Records a throttled invocation (it never ran). */
  throttle(entry: CatalogEntry, target: Target, invocationType: InvocationType, concurrency: number): void {
    const alias = aliasOf(target);
    const record = this.store.add({
      requestId: randomUUID(),
      functionName: entry.spec.name,
      ...(alias ? { qualifier: alias } : {}),
      invocationType,
      start: Date.now(),
      durationMs: 0,
      throttled: true,
      concurrency,
      lines: [],
      logBytes: 0,
      droppedLogBytes: 0,
      done: true,
    });
    this.history?.append(record);
  }

  /** Merges the records other processes appended to the shared history since the last query. */
  async mergeHistory(): Promise<void> {
    if (!this.history) return;
    for (const entry of await this.history.readNew()) this.store.addFinished(entry.record, entry.lines);
  }
}
