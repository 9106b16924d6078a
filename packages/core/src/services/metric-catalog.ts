import { LambdaMcpError } from '../errors.js';
import type { MetricDataQuery, MetricStat } from '../types.js';
import { formatFunctionKey } from '../util/function-ref.js';
import type { MetricType } from './types.js';

/** One CloudWatch query behind a series: `path` names it in the report (`duration.p99`). */
export interface SeriesQuery {
  path: string;
  metricName: string;
  stat: MetricStat;
}

interface MetricDef {
  /** CloudWatch's own name (AWS/Lambda namespace), accepted as an alias. */
  cloudWatch: string;
  queries: SeriesQuery[];
  /** When the figure comes from the logs instead of CloudWatch metrics. */
  fromLogs?: true;
}

const one = (path: string, metricName: string, stat: MetricStat): SeriesQuery => ({ path, metricName, stat });

/** Every metric monitor_executions knows, in report order. */
export const METRIC_DEFS: Readonly<Record<MetricType, MetricDef>> = {
  invocations: { cloudWatch: 'Invocations', queries: [one('invocations', 'Invocations', 'Sum')] },
  errors: { cloudWatch: 'Errors', queries: [one('errors', 'Errors', 'Sum')] },
  throttles: { cloudWatch: 'Throttles', queries: [one('throttles', 'Throttles', 'Sum')] },
  duration: {
    cloudWatch: 'Duration',
    queries: [
      one('duration.average', 'Duration', 'Average'),
      one('duration.p50', 'Duration', 'p50'),
      one('duration.p90', 'Duration', 'p90'),
      one('duration.p99', 'Duration', 'p99'),
      one('duration.maximum', 'Duration', 'Maximum'),
    ],
  },
  concurrency: {
    cloudWatch: 'ConcurrentExecutions',
    queries: [one('concurrency', 'ConcurrentExecutions', 'Maximum')],
  },
  dead_letter_errors: {
    cloudWatch: 'DeadLetterErrors',
    queries: [one('dead_letter_errors', 'DeadLetterErrors', 'Sum')],
  },
  async_events_dropped: {
    cloudWatch: 'AsyncEventsDropped',
    queries: [one('async_events_dropped', 'AsyncEventsDropped', 'Sum')],
  },
  async_event_age: {
    cloudWatch: 'AsyncEventAge',
    queries: [
      one('async_event_age.average', 'AsyncEventAge', 'Average'),
      one('async_event_age.maximum', 'AsyncEventAge', 'Maximum'),
    ],
  },
  iterator_age: {
    cloudWatch: 'IteratorAge',
    queries: [
      one('iterator_age.average', 'IteratorAge', 'Average'),
      one('iterator_age.maximum', 'IteratorAge', 'Maximum'),
    ],
  },
  provisioned_concurrency_spillover: {
    cloudWatch: 'ProvisionedConcurrencySpilloverInvocations',
    queries: [one('provisioned_concurrency_spillover', 'ProvisionedConcurrencySpilloverInvocations', 'Sum')],
  },
  init_duration: { cloudWatch: 'InitDuration', queries: [], fromLogs: true },
};

export const METRIC_TYPES = Object.keys(METRIC_DEFS) as MetricType[];

/** The metrics returned when none are asked for (the ones every function has). */
export const DEFAULT_METRIC_TYPES: readonly MetricType[] = [
  'invocations',
  'errors',
  'throttles',
  'duration',
  'concurrency',
];

const squash = (name: string) => name.toLowerCase().replace(/[\s_-]/g, '');

const ALIASES = new Map<string, MetricType>();
for (const [type, def] of Object.entries(METRIC_DEFS) as Array<[MetricType, MetricDef]>) {
  ALIASES.set(squash(type), type);
  ALIASES.set(squash(def.cloudWatch), type);
}
ALIASES.set('provisionedconcurrencyspilloverinvocations', 'provisioned_concurrency_spillover');
ALIASES.set('concurrentexecutions', 'concurrency');
ALIASES.set('coldstarts', 'init_duration');

/** Every accepted spelling, for error messages and tool schemas. */
export function metricNamesAccepted(): string[] {
  return METRIC_TYPES.flatMap((t) => [t, METRIC_DEFS[t].cloudWatch]);
}

/**
 * Our names and CloudWatch's (`Invocations`, `ConcurrentExecutions`, `IteratorAge`, ...), any case,
 * `_`/`-` ignored, to metric types without duplicates. Throws INVALID_REQUEST naming what is accepted.
 */
export function normalizeMetricTypes(names: readonly unknown[]): MetricType[] {
  if (!Array.isArray(names) || names.length === 0) {
    throw new LambdaMcpError(
      'INVALID_REQUEST',
      `Invalid metrics ${JSON.stringify(names)}: expected one or more of ${metricNamesAccepted().join(', ')}.`,
      { details: { field: 'metrics' } },
    );
  }
  const out: MetricType[] = [];
  const unknown: unknown[] = [];
  for (const name of names) {
    const type = typeof name === 'string' ? ALIASES.get(squash(name)) : undefined;
    if (!type) unknown.push(name);
    else if (!out.includes(type)) out.push(type);
  }
  if (unknown.length > 0) {
    throw new LambdaMcpError(
      'INVALID_REQUEST',
      `Unknown metrics ${JSON.stringify(unknown)}: expected any of ${metricNamesAccepted().join(', ')} (any case).`,
      { details: { field: 'metrics' } },
    );
  }
  return out;
}

/** Query ids from series paths (`duration.p99` -> `duration_p99`, valid for GetMetricData). */
export const queryIdOf = (path: string) => path.replace(/\./g, '_');

/**
 * The GetMetricData queries for a function. The summary needs invocations, errors and throttles
 * whatever series were asked for, so those three are always read.
 */
export function seriesQueries(types: readonly MetricType[]): SeriesQuery[] {
  const wanted = new Set<MetricType>(['invocations', 'errors', 'throttles', ...types]);
  return METRIC_TYPES.filter((t) => wanted.has(t)).flatMap((t) => METRIC_DEFS[t].queries);
}

export function toMetricDataQueries(
  functionName: string,
  qualifier: string | undefined,
  queries: readonly SeriesQuery[],
): MetricDataQuery[] {
  const dimensions: Record<string, string> = { FunctionName: functionName };
  if (qualifier) dimensions.Resource = formatFunctionKey(functionName, qualifier);
  return queries.map((q) => ({
    id: queryIdOf(q.path),
    namespace: 'AWS/Lambda',
    metricName: q.metricName,
    stat: q.stat,
    dimensions: { ...dimensions },
  }));
}
