/**
 * Two replicas of the server in this process, on the bundled local functions, sharing a real
 * redis-server and a session secret: a session opened on one is served by the other, only for its
 * owner, ends everywhere on DELETE; a cancel sent to the other replica stops the call; Redis going
 * away leaves calls working with a note on /ready. (tests/scale runs the same through nginx with
 * three bin replicas and a SIGKILL.)
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS_DIR, INITIALIZE, post, type Started, start, waitFor } from './helpers.js';
import { type RedisServer, redisAvailable, startRedis } from './redis-server.js';

const SECRET = 'fleet-test-secret-0123456789-abcdefghijklmnop';
const TOKENS = 'alice=tok-alice-0123456789,bob=tok-bob-0123456789';
const ALICE = { authorization: 'Bearer tok-alice-0123456789' };
const BOB = { authorization: 'Bearer tok-bob-0123456789' };

let redis: RedisServer;
const running: Started[] = [];

async function replica(extra: string[] = [], env: Record<string, string> = {}): Promise<Started> {
  const s = await start(['--local', FUNCTIONS_DIR, '--rate-limit', '0', ...extra], {
    LAMBDA_MCP_AUTH_TOKENS: TOKENS,
    ...env,
  });
  running.push(s);
  return s;
}

async function fleetPair(env: Record<string, string> = {}) {
  const fleetEnv = { LAMBDA_MCP_REDIS_URL: redis.url, LAMBDA_MCP_SESSION_SECRET: SECRET, ...env };
  return Promise.all([replica([], fleetEnv), replica([], fleetEnv)]);
}

async function openSession(url: string, auth: Record<string, string>) {
  const init = await post(url, INITIALIZE, auth);
  expect(init.status).toBe(200);
  const id = init.headers.get('mcp-session-id') as string;
  const headers = { ...auth, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' };
  expect((await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers)).status).toBe(
    202,
  );
  return { id, headers };
}

function callEcho(id: number, value: string) {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { value } } };
}

const haveRedis = redisAvailable();

beforeAll(async () => {
  if (haveRedis) redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.shutdown('test')));
});
afterAll(async () => {
  await redis?.stop();
});

describe.runIf(redisAvailable() || !process.env.LAMBDA_MCP_SKIP_REDIS_TESTS)(
  'fleet: any replica serves any session',
  () => {
    it('serves a session opened on A from B, for its owner only', async () => {
      const [a, b] = await fleetPair();
      const { id, headers } = await openSession(a.url, ALICE);
      expect(id.startsWith('s1.')).toBe(true);
      const list = await post(b.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, headers);
      expect(list.status).toBe(200);
      const tools = (list.json() as { result: { tools: Array<{ name: string }> } }).result.tools;
      expect(tools.map((t) => t.name)).toContain('echo');
      const call = await post(b.url, callEcho(3, 'from-b'), headers);
      expect(call.status).toBe(200);
      expect(call.text).toContain('from-b');
      // Bob presenting Alice's session id: the session does not exist for him, on either replica.
      for (const r of [a, b]) {
        const stolen = await post(r.url, callEcho(4, 'x'), { ...headers, ...BOB });
        expect(stolen.status).toBe(404);
      }
      // A forged or altered id is unknown too.
      const altered = `${id.slice(0, -4)}${id.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
      expect((await post(b.url, callEcho(5, 'x'), { ...headers, 'mcp-session-id': altered })).status).toBe(
        404,
      );
    });

    it('ends the session everywhere on DELETE', async () => {
      const [a, b] = await fleetPair();
      const { headers } = await openSession(a.url, ALICE);
      expect((await post(b.url, callEcho(2, 'warm'), headers)).status).toBe(200);
      const del = await fetch(b.url, { method: 'DELETE', headers });
      expect(del.status).toBe(200);
      await waitFor(
        async () => (await post(a.url, callEcho(3, 'x'), headers)).status === 404,
        5000,
        'A to drop it',
      );
      expect((await post(b.url, callEcho(4, 'x'), headers)).status).toBe(404);
    });

    it('without the shared secret a session stays on the replica that opened it', async () => {
      const [a, b] = await Promise.all([replica(), replica()]);
      const { headers } = await openSession(a.url, ALICE);
      expect((await post(b.url, callEcho(2, 'x'), headers)).status).toBe(404);
      expect((await post(a.url, callEcho(3, 'x'), headers)).status).toBe(200);
    });

    it('stops a call on A when the cancel reaches B', async () => {
      const [a, b] = await fleetPair();
      const { headers } = await openSession(a.url, ALICE);
      // B knows the session before the cancel arrives (as it would behind a balancer).
      expect((await post(b.url, callEcho(2, 'x'), headers)).status).toBe(200);
      const controller = new AbortController();
      const slow = fetch(a.url, {
        method: 'POST',
        signal: controller.signal,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 'slow-1',
          method: 'tools/call',
          params: { name: 'slow_report', arguments: { seconds: 20 } },
        }),
      });
      const res = await slow;
      expect(res.status).toBe(200);
      await waitFor(() => a.runtime?.services && a.app?.activeCalls() === 1, 5000, 'the call to run on A');
      const cancel = await post(
        b.url,
        {
          jsonrpc: '2.0',
          method: 'notifications/cancelled',
          params: { requestId: 'slow-1', reason: 'test' },
        },
        headers,
      );
      expect(cancel.status).toBe(202);
      const line = await waitFor(
        () => a.audit.find((l) => l.tool === 'slow_report'),
        8000,
        'the audit line of the cancelled call on A',
      );
      expect(line?.outcome).toBe('cancelled');
      expect(b.audit.find((l) => l.tool === 'slow_report')).toBeUndefined();
      controller.abort();
    });

    it('shares the local backend’s invocation history: B reports what A ran', async () => {
      const [a, b] = await fleetPair();
      const { headers: onA } = await openSession(a.url, ALICE);
      const { headers: onB } = await openSession(b.url, ALICE);
      const monitor = async () => {
        const res = await post(
          b.url,
          {
            jsonrpc: '2.0',
            id: 9,
            method: 'tools/call',
            params: {
              name: 'monitor_executions',
              arguments: { function_name: 'echo', time_range: { start: '1h' } },
            },
          },
          onB,
        );
        const result = (
          res.json() as { result: { structuredContent?: { summary?: { invocations?: number } } } }
        ).result;
        return result.structuredContent?.summary?.invocations ?? 0;
      };
      const before = await monitor();
      for (let i = 0; i < 3; i++)
        expect((await post(a.url, callEcho(20 + i, `hist-${i}`), onA)).status).toBe(200);
      await waitFor(async () => (await monitor()) >= before + 3, 8000, 'B to count the invocations A ran');
    });

    it('keeps answering when Redis goes away, with a note on /ready', async () => {
      const own = await startRedis();
      const fleetEnv = { LAMBDA_MCP_REDIS_URL: own.url, LAMBDA_MCP_SESSION_SECRET: SECRET };
      const a = await replica(['--rate-limit', '1000'], fleetEnv);
      const { headers } = await openSession(a.url, ALICE);
      const ready = (await (await fetch(`${a.base}/ready`)).json()) as {
        fleet: { redis: { connected: boolean } };
      };
      expect(ready.fleet.redis.connected).toBe(true);
      await own.stop();
      await waitFor(
        async () => {
          const r = (await (await fetch(`${a.base}/ready`)).json()) as {
            ready: boolean;
            fleet: { redis: { connected: boolean; note?: string } };
          };
          return r.ready && !r.fleet.redis.connected && /per replica/.test(r.fleet.redis.note ?? '');
        },
        8000,
        '/ready to note that Redis is gone',
      );
      for (let i = 0; i < 5; i++) {
        const call = await post(a.url, callEcho(10 + i, `still-${i}`), headers);
        expect(call.status).toBe(200);
        expect(call.text).toContain(`still-${i}`);
      }
      expect(a.logs.join('')).toMatch(/Redis is unreachable/);
    });
  },
);
