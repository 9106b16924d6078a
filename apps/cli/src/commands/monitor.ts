import { type DataPoint, formatFunctionKey, type MetricsReport, parseTimeRange } from '@lambda-mcp/core';
import { stringValue } from '../args.js';
import { type Context, withSpinner } from '../context.js';
import { usageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { columnChart, sparkline } from '../ui/chart.js';
import { padEnd } from '../ui/color.js';
import { formatCompact, formatCount, formatMs, formatPercent, formatTime } from '../ui/format.js';
import { explainUnavailable, resolveFunction } from './unavailable.js';

/** --since / --from / --to into a range; errors name the flag. */
export function timeRangeFromFlags(
  values: Record<string, string | boolean | undefined>,
  defaultSince: string,
): { start: Date; end: Date } {
  const since = stringValue(values, 'since');
  const from = stringValue(values, 'from');
  const to = stringValue(values, 'to');
  if (since !== undefined && (from !== undefined || to !== undefined)) {
    throw usageError('use either --since or --from/--to, not both.');
  }
  if (from !== undefined || to !== undefined) {
    return parseTimeRange(
      { start: from, end: to },
      { names: { start: '--from', end: '--to' }, defaultDurationMs: 3_600_000 },
    );
  }
  return parseTimeRange({ start: since ?? defaultSince }, { names: { start: '--since', end: '--to' } });
}

/**
 * One value per period from start to end. CloudWatch leaves out periods without data: for counts
 * that means 0, for durations and concurrency "no data" (NaN, drawn as a gap).
 */
export function fillSeries(
  points: DataPoint[] | undefined,
  report: MetricsReport,
  missing: number,
): number[] {
  const start = Date.parse(report.start);
  const end = Date.parse(report.end);
  const period = report.periodSeconds * 1000;
  if (!(period > 0) || !(end > start)) return (points ?? []).map((p) => p.value);
  const slots = Math.min(10_000, Math.max(1, Math.ceil((end - start) / period)));
  const out = new Array<number>(slots).fill(missing);
  for (const p of points ?? []) {
    const i = Math.floor((Date.parse(p.timestamp) - start) / period);
    if (i >= 0 && i < slots) out[i] = Number.isNaN(out[i] ?? Number.NaN) ? p.value : (out[i] ?? 0) + p.value;
  }
  return out;
}
const peak = (points: DataPoint[] | undefined): number | undefined =>
  points && points.length > 0 ? Math.max(...points.map((p) => p.value)) : undefined;

export async function runMonitor(ctx: Context): Promise<ExitCode> {
  const name = ctx.positionals[0] ?? '';
  const qualifier = stringValue(ctx.values, 'qualifier');
  const range = timeRangeFromFlags(ctx.values, '1h');
  const includeErrors = ctx.values.errors === true;
  const services = await withSpinner(ctx, 'Loading configuration…', () => ctx.services());
  const resolved = await withSpinner(ctx, `Resolving ${name}…`, () =>
    resolveFunction(services, name, ctx.signal, qualifier),
  );
  const effectiveQualifier = qualifier ?? resolved.qualifier;
  const report = await withSpinner(ctx, `Reading metrics of ${resolved.function.name}…`, () =>
    services.metrics.getMetrics(
      {
        functionName: resolved.function.name,
        ...(effectiveQualifier === undefined ? {} : { qualifier: effectiveQualifier }),
        start: range.start,
        end: range.end,
        includeErrors,
      },
      { signal: ctx.signal },
    ),
  ).catch(async (error: unknown) => {
    // The metrics service checks that the qualifier exists: say it as `resolveFunction` would.
    throw await explainUnavailable(services, name, error, effectiveQualifier);
  });
  if (ctx.flags.json) {
    ctx.printJson(report);
    return EXIT.OK;
  }
  for (const problem of report.problems ?? []) ctx.note(`${ctx.err.yellow('warning:')} ${problem}`);
  renderReport(ctx, report, includeErrors);
  return EXIT.OK;
}

export function renderReport(ctx: Context, report: MetricsReport, includeErrors: boolean): void {
  const { out } = ctx;
  const width = ctx.width ?? 100;
  const s = report.series;
  const sum = report.summary;
  const name = formatFunctionKey(report.functionName, report.qualifier);
  ctx.print(
    `${out.bold(name)}  ${formatTime(report.start)} → ${formatTime(report.end)}  ${out.dim(`(period ${report.periodSeconds} s)`)}`,
  );
  ctx.print();

  const labelWidth = 14;
  const sparkWidth = Math.max(10, Math.min(60, width - labelWidth - 30));
  const row = (
    label: string,
    points: DataPoint[] | undefined,
    figure: string,
    colour = (t: string) => t,
    missing = 0,
  ) => {
    if (!points) return;
    const line =
      points.length > 0
        ? colour(sparkline(fillSeries(points, report, missing), sparkWidth))
        : out.dim('(no data)');
    ctx.print(`${padEnd(label, labelWidth)}${padEnd(line, sparkWidth)}  ${figure}`);
  };
  row('Invocations', s.invocations, `total ${out.bold(formatCount(sum.invocations))}`, out.cyan);
  row(
    'Errors',
    s.errors,
    `total ${out.bold(formatCount(sum.errors))} (${formatPercent(sum.errorRate)})`,
    sum.errors > 0 ? out.red : (t) => t,
  );
  row(
    'Throttles',
    s.throttles,
    `total ${out.bold(formatCount(sum.throttles))}`,
    sum.throttles > 0 ? out.yellow : (t) => t,
  );
  if (s.duration) {
    row(
      'Duration avg',
      s.duration.average,
      `avg ${out.bold(formatMs(sum.averageDurationMs))}`,
      out.green,
      Number.NaN,
    );
    row('Duration p50', s.duration.p50, `peak ${formatMs(peak(s.duration.p50))}`, out.green, Number.NaN);
    row('Duration p90', s.duration.p90, `peak ${formatMs(peak(s.duration.p90))}`, out.green, Number.NaN);
    row('Duration p99', s.duration.p99, `peak ${formatMs(peak(s.duration.p99))}`, out.green, Number.NaN);
    row(
      'Duration max',
      s.duration.maximum,
      `max ${out.bold(formatMs(sum.maxDurationMs))}`,
      out.green,
      Number.NaN,
    );
  }
  row(
    'Concurrency',
    s.concurrency,
    `peak ${out.bold(formatCount(sum.maxConcurrency ?? 0))}`,
    out.magenta,
    Number.NaN,
  );

  const chartWidth = Math.max(30, Math.min(width, 100));
  const xLabels: [string, string] = [shortTime(report.start), shortTime(report.end)];
  if (s.invocations?.some((p) => p.value > 0)) {
    ctx.print();
    ctx.print(out.bold('Invocations per period'));
    ctx.print(
      out.cyan(
        columnChart(fillSeries(s.invocations, report, 0), {
          width: chartWidth,
          height: 5,
          format: formatCompact,
          xLabels,
        }),
      ),
    );
  }
  if (s.duration?.p99.some((p) => p.value > 0)) {
    ctx.print();
    ctx.print(out.bold('Duration p99 (ms)'));
    ctx.print(
      out.green(
        columnChart(fillSeries(s.duration.p99, report, Number.NaN), {
          width: chartWidth,
          height: 5,
          format: formatCompact,
          xLabels,
        }),
      ),
    );
  }

  ctx.print();
  ctx.print(out.bold('Summary'));
  ctx.print(
    `  invocations ${formatCount(sum.invocations)} · errors ${formatCount(sum.errors)} (${formatPercent(sum.errorRate)}) · throttles ${formatCount(sum.throttles)}`,
  );
  ctx.print(
    `  duration avg ${formatMs(sum.averageDurationMs)} · p50 ${formatMs(peak(s.duration?.p50))} · p90 ${formatMs(peak(s.duration?.p90))} · p99 ${formatMs(peak(s.duration?.p99))} · max ${formatMs(sum.maxDurationMs)}`,
  );
  ctx.print(`  peak concurrency ${sum.maxConcurrency === undefined ? '-' : formatCount(sum.maxConcurrency)}`);
  if (s.duration) ctx.print(out.dim('  (p50/p90/p99: the highest value of any period in the range)'));

  if (includeErrors) {
    const errors = report.recentErrors ?? [];
    ctx.print();
    ctx.print(out.bold(`Recent errors (${errors.length})`));
    if (errors.length === 0) ctx.print(out.dim('  none in this range'));
    for (const e of errors) {
      const id = e.requestId ? out.dim(` ${e.requestId}`) : '';
      ctx.print(`  ${formatTime(e.timestamp)}  ${out.red(e.kind)}${id}`);
      ctx.print(`    ${e.message.trim().split('\n').join('\n    ')}`);
    }
  }
}

function shortTime(iso: string): string {
  return formatTime(iso).slice(5, 16);
}
