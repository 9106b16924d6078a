/**
 * CloudWatch GetMetricData in JSON 1.0 with awsQueryCompatible, as the current JS client speaks it:
 * `x-amz-target: GraniteServiceVersion20100801.GetMetricData`, timestamps as epoch seconds, errors
 * with `x-amzn-query-error: <Code>;Sender`.
 */
import type { MetricDataQuery, MetricDataResult, MetricStat } from '@lambda-mcp/core';
import type { EmulatorState } from '../state.js';
import {
  type Handled,
  jsonBody,
  jsonTargetOperation,
  parseJsonBody,
  unknownOperation,
  WireError,
  type WireRequest,
} from '../wire.js';

const TARGET_PREFIX = 'GraniteServiceVersion20100801.';
const ID_PATTERN = /^[a-z][a-zA-Z0-9_]*$/;
const DEFAULT_MAX_DATAPOINTS = 100_800;

export function routeCloudWatch(req: Pick<WireRequest, 'headers'>): string {
  return jsonTargetOperation(req, TARGET_PREFIX);
}

function invalid(
  message: string,
  code = 'InvalidParameterValue',
  exception = 'InvalidParameterValueException',
): WireError {
  return new WireError(400, exception, message, {
    queryCode: code,
    queryFault: 'Sender',
    messageKey: 'message',
  });
}

interface RawQuery {
  Id?: unknown;
  Label?: unknown;
  ReturnData?: unknown;
  Period?: unknown;
  Expression?: unknown;
  MetricStat?: {
    Metric?: {
      Namespace?: unknown;
      MetricName?: unknown;
      Dimensions?: Array<{ Name?: unknown; Value?: unknown }>;
    };
    Period?: unknown;
    Stat?: unknown;
  };
}

function epochSeconds(value: unknown, name: string): Date {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000);
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value);
  if (value === undefined) {
    throw invalid(
      `The parameter ${name} is required.`,
      'MissingParameter',
      'MissingRequiredParameterException',
    );
  }
  throw invalid(`The parameter ${name} must be a timestamp.`);
}

/** Pagination state: position in the flattened list of (result, point) pairs. */
interface PageToken {
  r: number;
  p: number;
}

export async function handleCloudWatch(
  req: WireRequest,
  state: EmulatorState,
  operation: string,
): Promise<Handled> {
  if (operation !== 'GetMetricData') {
    throw unknownOperation(operation, {
      queryCode: 'InvalidAction',
      queryFault: 'Sender',
      messageKey: 'message',
    });
  }
  const input = parseJsonBody(req, {
    queryCode: 'MalformedInput',
    queryFault: 'Sender',
    messageKey: 'message',
  });
  const queries = input.MetricDataQueries;
  if (!Array.isArray(queries) || queries.length === 0) {
    throw invalid(
      'The parameter MetricDataQueries is required.',
      'MissingParameter',
      'MissingRequiredParameterException',
    );
  }
  if (queries.length > 500) {
    throw invalid('The collection MetricDataQueries must not have a size greater than 500.');
  }
  const start = epochSeconds(input.StartTime, 'StartTime');
  const end = epochSeconds(input.EndTime, 'EndTime');
  if (start.getTime() >= end.getTime()) {
    throw invalid('The parameter StartTime must be less than the parameter EndTime.');
  }
  const scanBy = input.ScanBy ?? 'TimestampDescending';
  if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') {
    throw invalid(`The parameter ScanBy must be TimestampDescending or TimestampAscending.`);
  }
  const maxDatapoints =
    typeof input.MaxDatapoints === 'number' && input.MaxDatapoints > 0
      ? input.MaxDatapoints
      : DEFAULT_MAX_DATAPOINTS;

  const seen = new Set<string>();
  const parsed: Array<{ query: MetricDataQuery; period: number; label: string; returnData: boolean }> = [];
  (queries as RawQuery[]).forEach((q, i) => {
    const member = `MetricDataQueries.member.${i + 1}`;
    if (typeof q.Id !== 'string' || !ID_PATTERN.test(q.Id)) {
      throw invalid(
        `The value ${String(q.Id)} for parameter ${member}.Id is not valid.`,
        'ValidationError',
        'ValidationException',
      );
    }
    if (seen.has(q.Id)) throw invalid(`The value ${q.Id} for parameter ${member}.Id is not unique.`);
    seen.add(q.Id);
    if (q.Expression !== undefined) {
      throw invalid(`Metric math expressions (${member}.Expression) are not supported by this emulator.`);
    }
    const stat = q.MetricStat;
    const metric = stat?.Metric;
    if (!stat || !metric || typeof metric.MetricName !== 'string' || typeof metric.Namespace !== 'string') {
      throw invalid(
        `The parameter ${member}.MetricStat is required.`,
        'MissingParameter',
        'MissingRequiredParameterException',
      );
    }
    const period = Number(stat.Period ?? q.Period);
    if (
      !Number.isInteger(period) ||
      period <= 0 ||
      (period >= 60 && period % 60 !== 0) ||
      (period < 60 && ![1, 5, 10, 20, 30].includes(period))
    ) {
      throw invalid(`The parameter ${member}.MetricStat.Period must be a multiple of 60.`);
    }
    if (
      typeof stat.Stat !== 'string' ||
      !/^(Sum|Average|Maximum|Minimum|SampleCount|p\d+(\.\d+)?)$/.test(stat.Stat)
    ) {
      throw invalid(`The parameter ${member}.MetricStat.Stat must be a valid statistic.`);
    }
    const dimensions: Record<string, string> = {};
    for (const d of metric.Dimensions ?? []) {
      if (typeof d.Name === 'string' && typeof d.Value === 'string') dimensions[d.Name] = d.Value;
    }
    parsed.push({
      query: {
        id: q.Id,
        namespace: metric.Namespace,
        metricName: metric.MetricName,
        stat: stat.Stat as MetricStat,
        dimensions,
      },
      period,
      label: typeof q.Label === 'string' ? q.Label : metric.MetricName,
      returnData: q.ReturnData !== false,
    });
  });

  // One backend call per distinct period.
  const byPeriod = new Map<number, typeof parsed>();
  for (const p of parsed) byPeriod.set(p.period, [...(byPeriod.get(p.period) ?? []), p]);
  const results = new Map<string, MetricDataResult>();
  for (const [period, group] of byPeriod) {
    const answer = await state.backend.getMetricData({
      queries: group.map((g) => g.query),
      start,
      end,
      periodSeconds: period,
    });
    for (const r of answer) results.set(r.id, r);
  }

  let token: PageToken = { r: 0, p: 0 };
  if (typeof input.NextToken === 'string') {
    try {
      token = JSON.parse(Buffer.from(input.NextToken, 'base64url').toString('utf8')) as PageToken;
      if (!Number.isInteger(token.r) || !Number.isInteger(token.p)) throw new Error('bad');
    } catch {
      throw invalid('The specified NextToken is invalid.', 'InvalidNextToken', 'InvalidNextToken');
    }
  }

  const output: Array<Record<string, unknown>> = [];
  let budget = maxDatapoints;
  let next: PageToken | undefined;
  const visible = parsed.filter((p) => p.returnData);
  for (let r = token.r; r < visible.length; r++) {
    const p = visible[r]!;
    const result = results.get(p.query.id);
    const points = (result?.timestamps ?? []).map((t, i) => [t.getTime(), result?.values[i] ?? 0] as const);
    points.sort((a, b) => (scanBy === 'TimestampAscending' ? a[0] - b[0] : b[0] - a[0]));
    const from = r === token.r ? token.p : 0;
    const take = Math.min(points.length - from, budget);
    const slice = points.slice(from, from + Math.max(0, take));
    budget -= slice.length;
    const partial = from + slice.length < points.length;
    output.push({
      Id: p.query.id,
      Label: p.label,
      Timestamps: slice.map(([t]) => Math.floor(t / 1000)),
      Values: slice.map(([, v]) => v),
      StatusCode: partial ? 'PartialData' : (result?.statusCode ?? 'Complete'),
    });
    if (partial) {
      next = { r, p: from + slice.length };
      break;
    }
  }
  const body: Record<string, unknown> = { MetricDataResults: output, Messages: [] };
  if (next) body.NextToken = Buffer.from(JSON.stringify(next), 'utf8').toString('base64url');
  return {
    status: 200,
    operation: 'GetMetricData',
    headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: jsonBody(body),
  };
}
