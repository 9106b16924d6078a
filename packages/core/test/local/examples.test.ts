import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv07 from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBackend, type LocalBackend } from '../../src/local/index.js';
import { captureLogger, invoke } from './helpers.js';

const EXAMPLES = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  '..',
  'examples',
  'functions',
);

type Validate = ((value: unknown) => boolean) & { errors?: unknown };

function compile(schema: Record<string, unknown>): Validate {
  const dialect = String(schema.$schema ?? '');
  // biome-ignore lint/suspicious/noExplicitAny: the three Ajv classes share this shape.
  const Ctor: any = dialect.includes('2020-12') ? Ajv2020 : dialect.includes('draft-04') ? Ajv04 : Ajv07;
  const ajv = new Ctor({ strict: false, allErrors: true });
  (addFormats as unknown as (a: unknown) => void)(ajv);
  return ajv.compile(schema) as Validate;
}

describe('examples/functions', () => {
  let backend: LocalBackend;
  const log = captureLogger();
  const schemas = new Map<string, Validate>();

  beforeAll(async () => {
    backend = createLocalBackend({ dir: EXAMPLES, logger: log.logger });
    for (const name of ['data-processor', 'customer-lookup', 'slow-report']) {
      for (const kind of ['input', 'output']) {
        try {
          const doc = await backend.describeSchema({ registryName: 'local', schemaName: `${name}-${kind}` });
          schemas.set(`${name}-${kind}`, compile(JSON.parse(doc.content)));
        } catch {
          // no schema of that kind
        }
      }
    }
  });
  afterAll(async () => {
    await backend.close();
  });

  it('lists the five example functions, tagged, without warnings', async () => {
    const fns = await backend.listFunctions();
    expect(fns.map((f) => f.name)).toEqual([
      'always-fails',
      'customer-lookup',
      'data-processor',
      'echo',
      'slow-report',
    ]);
    for (const f of fns) {
      expect(f.tags?.MCPEnabled).toBe('true');
      expect(f.tags?.team).toBeTruthy();
      expect(f.description?.length).toBeGreaterThan(20);
    }
    expect(log.entries.filter((e) => e.level === 'warn')).toEqual([]);
    expect([...schemas.keys()].sort()).toEqual([
      'customer-lookup-input',
      'customer-lookup-output',
      'data-processor-input',
      'data-processor-output',
      'slow-report-input',
    ]);
  });

  it('data-processor has a 2020-12 input schema with $defs and $ref, and answers deterministically', async () => {
    const doc = await backend.describeSchema({ registryName: 'local', schemaName: 'data-processor-input' });
    const schema = JSON.parse(doc.content);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.$defs)).toContain('Filters');
    expect(doc.content).toContain('"$ref": "#/$defs/');
    const request = {
      data_source: 'customer-analytics',
      filters: { region: 'emea', date_range: { start: '2026-01-01', end: '2026-01-31' } },
      output_format: 'json',
    };
    const validateIn = schemas.get('data-processor-input');
    expect(validateIn?.(request)).toBe(true);
    expect(validateIn?.({ data_source: 'nope' })).toBe(false);
    expect(validateIn?.({ filters: {} })).toBe(false);
    const a = await invoke(backend, 'data-processor', request);
    const b = await invoke(backend, 'data-processor', request);
    expect(a.result.functionError).toBeUndefined();
    expect(a.body).toEqual(b.body);
    expect(a.body).toMatchObject({ data_source: 'customer-analytics', record_count: 31 });
    expect(schemas.get('data-processor-output')?.(a.body)).toBe(true);
    for (const format of ['csv', 'summary']) {
      const r = await invoke(backend, 'data-processor', {
        data_source: 'sales-metrics',
        output_format: format,
      });
      expect(r.body).toHaveProperty(format);
      expect(schemas.get('data-processor-output')?.(r.body)).toBe(true);
    }
  });

  it('customer-lookup (CommonJS, callback style) returns a record matching its output schema, or CustomerNotFound', async () => {
    expect(schemas.get('customer-lookup-input')?.({ customer_id: 'CUST-12' })).toBe(false);
    const found = await invoke(backend, 'customer-lookup', {
      customer_id: 'CUST-0002',
      include_orders: true,
    });
    expect(found.body).toMatchObject({ customer_id: 'CUST-0002', name: 'Grace Hopper' });
    expect(schemas.get('customer-lookup-output')?.(found.body)).toBe(true);
    const missing = await invoke(backend, 'customer-lookup', { customer_id: 'CUST-9999' });
    expect(missing.result.functionError).toBe('Unhandled');
    expect(missing.body).toMatchObject({
      errorType: 'CustomerNotFound',
      errorMessage: 'No customer with id CUST-9999',
    });
  });

  it('slow-report logs progress lines while it runs', async () => {
    expect(schemas.get('slow-report-input')?.({ seconds: 26 })).toBe(false);
    const { body, logs } = await invoke(backend, 'slow-report', { seconds: 0.3, title: 'T' });
    expect(body).toMatchObject({ title: 'T', seconds: 0.3, steps: 1 });
    expect(logs.some((l) => /\tINFO\tprogress 1\/1 \(100%\)/.test(l))).toBe(true);
    const config = await backend.getFunction('slow-report');
    expect(config.timeoutSeconds).toBe(30);
  });

  it('always-fails throws a typed error with a trace; echo returns its event', async () => {
    const failed = await invoke(backend, 'always-fails', { amount: 10 });
    expect(failed.result.functionError).toBe('Unhandled');
    expect(failed.body).toMatchObject({ errorType: 'PaymentDeclinedError' });
    const trace = (failed.body as { trace: string[] }).trace;
    expect(trace[0]).toMatch(/^PaymentDeclinedError: Card ending 4242 was declined for 10 USD/);
    expect(trace.some((l) => l.includes('chargeCard'))).toBe(true);
    const echo = await invoke(backend, 'echo', { any: ['thing', 1, null] });
    expect(echo.body).toEqual({ any: ['thing', 1, null] });
  });
});
