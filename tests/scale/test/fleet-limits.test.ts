/**
 * Limits hold across the fleet: three replicas behind nginx round-robin sharing Redis. A caller
 * limited to N requests a minute gets N through the fleet, not 3N; a caller capped at 2 calls in
 * flight gets 2 slots across the replicas, not 6.
 */
import { type Emulator, startEmulator } from '@lambda-mcp/aws-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, createClient, parseMessages } from './client.js';
import {
  createReplica,
  freePort,
  type Nginx,
  nginxAvailable,
  type Replica,
  redisAvailable,
  startNginx,
  startRedis,
  waitFor,
} from './fleet.js';

const N = 30;
const TOKEN = 'tok-limited-0123456789abcdef';
const CAPPED = 'tok-capped-0123456789abcdef';
const have = redisAvailable() && nginxAvailable();

let redis: Awaited<ReturnType<typeof startRedis>>;
let emulator: Emulator;
let nginx: Nginx;
let replicas: Replica[] = [];
let client: Client;
/** The slow function's calls wait for this gate (at most 20 s), so "in flight" holds on any machine. */
let gate: Promise<void> = Promise.resolve();
let openGate: () => void = () => {};

beforeAll(async () => {
  if (!have) return;
  redis = await startRedis();
  emulator = await startEmulator({
    synthetic: [
      {
        name: 'limit-slow',
        timeoutSeconds: 30,
        invoke: async () => {
          await Promise.race([gate, new Promise((r) => setTimeout(r, 20_000))]);
          return { ok: true };
        },
      },
    ],
  });
  const ports = await Promise.all([1, 2, 3].map(() => freePort()));
  const env = {
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ACCESS_KEY_ID: 'AKIDLIMIT',
    AWS_SECRET_ACCESS_KEY: 'limit-secret',
    AWS_REGION: 'us-east-1',
    LOG_LEVEL: 'warn',
    LAMBDA_MCP_AUDIT_LOG: 'off',
    LAMBDA_MCP_REDIS_URL: redis.url,
    LAMBDA_MCP_SESSION_SECRET: 'limits-suite-secret-0123456789-abcdefghijklmnop',
    LAMBDA_MCP_AUTH_TOKENS: `limited=${TOKEN},capped=${CAPPED}`,
  };
  const args = ['--rate-limit', String(N), '--rate-limit-burst', String(N), '--max-calls-per-caller', '2'];
  replicas = ports.map((port, i) => createReplica(i, port, args, env));
  await Promise.all(replicas.map((r) => r.start()));
  nginx = await startNginx(ports);
  client = createClient(16);
});

afterAll(async () => {
  client?.close();
  await nginx?.stop();
  await Promise.all(replicas.map((r) => r.stop()));
  await emulator?.close();
  await redis?.stop();
});

describe.runIf(have)('limits across three replicas behind nginx', () => {
  it('gives a caller limited to N requests a minute N through the fleet, not 3N', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const started = Date.now();
    let allowed = 0;
    let limited = 0;
    for (let i = 0; i < 3 * N; i++) {
      const answer = await client
        .post(nginx.url, { jsonrpc: '2.0', id: i, method: 'ping' }, auth)
        .catch(() => undefined);
      if (answer?.status === 429) limited += 1;
      else if (answer) allowed += 1;
    }
    const elapsedMinutes = (Date.now() - started) / 60_000;
    // Every request went through nginx to the three replicas in turn; together they allowed N
    // plus what the bucket refilled while the requests were sent (N a minute).
    console.log(
      `fleet rate limit: ${allowed} allowed, ${limited} refused of ${3 * N} in ${Math.round(elapsedMinutes * 60_000)} ms`,
    );
    expect(allowed).toBeGreaterThanOrEqual(N);
    expect(allowed).toBeLessThanOrEqual(N + Math.ceil(elapsedMinutes * N) + 1);
    expect(allowed).toBeLessThan(2 * N);
  });

  it('caps a caller’s calls in flight across the fleet', async () => {
    // Another caller (its own rate-limit bucket): 8 requests, well under N.
    const auth = { authorization: `Bearer ${CAPPED}` };
    const headers = await client.openSession(nginx.url, auth);
    // The admitted calls stay in flight until the refused ones are answered (or 20 s have passed,
    // when the cap let more through than it should): a loaded machine cannot let a call finish
    // and free its slot before the last request arrives.
    gate = new Promise<void>((r) => {
      openGate = r;
    });
    let answered = 0;
    const pending = Array.from({ length: 6 }, (_, i) =>
      client
        .post(
          nginx.url,
          {
            jsonrpc: '2.0',
            id: `slow-${i}`,
            method: 'tools/call',
            params: { name: 'limit_slow', arguments: {} },
          },
          headers,
        )
        .finally(() => {
          answered += 1;
        }),
    );
    await waitFor(() => answered >= 4, 20_000, 'the calls over the cap to be refused').catch(() => {});
    openGate();
    const calls = await Promise.all(pending);
    const ok = calls.filter(
      (c) => c.status === 200 && parseMessages(c.text).some((m) => m.result && !m.result.isError),
    );
    const capped = calls.filter((c) => c.status === 429 && /at most 2 per caller/.test(c.text));
    expect(ok).toHaveLength(2);
    expect(capped).toHaveLength(4);
  });
});
