/** The monitor_executions tool: its schema and its handler. */
import { type MetricsReport, type MetricType, parseTimeRange, toLambdaMcpError } from '@lambda-mcp/core';
import { invalidArgumentsResult, redact } from '../errors.js';
import { byteLength, structuredResult, truncateUtf8 } from '../result.js';
import type { JsonObject, ToolCallContext, ToolDefinition } from '../types.js';
import { dataPoints, functionNameSchema, qualifierSchema, readOnly } from './schemas.js';
import { type GenericContext, type GenericHandlerResult, str } from './shared.js';

export const monitorExecutionsTool: ToolDefinition = {
  name: 'monitor_executions',
  title: 'Monitor function executions',
  description:
    'Reports how a function ran over a time range: series of invocations, errors, throttles, duration (average, p50, p90, p99, maximum) and concurrency, a summary (totals and error rate), and with include_errors the recent error details from its logs. ' +
    'time_range takes ISO 8601 times or relative forms such as "1h", "30m", "7d" (meaning that long ago) and "now"; the default is the last hour.',
  inputSchema: {
    type: 'object',
    properties: {
      function_name: functionNameSchema,
      qualifier: qualifierSchema,
      time_range: {
        type: 'object',
        properties: {
          start: {
            type: 'string',
            description: 'ISO 8601 time or relative ("1h" = one hour ago). Default "1h".',
          },
          end: { type: 'string', description: 'ISO 8601 time, relative, or "now" (default).' },
        },
        additionalProperties: false,
      },
      include_errors: { type: 'boolean', default: false, description: 'Also return recent error details.' },
      metric_types: {
        type: 'array',
        items: { type: 'string', enum: ['invocations', 'errors', 'throttles', 'duration', 'concurrency'] },
        uniqueItems: true,
        description: 'Which series to return (default: all).',
      },
    },
    required: ['function_name'],
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: {
      function_name: { type: 'string' },
      qualifier: { type: 'string' },
      start: { type: 'string' },
      end: { type: 'string' },
      period_seconds: { type: 'integer' },
      series: {
        type: 'object',
        properties: {
          invocations: dataPoints,
          errors: dataPoints,
          throttles: dataPoints,
          duration: {
            type: 'object',
            properties: {
              average: dataPoints,
              p50: dataPoints,
              p90: dataPoints,
              p99: dataPoints,
              maximum: dataPoints,
            },
          },
          concurrency: dataPoints,
        },
      },
      summary: {
        type: 'object',
        properties: {
          invocations: { type: 'number' },
          errors: { type: 'number' },
          throttles: { type: 'number' },
          error_rate: { type: 'number' },
          average_duration_ms: { type: 'number' },
          max_duration_ms: { type: 'number' },
          max_concurrency: { type: 'number' },
        },
        required: ['invocations', 'errors', 'throttles', 'error_rate'],
      },
      recent_errors: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            timestamp: { type: 'string' },
            request_id: { type: 'string' },
            kind: { type: 'string' },
            message: { type: 'string' },
            log_stream: { type: 'string' },
          },
          required: ['timestamp', 'kind', 'message'],
        },
      },
      series_truncated: { type: 'boolean' },
    },
    required: ['function_name', 'start', 'end', 'period_seconds', 'series', 'summary'],
  },
  annotations: { title: 'Monitor function executions', ...readOnly },
};

export async function monitorExecutions(
  g: GenericContext,
  args: JsonObject,
  context: ToolCallContext,
): Promise<GenericHandlerResult> {
  const name = String(args.function_name);
  const r = await g.resolveFor(name, str(args.qualifier), context);
  if (!r.ok) return r.handled;
  const audit = { function: r.fn.name, ...(r.qualifier ? { qualifier: r.qualifier } : {}) };
  const range = (args.time_range ?? {}) as JsonObject;
  let start: Date;
  let end: Date;
  try {
    ({ start, end } = parseTimeRange(
      { start: str(range.start), end: str(range.end) },
      { names: { start: 'time_range.start', end: 'time_range.end' } },
    ));
  } catch (error) {
    const e = toLambdaMcpError(error, 'INVALID_REQUEST');
    return {
      result: invalidArgumentsResult('monitor_executions', [
        {
          path: `/time_range/${String(e.details?.field ?? 'start').replace(/^time_range\./, '')}`,
          message: e.message,
          keyword: 'format',
        },
      ]),
      audit: { ...audit, outcome: 'invalid_arguments', errorCode: e.code },
    };
  }
  let report: MetricsReport;
  try {
    report = await g.services.metrics.getMetrics(
      {
        functionName: r.fn.name,
        ...(r.qualifier ? { qualifier: r.qualifier } : {}),
        start,
        end,
        ...(Array.isArray(args.metric_types) ? { metrics: args.metric_types as MetricType[] } : {}),
        includeErrors: args.include_errors === true,
      },
      context.signal ? { signal: context.signal } : undefined,
    );
  } catch (error) {
    return g.failed(toLambdaMcpError(error), r.fn.name, r.qualifier);
  }
  const value = snakeMetrics(report);
  const s = report.summary;
  const summary =
    `${r.fn.name} from ${report.start} to ${report.end}: ${s.invocations} invocations, ${s.errors} errors ` +
    `(${(s.errorRate * 100).toFixed(1)}%), ${s.throttles} throttles` +
    (s.averageDurationMs !== undefined ? `, average duration ${s.averageDurationMs.toFixed(1)} ms` : '') +
    '.';
  return {
    result: structuredResult(value, {
      maxResultBytes: g.max,
      summary,
      shrink: (v, budget) => shrinkMetrics(v, budget),
    }),
    audit: { ...audit, outcome: 'success' },
  };
}

function snakeMetrics(report: MetricsReport): JsonObject {
  const s = report.series;
  return {
    function_name: report.functionName,
    ...(report.qualifier ? { qualifier: report.qualifier } : {}),
    start: report.start,
    end: report.end,
    period_seconds: report.periodSeconds,
    series: {
      ...(s.invocations ? { invocations: s.invocations } : {}),
      ...(s.errors ? { errors: s.errors } : {}),
      ...(s.throttles ? { throttles: s.throttles } : {}),
      ...(s.duration ? { duration: s.duration } : {}),
      ...(s.concurrency ? { concurrency: s.concurrency } : {}),
    },
    summary: {
      invocations: report.summary.invocations,
      errors: report.summary.errors,
      throttles: report.summary.throttles,
      error_rate: report.summary.errorRate,
      ...(report.summary.averageDurationMs !== undefined
        ? { average_duration_ms: report.summary.averageDurationMs }
        : {}),
      ...(report.summary.maxDurationMs !== undefined
        ? { max_duration_ms: report.summary.maxDurationMs }
        : {}),
      ...(report.summary.maxConcurrency !== undefined
        ? { max_concurrency: report.summary.maxConcurrency }
        : {}),
    },
    ...(report.recentErrors
      ? {
          recent_errors: report.recentErrors.map((e) => ({
            timestamp: e.timestamp,
            ...(e.requestId ? { request_id: e.requestId } : {}),
            kind: e.kind,
            message: redact(e.message),
            ...(e.logStream ? { log_stream: e.logStream } : {}),
          })),
        }
      : {}),
    ...(report.problems && report.problems.length > 0 ? { problems: report.problems } : {}),
  };
}

/** Keeps the most recent points of every series so the report fits `budget` bytes. */
function shrinkMetrics(value: JsonObject, budget: number): JsonObject | undefined {
  const cut = (points: unknown, n: number) => (Array.isArray(points) ? points.slice(-n) : points);
  const series = value.series as JsonObject;
  for (let n = 512; n >= 1; n = Math.floor(n / 2)) {
    const duration = series.duration as JsonObject | undefined;
    const next: JsonObject = {
      ...value,
      series: {
        ...Object.fromEntries(Object.entries(series).map(([k, v]) => [k, k === 'duration' ? v : cut(v, n)])),
        ...(duration
          ? { duration: Object.fromEntries(Object.entries(duration).map(([k, v]) => [k, cut(v, n)])) }
          : {}),
      },
      ...(Array.isArray(value.recent_errors)
        ? {
            recent_errors: (value.recent_errors as JsonObject[]).slice(0, 10).map((e) => ({
              ...e,
              message: truncateUtf8(String(e.message), 500),
            })),
          }
        : {}),
      series_truncated: true,
    };
    if (byteLength(JSON.stringify(next)) <= budget) return next;
  }
  return undefined;
}
