/** The monitor_executions tool: its schema and its handler. */

import { type MetricsReport, parseTimeRange, toLambdaMcpError } from '@lambda-mcp/core';
import { metricNamesAccepted } from '@lambda-mcp/core/internal';
import { invalidArgumentsResult } from '../errors.js';
import { byteLength, structuredResult, truncateUtf8 } from '../result.js';
import { metricsToolValue } from '../tools/model-shapes.js';
import type { JsonObject, ToolCallContext, ToolDefinition } from '../types.js';
import { functionNameSchema, qualifierSchema, readOnly } from './schemas.js';
import { type GenericContext, type GenericHandlerResult, str } from './shared.js';

export const monitorExecutionsTool: ToolDefinition = {
  name: 'monitor_executions',
  title: 'Monitor function executions',
  description:
    'Reports how a function ran over a time range: invocations, errors, throttles, duration percentiles, concurrency, async and stream metrics, cold starts, and recent errors grouped by type. ' +
    'Use it to debug failures or slowness.',
  inputSchema: {
    type: 'object',
    properties: {
      function_name: functionNameSchema,
      qualifier: qualifierSchema,
      time_range: {
        type: 'object',
        properties: {
          start: { type: 'string', description: 'ISO 8601 or relative ("1h" ago). Default "1h".' },
          end: { type: 'string', description: 'ISO 8601, relative or "now" (default).' },
        },
        additionalProperties: false,
      },
      include_errors: { type: 'boolean', default: false, description: 'Add recent errors from the logs.' },
      include_raw_errors: {
        type: 'boolean',
        default: false,
        description: "Add each error's raw log line.",
      },
      metric_types: {
        type: 'array',
        items: { type: 'string', minLength: 1, maxLength: 64 },
        uniqueItems: true,
        description: `Any case: ${metricNamesAccepted()
          .filter((_, i) => i % 2 === 1)
          .join(', ')} (default the first five).`,
      },
    },
    required: ['function_name'],
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: {
      function_name: { type: 'string' },
      start: { type: 'string' },
      end: { type: 'string' },
      period_seconds: { type: 'integer' },
      series: { type: 'object', description: 'Points per metric; a failed one is {error}.' },
      summary: { type: 'object' },
      recent_errors: { type: 'array', items: { type: 'object' } },
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
        ...(Array.isArray(args.metric_types) ? { metrics: args.metric_types as string[] } : {}),
        includeErrors: args.include_errors === true,
      },
      context.signal ? { signal: context.signal } : undefined,
    );
  } catch (error) {
    const e = toLambdaMcpError(error);
    if (e.code === 'INVALID_REQUEST' && e.details?.field === 'metrics') {
      return {
        result: invalidArgumentsResult('monitor_executions', [
          { path: '/metric_types', message: e.message, keyword: 'enum' },
        ]),
        audit: { ...audit, outcome: 'invalid_arguments', errorCode: e.code },
      };
    }
    return g.failed(e, r.fn.name, r.qualifier);
  }
  const value = metricsToolValue(report, { includeRaw: args.include_raw_errors === true });
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
