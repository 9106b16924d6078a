/**
 * The server's Prometheus metrics, through prom-client (text exposition format 0.0.4). A thin
 * registry keeps the names, help texts and labels the server has always exposed (label names in
 * sorted order, a histogram's `le` as Prometheus places it) and adds prom-client's default process
 * and Node.js metrics (CPU, memory, file descriptors, event-loop lag, GC durations).
 */
import client from 'prom-client';

export type Labels = Record<string, string>;

export interface Counter {
  inc(labels?: Labels, value?: number): void;
}

export interface Gauge {
  set(value: number, labels?: Labels): void;
  inc(labels?: Labels, value?: number): void;
  dec(labels?: Labels, value?: number): void;
}

export interface Histogram {
  observe(value: number, labels?: Labels): void;
}

export interface MetricsRegistry {
  /** The prom-client registry behind it (for embedders adding metrics of their own). */
  readonly prometheus: client.Registry;
  counter(name: string, help: string, labelNames?: readonly string[]): Counter;
  gauge(name: string, help: string, collect?: () => number, labelNames?: readonly string[]): Gauge;
  histogram(name: string, help: string, buckets: number[], labelNames?: readonly string[]): Histogram;
  /** prom-client's default process and Node.js metrics (once per registry). */
  collectDefaults(): void;
  /** The whole registry in the text exposition format. */
  render(): Promise<string>;
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * Labels with their names in sorted order: prom-client prints them in the order of the object it
 * was given, and the server has always printed them sorted (`{outcome="...",tool="..."}`).
 */
function sorted(labels: Labels): Labels {
  let previous: string | undefined;
  let inOrder = true;
  for (const k in labels) {
    if (previous !== undefined && k < previous) {
      inOrder = false;
      break;
    }
    previous = k;
  }
  if (inOrder) return labels;
  const out: Labels = {};
  for (const k of Object.keys(labels).sort()) out[k] = labels[k] as string;
  return out;
}

export function createMetricsRegistry(): MetricsRegistry {
  const registry = new client.Registry();
  const names = new Set<string>();
  let defaults = false;
  const check = (name: string) => {
    if (!NAME_RE.test(name)) throw new Error(`Invalid metric name: ${name}`);
    if (names.has(name)) throw new Error(`Metric registered twice: ${name}`);
    names.add(name);
  };
  return {
    prometheus: registry,
    counter(name, help, labelNames = []) {
      check(name);
      const c = new client.Counter({ name, help, labelNames: [...labelNames], registers: [registry] });
      return {
        inc(labels = {}, value = 1) {
          if (value < 0) throw new Error('A counter only goes up.');
          c.inc(sorted(labels), value);
        },
      };
    },
    gauge(name, help, collect, labelNames = []) {
      check(name);
      const g = new client.Gauge({
        name,
        help,
        labelNames: [...labelNames],
        registers: [registry],
        ...(collect
          ? {
              collect(this: client.Gauge) {
                this.set(collect());
              },
            }
          : {}),
      });
      return {
        set(value, labels = {}) {
          g.set(sorted(labels), value);
        },
        inc(labels = {}, value = 1) {
          g.inc(sorted(labels), value);
        },
        dec(labels = {}, value = 1) {
          g.dec(sorted(labels), value);
        },
      };
    },
    histogram(name, help, buckets, labelNames = []) {
      check(name);
      const h = new client.Histogram({
        name,
        help,
        buckets,
        labelNames: [...labelNames],
        registers: [registry],
      });
      return {
        observe(value, labels = {}) {
          h.observe(sorted(labels), value);
        },
      };
    },
    collectDefaults() {
      if (defaults) return;
      defaults = true;
      client.collectDefaultMetrics({ register: registry });
    },
    render() {
      return registry.metrics();
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
  /**
   * prom-client's default process and Node.js metrics (process_cpu_seconds_total,
   * process_resident_memory_bytes, nodejs_eventloop_lag_seconds, nodejs_gc_duration_seconds, ...).
   * Default true.
   */
  defaultMetrics?: boolean;
}

export function createServerMetrics(options: ServerMetricsOptions = {}): ServerMetrics {
  const registry = createMetricsRegistry();
  const metrics: ServerMetrics = {
    registry,
    httpRequests: registry.counter(
      'lambda_mcp_http_requests_total',
      'HTTP requests answered, by route and status code.',
      ['route', 'status'],
    ),
    toolCalls: registry.counter(
      'lambda_mcp_tool_calls_total',
      'MCP tools/call requests, by tool and outcome (success, function_error, error, denied, invalid, cancelled).',
      ['tool', 'outcome'],
    ),
    toolCallDuration: registry.histogram(
      'lambda_mcp_tool_call_duration_seconds',
      'Duration of MCP tools/call requests in seconds, by outcome.',
      LATENCY_BUCKETS,
      ['outcome'],
    ),
    invocations: registry.counter(
      'lambda_mcp_invocations_total',
      'Function invocations, by outcome (success, function_error, or the error code in lower case).',
      ['outcome'],
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
      ['reason'],
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
    discoveries: registry.counter('lambda_mcp_discoveries_total', 'Discovery runs, by outcome.', ['outcome']),
    authFailures: registry.counter(
      'lambda_mcp_auth_failures_total',
      'Requests refused by authentication or authorization, by reason.',
      ['reason'],
    ),
    rateLimited: registry.counter('lambda_mcp_rate_limited_total', 'Requests refused by the rate limit.'),
    refused: registry.counter(
      'lambda_mcp_http_refused_total',
      'Requests refused before authentication, by reason (host, origin, body_timeout).',
      ['reason'],
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
  registry.gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.', () => process.memoryUsage().heapUsed);
  const started = Date.now();
  registry.gauge('process_uptime_seconds', 'Seconds since the server started.', () =>
    Math.round((Date.now() - started) / 1000),
  );
  // process_resident_memory_bytes and nodejs_external_memory_bytes, which the server always
  // exposed, come from here now (same names, same meaning).
  if (options.defaultMetrics !== false) registry.collectDefaults();
  return metrics;
}
