/**
 * The services contract: the same behaviour over any Backend that serves the contract functions.
 * `describeServicesContract(name, makeBackend)` writes the functions into a fresh folder and
 * calls `makeBackend(dir)`: the local backend serves the folder directly; the AWS backend helper
 * serves it through the emulator (which is backed by the local runtime of the same folder).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../../tests/shared/wait-and-log.js';
import type { Backend } from '../../src/backend.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { isLambdaMcpError, type LambdaMcpError } from '../../src/errors.js';
import { createServices } from '../../src/services/create-services.js';
import type { Catalog, Services } from '../../src/services/types.js';
import type { BackendInvokeRequest } from '../../src/types.js';
import { parseFunctionArn } from '../../src/util/function-ref.js';

export interface ContractFunction {
  name: string;
  manifest: Record<string, unknown>;
  /** CommonJS source of index.js. */
  code: string;
}

export const CONTRACT_FUNCTIONS: ContractFunction[] = [
  {
    name: 'contract-echo',
    manifest: { description: 'Returns its event.', tags: { MCPEnabled: 'true', team: 'a' } },
    code: "exports.handler = async (event) => { console.log('echo', JSON.stringify(event)); return event; };\n",
  },
  {
    name: 'contract-fail',
    manifest: { description: 'Always fails.', tags: { MCPEnabled: 'true', team: 'a' } },
    code: "exports.handler = async () => { throw new Error('contract failure'); };\n",
  },
  {
    name: 'contract-slow',
    manifest: { description: 'Outlives its 1 s timeout.', timeout: 1, tags: { MCPEnabled: 'true' } },
    code: 'exports.handler = () => new Promise((resolve) => setTimeout(() => resolve("late"), 5000));\n',
  },
  {
    name: 'contract-typed',
    manifest: {
      description: 'Greets, with input and output schemas.',
      tags: { MCPEnabled: 'true', team: 'b' },
      inputSchema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1 },
          count: { type: 'integer', minimum: 1, maximum: 3 },
          style: { enum: ['plain', 'loud'] },
        },
        additionalProperties: false,
      },
      outputSchema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        required: ['greeting'],
        properties: { greeting: { type: 'string' } },
      },
    },
    code: "exports.handler = async (e) => { const g = ('hello ' + e.name).repeat(e.count || 1); return { greeting: e.style === 'loud' ? g.toUpperCase() : g }; };\n",
  },
  {
    name: 'contract-hidden',
    manifest: { description: 'Not for tools.', tags: { MCPEnabled: 'false' } },
    code: "exports.handler = async () => 'should never run';\n",
  },
];

export const CONTRACT_CONFIG: ConfigInput = {
  functionPrefixes: ['contract-'],
  tagFilters: [{ key: 'MCPEnabled', values: ['true'] }],
  cacheTtlSeconds: 300,
};

export async function writeContractFunction(dir: string, fn: ContractFunction): Promise<void> {
  const folder = join(dir, fn.name);
  await mkdir(folder, { recursive: true });
  await writeFile(
    join(folder, 'function.json'),
    JSON.stringify({ name: fn.name, handler: 'index.handler', ...fn.manifest }, null, 2),
  );
  await writeFile(join(folder, 'index.js'), fn.code);
}

/** Counts what reaches backend.invoke; every other member delegates to the real backend unchanged. */
function counting(backend: Backend): { backend: Backend; invoked: BackendInvokeRequest[] } {
  const invoked: BackendInvokeRequest[] = [];
  const wrapped: Backend = {
    get kind() {
      return backend.kind;
    },
    get region() {
      return backend.region;
    },
    get scope() {
      return backend.scope;
    },
    listFunctions: (options) => backend.listFunctions(options),
    getFunction: (name, qualifier, options) => backend.getFunction(name, qualifier, options),
    getTags: (request, options) => backend.getTags(request, options),
    invoke: (request, options) => {
      invoked.push(request);
      return backend.invoke(request, options);
    },
    describeSchema: (ref, options) => backend.describeSchema(ref, options),
    getMetricData: (request, options) => backend.getMetricData(request, options),
    filterLogEvents: (request, options) => backend.filterLogEvents(request, options),
    close: () => backend.close(),
  };
  return { backend: wrapped, invoked };
}

async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isLambdaMcpError(error)) return error.code;
    throw error;
  }
  return 'resolved';
}

export interface ContractOptions {
  /** The backend cannot compute percentile statistics (moto). */
  noPercentiles?: boolean;
  /** Merged over CONTRACT_CONFIG. */
  config?: ConfigInput;
}

/** What makeBackend returns: a backend, or a backend with what else must be stopped (an emulator). */
export type ContractTarget = Backend | { backend: Backend; cleanup?: () => Promise<void> };

export function describeServicesContract(
  name: string,
  makeBackend: (dir: string) => Promise<ContractTarget> | ContractTarget,
  options: ContractOptions = {},
): void {
  describe(`services contract: ${name}`, () => {
    let dir: string;
    let services: Services;
    let invoked: BackendInvokeRequest[];
    let region: string;
    let account: string;
    let cleanup: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'lambda-mcp-contract-'));
      for (const fn of CONTRACT_FUNCTIONS) await writeContractFunction(dir, fn);
      const target = await makeBackend(dir);
      const real = 'backend' in target ? target.backend : target;
      cleanup = 'backend' in target ? target.cleanup : undefined;
      const counted = counting(real);
      invoked = counted.invoked;
      services = createServices({
        backend: counted.backend,
        config: { ...CONTRACT_CONFIG, ...options.config },
      });
      const catalog = await services.discovery.getCatalog();
      const arn = parseFunctionArn(catalog.functions[0]?.arn ?? '');
      region = arn?.region ?? 'unknown';
      account = arn?.accountId ?? 'unknown';
    });
    afterAll(async () => {
      await services?.close();
      await cleanup?.();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    describe('discovery', () => {
      it('lists the functions that pass the filters, sorted, with tags and schema ARNs', async () => {
        const catalog = await services.discovery.getCatalog();
        expect(catalog.functions.map((f) => f.name)).toEqual([
          'contract-echo',
          'contract-fail',
          'contract-slow',
          'contract-typed',
        ]);
        const echo = catalog.functions[0];
        expect(echo?.tags).toMatchObject({ MCPEnabled: 'true', team: 'a' });
        expect(echo).toMatchObject({
          description: 'Returns its event.',
          timeoutSeconds: 3,
          memorySizeMb: 128,
        });
        expect(echo?.arn).toMatch(/^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:contract-echo$/);
        const typed = catalog.functions[3];
        expect(typed?.inputSchemaArn).toMatch(/^arn:aws:schemas:/);
        expect(typed?.outputSchemaArn).toMatch(/^arn:aws:schemas:/);
        expect(catalog.functions[2]?.timeoutSeconds).toBe(1);
      });

      it('explains why a function was left out', async () => {
        const { excluded } = await services.discovery.explain();
        const hidden = excluded.find((e) => e.function.name === 'contract-hidden');
        expect(hidden?.reason).toBe('tag: needs MCPEnabled=true (has MCPEnabled=false)');
      });

      it('emits a change event only when a function really appears', async () => {
        const before = await services.discovery.refresh();
        const events: Catalog[] = [];
        const off = services.discovery.onChange((c) => events.push(c));
        const again = await services.discovery.refresh();
        expect(again.fingerprint).toBe(before.fingerprint);
        expect(events).toHaveLength(0);
        await writeContractFunction(dir, {
          name: 'contract-new',
          manifest: { tags: { MCPEnabled: 'true' } },
          code: 'exports.handler = async () => 1;\n',
        });
        await waitFor(
          async () => (await services.discovery.refresh()).functions.some((f) => f.name === 'contract-new'),
          10_000,
          'contract-new in the catalog',
        );
        off();
        expect(events).toHaveLength(1);
        expect(events[0]?.functions.map((f) => f.name)).toContain('contract-new');
        await rm(join(dir, 'contract-new'), { recursive: true, force: true });
        await waitFor(
          async () => !(await services.discovery.refresh()).functions.some((f) => f.name === 'contract-new'),
          10_000,
          'contract-new gone',
        );
      });
    });

    describe('the allowlist', () => {
      const hiddenSpellings = () => [
        'contract-hidden',
        `arn:aws:lambda:${region}:${account}:function:contract-hidden`,
        `${account}:function:contract-hidden`,
        'contract-hidden:$LATEST',
        'Contract-Echo',
        `arn:aws:lambda:${region}:999999999999:function:contract-echo`,
      ];
      it('refuses every spelling of a function outside the filters before anything runs', async () => {
        const before = invoked.length;
        for (const spelling of hiddenSpellings()) {
          expect(
            await errorCode(services.invocation.invoke({ functionName: spelling, payload: {} })),
            spelling,
          ).toBe('FUNCTION_NOT_ALLOWED');
        }
        for (const spelling of [' contract-echo', 'contract-ech\u043e', `contract-${'e'.repeat(60)}`]) {
          expect(
            await errorCode(services.invocation.invoke({ functionName: spelling, payload: {} })),
            spelling,
          ).toBe('INVALID_REQUEST');
        }
        expect(invoked.length).toBe(before);
      });

      it('accepts the allowed function by name, ARN and partial ARN', async () => {
        for (const spelling of [
          'contract-echo',
          `arn:aws:lambda:${region}:${account}:function:contract-echo`,
          `${account}:function:contract-echo`,
        ]) {
          const result = await services.invocation.invoke({
            functionName: spelling,
            payload: { via: spelling },
          });
          expect(result.payload).toMatchObject({ kind: 'json', value: { via: spelling } });
        }
      });
    });

    describe('invocation', () => {
      it('invokes synchronously with a decoded log tail and REPORT figures', async () => {
        const result = await services.invocation.invoke({
          functionName: 'contract-echo',
          payload: { hello: 'world' },
          logType: 'Tail',
        });
        expect(result).toMatchObject({
          functionName: 'contract-echo',
          invocationType: 'RequestResponse',
          statusCode: 200,
          executedVersion: '$LATEST',
        });
        expect(result.payload).toMatchObject({ kind: 'json', value: { hello: 'world' } });
        expect(result.functionError).toBeUndefined();
        expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
        const logs = result.logs ?? [];
        expect(logs.some((l) => l.startsWith(`START RequestId: ${result.requestId}`))).toBe(true);
        expect(logs.some((l) => l.includes('echo {"hello":"world"}'))).toBe(true);
        expect(logs.some((l) => l.startsWith(`END RequestId: ${result.requestId}`))).toBe(true);
        expect(result.report?.requestId).toBe(result.requestId);
        expect(result.report?.memorySizeMb).toBe(128);
        expect(result.report?.durationMs).toBeGreaterThanOrEqual(0);
        expect(result.report?.billedDurationMs).toBeGreaterThanOrEqual(
          Math.floor(result.report?.durationMs ?? 0),
        );
        expect(result.report?.maxMemoryUsedMb).toBeGreaterThan(0);
      });

      it('reports a thrown error as a function error with type, message and trace', async () => {
        const result = await services.invocation.invoke({ functionName: 'contract-fail', payload: {} });
        expect(result.statusCode).toBe(200);
        expect(result.functionError).toMatchObject({
          kind: 'Unhandled',
          errorType: 'Error',
          errorMessage: 'contract failure',
        });
        expect(result.functionError?.trace.length).toBeGreaterThan(0);
      });

      it('reports a timeout as Sandbox.Timedout', async () => {
        const result = await services.invocation.invoke({
          functionName: 'contract-slow',
          payload: {},
          logType: 'Tail',
        });
        expect(result.functionError?.errorType).toBe('Sandbox.Timedout');
        expect(result.functionError?.errorMessage).toContain('Task timed out after 1.00 seconds');
        expect(result.report?.status).toBe('timeout');
      });

      it('cancels an invocation in flight', async () => {
        const controller = new AbortController();
        const pending = services.invocation.invoke(
          { functionName: 'contract-slow', payload: {} },
          { signal: controller.signal },
        );
        setTimeout(() => controller.abort(), 100);
        expect(await errorCode(pending)).toBe('ABORTED');
      });

      it('accepts Event (202) and DryRun (204) invocations', async () => {
        const event = await services.invocation.invoke({
          functionName: 'contract-echo',
          invocationType: 'Event',
          payload: { async: true },
        });
        expect(event).toMatchObject({ statusCode: 202, payload: { kind: 'empty' } });
        const dry = await services.invocation.invoke({
          functionName: 'contract-echo',
          invocationType: 'DryRun',
          payload: {},
        });
        expect(dry).toMatchObject({ statusCode: 204, payload: { kind: 'empty' } });
      });

      it('refuses payloads over 6 MB (sync) and 1 MB (Event) before sending', async () => {
        const before = invoked.length;
        const big = (n: number) => `"${'x'.repeat(n - 2)}"`;
        expect(
          await errorCode(
            services.invocation.invoke({ functionName: 'contract-echo', rawPayload: big(6_291_457) }),
          ),
        ).toBe('PAYLOAD_TOO_LARGE');
        expect(
          await errorCode(
            services.invocation.invoke({
              functionName: 'contract-echo',
              invocationType: 'Event',
              rawPayload: big(1_048_577),
            }),
          ),
        ).toBe('PAYLOAD_TOO_LARGE');
        expect(invoked.length).toBe(before);
      });

      it('invokes many under a cap and reports every outcome', async () => {
        const outcomes = await services.invocation.invokeMany(
          [
            { functionName: 'contract-echo', payload: { n: 1 } },
            { functionName: 'contract-fail', payload: {} },
            { functionName: 'contract-hidden', payload: {} },
            { functionName: 'contract-typed', payload: { name: 'x', count: 9 } },
            { functionName: 'contract-echo', payload: { n: 2 } },
          ],
          { concurrency: 2 },
        );
        expect(
          outcomes.map((o) => (o.ok ? (o.result.functionError ? 'function-error' : 'ok') : o.error.code)),
        ).toEqual(['ok', 'function-error', 'FUNCTION_NOT_ALLOWED', 'INVALID_INPUT', 'ok']);
      });
    });

    describe('schemas', () => {
      it('hands out the input and output schemas and validates against them', async () => {
        const catalog = await services.discovery.getCatalog();
        const typed = catalog.functions.find((f) => f.name === 'contract-typed');
        if (!typed) throw new Error('contract-typed missing');
        const schemas = await services.schemas.getSchemas(typed);
        expect(schemas.problems).toEqual([]);
        expect(schemas.input?.dialect).toBe('2020-12');
        expect(schemas.input?.schema).toMatchObject({ type: 'object', required: ['name'] });
        expect(schemas.input?.source.kind).toBe('registry');
        expect(schemas.output?.schema).toMatchObject({ type: 'object', required: ['greeting'] });
        const before = invoked.length;
        const bad = await services.invocation
          .invoke({ functionName: 'contract-typed', payload: { count: 0, extra: true } })
          .catch((e: unknown) => e);
        expect(isLambdaMcpError(bad)).toBe(true);
        expect((bad as LambdaMcpError).code).toBe('INVALID_INPUT');
        expect(
          (((bad as LambdaMcpError).details?.errors ?? []) as { path: string }[]).map((e) => e.path).sort(),
        ).toEqual(['/count', '/extra', '/name']);
        expect(invoked.length).toBe(before);
        const ok = await services.invocation.invoke({
          functionName: 'contract-typed',
          payload: { name: 'ada', count: 2 },
        });
        expect(ok.payload).toMatchObject({ kind: 'json', value: { greeting: 'hello adahello ada' } });
        if (schemas.output && ok.payload.kind === 'json') {
          expect(services.schemas.validate(schemas.output, ok.payload.value)).toEqual({ valid: true });
        }
      });

      it('generates examples that validate and that the function accepts', async () => {
        const catalog = await services.discovery.getCatalog();
        const typed = catalog.functions.find((f) => f.name === 'contract-typed');
        if (!typed) throw new Error('contract-typed missing');
        const { input } = await services.schemas.getSchemas(typed);
        if (!input) throw new Error('no input schema');
        const examples = services.schemas.examples(input, 3);
        expect(examples.length).toBeGreaterThan(0);
        for (const example of examples) {
          expect(services.schemas.validate(input, example)).toEqual({ valid: true });
          const result = await services.invocation.invoke({
            functionName: 'contract-typed',
            payload: example,
          });
          expect(result.functionError).toBeUndefined();
        }
      });
    });

    describe('metrics and logs', () => {
      it('answers invocations, errors, durations and concurrency for a time range', async () => {
        for (let i = 0; i < 3; i++)
          await services.invocation.invoke({ functionName: 'contract-echo', payload: { i } });
        await services.invocation.invoke({ functionName: 'contract-fail', payload: {} });
        const end = new Date(Date.now() + 60_000);
        const start = new Date(end.getTime() - 15 * 60_000);
        const echo = await services.metrics.getMetrics({
          functionName: 'contract-echo',
          start,
          end,
          ...(options.noPercentiles
            ? { metrics: ['invocations', 'errors', 'throttles', 'concurrency'] }
            : {}),
        });
        expect(echo.periodSeconds).toBe(60);
        expect(echo.summary.invocations).toBeGreaterThanOrEqual(3);
        expect(echo.summary.errors).toBe(0);
        expect(echo.series.invocations?.length).toBeGreaterThan(0);
        if (!options.noPercentiles) {
          expect(echo.series.duration?.p50.length).toBeGreaterThan(0);
          expect(echo.summary.averageDurationMs).toBeGreaterThanOrEqual(0);
          expect(echo.summary.maxConcurrency).toBeGreaterThanOrEqual(1);
        }
        const fail = await services.metrics.getMetrics({
          functionName: 'contract-fail',
          start,
          end,
          includeErrors: true,
          metrics: ['invocations', 'errors'],
        });
        expect(fail.summary.errors).toBeGreaterThanOrEqual(1);
        expect(fail.summary.errorRate).toBeGreaterThan(0);
        expect(
          fail.recentErrors?.some((e) => e.kind === 'error' && e.message.includes('contract failure')),
        ).toBe(true);
      });

      it('finds timeouts among the recent errors', async () => {
        const end = new Date(Date.now() + 60_000);
        const start = new Date(end.getTime() - 15 * 60_000);
        const slow = await services.metrics.getMetrics({
          functionName: 'contract-slow',
          start,
          end,
          includeErrors: true,
          metrics: ['errors'],
        });
        expect(slow.recentErrors?.some((e) => e.kind === 'timeout')).toBe(true);
      });

      it('reads a function’s recent log events', async () => {
        await services.invocation.invoke({ functionName: 'contract-echo', payload: { marker: 'log-me' } });
        const events = await services.metrics.getLogs({
          functionName: 'contract-echo',
          start: new Date(Date.now() - 15 * 60_000),
          limit: 200,
        });
        expect(events.some((e) => e.message.includes('"marker":"log-me"'))).toBe(true);
        expect(events.some((e) => e.message.startsWith('START RequestId:'))).toBe(true);
        for (let i = 1; i < events.length; i++) {
          expect(events[i]?.timestamp.getTime()).toBeGreaterThanOrEqual(
            events[i - 1]?.timestamp.getTime() ?? 0,
          );
        }
        expect(
          await errorCode(
            services.metrics.getLogs({
              functionName: 'contract-hidden',
              start: new Date(Date.now() - 60_000),
            }),
          ),
        ).toBe('FUNCTION_NOT_ALLOWED');
      });
    });
  });
}
