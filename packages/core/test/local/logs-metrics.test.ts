import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLambdaMcpError } from '../../src/errors.js';
import { createLocalBackend, type LocalBackend } from '../../src/local/index.js';
import type { LogEvent, MetricDataQuery } from '../../src/types.js';
import { FIXTURES, invoke, STREAM_NAME, waitFor } from './helpers.js';

/**
 * REPORT lines recorded from real AWS (fixtures/aws/lambda-invoke.json at the repository root,
 * TestLambdaFeatures::test_invocation_type_event_error): a cold and a warm one.
 */
const AWS_REPORT_COLD =
  'REPORT RequestId: 8a1a5b2e-2cba-4ab3-9f0e-0c8f6e0b8a11\tDuration: 3.01 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\tInit Duration: 110.10 ms\t\n';
const AWS_REPORT_WARM =
  'REPORT RequestId: 8a1a5b2e-2cba-4ab3-9f0e-0c8f6e0b8a11\tDuration: 2.90 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\t\n';
const REPORT_FORMAT =
  /^REPORT RequestId: [0-9a-f-]{36}\tDuration: (\d+\.\d{2}) ms\tBilled Duration: (\d+) ms\tMemory Size: (\d+) MB\tMax Memory Used: (\d+) MB\t(?:Init Duration: (\d+\.\d{2}) ms\t)?\n$/;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('local backend: log format', () => {
  let backend: LocalBackend;
  beforeAll(() => {
    backend = createLocalBackend({ dir: FIXTURES });
  });
  afterAll(async () => {
    await backend.close();
  });

  it('writes START, console lines, END and a REPORT line in the format AWS records', async () => {
    expect(AWS_REPORT_COLD).toMatch(REPORT_FORMAT);
    expect(AWS_REPORT_WARM).toMatch(REPORT_FORMAT);
    const cold = await invoke(backend, 'sleeper', { ms: 5 });
    const warm = await invoke(backend, 'sleeper', { ms: 5 });
    for (const [run, isCold] of [
      [cold, true],
      [warm, false],
    ] as const) {
      const id = run.result.requestId ?? '';
      const lines = run.tail.split(/(?<=\n)/);
      expect(lines[0]).toBe(`START RequestId: ${id} Version: $LATEST\n`);
      expect(lines[1]).toMatch(
        new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\t${id}\\tINFO\\tsleeping 5 ms\\n$`),
      );
      expect(lines[2]).toBe(`END RequestId: ${id}\n`);
      const report = lines[3] ?? '';
      const m = REPORT_FORMAT.exec(report);
      expect(m).not.toBeNull();
      expect(report.startsWith(`REPORT RequestId: ${id}\t`)).toBe(true);
      const duration = Number(m?.[1]);
      const billed = Number(m?.[2]);
      const init = m?.[5] === undefined ? undefined : Number(m[5]);
      expect(Number(m?.[3])).toBe(128);
      expect(Number(m?.[4])).toBeGreaterThan(0);
      expect(init !== undefined).toBe(isCold);
      // Billed: ceil(duration), plus the INIT phase on a cold start (AWS since 2025-08-01). The printed
      // figures are rounded to 0.01 ms, so allow the ceiling to differ by one.
      expect(Math.abs(billed - Math.ceil(duration + (init ?? 0)))).toBeLessThanOrEqual(1);
      expect(billed).toBeGreaterThanOrEqual(duration + (init ?? 0) - 0.02);
      expect(lines).toHaveLength(4);
    }
  });

  it('maps console methods to Lambda log levels and keeps raw stdout writes', async () => {
    const { logs, result } = await invoke(backend, 'levels');
    const id = result.requestId ?? '';
    const level = (text: string) => logs.find((l) => l.endsWith(`\t${text}`))?.split('\t')[2];
    expect(logs.every((l) => !l.includes(`\t${id}\t`) || l.split('\t')[1] === id)).toBe(true);
    expect(level('via log')).toBe('INFO');
    expect(level('via info')).toBe('INFO');
    expect(level('via warn')).toBe('WARN');
    expect(level('via error')).toBe('ERROR');
    expect(level('via debug')).toBe('DEBUG');
    expect(level('via trace')).toBe('TRACE');
    expect(level('formatted 42 {"a":1}')).toBe('INFO');
    expect(logs).toContain('raw stdout write');
    expect(logs).toContain('ended stderr');
    expect(logs).toContain('fd 1 write');
    expect(logs).toContain('fd 2 write');
  });

  it('returns at most the last 4 KB of the invocation log, base64-encoded', async () => {
    const { result, tail } = await invoke(backend, 'chatty', { mb: 1 });
    const encoded = result.logResult ?? '';
    expect(encoded).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    const bytes = Buffer.from(encoded, 'base64');
    expect(bytes.toString('base64')).toBe(encoded);
    expect(bytes.length).toBeLessThanOrEqual(4096);
    expect(bytes.length).toBeGreaterThan(3000);
    expect(tail.endsWith('\t\n')).toBe(true);
    expect(tail).toContain(`END RequestId: ${result.requestId}\n`);
    const none = await backend.invoke({
      functionName: 'sleeper',
      invocationType: 'RequestResponse',
      logType: 'None',
      payload: new TextEncoder().encode('{}'),
    });
    expect(none.logResult).toBeUndefined();
  });
});

describe('local backend: metrics and logs from invocation records', () => {
  let backend: LocalBackend;
  const t0 = new Date(Date.now() - 60_000);
  const ids: string[] = [];
  let release: () => void = () => {};

  beforeAll(async () => {
    const hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    let running = 0;
    backend = createLocalBackend({
      dir: FIXTURES,
      syntheticFunctions: [
        {
          name: 'held',
          reservedConcurrency: 3,
          aliases: ['prod'],
          invoke: async (event, context) => {
            running++;
            context.log(`holding ${JSON.stringify(event)}`);
            if (running <= 3) await hold;
            return event;
          },
        },
      ],
    });
    // Three at once (ConcurrentExecutions 3), one of them through the alias; then one throttled.
    const first = [
      invoke(backend, 'held', { n: 1 }),
      invoke(backend, 'held', { n: 2 }, { qualifier: 'prod' }),
      invoke(backend, 'held', { n: 3 }),
    ];
    await waitFor(() => backend.stats('held').running === 3, 5000, 'three running');
    await rejection(invoke(backend, 'held', { n: 4 }));
    release();
    for (const r of await Promise.all(first)) ids.push(r.result.requestId ?? '');
    // Worker functions: two successes, one error, one timeout.
    await invoke(backend, 'thrower');
    await invoke(backend, 'thrower');
    await invoke(backend, 'thrower', { mode: 'custom' });
    await invoke(backend, 'sleeper', { ms: 5000 });
  });
  afterAll(async () => {
    await backend.close();
  });

  const query = (
    id: string,
    metricName: string,
    stat: string,
    dimensions: Record<string, string>,
  ): MetricDataQuery => ({
    id,
    namespace: 'AWS/Lambda',
    metricName,
    stat: stat as MetricDataQuery['stat'],
    dimensions,
  });

  it('answers Invocations, Errors, Throttles, Duration and ConcurrentExecutions', async () => {
    const end = new Date(Date.now() + 60_000);
    const results = await backend.getMetricData({
      start: t0,
      end,
      periodSeconds: 3600,
      queries: [
        query('inv', 'Invocations', 'Sum', { FunctionName: 'held' }),
        query('thr', 'Throttles', 'Sum', { FunctionName: 'held' }),
        query('conc', 'ConcurrentExecutions', 'Maximum', { FunctionName: 'held' }),
        query('alias', 'Invocations', 'Sum', { FunctionName: 'held', Resource: 'held:prod' }),
        query('tinv', 'Invocations', 'Sum', { FunctionName: 'thrower' }),
        query('terr', 'Errors', 'Sum', { FunctionName: 'thrower' }),
        query('serr', 'Errors', 'Sum', { FunctionName: 'sleeper' }),
        query('dcount', 'Duration', 'SampleCount', { FunctionName: 'sleeper' }),
        query('dmax', 'Duration', 'Maximum', { FunctionName: 'sleeper' }),
        query('dmin', 'Duration', 'Minimum', { FunctionName: 'thrower' }),
        query('davg', 'Duration', 'Average', { FunctionName: 'thrower' }),
        query('dp50', 'Duration', 'p50', { FunctionName: 'thrower' }),
        query('dp99', 'Duration', 'p99.9', { FunctionName: 'thrower' }),
        query('other', 'Invocations', 'Sum', { FunctionName: 'never-invoked' }),
        query('ns', 'Invocations', 'Sum', { FunctionName: 'held' }),
      ].map((q) => (q.id === 'ns' ? { ...q, namespace: 'AWS/EC2' } : q)),
    });
    const v = (id: string) => results.find((r) => r.id === id)?.values;
    expect(v('inv')).toEqual([3]);
    expect(v('thr')).toEqual([1]);
    expect(v('conc')).toEqual([3]);
    expect(v('alias')).toEqual([1]);
    expect(v('tinv')).toEqual([3]);
    expect(v('terr')).toEqual([1]);
    expect(v('serr')).toEqual([1]);
    expect(v('dcount')).toEqual([1]);
    expect(v('dmax')?.[0]).toBeGreaterThanOrEqual(1000);
    const [min] = v('dmin') ?? [];
    const [avg] = v('davg') ?? [];
    const [p50] = v('dp50') ?? [];
    const [p99] = v('dp99') ?? [];
    expect(min).toBeLessThanOrEqual(p50 ?? 0);
    expect(p50).toBeLessThanOrEqual(p99 ?? 0);
    expect(avg).toBeGreaterThanOrEqual(min ?? 0);
    expect(v('other')).toEqual([]);
    expect(v('ns')).toEqual([]);
    for (const r of results) {
      expect(r.statusCode).toBe('Complete');
      expect(r.timestamps).toHaveLength(r.values.length);
    }
  });

  it('buckets by period, ascending, aligned to the period', async () => {
    const [r] = await backend.getMetricData({
      start: t0,
      end: new Date(Date.now() + 120_000),
      periodSeconds: 60,
      queries: [query('all', 'Invocations', 'Sum', {})],
    });
    const times = r?.timestamps.map((d) => d.getTime()) ?? [];
    expect(times.length).toBeGreaterThan(0);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    for (const t of times) expect(t % 60_000).toBe(0);
    expect((r?.values ?? []).reduce((a, b) => a + b, 0)).toBe(3 + 4);
    const empty = await backend.getMetricData({
      start: new Date(Date.now() + 3_600_000),
      end: new Date(Date.now() + 7_200_000),
      periodSeconds: 60,
      queries: [query('later', 'Invocations', 'Sum', { FunctionName: 'held' })],
    });
    expect(empty[0]).toMatchObject({ timestamps: [], values: [], statusCode: 'Complete' });
  });

  it('refuses bad metric queries with a clear INVALID_REQUEST', async () => {
    for (const bad of [
      { queries: [query('Bad', 'Invocations', 'Sum', {})], periodSeconds: 60 },
      { queries: [query('a', 'Invocations', 'Median', {})], periodSeconds: 60 },
      { queries: [query('a', 'Invocations', 'Sum', {})], periodSeconds: 0 },
    ]) {
      const error = await rejection(backend.getMetricData({ start: t0, end: new Date(), ...bad }));
      expect(isLambdaMcpError(error) && error.code).toBe('INVALID_REQUEST');
    }
  });

  it('filters log events of /aws/lambda/<name> by pattern, time and stream', async () => {
    const all = await backend.filterLogEvents({ logGroupName: '/aws/lambda/held' });
    expect(all.events.length).toBeGreaterThanOrEqual(3 * 4);
    for (const e of all.events) expect(e.logStreamName).toMatch(STREAM_NAME);
    const reports = await backend.filterLogEvents({
      logGroupName: '/aws/lambda/held',
      filterPattern: '"REPORT RequestId"',
    });
    const reportIds = reports.events.map((e) => /^REPORT RequestId: ([0-9a-f-]{36})\t/.exec(e.message)?.[1]);
    expect(reportIds.sort()).toEqual([...ids].sort());
    const holding = await backend.filterLogEvents({
      logGroupName: '/aws/lambda/held',
      filterPattern: 'holding INFO',
    });
    expect(holding.events).toHaveLength(3);
    const either = await backend.filterLogEvents({
      logGroupName: '/aws/lambda/sleeper',
      filterPattern: '?"Task timed out" ?Sandbox',
    });
    expect(either.events).toHaveLength(1);
    expect(either.events[0]?.message).toMatch(/Task timed out after 1\.00 seconds\n$/);
    const errors = await backend.filterLogEvents({
      logGroupName: '/aws/lambda/thrower',
      filterPattern: 'ERROR -TypeError',
    });
    expect(errors.events).toHaveLength(1);
    expect(errors.events[0]?.message).toContain('PaymentDeclinedError');
    const future = await backend.filterLogEvents({
      logGroupName: '/aws/lambda/held',
      start: new Date(Date.now() + 60_000),
    });
    expect(future.events).toEqual([]);
    const stream = all.events[0]?.logStreamName ?? '';
    const byStream = await backend.filterLogEvents({
      logGroupName: '/aws/lambda/held',
      logStreamNamePrefix: stream,
    });
    expect(byStream.events.length).toBe(all.events.length);
    const noStream = await backend.filterLogEvents({
      logGroupName: '/aws/lambda/held',
      logStreamNamePrefix: '1999/',
    });
    expect(noStream.events).toEqual([]);
  });

  it('pages with limit and nextToken without losing or repeating events', async () => {
    const all = await backend.filterLogEvents({ logGroupName: '/aws/lambda/thrower' });
    const seen: LogEvent[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await backend.filterLogEvents({
        logGroupName: '/aws/lambda/thrower',
        limit: 2,
        ...(token ? { nextToken: token } : {}),
      });
      seen.push(...page.events);
      token = page.nextToken;
      pages++;
    } while (token && pages < 100);
    expect(pages).toBe(Math.ceil(all.events.length / 2));
    expect(seen.map((e) => e.eventId)).toEqual(all.events.map((e) => e.eventId));
    const times = seen.map((e) => e.timestamp.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('refuses unknown log groups, bad tokens, limits and unsupported patterns', async () => {
    const group = await rejection(backend.filterLogEvents({ logGroupName: '/aws/lambda/nope' }));
    expect(isLambdaMcpError(group) && group.code).toBe('FUNCTION_NOT_FOUND');
    expect((group as Error).message).toBe('The specified log group does not exist.');
    const token = await rejection(
      backend.filterLogEvents({ logGroupName: '/aws/lambda/held', nextToken: 'garbage' }),
    );
    expect((token as Error).message).toBe('The specified nextToken is invalid.');
    const limit = await rejection(
      backend.filterLogEvents({ logGroupName: '/aws/lambda/held', limit: 10_001 }),
    );
    expect((limit as Error).message).toContain("Value '10001' at 'limit' failed to satisfy constraint");
    const json = await rejection(
      backend.filterLogEvents({ logGroupName: '/aws/lambda/held', filterPattern: '{ $.a = 1 }' }),
    );
    expect(isLambdaMcpError(json) && json.code).toBe('INVALID_REQUEST');
  });
});
