/**
 * The AWS backend (@lambda-mcp/core/aws) over the emulator: the real SDK clients, signing and
 * all, talking HTTP to 127.0.0.1. Discovery, tags, schemas, metrics, logs, credentials, endpoints.
 */

import type { Backend, FunctionConfig } from '@lambda-mcp/core';
import { type AwsBackend, createAwsBackend } from '@lambda-mcp/core/aws';
import { createLocalBackend } from '@lambda-mcp/core/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator, syntheticCatalog } from '../src/index.js';
import { CREDENTIALS, captureLogger, FUNCTIONS_DIR, REGION, withEnv } from './helpers.js';

async function failure(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

/** Most requests in flight at once among these records (from arrival time and duration). */
function maxOverlap(records: Array<{ time: number; durationMs?: number }>): number {
  const edges: Array<[number, number]> = [];
  for (const r of records) {
    edges.push([r.time, 1]);
    edges.push([r.time + (r.durationMs ?? 0), -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let max = 0;
  for (const [, d] of edges) {
    current += d;
    max = Math.max(max, current);
  }
  return max;
}

describe('AWS backend discovery over the emulator', () => {
  let emulator: Emulator;
  let backend: AwsBackend;
  const log = captureLogger();

  beforeAll(async () => {
    // The local runtime, with one function whose log group is custom (as LoggingConfig allows).
    const local = await createLocalBackend({
      dir: FUNCTIONS_DIR,
      syntheticFunctions: syntheticCatalog({
        count: 130,
        matching: 40,
        matchTags: { team: 'ai' },
        prefix: 'syn-',
      }),
    });
    const decorated: Backend = Object.assign(Object.create(local) as Backend, {
      listFunctions: async () =>
        (await local.listFunctions()).map((f: FunctionConfig) =>
          f.name === 'slow' ? { ...f, logGroup: '/custom/slow' } : f,
        ),
      getFunction: async (name: string, qualifier?: string) => {
        const f = await local.getFunction(name, qualifier);
        return f.name === 'slow' ? { ...f, logGroup: '/custom/slow' } : f;
      },
    });
    emulator = await startEmulator({ backend: decorated });
    backend = await createAwsBackend({
      region: REGION,
      endpoint: emulator.url,
      credentials: CREDENTIALS,
      logger: log.logger,
    });
  });
  afterAll(async () => {
    await backend.close();
    await emulator.close();
    await emulator.backend.close();
  });

  it('lists every function through all ListFunctions pages of 50', async () => {
    emulator.clearRequests();
    const functions = await backend.listFunctions();
    expect(functions).toHaveLength(135);
    const pages = emulator.requests.filter((r) => r.operation === 'ListFunctions');
    expect(pages).toHaveLength(3);
    expect(pages.every((r) => r.path === '/2015-03-31/functions')).toBe(true);
    const echo = functions.find((f) => f.name === 'echo');
    expect(echo).toMatchObject({
      arn: `arn:aws:lambda:us-east-1:${emulator.accountId}:function:echo`,
      runtime: 'nodejs22.x',
      timeoutSeconds: 3,
      memorySizeMb: 256,
      logGroup: '/aws/lambda/echo',
      logFormat: 'Text',
      version: '$LATEST',
    });
    expect(echo?.lastModified).toMatch(/\+0000$/);
    expect(echo?.tags).toBeUndefined();
    // LoggingConfig.LogGroup is taken as it is.
    expect(functions.find((f) => f.name === 'slow')?.logGroup).toBe('/custom/slow');
  });

  it('reads tags with GetResources (one call per 100 matching functions), never ListTags', async () => {
    const functions = await backend.listFunctions();
    emulator.clearRequests();
    const tags = await backend.getTags({
      arns: functions.map((f) => f.arn),
      tagFilters: [{ key: 'team', values: ['ai', 'core'] }],
    });
    expect(tags.size).toBe(41);
    expect(tags.get(`arn:aws:lambda:us-east-1:${emulator.accountId}:function:echo`)).toMatchObject({
      team: 'core',
    });
    const calls = emulator.requests.map((r) => r.operation);
    expect(calls).toEqual(['GetResources']);
    emulator.clearRequests();
    const and = await backend.getTags({
      arns: functions.map((f) => f.arn),
      tagFilters: [
        { key: 'team', values: ['ai', 'core'] },
        { key: 'MCPEnabled', values: ['true'] },
      ],
    });
    expect([...and.keys()].map((a) => a.split(':').pop())).toEqual(['echo']);
    emulator.clearRequests();
    const all = await backend.getTags({ arns: functions.map((f) => f.arn) });
    // Every tagged function (limited has no tags): two pages of GetResources.
    expect(all.size).toBe(134);
    expect(emulator.requests.map((r) => r.operation)).toEqual(['GetResources', 'GetResources']);
  });

  it('reads the hinted tag filters while listing, so discovery waits for no extra round trip', async () => {
    const hinted = await createAwsBackend({
      region: REGION,
      endpoint: emulator.url,
      credentials: CREDENTIALS,
      tagFiltersHint: [{ key: 'team', values: ['ai'] }],
    });
    emulator.setFaults({ latencyMs: 10 });
    try {
      emulator.clearRequests();
      const functions = await hinted.listFunctions();
      const lists = emulator.requests.filter((r) => r.operation === 'ListFunctions');
      const early = emulator.requests.filter((r) => r.operation === 'GetResources');
      expect(early).toHaveLength(1);
      expect(early[0]?.time ?? 0).toBeLessThan(lists.at(-1)?.time ?? 0);
      const seen = emulator.requests.length;
      const tags = await hinted.getTags({
        arns: functions.map((f) => f.arn),
        tagFilters: [{ key: 'team', values: ['ai'] }],
      });
      expect(tags.size).toBe(40);
      expect(emulator.requests.length).toBe(seen);
      // Other filters are read as always; the prefetch is used once.
      await hinted.getTags({
        arns: functions.map((f) => f.arn),
        tagFilters: [{ key: 'team', values: ['core'] }],
      });
      await hinted.getTags({
        arns: functions.map((f) => f.arn),
        tagFilters: [{ key: 'team', values: ['ai'] }],
      });
      expect(emulator.requests.length).toBe(seen + 2);
    } finally {
      emulator.setFaults(undefined);
      await hinted.close();
    }
  });

  it('reads a handful of functions with ListTags rather than paging the whole account', async () => {
    emulator.clearRequests();
    const arn = `arn:aws:lambda:us-east-1:${emulator.accountId}:function:echo`;
    const tags = await backend.getTags({ arns: [arn, `${arn.slice(0, -4)}fail`] });
    expect(tags.get(arn)).toMatchObject({ MCPEnabled: 'true' });
    expect(emulator.requests.map((r) => r.operation)).toEqual(['ListTags', 'ListTags']);
  });

  it('falls back to ListTags with bounded concurrency where GetResources is denied', async () => {
    const local = captureLogger();
    const denied = await createAwsBackend({
      region: REGION,
      endpoint: emulator.url,
      credentials: CREDENTIALS,
      logger: local.logger,
      tagsFallbackConcurrency: 4,
    });
    emulator.setDeny(['tag:GetResources']);
    emulator.setFaults({ latencyMs: 15 });
    try {
      const functions = await denied.listFunctions();
      emulator.clearRequests();
      const tags = await denied.getTags({
        arns: functions.map((f) => f.arn),
        tagFilters: [{ key: 'team', values: ['ai'] }],
      });
      // The fallback returns every function's tags; the caller applies the filters.
      expect([...tags.values()].filter((t) => t.team === 'ai')).toHaveLength(40);
      const listTags = emulator.requests.filter((r) => r.operation === 'ListTags');
      expect(listTags).toHaveLength(135);
      // Denied once as a lean read, then once more through the SDK, whose answer is the one used
      // (lean reads leave every error to the SDK: lean-reads.test.ts).
      expect(
        emulator.requests
          .filter((r) => r.operation === 'GetResources')
          .map((r) => (r.userAgent?.startsWith('aws-sdk-js/') ? 'sdk' : 'lean')),
      ).toEqual(['lean', 'sdk']);
      const overlap = maxOverlap(listTags);
      expect(overlap).toBeGreaterThan(1);
      expect(overlap).toBeLessThanOrEqual(4);
      expect(
        local.entries.filter((e) => e.level === 'warn' && e.message.includes('tag:GetResources')),
      ).toHaveLength(1);
      // Remembered: the next call goes straight to ListTags.
      emulator.clearRequests();
      await denied.getTags({ arns: functions.slice(0, 30).map((f) => f.arn), tagFilters: [{ key: 'team' }] });
      expect(emulator.requests.some((r) => r.operation === 'GetResources')).toBe(false);
    } finally {
      emulator.setDeny([]);
      emulator.setFaults(undefined);
      await denied.close();
    }
  });

  it('reports ACCESS_DENIED when both GetResources and ListTags are denied', async () => {
    const denied = await createAwsBackend({
      region: REGION,
      endpoint: emulator.url,
      credentials: CREDENTIALS,
    });
    emulator.setDeny(['tag:GetResources', 'lambda:ListTags']);
    try {
      const error = await failure(
        denied.getTags({
          arns: ['arn:aws:lambda:us-east-1:000000000000:function:echo'],
          tagFilters: [{ key: 'a' }],
        }),
      );
      expect(error.code).toBe('ACCESS_DENIED');
      expect(error.message).toContain('lambda:ListTags');
    } finally {
      emulator.setDeny([]);
      await denied.close();
    }
  });

  it('gets one function by name, ARN or alias, with tags and reserved concurrency', async () => {
    const alias = await backend.getFunction('echo', 'live');
    expect(alias.arn).toBe(`arn:aws:lambda:us-east-1:${emulator.accountId}:function:echo`);
    expect(alias.tags).toMatchObject({ MCPEnabled: 'true', team: 'core' });
    const limited = await backend.getFunction(
      `arn:aws:lambda:us-east-1:${emulator.accountId}:function:limited`,
    );
    expect(limited.reservedConcurrency).toBe(1);
    expect((await backend.getFunction('slow')).logGroup).toBe('/custom/slow');
    const missing = await failure(backend.getFunction('nope'));
    expect(missing.code).toBe('FUNCTION_NOT_FOUND');
    expect(missing.message).toContain('Function not found');
    const missingAlias = await failure(backend.getFunction('echo', 'nope'));
    expect(missingAlias.code).toBe('FUNCTION_NOT_FOUND');
  });

  it('describes registry schemas (latest or a version) and maps NotFoundException', async () => {
    const doc = await backend.describeSchema({ registryName: 'local', schemaName: 'analytics-input' });
    expect(doc.type).toBe('OpenApi3');
    expect(JSON.parse(doc.content).components.schemas.AnalyticsRequest.required).toEqual(['data_source']);
    expect(doc.schemaVersion).toBe('1');
    expect(doc.schemaArn).toBe(
      `arn:aws:schemas:us-east-1:${emulator.accountId}:schema/local/analytics-input`,
    );
    expect(doc.lastModified).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const v1 = await backend.describeSchema({
      registryName: 'local',
      schemaName: 'echo-input',
      schemaVersion: '1',
    });
    expect(v1.type).toBe('JSONSchemaDraft4');
    const missing = await failure(
      backend.describeSchema({ registryName: 'local', schemaName: 'echo-input', schemaVersion: '7' }),
    );
    expect(missing.code).toBe('SCHEMA_NOT_FOUND');
    expect(missing.message).toContain('local/echo-input version 7');
  });

  it('maps LastModified strings unchanged, both "+0000" and "Z" forms', async () => {
    const functions = await backend.listFunctions();
    expect(
      functions.every((f) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/.test(f.lastModified ?? '')),
    ).toBe(true);
  });

  it('has a scope that tells regions, endpoints, roles and keys apart and never holds the secret', async () => {
    const make = (extra: Record<string, unknown>) =>
      createAwsBackend({ region: REGION, endpoint: emulator.url, credentials: CREDENTIALS, ...extra });
    const same = await make({});
    const otherRegion = await make({ region: 'eu-west-1' });
    const otherKey = await make({
      credentials: { accessKeyId: 'AKIDOTHER', secretAccessKey: CREDENTIALS.secretAccessKey },
    });
    const otherSecret = await make({
      credentials: { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: 'other' },
    });
    const role = await make({ roleArn: 'arn:aws:iam::123456789012:role/reader' });
    const otherEndpoint = await make({ endpoint: 'http://127.0.0.1:1' });
    try {
      expect(same.scope).toBe(backend.scope);
      expect(otherSecret.scope).toBe(backend.scope);
      for (const b of [otherRegion, otherKey, role, otherEndpoint]) expect(b.scope).not.toBe(backend.scope);
      expect(otherRegion.scope.startsWith('aws:eu-west-1:')).toBe(true);
      for (const b of [same, otherRegion, otherKey, role]) {
        expect(b.scope).not.toContain(CREDENTIALS.secretAccessKey);
        expect(b.scope).not.toContain(CREDENTIALS.accessKeyId);
      }
    } finally {
      for (const b of [same, otherRegion, otherKey, otherSecret, role, otherEndpoint]) await b.close();
    }
  });

  it('follows AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> without an endpoint option', async () => {
    await withEnv(
      {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
        AWS_ENDPOINT_URL_LAMBDA: emulator.url,
        AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API: emulator.url,
        AWS_ACCESS_KEY_ID: 'AKIDFROMENV',
        AWS_SECRET_ACCESS_KEY: 'from-env',
        AWS_REGION: REGION,
      },
      async () => {
        const fromEnv = await createAwsBackend({});
        try {
          emulator.clearRequests();
          expect(await fromEnv.listFunctions()).toHaveLength(135);
          await fromEnv.getTags({
            arns: ['arn:aws:lambda:us-east-1:000000000000:function:echo'],
            tagFilters: [{ key: 'team' }],
          });
          expect(emulator.requests.map((r) => `${r.service}:${r.accessKeyId}`)).toContain(
            'tagging:AKIDFROMENV',
          );
          expect(fromEnv.region).toBe(REGION);
          expect(fromEnv.endpoints).toMatchObject({ all: 'http://127.0.0.1:1', lambda: emulator.url });
          // Logs were not overridden: AWS_ENDPOINT_URL (a closed port) applies to them.
          const logs = await failure(fromEnv.filterLogEvents({ logGroupName: '/aws/lambda/echo' }));
          expect(logs.code).toBe('BACKEND_UNAVAILABLE');
          expect(logs.message).toContain('ECONNREFUSED');
        } finally {
          await fromEnv.close();
        }
      },
    );
  });

  it('assumes the configured role through STS and signs every call with the role credentials', async () => {
    const withRole = await createAwsBackend({
      region: REGION,
      endpoint: emulator.url,
      credentials: CREDENTIALS,
      roleArn: 'arn:aws:iam::123456789012:role/lambda-mcp-invoker',
      roleExternalId: 'ext-1',
      roleSessionName: 'lambda-mcp-test',
    });
    try {
      emulator.clearRequests();
      await withRole.listFunctions();
      const sts = emulator.requests.filter((r) => r.service === 'sts');
      expect(sts).toHaveLength(1);
      expect(sts[0]).toMatchObject({ operation: 'AssumeRole', accessKeyId: CREDENTIALS.accessKeyId });
      const lambda = emulator.requests.filter((r) => r.service === 'lambda');
      expect(lambda.length).toBeGreaterThan(0);
      for (const r of lambda) {
        expect(r.accessKeyId).toMatch(/^ASIA/);
        expect(r.assumedRoleArn).toBe('arn:aws:iam::123456789012:role/lambda-mcp-invoker');
      }
    } finally {
      await withRole.close();
    }
  });

  it('reports missing credentials clearly, at the first call, with how to fix it', async () => {
    await withEnv(
      {
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_PROFILE: undefined,
        AWS_REGION: REGION,
      },
      async () => {
        const none = await createAwsBackend({ endpoint: emulator.url });
        try {
          emulator.clearRequests();
          const error = await failure(none.listFunctions());
          expect(error.code).toBe('CREDENTIALS_MISSING');
          expect(error.message).toMatch(/^No AWS credentials found/);
          expect(error.message).toContain('AWS_PROFILE');
          expect(error.message).toContain('aws sso login');
          expect(error.message).toContain('AWS_ACCESS_KEY_ID');
          expect(emulator.requests).toHaveLength(0);
        } finally {
          await none.close();
        }
      },
    );
  });

  it('fails creation with a clear INVALID_CONFIG when no region is configured anywhere', async () => {
    await withEnv({ AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined }, async () => {
      const error = await failure(createAwsBackend({ credentials: CREDENTIALS }));
      expect(error.code).toBe('INVALID_CONFIG');
      expect(error.message).toContain('No AWS region configured');
      expect(error.message).toContain('AWS_REGION');
    });
  });

  it('signs requests that pass strict SigV4 verification, and a wrong secret is refused', async () => {
    const strict = await startEmulator({
      backend: emulator.backend,
      verifySignatures: { [CREDENTIALS.accessKeyId]: CREDENTIALS.secretAccessKey },
    });
    const good = await createAwsBackend({ region: REGION, endpoint: strict.url, credentials: CREDENTIALS });
    const bad = await createAwsBackend({
      region: REGION,
      endpoint: strict.url,
      credentials: { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: 'wrong' },
    });
    try {
      await good.listFunctions();
      await good.getTags({
        arns: ['arn:aws:lambda:us-east-1:000000000000:function:echo'],
        tagFilters: [{ key: 'team' }],
      });
      await good.invoke({
        functionName: 'echo:live',
        invocationType: 'RequestResponse',
        logType: 'Tail',
        payload: new TextEncoder().encode('{"message":"signed: ü & spaces"}'),
      });
      await good.getMetricData({
        queries: [
          {
            id: 'a',
            namespace: 'AWS/Lambda',
            metricName: 'Invocations',
            stat: 'Sum',
            dimensions: { FunctionName: 'echo' },
          },
        ],
        start: new Date(Date.now() - 3_600_000),
        end: new Date(),
        periodSeconds: 60,
      });
      await good.describeSchema({ registryName: 'local', schemaName: 'echo-input' });
      expect(strict.requests.length).toBeGreaterThanOrEqual(6);
      expect(strict.requests.every((r) => r.signatureValid === true)).toBe(true);
      const error = await failure(bad.listFunctions());
      expect(error.code).toBe('ACCESS_DENIED');
      expect(strict.requests.at(-1)?.signatureValid).toBe(false);
    } finally {
      await good.close();
      await bad.close();
      await strict.close();
    }
  });
});
