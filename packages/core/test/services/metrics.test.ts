import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';
import { isLambdaMcpError, LambdaMcpError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { createDiscoveryService } from '../../src/services/discovery-service.js';
import {
  buildMetricQueries,
  choosePeriodSeconds,
  classifyErrorLine,
  createMetricsService,
  ERROR_FILTER_PATTERN,
} from '../../src/services/metrics-service.js';
import type { GetMetricDataRequest, LogEvent } from '../../src/types.js';
import { createMemoryBackend, fn, type MemoryBackend } from './memory-backend.js';

const NOW = Date.parse('2025-05-01T12:00:00Z');
const at = (iso: string) => new Date(iso);

function setup(scan?: { maxPages?: number; timeBudgetMs?: number }) {
  const backend = createMemoryBackend({
    functions: [fn('orders'), fn('custom-logs', { logGroup: '/custom/group' }), fn('hidden')],
  });
  const config = ConfigSchema.parse({ exclude: ['hidden'] });
  const discovery = createDiscoveryService({ backend, config, logger: silentLogger });
  const metrics = createMetricsService({
    backend,
    config,
    logger: silentLogger,
    discovery,
    now: () => NOW,
    ...(scan ? { scan } : {}),
  });
  return { backend, metrics };
}

async function failure(promise: Promise<unknown>): Promise<LambdaMcpError> {
  try {
    await promise;
  } catch (error) {
    if (isLambdaMcpError(error)) return error;
    throw error;
  }
  throw new Error('expected a LambdaMcpError');
}

describe('choosePeriodSeconds', () => {
  const end = new Date(NOW);
  const before = (ms: number) => new Date(NOW - ms);
  it('60 s up to 3 h, 300 s up to a day, whole hours beyond (<= ~300 points)', () => {
    expect(choosePeriodSeconds(before(3_600_000), end, end)).toBe(60);
    expect(choosePeriodSeconds(before(3 * 3_600_000), end, end)).toBe(60);
    expect(choosePeriodSeconds(before(3 * 3_600_000 + 1_000), end, end)).toBe(300);
    expect(choosePeriodSeconds(before(86_400_000), end, end)).toBe(300);
    expect(choosePeriodSeconds(before(2 * 86_400_000), end, end)).toBe(3600);
    expect(choosePeriodSeconds(before(30 * 86_400_000), end, end)).toBe(3 * 3600);
    const p = choosePeriodSeconds(before(400 * 86_400_000), end, end);
    expect(p % 3600).toBe(0);
    expect((400 * 86_400) / p).toBeLessThanOrEqual(300);
  });
  it('never asks for a resolution CloudWatch no longer keeps', () => {
    const oldStart = new Date(NOW - 20 * 86_400_000);
    expect(choosePeriodSeconds(oldStart, new Date(oldStart.getTime() + 3_600_000), end)).toBe(300);
    const older = new Date(NOW - 70 * 86_400_000);
    expect(choosePeriodSeconds(older, new Date(older.getTime() + 3_600_000), end)).toBe(3600);
  });
});

describe('buildMetricQueries', () => {
  it('asks AWS/Lambda for the right statistics with valid, unique ids', () => {
    const queries = buildMetricQueries('orders', undefined, [
      'invocations',
      'errors',
      'throttles',
      'duration',
      'concurrency',
    ]);
    expect(queries.map((q) => `${q.id}:${q.metricName}:${q.stat}`)).toEqual([
      'invocations:Invocations:Sum',
      'errors:Errors:Sum',
      'throttles:Throttles:Sum',
      'duration_average:Duration:Average',
      'duration_p50:Duration:p50',
      'duration_p90:Duration:p90',
      'duration_p99:Duration:p99',
      'duration_maximum:Duration:Maximum',
      'concurrency:ConcurrentExecutions:Maximum',
    ]);
    for (const q of queries) {
      expect(q.id).toMatch(/^[a-z][a-zA-Z0-9_]*$/);
      expect(q.namespace).toBe('AWS/Lambda');
      expect(q.dimensions).toEqual({ FunctionName: 'orders' });
    }
    expect(new Set(queries.map((q) => q.id)).size).toBe(queries.length);
  });
  it('adds the Resource dimension for a qualifier', () => {
    expect(buildMetricQueries('orders', 'live', ['invocations'])[0]?.dimensions).toEqual({
      FunctionName: 'orders',
      Resource: 'orders:live',
    });
  });
});

describe('MetricsService.getMetrics', () => {
  function seedResults(backend: MemoryBackend) {
    const t = (m: number) => new Date(Date.parse('2025-05-01T11:00:00Z') + m * 60_000);
    const data: Record<string, [number, number][]> = {
      invocations: [
        [2, 30],
        [0, 10],
      ],
      errors: [
        [0, 1],
        [2, 2],
      ],
      throttles: [[1, 4]],
      duration_average: [
        [0, 100],
        [2, 200],
      ],
      duration_p50: [[0, 90]],
      duration_p90: [[0, 150]],
      duration_p99: [[0, 400]],
      duration_maximum: [
        [0, 450],
        [2, 900.456],
      ],
      concurrency: [
        [0, 3],
        [2, 7],
      ],
    };
    backend.metricResults = (request: GetMetricDataRequest) =>
      request.queries.map((q) => ({
        id: q.id,
        timestamps: (data[q.id] ?? []).map(([m]) => t(m)),
        values: (data[q.id] ?? []).map(([, v]) => v),
        statusCode: q.id === 'duration_p99' ? 'PartialData' : 'Complete',
      }));
  }

  it('builds the request, sorts the series and sums up', async () => {
    const { backend, metrics } = setup();
    seedResults(backend);
    const report = await metrics.getMetrics({
      functionName: 'orders',
      qualifier: 'live',
      start: at('2025-05-01T11:00:00Z'),
      end: at('2025-05-01T12:00:00Z'),
    });
    const sent = backend.calls.getMetricData[0] as GetMetricDataRequest;
    expect(sent.periodSeconds).toBe(60);
    expect(sent.start.toISOString()).toBe('2025-05-01T11:00:00.000Z');
    expect(sent.queries[0]?.dimensions).toEqual({ FunctionName: 'orders', Resource: 'orders:live' });
    expect(report.series.invocations).toEqual([
      { timestamp: '2025-05-01T11:00:00.000Z', value: 10 },
      { timestamp: '2025-05-01T11:02:00.000Z', value: 30 },
    ]);
    expect(report.series.duration?.p99).toEqual([{ timestamp: '2025-05-01T11:00:00.000Z', value: 400 }]);
    expect(report.summary).toEqual({
      invocations: 40,
      errors: 3,
      throttles: 4,
      errorRate: 0.075,
      averageDurationMs: 175, // (100*10 + 200*30) / 40
      maxDurationMs: 900.46,
      maxConcurrency: 7,
    });
    expect(report).toMatchObject({ functionName: 'orders', qualifier: 'live', periodSeconds: 60 });
    expect(report.problems).toEqual(['metric duration_p99: PartialData']);
  });

  it('returns only the series asked for, and zeros without data', async () => {
    const { metrics, backend } = setup();
    const report = await metrics.getMetrics({
      functionName: 'orders',
      start: at('2025-05-01T11:00:00Z'),
      end: at('2025-05-01T12:00:00Z'),
      metrics: ['errors'],
    });
    expect(Object.keys(report.series)).toEqual(['errors']);
    expect(report.summary).toEqual({ invocations: 0, errors: 0, throttles: 0, errorRate: 0 });
    expect(backend.calls.getMetricData[0]?.queries.map((q) => q.id)).toEqual([
      'invocations',
      'errors',
      'throttles',
    ]);
  });

  const badQueries: [string, Record<string, unknown>, RegExp][] = [
    [
      'start after end',
      { start: at('2025-05-01T12:00:00Z'), end: at('2025-05-01T11:00:00Z') },
      /start .* must be before end/,
    ],
    ['an invalid date', { start: new Date('nope') }, /Invalid start: expected a valid time/],
    ['a range beyond retention', { start: at('2023-01-01T00:00:00Z') }, /at most 455 days/],
    [
      'an unknown metric',
      { metrics: ['latency'] },
      /Unknown metrics \["latency"\]: expected any of invocations, Invocations, errors, Errors, .*ConcurrentExecutions.*IteratorAge.*\(any case\)/,
    ],
    [
      'a period that is not a multiple of 60',
      { periodSeconds: 90 },
      /Invalid period 90: expected a multiple of 60 seconds/,
    ],
    [
      'a period with too many points',
      { periodSeconds: 60, start: at('2025-01-01T00:00:00Z') },
      /more than 100,800 points/,
    ],
    ['a bad error limit', { errorLimit: 0 }, /Invalid errorLimit 0/],
  ];
  it.each(badQueries)('refuses %s with INVALID_REQUEST', async (_what, override, expected) => {
    const { metrics, backend } = setup();
    const err = await failure(
      metrics.getMetrics({
        functionName: 'orders',
        start: at('2025-05-01T11:00:00Z'),
        end: at('2025-05-01T12:00:00Z'),
        ...override,
      } as never),
    );
    expect(err.code).toBe('INVALID_REQUEST');
    expect(err.message).toMatch(expected);
    expect(backend.calls.getMetricData).toHaveLength(0);
  });

  it('applies the allowlist', async () => {
    const { metrics, backend } = setup();
    expect(
      (
        await failure(
          metrics.getMetrics({
            functionName: 'hidden',
            start: at('2025-05-01T11:00:00Z'),
            end: at('2025-05-01T12:00:00Z'),
          }),
        )
      ).code,
    ).toBe('FUNCTION_NOT_ALLOWED');
    expect(backend.calls.getMetricData).toHaveLength(0);
  });
});

describe('MetricsService recent errors', () => {
  const rid = (n: number) => `0000000${n}-1111-2222-3333-444444444444`;
  const ev = (iso: string, message: string, stream = '2025/05/01/[$LATEST]abc'): LogEvent => ({
    timestamp: at(iso),
    message,
    logStreamName: stream,
  });
  function seedLogs(backend: MemoryBackend) {
    backend.logEvents = [
      ev('2025-05-01T11:10:00Z', `START RequestId: ${rid(1)} Version: $LATEST\n`),
      ev(
        '2025-05-01T11:10:01Z',
        `2025-05-01T11:10:01.000Z\t${rid(1)}\tERROR\tInvoke Error \t{"errorType":"Error","errorMessage":"boom"}\n`,
      ),
      ev(
        '2025-05-01T11:10:02Z',
        `REPORT RequestId: ${rid(1)}\tDuration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\n`,
      ),
      ev('2025-05-01T11:20:00Z', `2025-05-01T11:20:00.000Z ${rid(2)} Task timed out after 3.00 seconds\n`),
      ev(
        '2025-05-01T11:20:00Z',
        `REPORT RequestId: ${rid(2)}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: timeout\n`,
      ),
      ev(
        '2025-05-01T11:30:00Z',
        `RequestId: ${rid(3)} Error: Runtime exited with error: exit status 1\nRuntime.ExitError\n`,
      ),
      ev('2025-05-01T11:40:00Z', `[ERROR] MemoryError: out of memory\nTraceback (most recent call last):\n`),
      ev('2025-05-01T11:45:00Z', `2025-05-01T11:45:00.000Z\t${rid(5)}\tINFO\tall good\n`),
    ];
  }

  it('finds, classifies and orders error details newest first, once per request', async () => {
    const { backend, metrics } = setup();
    seedLogs(backend);
    const report = await metrics.getMetrics({
      functionName: 'orders',
      start: at('2025-05-01T11:00:00Z'),
      end: at('2025-05-01T12:00:00Z'),
      includeErrors: true,
      metrics: ['invocations'],
    });
    expect(backend.calls.filterLogEvents[0]).toMatchObject({
      logGroupName: '/aws/lambda/orders',
      filterPattern: ERROR_FILTER_PATTERN,
    });
    expect(report.recentErrors?.map((e) => [e.timestamp, e.kind, e.requestId])).toEqual([
      ['2025-05-01T11:40:00.000Z', 'out-of-memory', undefined],
      ['2025-05-01T11:30:00.000Z', 'runtime-exit', rid(3)],
      ['2025-05-01T11:20:00.000Z', 'timeout', rid(2)],
      ['2025-05-01T11:10:01.000Z', 'error', rid(1)],
    ]);
    expect(report.recentErrors?.[3]).toMatchObject({ errorType: 'Error', message: 'boom' });
    expect(report.recentErrors?.[3]?.raw).toContain('"errorMessage":"boom"');
    expect(report.recentErrors?.[3]?.logStream).toBe('2025/05/01/[$LATEST]abc');
    expect(report.problems).toBeUndefined();
  });

  it('limits the details and reads a custom log group', async () => {
    const { backend, metrics } = setup();
    seedLogs(backend);
    backend.logEvents = backend.logEvents.map((e) => ({ ...e }));
    const report = await metrics.getMetrics({
      functionName: 'custom-logs',
      start: at('2025-05-01T11:00:00Z'),
      end: at('2025-05-01T12:00:00Z'),
      includeErrors: true,
      errorLimit: 2,
    });
    expect(backend.calls.filterLogEvents[0]?.logGroupName).toBe('/custom/group');
    expect(report.recentErrors?.map((e) => e.kind)).toEqual(['out-of-memory', 'runtime-exit']);
  });

  it('stops at the page bound and says so', async () => {
    const { backend, metrics } = setup({ maxPages: 5 });
    backend.logPageSize = 1;
    backend.logEvents = Array.from({ length: 200 }, (_, i) =>
      ev(
        new Date(Date.parse('2025-05-01T11:59:00Z') + i * 100).toISOString(),
        `x\t${rid(i % 10)}\tERROR\tfailure ${i}`,
      ),
    );
    const report = await metrics.getMetrics({
      functionName: 'orders',
      start: at('2025-05-01T11:00:00Z'),
      end: at('2025-05-01T12:00:00Z'),
      includeErrors: true,
    });
    expect(backend.calls.filterLogEvents.length).toBe(5);
    expect(report.recentErrors).toHaveLength(5);
    expect(report.problems?.[0]).toMatch(/error scan stopped at its bounds \(5 pages, 10 s\)/);
  });

  it('stops at the time bound without hanging', async () => {
    const { backend, metrics } = setup({ timeBudgetMs: 50 });
    backend.filterLogEvents = (_request, options) =>
      new Promise((_resolve, reject) => {
        options?.signal?.addEventListener('abort', () => reject(new LambdaMcpError('ABORTED', 'aborted')), {
          once: true,
        });
      });
    const report = await metrics.getMetrics({
      functionName: 'orders',
      start: at('2025-05-01T11:00:00Z'),
      end: at('2025-05-01T12:00:00Z'),
      includeErrors: true,
    });
    expect(report.recentErrors).toEqual([]);
    expect(report.problems?.[0]).toMatch(/stopped at its bounds/);
  });

  it('reports a log failure as a problem and keeps the metrics', async () => {
    const { backend, metrics } = setup();
    backend.failures.filterLogEvents = new LambdaMcpError(
      'FUNCTION_NOT_FOUND',
      'The specified log group does not exist.',
    );
    const report = await metrics.getMetrics({
      functionName: 'orders',
      start: at('2025-05-01T11:00:00Z'),
      end: at('2025-05-01T12:00:00Z'),
      includeErrors: true,
    });
    expect(report.recentErrors).toEqual([]);
    expect(report.problems).toEqual([
      'error details unavailable (FUNCTION_NOT_FOUND: The specified log group does not exist.)',
    ]);
  });

  it('classifies lines', () => {
    expect(classifyErrorLine('REPORT RequestId: r\tDuration: 1 ms')).toBeUndefined();
    expect(classifyErrorLine('REPORT RequestId: r\tStatus: error\tError Type: Runtime.ExitError')).toBe(
      'runtime-exit',
    );
    expect(classifyErrorLine('START RequestId: r')).toBeUndefined();
    expect(classifyErrorLine('{"level":"ERROR","message":"x"}')).toBe('error');
    expect(
      classifyErrorLine('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'),
    ).toBe('out-of-memory');
    expect(classifyErrorLine('just info')).toBeUndefined();
  });
});

describe('MetricsService.getLogs', () => {
  it('returns the newest events in time order, bounded by the limit', async () => {
    const { backend, metrics } = setup();
    backend.logEvents = Array.from({ length: 30 }, (_, i) => ({
      timestamp: new Date(Date.parse('2025-05-01T11:00:00Z') + i * 60_000),
      message: `line ${i}`,
    }));
    const events = await metrics.getLogs({
      functionName: 'orders',
      start: at('2025-05-01T11:00:00Z'),
      limit: 5,
      filterPattern: 'line',
    });
    expect(events.map((e) => e.message)).toEqual(['line 25', 'line 26', 'line 27', 'line 28', 'line 29']);
    expect(backend.calls.filterLogEvents[0]).toMatchObject({
      filterPattern: 'line',
      logGroupName: '/aws/lambda/orders',
    });
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['a limit of 0', { limit: 0 }, 'INVALID_REQUEST'],
    ['a limit above 10000', { limit: 10_001 }, 'INVALID_REQUEST'],
    ['a huge filter pattern', { filterPattern: 'x'.repeat(1025) }, 'INVALID_REQUEST'],
    ['start after end', { end: at('2025-05-01T10:00:00Z') }, 'INVALID_REQUEST'],
    ['a function outside the allowlist', { functionName: 'hidden' }, 'FUNCTION_NOT_ALLOWED'],
  ];
  it.each(bad)('refuses %s', async (_what, override, code) => {
    const { metrics, backend } = setup();
    const err = await failure(
      metrics.getLogs({ functionName: 'orders', start: at('2025-05-01T11:00:00Z'), ...override } as never),
    );
    expect(err.code).toBe(code);
    expect(backend.calls.filterLogEvents).toHaveLength(0);
  });
});
