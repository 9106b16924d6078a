import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';
import { isLambdaMcpError, LambdaMcpError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { createDiscoveryService } from '../../src/services/discovery-service.js';
import { errorDetailsOf, groupErrors, parseErrorEvent } from '../../src/services/error-details.js';
import { normalizeMetricTypes } from '../../src/services/metric-catalog.js';
import { createMetricsService } from '../../src/services/metrics-service.js';
import { exampleFromDescription } from '../../src/services/schema-examples.js';
import { createSchemaService } from '../../src/services/schema-service.js';
import { createFunctionIndex, stem } from '../../src/services/search.js';
import type { FunctionInfo, GetMetricDataRequest, LogEvent } from '../../src/types.js';
import { createMemoryBackend, fn } from './memory-backend.js';

const NOW = Date.parse('2025-05-01T12:00:00Z');
const at = (iso: string) => new Date(iso);
const rid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ev = (iso: string, message: string, logStreamName = '2025/05/01/[$LATEST]abc'): LogEvent => ({
  timestamp: new Date(iso),
  message,
  logStreamName,
});

function metricsSetup() {
  const backend = createMemoryBackend({ functions: [fn('orders')] });
  const config = ConfigSchema.parse({});
  const discovery = createDiscoveryService({ backend, config, logger: silentLogger });
  const metrics = createMetricsService({ backend, config, logger: silentLogger, discovery, now: () => NOW });
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

describe('metric names', () => {
  it("accepts CloudWatch's names in any case besides ours, without duplicates", () => {
    expect(
      normalizeMetricTypes([
        'Invocations',
        'ERRORS',
        'throttles',
        'Duration',
        'ConcurrentExecutions',
        'concurrency',
      ]),
    ).toEqual(['invocations', 'errors', 'throttles', 'duration', 'concurrency']);
    expect(
      normalizeMetricTypes([
        'DeadLetterErrors',
        'AsyncEventsDropped',
        'asynceventage',
        'IteratorAge',
        'ProvisionedConcurrencySpilloverInvocations',
        'InitDuration',
        'iterator-age',
      ]),
    ).toEqual([
      'dead_letter_errors',
      'async_events_dropped',
      'async_event_age',
      'iterator_age',
      'provisioned_concurrency_spillover',
      'init_duration',
    ]);
  });
  it('refuses an unknown name, naming what is accepted', () => {
    expect(() => normalizeMetricTypes(['Latency'])).toThrow(/Unknown metrics \["Latency"\].*IteratorAge/);
    expect(() => normalizeMetricTypes([])).toThrow(/expected one or more of/);
  });
});

describe('MetricsService: one failed query does not fail the report', () => {
  it('keeps every other series and gives the failed ones their own error, without SDK text', async () => {
    const { backend, metrics } = metricsSetup();
    const t = new Date('2025-05-01T11:00:00Z');
    backend.metricResults = (request: GetMetricDataRequest) => {
      if (request.queries.some((q) => q.stat.startsWith('p'))) {
        throw new LambdaMcpError(
          'BACKEND_UNAVAILABLE',
          'CloudWatch GetMetricData failed with HTTP 500. Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.',
        );
      }
      return request.queries.map((q) => ({
        id: q.id,
        timestamps: [t],
        values: [q.metricName === 'Invocations' ? 3 : q.metricName === 'Errors' ? 0.4 : 123.456789],
        statusCode: 'Complete',
      }));
    };
    const report = await metrics.getMetrics({
      functionName: 'orders',
      start: at('2025-05-01T11:00:00Z'),
      end: at('2025-05-01T12:00:00Z'),
      metrics: ['Invocations', 'Errors', 'Duration', 'IteratorAge'],
    });
    expect(Object.keys(report.seriesErrors ?? {}).sort()).toEqual([
      'duration.p50',
      'duration.p90',
      'duration.p99',
    ]);
    expect(report.seriesErrors?.['duration.p99']).toEqual({
      code: 'BACKEND_UNAVAILABLE',
      message: 'CloudWatch GetMetricData failed with HTTP 500.',
    });
    expect(report.series.duration?.average).toEqual([{ timestamp: t.toISOString(), value: 123.46 }]);
    expect(report.series.duration?.p99).toEqual([]);
    expect(report.series.iteratorAge?.maximum).toEqual([{ timestamp: t.toISOString(), value: 123.46 }]);
    expect(report.summary.errorRate).toBe(0.1333);
    expect(report.summary.averageDurationMs).toBe(123.46);
    expect(report.problems?.[0]).toMatch(
      /3 series could not be read \(duration.p50, duration.p90, duration.p99\)/,
    );
  });

  it('still fails the call when it is cancelled', async () => {
    const { backend, metrics } = metricsSetup();
    backend.metricResults = () => {
      throw new LambdaMcpError('ABORTED', 'The operation was aborted.');
    };
    const err = await failure(
      metrics.getMetrics({
        functionName: 'orders',
        start: at('2025-05-01T11:00:00Z'),
        end: at('2025-05-01T12:00:00Z'),
      }),
    );
    expect(err.code).toBe('ABORTED');
  });

  it('reads init durations from the REPORT lines', async () => {
    const { backend, metrics } = metricsSetup();
    backend.logEvents = [
      ev(
        '2025-05-01T11:10:00Z',
        `REPORT RequestId: ${rid(1)}\tDuration: 5.00 ms\tBilled Duration: 120 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tInit Duration: 110.10 ms\t\n`,
      ),
      ev(
        '2025-05-01T11:20:00Z',
        `REPORT RequestId: ${rid(2)}\tDuration: 5.00 ms\tBilled Duration: 6 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\n`,
      ),
      ev(
        '2025-05-01T11:30:00Z',
        `REPORT RequestId: ${rid(3)}\tDuration: 5.00 ms\tBilled Duration: 300 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tInit Duration: 290.555 ms\t\n`,
      ),
    ];
    const report = await metrics.getMetrics({
      functionName: 'orders',
      start: at('2025-05-01T11:00:00Z'),
      end: at('2025-05-01T12:00:00Z'),
      metrics: ['invocations', 'InitDuration'],
    });
    expect(report.initDuration).toEqual({ coldStarts: 2, averageMs: 200.33, p50Ms: 110.1, maxMs: 290.56 });
  });
});

describe('error details', () => {
  it('parses a Node Invoke Error line into type, message and the first trace lines', () => {
    const stack = [
      'CustomerNotFound: No customer with id CUST-9999',
      ...Array.from({ length: 8 }, (_, i) => `    at frame${i} (index.js:${i}:1)`),
    ];
    const d = parseErrorEvent(
      ev(
        '2025-05-01T11:10:01Z',
        `2025-05-01T11:10:01.000Z\t${rid(1)}\tERROR\tInvoke Error \t${JSON.stringify({ errorType: 'CustomerNotFound', errorMessage: 'No customer with id CUST-9999', stack })}\n`,
      ),
      'error',
    );
    expect(d).toMatchObject({
      requestId: rid(1),
      errorType: 'CustomerNotFound',
      message: 'No customer with id CUST-9999',
      trace: stack.slice(1, 6),
    });
  });
  it('parses Python, timeout, runtime exit and failed REPORT lines', () => {
    const py = parseErrorEvent(
      ev(
        '2025-05-01T11:00:00Z',
        '[ERROR] ValueError: bad value\nTraceback (most recent call last):\n  File "/var/task/app.py", line 3\n',
      ),
      'error',
    );
    expect(py).toMatchObject({ errorType: 'ValueError', message: 'bad value' });
    expect(py.trace?.[0]).toBe('Traceback (most recent call last):');
    const timeout = parseErrorEvent(
      ev('2025-05-01T11:00:00Z', `2025-05-01T11:00:00.000Z ${rid(2)} Task timed out after 3.00 seconds\n`),
      'timeout',
    );
    expect(timeout).toMatchObject({
      errorType: 'Sandbox.Timedout',
      message: 'Task timed out after 3.00 seconds',
      requestId: rid(2),
    });
    const report = parseErrorEvent(
      ev(
        '2025-05-01T11:00:00Z',
        `REPORT RequestId: ${rid(3)}\tDuration: 1 ms\tStatus: error\tError Type: Runtime.ExitError\n`,
      ),
      'runtime-exit',
    );
    expect(report).toMatchObject({ errorType: 'Runtime.ExitError', requestId: rid(3) });
  });
  it('keeps the richest line of a request and groups by type, newest group first', () => {
    const invokeError = (n: number, type: string, iso: string) =>
      ev(
        iso,
        `${iso}\t${rid(n)}\tERROR\tInvoke Error \t${JSON.stringify({ errorType: type, errorMessage: `m${n}`, stack: [`${type}: m${n}`, '    at x'] })}`,
      );
    const events = [
      ev(
        '2025-05-01T11:50:01Z',
        `REPORT RequestId: ${rid(4)}\tDuration: 1 ms\tStatus: error\tError Type: Runtime.Unknown\n`,
      ),
      invokeError(4, 'TypeError', '2025-05-01T11:50:00Z'),
      invokeError(3, 'CustomerNotFound', '2025-05-01T11:40:00Z'),
      invokeError(2, 'TypeError', '2025-05-01T11:30:00Z'),
      invokeError(1, 'TypeError', '2025-05-01T11:20:00Z'),
    ];
    const details = errorDetailsOf(events, 10);
    expect(details.map((d) => [d.requestId, d.errorType])).toEqual([
      [rid(4), 'TypeError'],
      [rid(3), 'CustomerNotFound'],
      [rid(2), 'TypeError'],
      [rid(1), 'TypeError'],
    ]);
    expect(details[0]?.timestamp).toBe('2025-05-01T11:50:01.000Z');
    const groups = groupErrors(details, 2);
    expect(groups.map((g) => [g.errorType, g.count, g.lastSeen, g.firstSeen, g.latest.length])).toEqual([
      ['TypeError', 3, '2025-05-01T11:50:01.000Z', '2025-05-01T11:20:00.000Z', 2],
      ['CustomerNotFound', 1, '2025-05-01T11:40:00.000Z', '2025-05-01T11:40:00.000Z', 1],
    ]);
  });
});

describe('schema examples', () => {
  it('takes a value the description gives when it satisfies the pattern', () => {
    expect(
      exampleFromDescription({
        type: 'string',
        pattern: '^CUST-[0-9]{4}$',
        description: "The customer's id, e.g. CUST-0001.",
      }),
    ).toBe('CUST-0001');
    expect(
      exampleFromDescription({ type: 'string', pattern: '^[0-9]+$', description: 'An id, e.g. abc.' }),
    ).toBeUndefined();
    expect(exampleFromDescription({ type: 'string', description: 'A city, for example Paris.' })).toBe(
      'Paris',
    );
  });

  it('describes each example, prefers the schema’s own values and validates them all', async () => {
    const backend = createMemoryBackend({ functions: [] });
    const schemas = createSchemaService({ backend, config: ConfigSchema.parse({}), logger: silentLogger });
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      required: ['customer_id'],
      properties: {
        customer_id: {
          type: 'string',
          pattern: '^CUST-[0-9]{4}$',
          description: "The customer's id, e.g. CUST-0001.",
        },
        include_orders: { type: 'boolean', default: false },
        region: { type: 'string', examples: ['emea', 'na'] },
      },
      additionalProperties: false,
    };
    const resolved = { schema, dialect: 'draft-07' as const, source: { kind: 'none' as const } };
    const examples = schemas.describedExamples(resolved, 3);
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const e of examples) {
      expect(typeof e.description).toBe('string');
      expect(schemas.validate(resolved, e.payload)).toEqual({ valid: true });
      expect((e.payload as { customer_id: string }).customer_id).toBe('CUST-0001');
    }
    expect(examples[0]?.payload).toEqual({ customer_id: 'CUST-0001', include_orders: false, region: 'emea' });
    expect(examples.some((e) => JSON.stringify(e.payload) === '{"customer_id":"CUST-0001"}')).toBe(true);
  });

  it('an unknown schema version is an error naming the version that exists', async () => {
    const backend = createMemoryBackend({ functions: [] });
    backend.schemas.set('reg/orders', {
      registryName: 'reg',
      schemaName: 'orders',
      schemaArn: 'arn:aws:schemas:us-east-1:123456789012:schema/reg/orders',
      schemaVersion: '3',
      type: 'JSONSchemaDraft4',
      content: JSON.stringify({ type: 'object', properties: { id: { type: 'string' } } }),
    });
    const schemas = createSchemaService({ backend, config: ConfigSchema.parse({}), logger: silentLogger });
    const info: FunctionInfo = {
      name: 'orders',
      arn: 'arn:aws:lambda:us-east-1:123456789012:function:orders',
      timeoutSeconds: 3,
      memorySizeMb: 128,
      tags: {},
      inputSchemaArn: 'arn:aws:schemas:us-east-1:123456789012:schema/reg/orders',
    };
    const err = await failure(schemas.getSchemas(info, { version: '9' }));
    expect(err.code).toBe('SCHEMA_NOT_FOUND');
    expect(err.message).toMatch(/has no version "9": existing versions are numbered up to 3, the latest/);
    const none = await failure(
      schemas.getSchemas(
        { name: info.name, arn: info.arn, timeoutSeconds: 3, memorySizeMb: 128, tags: {} },
        { version: '1' },
      ),
    );
    expect(none.message).toMatch(/has no input schema in a registry, so it has no schema version "1"/);
    // Without a version, the latest is served as before.
    expect((await schemas.getSchemas(info)).input?.source).toMatchObject({ kind: 'registry', version: '3' });
  });
});

describe('function search', () => {
  const f = (name: string, description: string, extra: Partial<FunctionInfo> = {}): FunctionInfo => ({
    name,
    arn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    description,
    timeoutSeconds: 3,
    memorySizeMb: 128,
    tags: {},
    ...extra,
  });
  const index = createFunctionIndex([
    { fn: f('orders-refund', 'Refunds an order to the original payment method.') },
    { fn: f('orders-create', 'Creates a new customer order.') },
    { fn: f('image-resize', 'Resizes an image in S3.', { tags: { team: 'media' } }) },
    {
      fn: f('customer-lookup', 'Looks up a profile.'),
      inputSchema: {
        type: 'object',
        properties: { customer_id: { type: 'string', description: 'The CRM identifier.' } },
      },
    },
    { fn: f('report-python', 'Nightly report.', { runtime: 'python3.12' }) },
  ]);
  const top = (q: string, filter?: (fn: FunctionInfo) => boolean) =>
    index.search(q, { limit: 3, ...(filter ? { filter } : {}) }).map((h) => h.fn.name);

  it('ranks by the name, description, tags, runtime and schema properties', () => {
    expect(top("refund a customer's last order")[0]).toBe('orders-refund');
    expect(top('which function resizes images')[0]).toBe('image-resize');
    expect(top('media team')[0]).toBe('image-resize');
    expect(top('python')[0]).toBe('report-python');
    expect(top('crm identifier')[0]).toBe('customer-lookup');
  });
  it('matches prefixes and typos', () => {
    expect(top('resiz')[0]).toBe('image-resize');
    expect(top('refnd order')[0]).toBe('orders-refund');
    expect(stem('resizes')).toBe(stem('resize'));
  });
  it('never returns what the filter hides, and nothing for an empty query', () => {
    expect(top('refund order', (fn) => fn.name !== 'orders-refund')).not.toContain('orders-refund');
    expect(top('   ')).toEqual([]);
    expect(top('the a of')).toEqual([]);
  });
});
