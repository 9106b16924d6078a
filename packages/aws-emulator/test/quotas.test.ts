/**
 * Lambda's control-plane quotas in the emulator (15 requests per second for ListFunctions and most
 * control-plane calls, 100 for GetFunction), answered as AWS does, and discovery under them:
 * 10,000 functions, and three discoveries of one account at once, complete without a failure.
 */
import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsBackend } from '../../core/src/aws/index.js';
import { type Emulator, LAMBDA_CONTROL_PLANE_RPS, startEmulator, syntheticCatalog } from '../src/index.js';
import { CREDENTIALS, REGION, sdkClients } from './helpers.js';

describe('control-plane quotas', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({
      synthetic: syntheticCatalog({ count: 10_000, matching: 0 }),
      quotas: true,
    });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('over the quota: 429 TooManyRequestsException, Type User, Reason CallerRateLimitExceeded', async () => {
    // A small account, so that the requests arrive within about a second even on a loaded machine.
    const quick = await startEmulator({
      synthetic: syntheticCatalog({ count: 5, matching: 0 }),
      quotas: true,
    });
    const clients = sdkClients(quick.url);
    try {
      const started = performance.now();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 80 }, () => clients.lambda.send(new ListFunctionsCommand({ MaxItems: 1 }))),
      );
      const refused = outcomes
        .filter((o) => o.status === 'rejected')
        .map((o) => (o as PromiseRejectedResult).reason);
      const seconds = (performance.now() - started) / 1000;
      // One second's worth passes at once (the bucket), then 15 per second; the rest is refused.
      const passed = outcomes.length - refused.length;
      expect(refused.length).toBeGreaterThan(0);
      expect(passed).toBeGreaterThanOrEqual(LAMBDA_CONTROL_PLANE_RPS);
      expect(passed).toBeLessThanOrEqual(Math.ceil(LAMBDA_CONTROL_PLANE_RPS * (1 + seconds)) + 1);
      const e = refused[0] as Record<string, unknown>;
      expect(e.name).toBe('TooManyRequestsException');
      expect((e.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(429);
      expect(e.Reason).toBe('CallerRateLimitExceeded');
      expect(e.Type).toBe('User');
      expect(e.message).toBe('Rate exceeded');
      expect(quick.quotaThrottles.controlPlane).toBe(refused.length);
    } finally {
      clients.destroy();
      await quick.close();
    }
  });

  it('discovery of 10,000 functions under the quota completes (throttles waited out)', async () => {
    emulator.setQuotas(true);
    await new Promise((r) => setTimeout(r, 1_100)); // a full bucket
    const backend = await createAwsBackend({
      endpoint: emulator.url,
      region: REGION,
      credentials: CREDENTIALS,
    });
    try {
      const all = await backend.listFunctions();
      expect(all).toHaveLength(10_000);
      expect(emulator.quotaThrottles.controlPlane).toBeGreaterThan(0);
    } finally {
      await backend.close();
    }
  }, 120_000);

  it('three discoveries of one account at once do not fail each other', async () => {
    // 2,000 functions, 40 pages each: 120 pages at 15 per second, about 8 s (the benchmark runs
    // three server processes against 10,000).
    const small = await startEmulator({
      synthetic: syntheticCatalog({ count: 2_000, matching: 0 }),
      quotas: true,
    });
    const backends = await Promise.all(
      [1, 2, 3].map(() =>
        createAwsBackend({ endpoint: small.url, region: REGION, credentials: CREDENTIALS }),
      ),
    );
    try {
      const lists = await Promise.all(backends.map((b) => b.listFunctions()));
      for (const list of lists) expect(list).toHaveLength(2_000);
      expect(small.quotaThrottles.controlPlane).toBeGreaterThan(0);
    } finally {
      await Promise.all(backends.map((b) => b.close()));
      await small.close();
    }
  }, 120_000);
});
