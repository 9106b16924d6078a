/**
 * End to end: the four services over the AWS backend, over the real SDK clients, over HTTP to the
 * emulator, over the local runtime. The bundled example functions show up with their registry
 * schemas, invocations run, metrics come back; the disk catalog cache is keyed by the scope. And
 * the services contract suite (packages/core/test/services/contract.ts) runs over this stack too.
 *
 * The contract and the AWS backend are imported from core's sources here (not its build), as the
 * contract suite is a test file of core's and not part of its build.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsBackend, createAwsServices } from '../../core/src/aws/index.js';
import type { Backend } from '../../core/src/backend.js';
import { describeServicesContract } from '../../core/test/services/contract.js';
import { type Emulator, startEmulator } from '../src/index.js';
import { CREDENTIALS, HERE, REGION } from './helpers.js';

const EXAMPLES = join(HERE, '..', '..', '..', 'examples', 'functions');

describe('services over the AWS backend and the emulator (bundled example functions)', () => {
  let emulator: Emulator;
  let cacheDir: string;

  beforeAll(async () => {
    emulator = await startEmulator({ functionsDir: EXAMPLES });
    cacheDir = await mkdtemp(join(tmpdir(), 'lambda-mcp-aws-cache-'));
  });
  afterAll(async () => {
    await emulator.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  const config = () => ({
    region: REGION,
    tagFilters: [{ key: 'MCPEnabled', values: ['true'] }],
    diskCache: true,
    cacheDir,
  });
  const open = () =>
    createAwsServices(config(), { backendOptions: { endpoint: emulator.url, credentials: CREDENTIALS } });

  it('discovers the functions with their registry schemas, invokes them, and reads their metrics', async () => {
    const services = await open();
    try {
      const catalog = await services.discovery.getCatalog();
      const names = catalog.functions.map((f) => f.name);
      expect(names).toEqual(
        expect.arrayContaining(['always-fails', 'customer-lookup', 'data-processor', 'echo']),
      );
      expect(catalog.source).toBe('live');
      const lookup = catalog.functions.find((f) => f.name === 'customer-lookup');
      expect(lookup?.inputSchemaArn).toMatch(
        /^arn:aws:schemas:us-east-1:\d{12}:schema\/local\/customer-lookup-input$/,
      );
      expect(lookup?.tags['mcp:readOnly']).toBe('true');
      // The schema comes through Schemas DescribeSchema on the wire.
      emulator.clearRequests();
      const schemas = await services.schemas.getSchemas(lookup!);
      expect(schemas.problems).toEqual([]);
      expect(schemas.input?.schema).toMatchObject({ type: 'object', required: ['customer_id'] });
      expect(schemas.input?.source).toMatchObject({
        kind: 'registry',
        registryName: 'local',
        schemaName: 'customer-lookup-input',
      });
      expect(emulator.requests.filter((r) => r.operation === 'DescribeSchema').length).toBeGreaterThanOrEqual(
        1,
      );

      const result = await services.invocation.invoke({
        functionName: 'customer-lookup',
        payload: { customer_id: 'CUST-0001' },
        logType: 'Tail',
      });
      expect(result.statusCode).toBe(200);
      expect(result.payload.kind).toBe('json');
      expect(result.report?.memorySizeMb).toBe(128);
      expect(result.logs?.some((l) => l.startsWith('REPORT RequestId:'))).toBe(true);
      const invalid = await services.invocation
        .invoke({ functionName: 'customer-lookup', payload: { customer_id: 'nope' } })
        .catch((e: { code?: string }) => e);
      expect((invalid as { code?: string }).code).toBe('INVALID_INPUT');
      const failed = await services.invocation.invoke({ functionName: 'always-fails', payload: {} });
      expect(failed.functionError?.errorType).toBe('PaymentDeclinedError');

      const end = new Date(Date.now() + 60_000);
      const report = await services.metrics.getMetrics({
        functionName: 'customer-lookup',
        start: new Date(end.getTime() - 3_600_000),
        end,
        includeErrors: true,
      });
      expect(report.summary.invocations).toBeGreaterThanOrEqual(1);
      expect(report.series.duration?.p99.length).toBeGreaterThan(0);
      expect(emulator.requests.some((r) => r.operation === 'GetMetricData')).toBe(true);
    } finally {
      await services.close();
    }
  });

  it('answers from the disk cache of the same scope at once, never from another scope', async () => {
    const first = await open();
    await first.discovery.getCatalog();
    await first.close();
    expect((await readdir(cacheDir)).some((f) => f.startsWith('catalog-'))).toBe(true);

    const again = await open();
    const scope = again.backend.scope;
    try {
      const cached = await again.discovery.getCatalog();
      expect(cached.source).toBe('cache');
      expect(cached.functions.map((f) => f.name)).toContain('customer-lookup');
    } finally {
      await again.close();
    }

    // Another region (or account, endpoint, role) has another scope: no cached catalog for it.
    const other = await createAwsServices(
      { ...config(), region: 'eu-west-1' },
      { backendOptions: { endpoint: emulator.url, credentials: CREDENTIALS } },
    );
    try {
      expect(other.backend.scope).not.toBe(scope);
      const live = await other.discovery.getCatalog();
      expect(live.source).toBe('live');
    } finally {
      await other.close();
    }
  });
});

describeServicesContract('AWS backend over the emulator', async (dir): Promise<Backend> => {
  const emulator = await startEmulator({ functionsDir: dir });
  const backend = await createAwsBackend({
    region: REGION,
    endpoint: emulator.url,
    credentials: CREDENTIALS,
  });
  const close = backend.close;
  return Object.assign(backend, {
    async close() {
      await close();
      await emulator.close();
    },
  });
});
