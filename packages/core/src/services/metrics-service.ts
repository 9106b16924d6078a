import type { Backend } from '../backend.js';
import type { Config } from '../config/schema.js';
import { isErrorCode, LambdaMcpError, toLambdaMcpError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { CallOptions, FunctionInfo, LogEvent, MetricDataQuery, MetricDataResult } from '../types.js';
import { abortError, throwIfAborted } from '../util/abort.js';
import { mapWithConcurrency } from '../util/concurrency.js';
import { errorDetailsOf, groupErrors } from './error-details.js';
import {
  DEFAULT_METRIC_TYPES,
  normalizeMetricTypes,
  queryIdOf,
  seriesQueries,
  toMetricDataQueries,
} from './metric-catalog.js';
import type {
  DataPoint,
  DiscoveryService,
  LogsQuery,
  MetricsQuery,
  MetricsReport,
  MetricsService,
  MetricType,
  ResolveOptions,
} from './types.js';

export { classifyErrorLine } from './error-details.js';
export { METRIC_TYPES } from './metric-catalog.js';

/**
 * The filter pattern for error details: any of these terms (CloudWatch Logs `?term` syntax).
 * Matches Node/Python error lines, timeouts, runtime exits and failure REPORT lines.
 */
export const ERROR_FILTER_PATTERN =
  '?ERROR ?Exception ?"errorType" ?"Task timed out" ?"Runtime exited" ?"Runtime.ExitError" ?"Status: timeout" ?"Status: error" ?"out of memory"';

/** Bounds of a log scan: pages, time, events per page. */
export const LOG_SCAN_MAX_PAGES = 5;
export const LOG_SCAN_TIME_BUDGET_MS = 10_000;
const MAX_RANGE_MS = 455 * 86_400_000; // CloudWatch keeps 15 months.

export interface MetricsServiceOptions {
  backend: Backend;
  config: Config;
  logger: Logger;
  discovery: DiscoveryService;
  now?: () => number;
  /** Overrides of the scan bounds (tests). */
  scan?: { maxPages?: number; timeBudgetMs?: number };
}

/**
 * The period for a range: 60 s up to 3 h, 300 s up to 1 day, then whole hours keeping at most
 * about 300 points. Data older than 15 days exists only at 5-minute resolution, older than 63
 * days only hourly, so the period never goes below that.
 */
export function choosePeriodSeconds(start: Date, end: Date, now: Date = new Date()): number {
  const range = (end.getTime() - start.getTime()) / 1000;
  let period: number;
  if (range <= 3 * 3600) period = 60;
  else if (range <= 86_400) period = 300;
  else period = 3600 * Math.max(1, Math.ceil(range / (3600 * 300)));
  const age = (now.getTime() - start.getTime()) / 1000;
  if (age > 63 * 86_400) period = Math.max(period, 3600);
  else if (age > 15 * 86_400) period = Math.max(period, 300);
  return period;
}

/** The GetMetricData queries for a function (ids match ^[a-z][a-zA-Z0-9_]*$). */
export function buildMetricQueries(
  functionName: string,
  qualifier: string | undefined,
  types: readonly MetricType[],
): MetricDataQuery[] {
  return toMetricDataQueries(functionName, qualifier, seriesQueries(types));
}

function points(result: MetricDataResult | undefined): DataPoint[] {
  if (!result) return [];
  const out: DataPoint[] = [];
  for (let i = 0; i < result.timestamps.length; i++) {
    const t = result.timestamps[i];
    const v = result.values[i];
    if (t && typeof v === 'number' && Number.isFinite(v)) out.push({ timestamp: t.toISOString(), value: v });
  }
  return out.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
}

const sum = (series: DataPoint[]) => series.reduce((acc, p) => acc + p.value, 0);
const max = (series: DataPoint[]) =>
  series.length === 0 ? undefined : Math.max(...series.map((p) => p.value));
const round = (n: number) => Math.round(n * 100) / 100;
const roundPoints = (series: DataPoint[]) =>
  series.map((p) => ({ timestamp: p.timestamp, value: round(p.value) }));
/** Parallel single-query requests when a batch fails (so one bad statistic costs one series). */
const SPLIT_CONCURRENCY = 4;
const INIT_FILTER_PATTERN = '"Init Duration"';

interface ScanResult {
  events: LogEvent[];
  truncated: boolean;
}

export function createMetricsService(options: MetricsServiceOptions): MetricsService {
  const { backend, discovery } = options;
  const logger = options.logger.child({ component: 'metrics' });
  const now = options.now ?? Date.now;
  const maxPages = options.scan?.maxPages ?? LOG_SCAN_MAX_PAGES;
  const timeBudgetMs = options.scan?.timeBudgetMs ?? LOG_SCAN_TIME_BUDGET_MS;

  function checkRange(start: Date, end: Date): void {
    for (const [name, d] of [
      ['start', start],
      ['end', end],
    ] as const) {
      if (!(d instanceof Date) || Number.isNaN(d.getTime())) {
        throw new LambdaMcpError('INVALID_REQUEST', `Invalid ${name}: expected a valid time.`, {
          details: { field: name },
        });
      }
    }
    if (start.getTime() >= end.getTime()) {
      throw new LambdaMcpError(
        'INVALID_REQUEST',
        `Invalid time range: start (${start.toISOString()}) must be before end (${end.toISOString()}).`,
        { details: { field: 'start' } },
      );
    }
    if (end.getTime() - start.getTime() > MAX_RANGE_MS) {
      throw new LambdaMcpError(
        'INVALID_REQUEST',
        'Invalid time range: at most 455 days (CloudWatch keeps 15 months).',
        {
          details: { field: 'start' },
        },
      );
    }
  }

  async function allowed(name: string, qualifier: string | undefined, opts: CallOptions) {
    // Metrics of a version or alias that does not exist would read as "no invocations": it is
    // refused instead, as one the caller may not use is.
    const resolveOptions: ResolveOptions = { verifyQualifier: true };
    if (opts.signal) resolveOptions.signal = opts.signal;
    if (qualifier) resolveOptions.qualifier = qualifier;
    return discovery.resolve(name, resolveOptions);
  }

  const logGroupOf = (fn: FunctionInfo) => fn.logGroup ?? `/aws/lambda/${fn.name}`;

  /**
   * Reads matching events newest first: windows walk back from `end` (each four times the last),
   * a window's pages oldest first, within a budget of pages and time.
   */
  async function scanNewestFirst(
    request: { logGroupName: string; start: Date; end: Date; filterPattern?: string; want: number },
    opts: CallOptions,
  ): Promise<ScanResult> {
    const budget = AbortSignal.timeout(timeBudgetMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, budget]) : budget;
    const seen = new Set<string>();
    const events: LogEvent[] = [];
    const startMs = request.start.getTime();
    let windowEnd = request.end.getTime();
    let windowSize = Math.max(60_000, Math.ceil((windowEnd - startMs) / 16));
    let pages = 0;
    let truncated = false;
    const pageLimit = Math.min(10_000, Math.max(100, request.want * 5));
    try {
      while (windowEnd > startMs && events.length < request.want) {
        const windowStart = Math.max(startMs, windowEnd - windowSize);
        let nextToken: string | undefined;
        do {
          if (pages >= maxPages) {
            truncated = true;
            break;
          }
          const page = await backend.filterLogEvents(
            {
              logGroupName: request.logGroupName,
              start: new Date(windowStart),
              end: new Date(windowEnd),
              limit: pageLimit,
              ...(request.filterPattern ? { filterPattern: request.filterPattern } : {}),
              ...(nextToken ? { nextToken } : {}),
            },
            { signal },
          );
          pages++;
          for (const event of page.events) {
            const key =
              event.eventId ??
              `${event.timestamp.getTime()}\u0000${event.logStreamName ?? ''}\u0000${event.message}`;
            if (seen.has(key)) continue;
            seen.add(key);
            events.push(event);
          }
          nextToken = page.nextToken || undefined;
        } while (nextToken);
        if (truncated) break;
        windowEnd = windowStart;
        windowSize *= 4;
      }
    } catch (error) {
      if (opts.signal?.aborted) throw abortError(opts.signal);
      if (!budget.aborted) throw error;
      truncated = true;
    }
    if (windowEnd > startMs && events.length < request.want) truncated = true;
    events.sort((a, b) => b.timestamp.getTime() - a.timestamp.getTime());
    return { events, truncated };
  }

  async function recentErrors(fn: FunctionInfo, start: Date, end: Date, limit: number, opts: CallOptions) {
    const scan = await scanNewestFirst(
      { logGroupName: logGroupOf(fn), start, end, filterPattern: ERROR_FILTER_PATTERN, want: limit * 3 },
      opts,
    );
    const details = errorDetailsOf(scan.events, limit);
    return { details, truncated: scan.truncated && details.length < limit };
  }

  /**
   * Runs the queries as one GetMetricData request; when it fails, each query alone, so a statistic
   * the service refuses (moto answers percentiles with a 500) costs its own series, not the report.
   */
  async function readMetricData(
    queries: MetricDataQuery[],
    range: { start: Date; end: Date; periodSeconds: number },
    opts: CallOptions,
  ): Promise<{ results: MetricDataResult[]; failed: Map<string, { code: string; message: string }> }> {
    const failed = new Map<string, { code: string; message: string }>();
    const call = (qs: MetricDataQuery[]) =>
      backend.getMetricData({ queries: qs, ...range }, opts.signal ? { signal: opts.signal } : {});
    try {
      return { results: await call(queries), failed };
    } catch (error) {
      if (opts.signal?.aborted || isErrorCode(error, 'ABORTED')) throw error;
      if (queries.length === 1) {
        failed.set(queries[0]!.id, seriesError(error));
        return { results: [], failed };
      }
      logger.debug('metric batch failed; querying series one by one', {
        code: toLambdaMcpError(error).code,
      });
    }
    const each = await mapWithConcurrency(queries, SPLIT_CONCURRENCY, async (q) => {
      try {
        return await call([q]);
      } catch (error) {
        if (opts.signal?.aborted || isErrorCode(error, 'ABORTED')) throw error;
        failed.set(q.id, seriesError(error));
        return [];
      }
    });
    return { results: each.flat(), failed };
  }

  function seriesError(error: unknown): { code: string; message: string } {
    const err = toLambdaMcpError(error, 'BACKEND_UNAVAILABLE');
    // The first sentence, without SDK internals (deserialization notes, stack-like text).
    const first = err.message.split(/\n|(?<=\.)\s+(?=[A-Z])/)[0] ?? err.message;
    return { code: err.code, message: first.length > 300 ? `${first.slice(0, 300)}...` : first };
  }

  /** Cold starts in the range from the REPORT lines' `Init Duration` (CloudWatch has no such metric). */
  async function initDurations(
    fn: FunctionInfo,
    start: Date,
    end: Date,
    opts: CallOptions,
  ): Promise<NonNullable<MetricsReport['initDuration']>> {
    try {
      const scan = await scanNewestFirst(
        { logGroupName: logGroupOf(fn), start, end, filterPattern: INIT_FILTER_PATTERN, want: 1_000 },
        opts,
      );
      const values: number[] = [];
      for (const event of scan.events) {
        const m = /Init Duration:\s*([\d.]+)\s*ms/.exec(event.message);
        if (m && /^REPORT /.test(event.message.trim())) values.push(Number(m[1]));
      }
      values.sort((a, b) => a - b);
      const out: NonNullable<MetricsReport['initDuration']> = { coldStarts: values.length };
      if (values.length > 0) {
        out.averageMs = round(values.reduce((a, b) => a + b, 0) / values.length);
        out.p50Ms = round(values[Math.ceil(values.length / 2) - 1] as number);
        out.maxMs = round(values[values.length - 1] as number);
      }
      if (scan.truncated) out.partial = true;
      return out;
    } catch (error) {
      if (isErrorCode(error, 'ABORTED')) throw error;
      return { coldStarts: 0, error: seriesError(error) };
    }
  }

  return {
    async getMetrics(query: MetricsQuery, opts: CallOptions = {}): Promise<MetricsReport> {
      throwIfAborted(opts.signal);
      if (typeof query !== 'object' || query === null) {
        throw new LambdaMcpError('INVALID_REQUEST', 'The metrics query must be an object.');
      }
      checkRange(query.start, query.end);
      const types =
        query.metrics === undefined ? [...DEFAULT_METRIC_TYPES] : normalizeMetricTypes(query.metrics);
      let period = query.periodSeconds;
      if (period === undefined) period = choosePeriodSeconds(query.start, query.end, new Date(now()));
      else if (!Number.isInteger(period) || period < 60 || period % 60 !== 0) {
        throw new LambdaMcpError(
          'INVALID_REQUEST',
          `Invalid period ${JSON.stringify(period)}: expected a multiple of 60 seconds (60, 300, 3600, ...).`,
          { details: { field: 'periodSeconds' } },
        );
      } else if ((query.end.getTime() - query.start.getTime()) / 1000 / period > 100_800) {
        throw new LambdaMcpError(
          'INVALID_REQUEST',
          `Invalid period ${period}: the range would have more than 100,800 points.`,
          {
            details: { field: 'periodSeconds' },
          },
        );
      }
      const errorLimit = query.errorLimit ?? 20;
      if (!Number.isInteger(errorLimit) || errorLimit < 1 || errorLimit > 1000) {
        throw new LambdaMcpError(
          'INVALID_REQUEST',
          `Invalid errorLimit ${errorLimit}: expected an integer from 1 to 1000.`,
          {
            details: { field: 'errorLimit' },
          },
        );
      }
      const { function: fn, qualifier } = await allowed(query.functionName, query.qualifier, opts);
      const wanted = seriesQueries(types);
      const metricTasks = readMetricData(
        toMetricDataQueries(fn.name, qualifier, wanted),
        {
          start: query.start,
          end: query.end,
          periodSeconds: period,
        },
        opts,
      );
      const initTask = types.includes('init_duration')
        ? initDurations(fn, query.start, query.end, opts)
        : undefined;
      initTask?.catch(() => undefined); // awaited below; only an abort rejects it
      const { results, failed } = await metricTasks.catch(async (error) => {
        await initTask?.catch(() => undefined);
        throw error;
      });
      const byId = new Map(results.map((r) => [r.id, r]));
      const problems: string[] = [];
      for (const r of results) {
        if (r.statusCode && r.statusCode !== 'Complete') problems.push(`metric ${r.id}: ${r.statusCode}`);
      }
      const seriesErrors: NonNullable<MetricsReport['seriesErrors']> = {};
      for (const q of wanted) {
        const e = failed.get(queryIdOf(q.path));
        if (e) seriesErrors[q.path] = e;
      }
      const at = (path: string) => points(byId.get(queryIdOf(path)));
      const invocations = at('invocations');
      const errors = at('errors');
      const throttles = at('throttles');
      const report: MetricsReport = {
        functionName: fn.name,
        start: query.start.toISOString(),
        end: query.end.toISOString(),
        periodSeconds: period,
        series: {},
        summary: { invocations: 0, errors: 0, throttles: 0, errorRate: 0 },
      };
      if (qualifier) report.qualifier = qualifier;
      if (types.includes('invocations')) report.series.invocations = invocations;
      if (types.includes('errors')) report.series.errors = errors;
      if (types.includes('throttles')) report.series.throttles = throttles;
      const totalInvocations = sum(invocations);
      const totalErrors = sum(errors);
      report.summary.invocations = totalInvocations;
      report.summary.errors = totalErrors;
      report.summary.throttles = sum(throttles);
      report.summary.errorRate =
        totalInvocations > 0 ? Math.round((totalErrors / totalInvocations) * 10_000) / 10_000 : 0;
      if (types.includes('duration')) {
        const average = at('duration.average');
        const duration = {
          average: roundPoints(average),
          p50: roundPoints(at('duration.p50')),
          p90: roundPoints(at('duration.p90')),
          p99: roundPoints(at('duration.p99')),
          maximum: roundPoints(at('duration.maximum')),
        };
        report.series.duration = duration;
        // Average over the range, weighted by invocations in each period when they line up.
        const counts = new Map(invocations.map((p) => [p.timestamp, p.value]));
        let weighted = 0;
        let weight = 0;
        for (const p of average) {
          const c = counts.get(p.timestamp);
          if (c !== undefined && c > 0) {
            weighted += p.value * c;
            weight += c;
          }
        }
        if (weight > 0) report.summary.averageDurationMs = round(weighted / weight);
        else if (average.length > 0) report.summary.averageDurationMs = round(sum(average) / average.length);
        const maxDuration = max(duration.maximum);
        if (maxDuration !== undefined) report.summary.maxDurationMs = round(maxDuration);
      }
      if (types.includes('concurrency')) {
        const concurrency = at('concurrency');
        report.series.concurrency = concurrency;
        const maxConcurrency = max(concurrency);
        if (maxConcurrency !== undefined) report.summary.maxConcurrency = maxConcurrency;
      }
      if (types.includes('dead_letter_errors')) report.series.deadLetterErrors = at('dead_letter_errors');
      if (types.includes('async_events_dropped'))
        report.series.asyncEventsDropped = at('async_events_dropped');
      if (types.includes('async_event_age')) {
        report.series.asyncEventAge = {
          average: roundPoints(at('async_event_age.average')),
          maximum: roundPoints(at('async_event_age.maximum')),
        };
      }
      if (types.includes('iterator_age')) {
        report.series.iteratorAge = {
          average: roundPoints(at('iterator_age.average')),
          maximum: roundPoints(at('iterator_age.maximum')),
        };
      }
      if (types.includes('provisioned_concurrency_spillover')) {
        report.series.provisionedConcurrencySpillover = at('provisioned_concurrency_spillover');
      }
      if (Object.keys(seriesErrors).length > 0) {
        report.seriesErrors = seriesErrors;
        problems.push(
          `${Object.keys(seriesErrors).length} series could not be read (${Object.keys(seriesErrors).join(', ')}); the rest is complete`,
        );
      }
      if (initTask) report.initDuration = await initTask;
      if (query.includeErrors) {
        try {
          const found = await recentErrors(fn, query.start, query.end, errorLimit, opts);
          report.recentErrors = found.details;
          report.errorGroups = groupErrors(found.details);
          if (found.truncated) {
            problems.push(
              `the error scan stopped at its bounds (${maxPages} pages, ${timeBudgetMs / 1000} s); older errors may be missing`,
            );
          }
        } catch (error) {
          if (isErrorCode(error, 'ABORTED')) throw error;
          const err = toLambdaMcpError(error, 'BACKEND_UNAVAILABLE');
          report.recentErrors = [];
          report.errorGroups = [];
          problems.push(`error details unavailable (${err.code}: ${err.message})`);
          logger.warn('error scan failed', { function: fn.name, code: err.code, error: err.message });
        }
      }
      if (problems.length > 0) report.problems = problems;
      return report;
    },

    async getLogs(query: LogsQuery, opts: CallOptions = {}): Promise<LogEvent[]> {
      throwIfAborted(opts.signal);
      if (typeof query !== 'object' || query === null) {
        throw new LambdaMcpError('INVALID_REQUEST', 'The logs query must be an object.');
      }
      const end = query.end ?? new Date(now());
      checkRange(query.start, end);
      const limit = query.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
        throw new LambdaMcpError(
          'INVALID_REQUEST',
          `Invalid limit ${JSON.stringify(limit)}: expected an integer from 1 to 10000.`,
          {
            details: { field: 'limit' },
          },
        );
      }
      if (
        query.filterPattern !== undefined &&
        (typeof query.filterPattern !== 'string' || query.filterPattern.length > 1024)
      ) {
        throw new LambdaMcpError(
          'INVALID_REQUEST',
          'Invalid filter pattern: expected a string of at most 1024 characters.',
          {
            details: { field: 'filterPattern' },
          },
        );
      }
      const { function: fn } = await allowed(query.functionName, undefined, opts);
      const scan = await scanNewestFirst(
        {
          logGroupName: logGroupOf(fn),
          start: query.start,
          end,
          want: limit,
          ...(query.filterPattern ? { filterPattern: query.filterPattern } : {}),
        },
        opts,
      );
      if (scan.truncated) logger.debug('log scan stopped at its bounds', { function: fn.name });
      return scan.events.slice(0, limit).reverse();
    },
  };
}
