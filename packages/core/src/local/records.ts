import { LambdaMcpError } from '../errors.js';
import type {
  FilterLogEventsPage,
  GetMetricDataRequest,
  InvocationType,
  LogEvent,
  MetricDataQuery,
  MetricDataResult,
} from '../types.js';
import type { LogMatcher } from './filter-pattern.js';

/** One log event as CloudWatch Logs would hold it (the message keeps its trailing newline). */
export interface LogEntry {
  ts: number;
  message: string;
  seq: number;
}

/** Everything the local backend remembers about one invocation (or throttled attempt). */
export interface InvocationRecord {
  requestId: string;
  functionName: string;
  /** The alias the caller used, when not $LATEST. */
  qualifier?: string;
  invocationType: InvocationType;
  /** Epoch ms when the invocation started (or was throttled). */
  start: number;
  durationMs: number;
  initDurationMs?: number;
  throttled: boolean;
  /** errorType of a function error (Unhandled). */
  errorType?: string;
  errorMessage?: string;
  aborted?: boolean;
  /** The invocation could not start (e.g. its handler now leaves the folder): not counted in metrics. */
  discarded?: boolean;
  /** Busy instances of the function when this one started, itself included. */
  concurrency: number;
  logStreamName?: string;
  lines: LogEntry[];
  /** Bytes of log text kept in `lines`. */
  logBytes: number;
  /** Bytes of log text not kept (per-invocation or global budget). */
  droppedLogBytes: number;
  done: boolean;
}

export interface RecordStoreOptions {
  /** Records kept per function (oldest dropped first). */
  maxRecordsPerFunction: number;
  /** Log text kept across all records; the oldest records lose their lines first. */
  maxLogBytes: number;
  /** Log text kept per invocation; platform lines (END, REPORT) are always kept. */
  maxLogBytesPerInvocation: number;
}

export const DEFAULT_RECORD_OPTIONS: RecordStoreOptions = {
  maxRecordsPerFunction: 10_000,
  maxLogBytes: 32 * 1024 * 1024,
  maxLogBytesPerInvocation: 256 * 1024,
};

const STAT_PATTERN = /^(Sum|Average|Maximum|Minimum|SampleCount|p(\d{1,2}(\.\d+)?|100))$/;
const ID_PATTERN = /^[a-z][a-zA-Z0-9_]*$/;

export class RecordStore {
  private readonly byFunction = new Map<string, InvocationRecord[]>();
  /** Records holding lines, oldest first, for the global log budget. */
  private readonly withLines: InvocationRecord[] = [];
  private withLinesHead = 0;
  private totalLogBytes = 0;
  private seq = 0;
  private readonly options: RecordStoreOptions;

  constructor(options: Partial<RecordStoreOptions> = {}) {
    this.options = { ...DEFAULT_RECORD_OPTIONS, ...options };
  }

  add(record: InvocationRecord): InvocationRecord {
    let list = this.byFunction.get(record.functionName);
    if (!list) {
      list = [];
      this.byFunction.set(record.functionName, list);
    }
    list.push(record);
    // Trim in batches so adding stays O(1) amortised.
    const max = this.options.maxRecordsPerFunction;
    if (list.length > max + Math.max(16, Math.floor(max / 10))) {
      const removed = list.splice(0, list.length - max);
      for (const r of removed) this.dropLines(r);
    }
    if (!record.throttled) this.withLines.push(record);
    return record;
  }

  /**
   * Adds a finished record read from the shared history (written by another backend). Its lines
   * were already cut to the writer's per-invocation budget; the global budget applies here.
   */
  addFinished(
    record: Omit<InvocationRecord, 'lines' | 'logBytes' | 'done'>,
    lines: readonly (readonly [number, string])[],
  ): InvocationRecord {
    const added = this.add({ ...record, lines: [], logBytes: 0, done: true });
    for (const [ts, message] of lines) this.appendLog(added, ts, message, true);
    return added;
  }

  /** Appends a log event to a record; `force` keeps platform lines past the per-invocation budget. */
  appendLog(record: InvocationRecord, ts: number, message: string, force = false): void {
    const bytes = Buffer.byteLength(message);
    if (!force && record.logBytes + bytes > this.options.maxLogBytesPerInvocation) {
      record.droppedLogBytes += bytes;
      return;
    }
    record.lines.push({ ts, message, seq: ++this.seq });
    record.logBytes += bytes;
    this.totalLogBytes += bytes;
    if (this.totalLogBytes > this.options.maxLogBytes) this.enforceLogBudget();
  }

  private dropLines(record: InvocationRecord): void {
    if (record.lines.length === 0) return;
    this.totalLogBytes -= record.logBytes;
    record.droppedLogBytes += record.logBytes;
    record.logBytes = 0;
    record.lines = [];
  }

  private enforceLogBudget(): void {
    while (this.totalLogBytes > this.options.maxLogBytes && this.withLinesHead < this.withLines.length) {
      const oldest = this.withLines[this.withLinesHead++];
      if (oldest?.done) this.dropLines(oldest);
      else if (oldest) this.withLines.push(oldest);
    }
    if (this.withLinesHead > 1024 && this.withLinesHead > this.withLines.length / 2) {
      this.withLines.splice(0, this.withLinesHead);
      this.withLinesHead = 0;
    }
  }

  records(functionName: string): readonly InvocationRecord[] {
    return this.byFunction.get(functionName) ?? [];
  }

  functionNames(): string[] {
    return [...this.byFunction.keys()];
  }

  // ------------------------------------------------------------------ metrics

  getMetricData(request: GetMetricDataRequest): MetricDataResult[] {
    const periodMs = request.periodSeconds * 1000;
    if (!Number.isFinite(periodMs) || periodMs <= 0) {
      throw new LambdaMcpError(
        'INVALID_REQUEST',
        `Invalid period ${request.periodSeconds}: it must be a positive number of seconds (a multiple of 60 for standard resolution).`,
      );
    }
    const startMs = request.start.getTime();
    const endMs = request.end.getTime();
    if (!(endMs > startMs)) {
      throw new LambdaMcpError('INVALID_REQUEST', 'The end time must be later than the start time.');
    }
    const seen = new Set<string>();
    for (const q of request.queries) {
      if (!ID_PATTERN.test(q.id)) {
        throw new LambdaMcpError(
          'INVALID_REQUEST',
          `Invalid metric query id ${JSON.stringify(q.id)}: it must match ^[a-z][a-zA-Z0-9_]*$.`,
        );
      }
      if (seen.has(q.id)) {
        throw new LambdaMcpError('INVALID_REQUEST', `Duplicate metric query id ${JSON.stringify(q.id)}.`);
      }
      seen.add(q.id);
      if (!STAT_PATTERN.test(q.stat)) {
        throw new LambdaMcpError(
          'INVALID_REQUEST',
          `Invalid statistic ${JSON.stringify(q.stat)} in query ${q.id}: use Sum, Average, Maximum, Minimum, SampleCount or a percentile such as p50 or p99.9.`,
        );
      }
    }
    return request.queries.map((q) => this.answer(q, startMs, endMs, periodMs));
  }

  private select(query: MetricDataQuery, startMs: number, endMs: number): InvocationRecord[] {
    const dims = query.dimensions;
    const fn = dims.FunctionName;
    const resource = dims.Resource;
    const version = dims.ExecutedVersion;
    if (version !== undefined && version !== '$LATEST') return [];
    const lists = fn !== undefined ? [this.records(fn)] : [...this.byFunction.values()];
    let qualifier: string | undefined;
    let resourceFn: string | undefined;
    if (resource !== undefined) {
      const colon = resource.indexOf(':');
      resourceFn = colon < 0 ? resource : resource.slice(0, colon);
      qualifier = colon < 0 ? undefined : resource.slice(colon + 1);
      if (fn !== undefined && resourceFn !== fn) return [];
    }
    const out: InvocationRecord[] = [];
    for (const list of lists) {
      for (const r of list) {
        if (r.start < startMs || r.start >= endMs) continue;
        if (resourceFn !== undefined && r.functionName !== resourceFn) continue;
        if (qualifier !== undefined && qualifier !== '$LATEST' && r.qualifier !== qualifier) continue;
        if (r.discarded || (!r.throttled && !r.done)) continue;
        out.push(r);
      }
    }
    return out;
  }

  private answer(query: MetricDataQuery, startMs: number, endMs: number, periodMs: number): MetricDataResult {
    const empty: MetricDataResult = {
      id: query.id,
      label: query.metricName,
      timestamps: [],
      values: [],
      statusCode: 'Complete',
    };
    if (query.namespace !== 'AWS/Lambda') return empty;
    const pick = metricValue(query.metricName);
    if (!pick) return empty;
    const buckets = new Map<number, number[]>();
    for (const r of this.select(query, startMs, endMs)) {
      const v = pick(r);
      if (v === undefined) continue;
      const key = Math.floor(r.start / periodMs) * periodMs;
      let bucket = buckets.get(key);
      if (!bucket) {
        bucket = [];
        buckets.set(key, bucket);
      }
      bucket.push(v);
    }
    const keys = [...buckets.keys()].sort((a, b) => a - b);
    return {
      ...empty,
      timestamps: keys.map((k) => new Date(k)),
      values: keys.map((k) => statistic(query.stat, buckets.get(k) ?? [])),
    };
  }

  // ------------------------------------------------------------------ logs

  filterLogEvents(
    functionName: string,
    request: { start?: Date; end?: Date; logStreamNamePrefix?: string; limit: number; nextToken?: string },
    matcher: LogMatcher,
  ): FilterLogEventsPage {
    const after = request.nextToken !== undefined ? decodeToken(request.nextToken) : undefined;
    const startMs = request.start?.getTime() ?? Number.NEGATIVE_INFINITY;
    const endMs = request.end?.getTime() ?? Number.POSITIVE_INFINITY;
    const prefix = request.logStreamNamePrefix;
    const hits: { entry: LogEntry; stream: string }[] = [];
    for (const r of this.records(functionName)) {
      const stream = r.logStreamName ?? '';
      if (prefix !== undefined && !stream.startsWith(prefix)) continue;
      for (const entry of r.lines) {
        if (entry.ts < startMs || entry.ts > endMs) continue;
        if (after && (entry.ts < after.ts || (entry.ts === after.ts && entry.seq <= after.seq))) continue;
        if (!matcher(entry.message)) continue;
        hits.push({ entry, stream });
      }
    }
    hits.sort((a, b) => a.entry.ts - b.entry.ts || a.entry.seq - b.entry.seq);
    const page = hits.slice(0, request.limit);
    const events: LogEvent[] = page.map(({ entry, stream }) => ({
      timestamp: new Date(entry.ts),
      message: entry.message,
      logStreamName: stream,
      eventId: String(entry.seq).padStart(20, '0'),
      ingestionTime: new Date(entry.ts),
    }));
    const last = page[page.length - 1];
    return hits.length > page.length && last
      ? { events, nextToken: encodeToken(last.entry.ts, last.entry.seq) }
      : { events };
  }
}

function metricValue(name: string): ((r: InvocationRecord) => number | undefined) | undefined {
  switch (name) {
    case 'Invocations':
      return (r) => (r.throttled ? 0 : 1);
    case 'Errors':
      return (r) => (r.errorType !== undefined ? 1 : 0);
    case 'Throttles':
      return (r) => (r.throttled ? 1 : 0);
    case 'Duration':
      return (r) => (r.throttled ? undefined : r.durationMs);
    case 'ConcurrentExecutions':
      return (r) => (r.throttled ? undefined : r.concurrency);
    default:
      return undefined;
  }
}

/** CloudWatch statistics; percentiles by nearest rank. */
export function statistic(stat: string, values: number[]): number {
  if (values.length === 0) return 0;
  switch (stat) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'Maximum':
      return values.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
    case 'Minimum':
      return values.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
    case 'SampleCount':
      return values.length;
    default: {
      const p = Number(stat.slice(1));
      const sorted = [...values].sort((a, b) => a - b);
      const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
      return sorted[Math.min(sorted.length, rank) - 1] ?? 0;
    }
  }
}

function encodeToken(ts: number, seq: number): string {
  return Buffer.from(JSON.stringify({ v: 1, ts, seq })).toString('base64url');
}

function decodeToken(token: string): { ts: number; seq: number } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v?: unknown;
      ts?: unknown;
      seq?: unknown;
    };
    if (parsed.v === 1 && typeof parsed.ts === 'number' && typeof parsed.seq === 'number') {
      return { ts: parsed.ts, seq: parsed.seq };
    }
  } catch {
    // fall through
  }
  throw new LambdaMcpError('INVALID_REQUEST', 'The specified nextToken is invalid.', {
    details: { nextToken: token.slice(0, 100) },
  });
}
