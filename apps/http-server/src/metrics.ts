/**
 * A small Prometheus text-exposition registry (format 0.0.4), written by hand so the server has no
 * metrics dependency. Counters, gauges (set directly or read at scrape time) and histograms with
 * labels; label values escaped as the format requires.
 */
export type Labels = Record<string, string>;

interface Series<T> {
  labels: Labels;
  value: T;
}

interface Metric {
  readonly name: string;
  render(): string;
}

export interface Counter {
  inc(labels?: Labels, value?: number): void;
  get(labels?: Labels): number;
}

export interface Gauge {
  set(value: number, labels?: Labels): void;
  inc(labels?: Labels, value?: number): void;
  dec(labels?: Labels, value?: number): void;
  get(labels?: Labels): number;
}

export interface Histogram {
  observe(value: number, labels?: Labels): void;
  /** Observation count for a label set. */
  count(labels?: Labels): number;
}

export interface MetricsRegistry {
  counter(name: string, help: string): Counter;
  gauge(name: string, help: string, collect?: () => number | Array<{ labels: Labels; value: number }>): Gauge;
  histogram(name: string, help: string, buckets: number[]): Histogram;
  /** The whole registry in the text exposition format. */
  render(): string;
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function labelKey(labels: Labels | undefined): string {
  if (!labels) return '';
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}=${labels[k]}`).join('\u0000');
}

function renderLabels(labels: Labels, extra?: [string, string]): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabelValue(labels[k] ?? '')}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}

export function createMetricsRegistry(): MetricsRegistry {
  const metrics: Metric[] = [];
  const names = new Set<string>();

  const register = <M extends Metric>(metric: M): M => {
    if (!NAME_RE.test(metric.name)) throw new Error(`Invalid metric name: ${metric.name}`);
    if (names.has(metric.name)) throw new Error(`Metric registered twice: ${metric.name}`);
    names.add(metric.name);
    metrics.push(metric);
    return metric;
  };

  return {
    counter(name, help) {
      const series = new Map<string, Series<number>>();
      const metric: Metric & Counter = {
        name,
        inc(labels = {}, value = 1) {
          if (value < 0) throw new Error('A counter only goes up.');
          const key = labelKey(labels);
          const s = series.get(key);
          if (s) s.value += value;
          else series.set(key, { labels: { ...labels }, value });
        },
        get(labels) {
          return series.get(labelKey(labels ?? {}))?.value ?? 0;
        },
        render() {
          let out = header(name, help, 'counter');
          if (series.size === 0) out += `${name} 0\n`;
          for (const s of series.values())
            out += `${name}${renderLabels(s.labels)} ${formatNumber(s.value)}\n`;
          return out;
        },
      };
      return register(metric);
    },

    gauge(name, help, collect) {
      const series = new Map<string, Series<number>>();
      const add = (labels: Labels, delta: number) => {
        const key = labelKey(labels);
        const s = series.get(key);
        if (s) s.value += delta;
        else series.set(key, { labels: { ...labels }, value: delta });
      };
      const metric: Metric & Gauge = {
        name,
        set(value, labels = {}) {
          series.set(labelKey(labels), { labels: { ...labels }, value });
        },
        inc(labels = {}, value = 1) {
          add(labels, value);
        },
        dec(labels = {}, value = 1) {
          add(labels, -value);
        },
        get(labels) {
          if (collect) {
            const v = collect();
            if (typeof v === 'number') return v;
            return v.find((x) => labelKey(x.labels) === labelKey(labels ?? {}))?.value ?? 0;
          }
          return series.get(labelKey(labels ?? {}))?.value ?? 0;
        },
        render() {
          let out = header(name, help, 'gauge');
          if (collect) {
            const v = collect();
            const list = typeof v === 'number' ? [{ labels: {}, value: v }] : v;
            for (const s of list) out += `${name}${renderLabels(s.labels)} ${formatNumber(s.value)}\n`;
            return out;
          }
          if (series.size === 0) out += `${name} 0\n`;
          for (const s of series.values())
            out += `${name}${renderLabels(s.labels)} ${formatNumber(s.value)}\n`;
          return out;
        },
      };
      return register(metric);
    },

    histogram(name, help, buckets) {
      const bounds = [...buckets].sort((a, b) => a - b);
      interface H {
        counts: number[];
        sum: number;
        count: number;
      }
      const series = new Map<string, Series<H>>();
      const metric: Metric & Histogram = {
        name,
        observe(value, labels = {}) {
          const key = labelKey(labels);
          let s = series.get(key);
          if (!s) {
            s = { labels: { ...labels }, value: { counts: bounds.map(() => 0), sum: 0, count: 0 } };
            series.set(key, s);
          }
          for (let i = 0; i < bounds.length; i++) {
            if (value <= (bounds[i] as number)) s.value.counts[i] = (s.value.counts[i] ?? 0) + 1;
          }
          s.value.sum += value;
          s.value.count += 1;
        },
        count(labels) {
          return series.get(labelKey(labels ?? {}))?.value.count ?? 0;
        },
        render() {
          let out = header(name, help, 'histogram');
          const list =
            series.size === 0
              ? [{ labels: {}, value: { counts: bounds.map(() => 0), sum: 0, count: 0 } }]
              : [...series.values()];
          for (const s of list) {
            bounds.forEach((b, i) => {
              out += `${name}_bucket${renderLabels(s.labels, ['le', formatNumber(b)])} ${s.value.counts[i]}\n`;
            });
            out += `${name}_bucket${renderLabels(s.labels, ['le', '+Inf'])} ${s.value.count}\n`;
            out += `${name}_sum${renderLabels(s.labels)} ${formatNumber(s.value.sum)}\n`;
            out += `${name}_count${renderLabels(s.labels)} ${s.value.count}\n`;
          }
          return out;
        },
      };
      return register(metric);
    },

    render() {
      return metrics.map((m) => m.render()).join('');
    },
  };
}

/** Latency buckets in seconds, from 1 ms to 5 minutes (Lambda runs up to 15). */
export const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
];

/** The server's metrics, all in one place so /metrics and the code that counts agree on names. */
export interface ServerMetrics {
  registry: MetricsRegistry;
  httpRequests: Counter;
  toolCalls: Counter;
  toolCallDuration: Histogram;
  invocations: Counter;
  invocationDuration: Histogram;
  invocationsInFlight: Gauge;
  sessionsOpened: Counter;
  sessionsClosed: Counter;
  catalogFunctions: Gauge;
  discoveryDuration: Histogram;
  discoveries: Counter;
  authFailures: Counter;
  rateLimited: Counter;
  refused: Counter;
  connectionsShed: Counter;
}

export interface ServerMetricsOptions {
  /** Live session count, read at scrape time. */
  sessions?: () => number;
  /** HTTP requests being served now, read at scrape time. */
  inFlightRequests?: () => number;
}

export function createServerMetrics(options: ServerMetricsOptions = {}): ServerMetrics {
  const registry = createMetricsRegistry();
  const metrics: ServerMetrics = {
    registry,
    httpRequests: registry.counter(
      'lambda_mcp_http_requests_total',
      'HTTP requests answered, by route and status code.',
    ),
    toolCalls: registry.counter(
      'lambda_mcp_tool_calls_total',
      'MCP tools/call requests, by tool and outcome (success, function_error, error, denied, invalid, cancelled).',
    ),
    toolCallDuration: registry.histogram(
      'lambda_mcp_tool_call_duration_seconds',
      'Duration of MCP tools/call requests in seconds, by outcome.',
      LATENCY_BUCKETS,
    ),
    invocations: registry.counter(
      'lambda_mcp_invocations_total',
      'Function invocations, by outcome (success, function_error, or the error code in lower case).',
    ),
    invocationDuration: registry.histogram(
      'lambda_mcp_invocation_duration_seconds',
      'Duration of function invocations seen by the server, in seconds.',
      LATENCY_BUCKETS,
    ),
    invocationsInFlight: registry.gauge(
      'lambda_mcp_invocations_in_flight',
      'Function invocations running now (bounded by the concurrency limit).',
    ),
    sessionsOpened: registry.counter('lambda_mcp_sessions_opened_total', 'MCP sessions opened.'),
    sessionsClosed: registry.counter(
      'lambda_mcp_sessions_closed_total',
      'MCP sessions closed, by reason (deleted, idle, evicted, shutdown, closed).',
    ),
    catalogFunctions: registry.gauge(
      'lambda_mcp_catalog_functions',
      'Functions in the catalog after the configured filters.',
    ),
    discoveryDuration: registry.histogram(
      'lambda_mcp_discovery_duration_seconds',
      'Duration of function discovery runs in seconds.',
      [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    ),
    discoveries: registry.counter('lambda_mcp_discoveries_total', 'Discovery runs, by outcome.'),
    authFailures: registry.counter(
      'lambda_mcp_auth_failures_total',
      'Requests refused by authentication or authorization, by reason.',
    ),
    rateLimited: registry.counter('lambda_mcp_rate_limited_total', 'Requests refused by the rate limit.'),
    refused: registry.counter(
      'lambda_mcp_http_refused_total',
      'Requests refused before authentication, by reason (host, origin, body_timeout).',
    ),
    connectionsShed: registry.counter(
      'lambda_mcp_http_connections_shed_total',
      'Connections closed at the connection cap to make room (slow or idle ones first).',
    ),
  };
  registry.gauge('lambda_mcp_sessions', 'Live MCP sessions.', () => options.sessions?.() ?? 0);
  registry.gauge(
    'lambda_mcp_http_requests_in_flight',
    'HTTP requests being served now.',
    () => options.inFlightRequests?.() ?? 0,
  );
  registry.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () =>
    process.memoryUsage.rss(),
  );
  registry.gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.', () => process.memoryUsage().heapUsed);
  registry.gauge(
    'nodejs_external_memory_bytes',
    'Memory of C++ objects bound to JavaScript objects (buffers included), in bytes.',
    () => process.memoryUsage().external,
  );
  const started = Date.now();
  registry.gauge('process_uptime_seconds', 'Seconds since the server started.', () =>
    Math.round((Date.now() - started) / 1000),
  );
  return metrics;
}
