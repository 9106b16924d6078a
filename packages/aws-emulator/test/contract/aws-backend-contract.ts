/**
 * One contract for the AWS backend, run against two independent implementations of the AWS wire
 * protocols: this package's emulator and moto (`moto_server`). Each target seeds the same
 * account (functions with tags, a function's invocations in metrics and logs) through its own
 * means, then the same assertions run through `createAwsBackend` and the real SDK clients.
 */
import { type AwsBackend, createAwsBackend } from '@lambda-mcp/core/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIALS, REGION } from '../helpers.js';

export interface ContractFunction {
  name: string;
  description: string;
  timeoutSeconds: number;
  memorySizeMb: number;
  tags: Record<string, string>;
}

/** What happened to the active function in the last minutes (seeded as the target allows). */
export interface ContractActivity {
  functionName: string;
  successes: number;
  errors: number;
}

export interface ContractTarget {
  endpoint: string;
  /** Creates the functions and the activity of one of them (metrics and log lines). */
  seed(functions: ContractFunction[], activity: ContractActivity): Promise<void>;
  /** Requests of an operation the target received, when it can tell (the emulator can; moto cannot). */
  countRequests?(operation: string): number;
  close(): Promise<void>;
}

export const CONTRACT_FUNCTIONS: ContractFunction[] = [
  ...Array.from({ length: 55 }, (_, i) => ({
    name: `contract-${String(i).padStart(2, '0')}`,
    description: `Contract function ${i}`,
    timeoutSeconds: 3 + (i % 5),
    memorySizeMb: 128 * (1 + (i % 3)),
    tags: (i % 5 === 0
      ? { team: 'ai', tier: 'gold' }
      : i % 5 === 1
        ? { team: 'ai', tier: 'silver' }
        : { team: 'web' }) as Record<string, string>,
  })),
  { name: 'contract-untagged', description: 'No tags', timeoutSeconds: 3, memorySizeMb: 128, tags: {} },
];
export const CONTRACT_ACTIVITY: ContractActivity = { functionName: 'contract-00', successes: 3, errors: 1 };

const names = (functions: ContractFunction[], keep: (f: ContractFunction) => boolean) =>
  functions
    .filter(keep)
    .map((f) => f.name)
    .sort();

const REPORT_LINE =
  /^REPORT RequestId: \S+\tDuration: \d+\.\d{2} ms\tBilled Duration: \d+ ms\tMemory Size: \d+ MB\tMax Memory Used: \d+ MB\t(Init Duration: \d+\.\d{2} ms\t)?/;

async function failure(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

/** Registers the contract's tests; `skip` names why the target is unavailable (a visible skip). */
export function describeAwsBackendContract(
  label: string,
  makeTarget: () => Promise<ContractTarget>,
  options: { skip?: string } = {},
): void {
  describe.skipIf(Boolean(options.skip))(`AWS backend contract: ${label}`, () => {
    let target: ContractTarget;
    let backend: AwsBackend;
    let arnOf: (name: string) => string;
    const since = new Date(Date.now() - 10 * 60_000);

    beforeAll(async () => {
      target = await makeTarget();
      await target.seed(CONTRACT_FUNCTIONS, CONTRACT_ACTIVITY);
      backend = await createAwsBackend({
        region: REGION,
        endpoint: target.endpoint,
        credentials: CREDENTIALS,
        // Without filters, always the Tagging API (so both targets answer GetResources).
        tagsSmallSetThreshold: 0,
      });
      const functions = await backend.listFunctions();
      const arns = new Map(functions.map((f) => [f.name, f.arn]));
      arnOf = (name) => arns.get(name) ?? `missing:${name}`;
    }, 120_000);
    afterAll(async () => {
      await backend?.close();
      await target?.close();
    });

    it('lists every function, all pages, with its configuration and log group', async () => {
      const functions = await backend.listFunctions();
      expect(functions.map((f) => f.name).sort()).toEqual(CONTRACT_FUNCTIONS.map((f) => f.name).sort());
      for (const expected of CONTRACT_FUNCTIONS) {
        const fn = functions.find((f) => f.name === expected.name);
        expect(fn).toMatchObject({
          description: expected.description,
          timeoutSeconds: expected.timeoutSeconds,
          memorySizeMb: expected.memorySizeMb,
          runtime: 'nodejs22.x',
          logGroup: `/aws/lambda/${expected.name}`,
        });
        expect(fn?.arn).toMatch(new RegExp(`^arn:aws:lambda:${REGION}:\\d{12}:function:${expected.name}$`));
        // AWS writes "+0000", moto "Z": both come through unchanged.
        expect(fn?.lastModified).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(\+0000|Z)$/);
      }
      if (target.countRequests) expect(target.countRequests('ListFunctions')).toBeGreaterThanOrEqual(2);
    });

    it('reads tags with GetResources: AND across keys, OR within values, key-only filters', async () => {
      const arns = CONTRACT_FUNCTIONS.map((f) => arnOf(f.name));
      const before = target.countRequests?.('ListTags') ?? 0;
      const both = await backend.getTags({
        arns,
        tagFilters: [
          { key: 'team', values: ['ai'] },
          { key: 'tier', values: ['gold', 'silver'] },
        ],
      });
      expect([...both.keys()].map((a) => a.split(':').pop()).sort()).toEqual(
        names(CONTRACT_FUNCTIONS, (f) => f.tags.team === 'ai'),
      );
      const gold = await backend.getTags({ arns, tagFilters: [{ key: 'tier', values: ['gold'] }] });
      expect([...gold.keys()].map((a) => a.split(':').pop()).sort()).toEqual(
        names(CONTRACT_FUNCTIONS, (f) => f.tags.tier === 'gold'),
      );
      expect(gold.get(arnOf('contract-05'))).toEqual({ team: 'ai', tier: 'gold' });
      const keyOnly = await backend.getTags({ arns, tagFilters: [{ key: 'tier' }] });
      expect(keyOnly.size).toBe(names(CONTRACT_FUNCTIONS, (f) => 'tier' in f.tags).length);
      const none = await backend.getTags({ arns, tagFilters: [{ key: 'team', values: ['nobody'] }] });
      expect(none.size).toBe(0);
      if (target.countRequests) expect(target.countRequests('ListTags')).toBe(before);
    });

    it('reads every tagged function without filters; untagged ones have none', async () => {
      const all = await backend.getTags({ arns: CONTRACT_FUNCTIONS.map((f) => arnOf(f.name)) });
      for (const f of CONTRACT_FUNCTIONS) {
        if (Object.keys(f.tags).length > 0) expect(all.get(arnOf(f.name))).toEqual(f.tags);
        else expect(all.get(arnOf(f.name)) ?? {}).toEqual({});
      }
    });

    it('gets one function with its tags, and FUNCTION_NOT_FOUND for a missing one', async () => {
      const fn = await backend.getFunction('contract-01');
      expect(fn.tags).toEqual({ team: 'ai', tier: 'silver' });
      expect(fn.memorySizeMb).toBe(256);
      const missing = await failure(backend.getFunction('contract-missing'));
      expect(missing.code).toBe('FUNCTION_NOT_FOUND');
      expect(missing.message).toMatch(/^Function not found: arn:aws:lambda:.+:function:contract-missing$/);
    });

    it('reads metric data (sums, maximum, average) ascending by time', async () => {
      const dims = { FunctionName: CONTRACT_ACTIVITY.functionName };
      const results = await backend.getMetricData({
        queries: [
          { id: 'inv', namespace: 'AWS/Lambda', metricName: 'Invocations', stat: 'Sum', dimensions: dims },
          { id: 'err', namespace: 'AWS/Lambda', metricName: 'Errors', stat: 'Sum', dimensions: dims },
          { id: 'dmax', namespace: 'AWS/Lambda', metricName: 'Duration', stat: 'Maximum', dimensions: dims },
          { id: 'davg', namespace: 'AWS/Lambda', metricName: 'Duration', stat: 'Average', dimensions: dims },
        ],
        start: since,
        end: new Date(Date.now() + 120_000),
        periodSeconds: 60,
      });
      const byId = Object.fromEntries(results.map((r) => [r.id, r]));
      const sum = (id: string) => (byId[id]?.values ?? []).reduce((a, b) => a + b, 0);
      expect(sum('inv')).toBe(CONTRACT_ACTIVITY.successes + CONTRACT_ACTIVITY.errors);
      expect(sum('err')).toBe(CONTRACT_ACTIVITY.errors);
      const max = Math.max(...(byId.dmax?.values ?? []));
      const avg = Math.max(...(byId.davg?.values ?? []));
      expect(max).toBeGreaterThan(0);
      expect(max).toBeGreaterThanOrEqual(avg);
      for (const r of results) {
        const times = r.timestamps.map((t) => t.getTime());
        expect([...times].sort((a, b) => a - b)).toEqual(times);
        expect(r.timestamps.length).toBe(r.values.length);
      }
      const quiet = await backend.getMetricData({
        queries: [
          {
            id: 'q',
            namespace: 'AWS/Lambda',
            metricName: 'Invocations',
            stat: 'Sum',
            dimensions: { FunctionName: 'contract-54' },
          },
        ],
        start: since,
        end: new Date(),
        periodSeconds: 60,
      });
      expect(quiet[0]?.values.reduce((a, b) => a + b, 0) ?? 0).toBe(0);
    });

    it('filters log events of the function log group: REPORT lines and error lines', async () => {
      const group = `/aws/lambda/${CONTRACT_ACTIVITY.functionName}`;
      const reports = await backend.filterLogEvents({
        logGroupName: group,
        start: since,
        filterPattern: '"REPORT RequestId"',
      });
      expect(reports.events.length).toBe(CONTRACT_ACTIVITY.successes + CONTRACT_ACTIVITY.errors);
      for (const e of reports.events) {
        expect(e.message).toMatch(REPORT_LINE);
        expect(e.timestamp.getTime()).toBeGreaterThanOrEqual(since.getTime());
        expect(e.logStreamName).toMatch(/\[\$LATEST\]/);
      }
      const errors = await backend.filterLogEvents({
        logGroupName: group,
        start: since,
        filterPattern: '"ERROR"',
      });
      expect(errors.events.length).toBeGreaterThanOrEqual(CONTRACT_ACTIVITY.errors);
      expect(errors.events.every((e) => e.message.includes('ERROR'))).toBe(true);
      const first = await backend.filterLogEvents({ logGroupName: group, start: since, limit: 1 });
      expect(first.events).toHaveLength(1);
      expect(first.nextToken).toBeTruthy();
      const missing = await failure(backend.filterLogEvents({ logGroupName: '/aws/lambda/contract-none' }));
      expect(missing.code).toBe('INVALID_REQUEST');
      expect(missing.message).toContain('log group does not exist');
    });
  });
}
