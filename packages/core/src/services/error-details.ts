import type { LogEvent } from '../types.js';
import type { ErrorDetail, ErrorGroup } from './types.js';

/** How many lines of a stack trace an error detail keeps (the top is what explains it). */
export const TRACE_LINES = 5;
const MESSAGE_MAX = 1_000;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** Classifies a log line found by the error pattern; undefined when it is not an error after all. */
export function classifyErrorLine(message: string): ErrorDetail['kind'] | undefined {
  const text = message.trim();
  if (/^(START|END|INIT_START) /.test(text)) return undefined;
  if (/^REPORT /.test(text) && !/Status: (timeout|error)/.test(text)) return undefined;
  if (/Task timed out after|Status: timeout|Sandbox\.Timedout/.test(text)) return 'timeout';
  if (/Runtime\.OutOfMemory|heap out of memory|out of memory|MemoryError|OutOfMemoryError/i.test(text)) {
    return 'out-of-memory';
  }
  if (/Runtime exited|Runtime\.ExitError/.test(text)) return 'runtime-exit';
  if (/\bERROR\b|Exception|errorType|Status: error|\bError\b/.test(text)) return 'error';
  return undefined;
}

export function requestIdOf(message: string): string | undefined {
  const explicit =
    /RequestId:\s*([0-9a-f-]{36})/i.exec(message) ?? /"requestId"\s*:\s*"([^"]+)"/.exec(message);
  if (explicit?.[1]) return explicit[1];
  const tabbed = /^\S+[\t ]([0-9a-f-]{36})[\t ]/.exec(message);
  if (tabbed?.[1]) return tabbed[1];
  return UUID.exec(message)?.[0];
}

function cap(text: string, max = MESSAGE_MAX): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return value.split('\n');
  if (Array.isArray(value)) return value.filter((x): x is string => typeof x === 'string');
  return [];
}

/** The JSON object a runtime printed on the line (Node's `Invoke Error`, Python's error JSON). */
function jsonPart(text: string): Record<string, unknown> | undefined {
  const at = text.indexOf('{');
  if (at < 0) return undefined;
  try {
    const value = JSON.parse(text.slice(at)) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const KIND_TYPE: Record<ErrorDetail['kind'], string> = {
  timeout: 'Sandbox.Timedout',
  'out-of-memory': 'Runtime.OutOfMemory',
  'runtime-exit': 'Runtime.ExitError',
  error: 'Error',
};

/**
 * One error log line as a model reads it: the error type, the message without the runtime's
 * prefixes (timestamp, request id, level), and the first lines of the trace.
 */
export function parseErrorEvent(event: LogEvent, kind: ErrorDetail['kind']): ErrorDetail {
  const raw = event.message.trim();
  const detail: ErrorDetail = {
    timestamp: event.timestamp.toISOString(),
    kind,
    errorType: KIND_TYPE[kind],
    message: '',
    trace: [],
    raw: cap(raw, 2_000),
  };
  const requestId = requestIdOf(raw);
  if (requestId) detail.requestId = requestId;
  if (event.logStreamName) detail.logStream = event.logStreamName;

  // Node: `<ts>\t<request id>\tERROR\tInvoke Error \t{"errorType":...}`; Python: `[ERROR] Type: msg`.
  let body = raw
    .replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z?[\t ]+/, '')
    .replace(/^[0-9a-f-]{36}[\t ]+/i, '')
    .replace(/^\[?(ERROR|FATAL|WARN)\]?[\t ]+/, '');
  const json = jsonPart(body);
  const reported = /Error Type: ([^\t\n]+)/.exec(raw)?.[1]?.trim();
  if (json && (typeof json.errorType === 'string' || typeof json.errorMessage === 'string')) {
    if (typeof json.errorType === 'string') detail.errorType = json.errorType;
    detail.message = typeof json.errorMessage === 'string' ? json.errorMessage : '';
    const trace = stringList(json.stack ?? json.stackTrace ?? json.trace)
      .map((line) => line.trimEnd())
      .filter((line) => line.trim() !== '');
    // A Node stack starts with `Type: message`, which the fields already say.
    if (trace[0]?.startsWith(`${detail.errorType}: `)) trace.shift();
    detail.trace = trace.slice(0, TRACE_LINES);
  } else if (kind === 'timeout') {
    detail.message = /Task timed out after [\d.]+ seconds/.exec(raw)?.[0] ?? 'The invocation timed out.';
  } else if (/^REPORT /.test(raw)) {
    if (reported) detail.errorType = reported;
    const status = /Status: (\w+)/.exec(raw)?.[1];
    detail.message = `The invocation ended with status ${status ?? 'error'}.`;
  } else {
    body = body.replace(/^(Invoke Error|Uncaught Exception)\s*/, '');
    const lines = body.split('\n').map((l) => l.trimEnd());
    const first = lines.shift() ?? '';
    const typed = /^([A-Za-z_$][\w$.]*(?:Error|Exception|Timedout|Fault))\s*:\s*(.*)$/.exec(first);
    if (reported) detail.errorType = reported;
    else if (typed?.[1]) detail.errorType = typed[1];
    else {
      const named = /\b([A-Z][\w.]*(?:Error|Exception))\b/.exec(first)?.[1];
      if (named) detail.errorType = named;
    }
    detail.message = typed?.[2] ?? first;
    detail.trace = lines.filter((l) => l.trim() !== '').slice(0, TRACE_LINES);
  }
  detail.message = cap(detail.message.trim());
  return detail;
}

/** How much a detail says: a line with a trace and message beats a bare REPORT line. */
function richness(d: ErrorDetail): number {
  return (d.trace?.length ?? 0) * 2 + (d.message && !/^The invocation ended/.test(d.message) ? 1 : 0);
}

/**
 * Parses error log events (newest first) into details, one per request (the richest of its lines),
 * at most `limit`.
 */
export function errorDetailsOf(events: readonly LogEvent[], limit: number): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const byRequest = new Map<string, number>();
  for (const event of events) {
    const kind = classifyErrorLine(event.message);
    if (!kind) continue;
    const detail = parseErrorEvent(event, kind);
    const id = detail.requestId;
    if (id !== undefined) {
      const at = byRequest.get(id);
      if (at !== undefined) {
        const kept = out[at] as ErrorDetail;
        if (richness(detail) > richness(kept)) {
          out[at] = {
            ...detail,
            timestamp: kept.timestamp > detail.timestamp ? kept.timestamp : detail.timestamp, // ISO strings
          };
        }
        continue;
      }
    }
    if (out.length >= limit) continue;
    if (id !== undefined) byRequest.set(id, out.length);
    out.push(detail);
  }
  return out;
}

/** Groups details by error type, newest group first, each with its count and latest occurrences. */
export function groupErrors(details: readonly ErrorDetail[], perGroup = 3): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>();
  const sorted = [...details].sort((a, b) =>
    a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0,
  );
  for (const d of sorted) {
    const type = d.errorType ?? KIND_TYPE[d.kind];
    let g = groups.get(type);
    if (!g) {
      g = {
        errorType: type,
        kind: d.kind,
        count: 0,
        lastSeen: d.timestamp,
        firstSeen: d.timestamp,
        latest: [],
      };
      groups.set(type, g);
    }
    g.count++;
    g.firstSeen = d.timestamp;
    if (g.latest.length < perGroup) g.latest.push(d);
  }
  return [...groups.values()];
}
