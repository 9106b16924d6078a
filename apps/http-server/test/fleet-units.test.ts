/**
 * The fleet modules on their own, against a real redis-server: sealed session ids, the fleet-wide
 * rate limit and per-caller call cap, one shared discovery per TTL, and falling back to per-replica
 * behaviour when Redis is not there.
 */
import type { Backend, FunctionConfig, Tags } from '@lambda-mcp/core';
import { silentLogger } from '@lambda-mcp/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallCap } from '../src/fleet/call-cap.js';
import { createFleetRateLimiter } from '../src/fleet/rate-limit.js';
import { createFleetRedis, type FleetRedis, redactRedisUrl } from '../src/fleet/redis.js';
import { createSessionCodec, type SessionState } from '../src/fleet/session-codec.js';
import { shareDiscovery } from '../src/fleet/shared-discovery.js';
import { createRateLimiter } from '../src/rate-limit.js';
import { waitFor } from './helpers.js';
import { freePort, type RedisServer, redisAvailable, startRedis } from './redis-server.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-the-fleet';
const STATE: SessionState = {
  protocolVersion: '2025-11-25',
  clientCapabilities: { roots: { listChanged: true }, elicitation: {} },
  clientInfo: { name: 'client', version: '1.2.3' },
  owner: 'token:alice',
  createdAt: 1_700_000_000_000,
};

describe('session codec', () => {
  const codec = createSessionCodec(SECRET);

  it('seals the state into a visible-ASCII id any holder of the secret can open', () => {
    const id = codec.encode(STATE);
    expect(id).toMatch(/^[\x21-\x7e]+$/);
    expect(id).not.toContain('alice');
    expect(createSessionCodec(SECRET).decode(id)).toEqual(STATE);
    // A fresh IV per id: the same state never gives the same id twice.
    expect(codec.encode(STATE)).not.toBe(id);
  });

  it('refuses ids sealed with another secret, altered ids and garbage', () => {
    const id = codec.encode(STATE);
    expect(createSessionCodec(`${SECRET}-other`).decode(id)).toBeUndefined();
    const body = id.slice(3);
    const flipped = `s1.${body.slice(0, 20)}${body[20] === 'A' ? 'B' : 'A'}${body.slice(21)}`;
    expect(codec.decode(flipped)).toBeUndefined();
    for (const bad of ['', 's1.', 's1.!!!!', randomUuid(), 'x'.repeat(5000), `s1.${'A'.repeat(40)}`]) {
      expect(codec.decode(bad)).toBeUndefined();
    }
  });

  it('keeps ids small when a client sends huge capabilities', () => {
    const id = codec.encode({ ...STATE, clientCapabilities: { experimental: { blob: 'x'.repeat(10_000) } } });
    expect(id.length).toBeLessThan(4096);
    expect(codec.decode(id)?.clientCapabilities).toEqual({ experimental: {} });
  });

  it('refuses a short secret with a message naming the setting', () => {
    expect(() => createSessionCodec('short')).toThrow(/LAMBDA_MCP_SESSION_SECRET.*at least 32/);
  });
});

function randomUuid(): string {
  return '3f1c2a4e-8b9d-4c1e-9f0a-1b2c3d4e5f60';
}

describe.runIf(redisAvailable() || !process.env.LAMBDA_MCP_SKIP_REDIS_TESTS)('with a real Redis', () => {
  let server: RedisServer;
  const clients: FleetRedis[] = [];
  const connect = async (prefix: string) => {
    const r = await createFleetRedis({ url: server.url, logger: silentLogger, keyPrefix: prefix });
    clients.push(r);
    return r;
  };

  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server?.stop();
  });

  it('counts one rate limit for three replicas: a caller gets N, not 3N', async () => {
    const N = 12;
    const replicas = await Promise.all([1, 2, 3].map(() => connect('rl-test:')));
    const limiters = replicas.map((redis) =>
      createFleetRateLimiter({
        redis,
        local: createRateLimiter({ requestsPerMinute: N, burst: N }),
        requestsPerMinute: N,
        burst: N,
      }),
    );
    let allowed = 0;
    for (let i = 0; i < 3 * N; i++) {
      const d = await (limiters[i % 3] as (typeof limiters)[0]).take('token:bob');
      if (d.allowed) allowed += 1;
      else expect(d.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }
    // N from the burst, plus at most one refilled in the time the loop took (N a minute).
    expect(allowed).toBeGreaterThanOrEqual(N);
    expect(allowed).toBeLessThanOrEqual(N + 1);
    // Another caller has its own bucket.
    expect((await (limiters[0] as (typeof limiters)[0]).take('token:carol')).allowed).toBe(true);
  });

  it('caps calls in flight per caller across replicas, and frees a dead replica’s slots when its lease ends', async () => {
    const [a, b] = await Promise.all([connect('cc-test:'), connect('cc-test:')]);
    const capA = createCallCap({ max: 2, redis: a as FleetRedis, replicaId: 'A', leaseMs: 600 });
    const capB = createCallCap({ max: 2, redis: b as FleetRedis, replicaId: 'B', leaseMs: 600 });
    const s1 = await capA.acquire('token:dave');
    const s2 = await capB.acquire('token:dave');
    expect(s1.ok && s2.ok).toBe(true);
    expect(await capA.acquire('token:dave')).toEqual({ ok: false, max: 2 });
    expect(await capB.acquire('token:dave')).toEqual({ ok: false, max: 2 });
    expect((await capB.acquire('token:erin')).ok).toBe(true);
    if (s2.ok) s2.release();
    await waitFor(async () => (await capB.acquire('token:dave')).ok, 3000, 'a released slot');
    // Replica A "dies": its lease is no longer renewed; the slot frees itself after leaseMs.
    await (a as FleetRedis).close();
    await waitFor(async () => (await capB.acquire('token:dave')).ok, 5000, 'the dead replica’s lease to end');
  });

  it('reads the backend once per TTL for the fleet; the others read the fleet’s copy', async () => {
    const calls = { list: 0, tags: 0 };
    const make = (): Backend =>
      ({
        kind: 'fake',
        region: 'us-east-1',
        scope: 'fake-scope',
        async listFunctions(): Promise<FunctionConfig[]> {
          calls.list += 1;
          await new Promise((r) => setTimeout(r, 150));
          return [{ name: 'f1', arn: 'arn:aws:lambda:us-east-1:1:function:f1' } as FunctionConfig];
        },
        async getTags(): Promise<Map<string, Tags>> {
          calls.tags += 1;
          return new Map([['arn:aws:lambda:us-east-1:1:function:f1', { team: 'a' }]]);
        },
      }) as unknown as Backend;
    const replicas = await Promise.all([1, 2, 3].map(() => connect('disc-test:')));
    const backends = replicas.map((redis) => {
      const backend = make();
      shareDiscovery(backend, { redis, logger: silentLogger, ttlMs: 1500, waitMs: 5000 });
      return backend;
    });
    const lists = await Promise.all(backends.map((b) => b.listFunctions()));
    expect(calls.list).toBe(1);
    for (const l of lists) expect(l.map((f) => f.name)).toEqual(['f1']);
    const tags = await Promise.all(
      backends.map((b) => b.getTags({ arns: ['arn:aws:lambda:us-east-1:1:function:f1'] })),
    );
    expect(calls.tags).toBe(1);
    expect(tags[2]?.get('arn:aws:lambda:us-east-1:1:function:f1')).toEqual({ team: 'a' });
    await Promise.all(backends.map((b) => b.listFunctions()));
    expect(calls.list).toBe(1);
    await new Promise((r) => setTimeout(r, 1600));
    await Promise.all(backends.map((b) => b.listFunctions()));
    expect(calls.list).toBe(2);
  });

  it('falls back to the replica’s own state at once when Redis is unreachable (never an error)', async () => {
    const port = await freePort(); // nothing listens there
    const logs: string[] = [];
    const logger = { ...silentLogger, warn: (m: string) => void logs.push(m), child: () => logger };
    const started = Date.now();
    const redis = await createFleetRedis({
      url: `redis://:hunter2@127.0.0.1:${port}`,
      logger: logger as typeof silentLogger,
      connectTimeoutMs: 500,
    });
    clients.push(redis);
    expect(redis.available).toBe(false);
    expect(logs.join('\n')).toMatch(/Redis is unreachable at start/);
    const limiter = createFleetRateLimiter({
      redis,
      local: createRateLimiter({ requestsPerMinute: 5, burst: 5 }),
      requestsPerMinute: 5,
      burst: 5,
    });
    let allowed = 0;
    for (let i = 0; i < 8; i++) if ((await limiter.take('k')).allowed) allowed += 1;
    expect(allowed).toBe(5);
    const cap = createCallCap({ max: 1, redis, replicaId: 'X' });
    expect((await cap.acquire('c')).ok).toBe(true);
    expect((await cap.acquire('c')).ok).toBe(false);
    let loads = 0;
    const backend = {
      scope: 's',
      listFunctions: async () => {
        loads += 1;
        return [];
      },
      getTags: async () => new Map(),
    } as unknown as Backend;
    shareDiscovery(backend, { redis, logger: silentLogger, ttlMs: 60_000 });
    await backend.listFunctions();
    expect(loads).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(redactRedisUrl(`redis://:hunter2@127.0.0.1:${port}`)).not.toContain('hunter2');
    expect(logs.join('\n')).not.toContain('hunter2');
  });
});
