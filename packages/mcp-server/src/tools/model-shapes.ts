import type { DataPoint, ErrorDetail, MetricsReport } from '@lambda-mcp/core';
import { groupErrors } from '@lambda-mcp/core/internal';
import { redact } from '../errors.js';
import type { JsonObject } from '../types.js';

/**
 * The structured answers of get_function_schema and monitor_executions, shaped for a model: the
 * seed's field names first (`schema`, `version`, `examples: [{description, payload}]`), figures
 * rounded, errors parsed and grouped.
 */

export interface SchemaAnswer {
  functionName: string;
  qualifier?: string;
  toolName?: string;
  schema: JsonObject | null;
  version: string | null;
  examples?: Array<{ description: string; payload: unknown }>;
  extras: JsonObject;
}

export function schemaToolValue(a: SchemaAnswer): JsonObject {
  return {
    function_name: a.functionName,
    ...(a.qualifier ? { qualifier: a.qualifier } : {}),
    ...(a.toolName ? { tool_name: a.toolName } : {}),
    schema: a.schema,
    version: a.version,
    ...(a.examples ? { examples: a.examples } : {}),
    ...a.extras,
  };
}

type Series = DataPoint[] | undefined;

/** A series as sent: its points, or `{error}` when its query failed. */
function seriesOut(
  points: Series,
  path: string,
  errors: MetricsReport['seriesErrors'],
): DataPoint[] | JsonObject | undefined {
  const e = errors?.[path];
  if (e) return { error: { code: e.code, message: redact(e.message) } };
  return points;
}

function group(
  parts: Record<string, Series>,
  prefix: string,
  errors: MetricsReport['seriesErrors'],
): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(parts)) {
    const s = seriesOut(v, `${prefix}.${k}`, errors);
    if (s !== undefined) out[k] = s as JsonObject;
  }
  return out;
}

function occurrence(e: ErrorDetail, includeRaw: boolean): JsonObject {
  return {
    timestamp: e.timestamp,
    ...(e.requestId ? { request_id: e.requestId } : {}),
    message: redact(e.message),
    ...(e.trace && e.trace.length > 0 ? { trace: e.trace.map(redact) } : {}),
    ...(e.logStream ? { log_stream: e.logStream } : {}),
    ...(includeRaw && e.raw ? { raw: redact(e.raw) } : {}),
  };
}

export function metricsToolValue(report: MetricsReport, opts: { includeRaw?: boolean } = {}): JsonObject {
  const s = report.series;
  const errs = report.seriesErrors;
  const series: JsonObject = {};
  const put = (key: string, value: unknown) => {
    if (value !== undefined) series[key] = value as JsonObject;
  };
  put('invocations', seriesOut(s.invocations, 'invocations', errs));
  put('errors', seriesOut(s.errors, 'errors', errs));
  put('throttles', seriesOut(s.throttles, 'throttles', errs));
  if (s.duration) put('duration', group({ ...s.duration }, 'duration', errs));
  put('concurrency', seriesOut(s.concurrency, 'concurrency', errs));
  put('dead_letter_errors', seriesOut(s.deadLetterErrors, 'dead_letter_errors', errs));
  put('async_events_dropped', seriesOut(s.asyncEventsDropped, 'async_events_dropped', errs));
  if (s.asyncEventAge) put('async_event_age', group({ ...s.asyncEventAge }, 'async_event_age', errs));
  if (s.iteratorAge) put('iterator_age', group({ ...s.iteratorAge }, 'iterator_age', errs));
  put(
    'provisioned_concurrency_spillover',
    seriesOut(s.provisionedConcurrencySpillover, 'provisioned_concurrency_spillover', errs),
  );
  const sum = report.summary;
  const init = report.initDuration;
  const includeRaw = opts.includeRaw === true;
  // A MetricsService of an embedder may give the details only: group them here.
  const groups = report.errorGroups ?? (report.recentErrors ? groupErrors(report.recentErrors) : undefined);
  return {
    function_name: report.functionName,
    ...(report.qualifier ? { qualifier: report.qualifier } : {}),
    start: report.start,
    end: report.end,
    period_seconds: report.periodSeconds,
    series,
    summary: {
      invocations: sum.invocations,
      errors: sum.errors,
      throttles: sum.throttles,
      error_rate: sum.errorRate,
      ...(sum.averageDurationMs !== undefined ? { average_duration_ms: sum.averageDurationMs } : {}),
      ...(sum.maxDurationMs !== undefined ? { max_duration_ms: sum.maxDurationMs } : {}),
      ...(sum.maxConcurrency !== undefined ? { max_concurrency: sum.maxConcurrency } : {}),
    },
    ...(init
      ? {
          init_duration: {
            cold_starts: init.coldStarts,
            ...(init.averageMs !== undefined ? { average_ms: init.averageMs } : {}),
            ...(init.p50Ms !== undefined ? { p50_ms: init.p50Ms } : {}),
            ...(init.maxMs !== undefined ? { max_ms: init.maxMs } : {}),
            ...(init.partial ? { partial: true } : {}),
            ...(init.error ? { error: { code: init.error.code, message: redact(init.error.message) } } : {}),
          },
        }
      : {}),
    ...(groups
      ? {
          recent_errors: groups.map((g) => ({
            error_type: g.errorType,
            kind: g.kind,
            count: g.count,
            last_seen: g.lastSeen,
            first_seen: g.firstSeen,
            occurrences: g.latest.map((e) => occurrence(e, includeRaw)),
          })),
        }
      : {}),
    ...(report.problems && report.problems.length > 0 ? { problems: report.problems.map(redact) } : {}),
  };
}
