import type { ReportMetrics } from '../types.js';

const TEXT_FIELDS: Record<string, keyof ReportMetrics> = {
  Duration: 'durationMs',
  'Billed Duration': 'billedDurationMs',
  'Memory Size': 'memorySizeMb',
  'Max Memory Used': 'maxMemoryUsedMb',
  'Init Duration': 'initDurationMs',
};

function toNumber(text: string): number | undefined {
  const match = /^(-?\d+(?:\.\d+)?)\s*(?:ms|MB)?$/.exec(text.trim());
  return match ? Number(match[1]) : undefined;
}

/**
 * Parses a Lambda REPORT line in the Text log format:
 * `REPORT RequestId: <id>\tDuration: 3.01 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\tInit Duration: 110.10 ms\t`
 * (plus `Status: timeout` / `Status: error\tError Type: ...` on failures), or a `platform.report`
 * record in the JSON log format. Returns undefined for any other line.
 */
export function parseReportLine(line: string): ReportMetrics | undefined {
  const trimmed = line.trim();
  if (trimmed.startsWith('{')) return parseJsonReport(trimmed);
  if (!trimmed.startsWith('REPORT RequestId:')) return undefined;
  const out: Partial<ReportMetrics> = {};
  for (const field of trimmed.slice('REPORT '.length).split('\t')) {
    const colon = field.indexOf(':');
    if (colon < 0) continue;
    const key = field.slice(0, colon).trim();
    const value = field.slice(colon + 1).trim();
    if (key === 'RequestId') out.requestId = value;
    else if (key === 'Status') out.status = value;
    else if (key === 'Error Type') out.errorType = value;
    else {
      const target = TEXT_FIELDS[key];
      const n = toNumber(value);
      if (target && n !== undefined) (out as Record<string, unknown>)[target] = n;
    }
  }
  if (out.durationMs === undefined) return undefined;
  return {
    ...out,
    durationMs: out.durationMs,
    billedDurationMs: out.billedDurationMs ?? Math.ceil(out.durationMs),
    memorySizeMb: out.memorySizeMb ?? 0,
    maxMemoryUsedMb: out.maxMemoryUsedMb ?? 0,
  };
}

function parseJsonReport(text: string): ReportMetrics | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || value.type !== 'platform.report' || !isRecord(value.record)) return undefined;
  const record = value.record;
  const metrics = isRecord(record.metrics) ? record.metrics : {};
  const num = (key: string): number | undefined =>
    typeof metrics[key] === 'number' ? metrics[key] : undefined;
  const durationMs = num('durationMs');
  if (durationMs === undefined) return undefined;
  const out: ReportMetrics = {
    durationMs,
    billedDurationMs: num('billedDurationMs') ?? Math.ceil(durationMs),
    memorySizeMb: num('memorySizeMB') ?? 0,
    maxMemoryUsedMb: num('maxMemoryUsedMB') ?? 0,
  };
  const init = num('initDurationMs');
  if (init !== undefined) out.initDurationMs = init;
  if (typeof record.requestId === 'string') out.requestId = record.requestId;
  if (typeof record.status === 'string' && record.status !== 'success') out.status = record.status;
  if (typeof record.errorType === 'string') out.errorType = record.errorType;
  return out;
}

/** The last REPORT figures in a list of log lines (Text or JSON format). */
export function findReport(lines: readonly string[]): ReportMetrics | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    if (line === undefined) continue;
    if (!line.includes('REPORT') && !line.includes('platform.report')) continue;
    const report = parseReportLine(line);
    if (report) return report;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
