/**
 * Fault soak: 10,000 tool calls through the built HTTP server (5,000 stateful, 5,000 stateless),
 * its AWS backend pointed at the AWS emulator, which injects faults into Invoke from a seed: 10%
 * throttles (429 with Retry-After), 5% 5xx and 2% dropped connections (half of those after the
 * function ran, so its answer is lost), plus 1-11 ms of latency jitter.
 *
 * Proved for every call: an answer (a result or an isError result naming the failure) within its
 * timeout; the server process stays up; no call is lost; no synchronous invocation runs twice. The
 * function is a synthetic one of the emulator that counts executions per call id in this process.
 *
 * Faults are limited to Invoke: discovery is not the subject here (the SDK retries its reads).
 */
import { type Emulator, startEmulator } from '@lambda-mcp/aws-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRawClient,
  type HttpBin,
  nonLogLines,
  openSession,
  parseMessages,
  processWarnings,
  resultText,
  runPool,
  startHttpBin,
} from './support.js';

const CALLS_PER_MODE = 5_000;
const CONCURRENCY = 48;
const CALL_TIMEOUT_MS = 30_000;
const FUNCTION = 'soak-echo';
const SEED = 20_261_124;
const FAULTS = {
  throttleRate: 0.1,
  serverErrorRate: 0.05,
  dropRate: 0.02,
  latencyMs: 1,
  jitterMs: 10,
  retryAfterSeconds: 1,
  afterExecutionShare: 0.5,
  operations: ['Invoke'],
};

interface CallOutcome {
  id: string;
  kind: 'success' | 'tool-error' | 'rpc-error' | 'transport-error';
  text: string;
  ms: number;
}

let emulator: Emulator;
/** Executions per call id, counted inside the function. */
const executed = new Map<string, number>();

beforeAll(async () => {
  emulator = await startEmulator({
    seed: SEED,
    synthetic: [
      {
        name: FUNCTION,
        description: 'Echo for the fault soak; counts executions per call id.',
        timeoutSeconds: 3,
        invoke: (event) => {
          const id = String((event as { id?: unknown }).id);
          executed.set(id, (executed.get(id) ?? 0) + 1);
          return event;
        },
      },
    ],
  });
});

afterAll(async () => {
  await emulator?.close();
});

function awsEnv(): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ACCESS_KEY_ID: 'AKIDSOAK',
    AWS_SECRET_ACCESS_KEY: 'soak-secret',
    AWS_REGION: 'us-east-1',
    LOG_LEVEL: 'info',
    LAMBDA_MCP_AUDIT_LOG: 'off',
  };
}

async function soak(mode: 'stateful' | 'stateless') {
  const server: HttpBin = await startHttpBin(
    [
      ...(mode === 'stateless' ? ['--stateless'] : []),
      '--rate-limit',
      '0',
      '--max-concurrent-invocations',
      '128',
      '--max-queued-invocations',
      '1024',
    ],
    awsEnv(),
  );
  const client = createRawClient(server.url, CONCURRENCY + 4);
  try {
    // A few sessions shared by the workers (stateful), or none (stateless).
    const sessions =
      mode === 'stateful' ? await Promise.all(Array.from({ length: 4 }, () => openSession(client))) : [];
    // Discovery through the emulator must be done before the soak: the tool must be listed.
    const list = await client.post(
      JSON.stringify({ jsonrpc: '2.0', id: 'list', method: 'tools/list' }),
      sessions[0] ?? {},
    );
    const tools = parseMessages(list.text)[0]?.result?.tools as Array<{ name: string }>;
    expect(tools.map((t) => t.name)).toContain('soak_echo');

    emulator.clearRequests();
    emulator.setFaults(FAULTS, SEED);
    const before = emulator.executions(FUNCTION);
    const prefix = `${mode}-`;
    const outcomes = await runPool(CALLS_PER_MODE, CONCURRENCY, async (i): Promise<CallOutcome> => {
      const id = `${prefix}${i}`;
      // Mostly the per-function tool; every tenth call through invoke_function.
      const params =
        i % 10 === 9
          ? { name: 'invoke_function', arguments: { function_name: FUNCTION, payload: { id } } }
          : { name: 'soak_echo', arguments: { id } };
      const body = JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params });
      const t0 = performance.now();
      try {
        const res = await client.post(body, sessions[i % 4] ?? {}, CALL_TIMEOUT_MS);
        const ms = performance.now() - t0;
        const messages = parseMessages(res.text);
        const answer = messages.find((m) => m.id === i);
        if (!answer)
          return { id, kind: 'transport-error', text: `${res.status} ${res.text.slice(0, 300)}`, ms };
        if (answer.error) return { id, kind: 'rpc-error', text: JSON.stringify(answer.error), ms };
        const text = resultText(answer.result);
        return { id, kind: answer.result?.isError === true ? 'tool-error' : 'success', text, ms };
      } catch (error) {
        return { id, kind: 'transport-error', text: String(error), ms: performance.now() - t0 };
      }
    });
    emulator.setFaults(undefined);

    // Every call answered, with a result or an isError result: no JSON-RPC error, no lost call.
    const unanswered = outcomes.filter((o) => o.kind === 'transport-error' || o.kind === 'rpc-error');
    expect(unanswered.slice(0, 5)).toEqual([]);
    expect(outcomes).toHaveLength(CALLS_PER_MODE);
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(CALL_TIMEOUT_MS);

    // A success carries the event back, and its call ran exactly once.
    const successes = outcomes.filter((o) => o.kind === 'success');
    for (const o of successes) {
      expect(o.text).toContain(o.id);
      expect(executed.get(o.id)).toBe(1);
    }
    // A failure names what happened (a code in brackets), never a bare crash.
    const failures = outcomes.filter((o) => o.kind === 'tool-error');
    for (const o of failures) expect(o.text).toMatch(/\[[A-Z_]+\]/);
    // Throttled calls never ran.
    for (const o of failures.filter((f) => f.text.includes('[THROTTLED]'))) {
      expect(executed.get(o.id) ?? 0).toBe(0);
    }

    // No synchronous invocation ran twice.
    const ids = outcomes.map((o) => o.id);
    const twice = ids.filter((id) => (executed.get(id) ?? 0) > 1);
    expect(twice).toEqual([]);

    // The emulator's own count: executions = Invoke requests that reached the function.
    const invokes = emulator.requests.filter((r) => r.operation === 'Invoke' && r.functionName === FUNCTION);
    const reached = invokes.filter((r) => r.fault === undefined || r.faultAfterExecution === true);
    const executions = emulator.executions(FUNCTION) - before;
    const executedHere = ids.reduce((n, id) => n + (executed.get(id) ?? 0), 0);
    expect(executions).toBe(reached.length);
    expect(executedHere).toBe(executions);
    expect(executions).toBeLessThanOrEqual(invokes.length);
    // Faults really happened, of every kind, and retries of throttles really took place.
    const kinds = new Set(invokes.map((r) => r.fault).filter(Boolean));
    expect([...kinds].sort()).toEqual(['drop', 'server-error', 'throttle']);
    expect(invokes.length).toBeGreaterThan(CALLS_PER_MODE);
    // Most calls succeed (throttles are retried); failures are about the injected share.
    expect(successes.length).toBeGreaterThan(CALLS_PER_MODE * 0.85);
    expect(failures.length).toBeGreaterThan(0);

    // The server is still up and answers a normal call.
    expect(server.exitCode()).toBeNull();
    const after = await client.post(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 'after',
        method: 'tools/call',
        params: { name: 'soak_echo', arguments: { id: `${prefix}after` } },
      }),
      sessions[0] ?? {},
    );
    const answer = parseMessages(after.text)[0];
    expect(answer?.result?.isError).not.toBe(true);
    expect(executed.get(`${prefix}after`)).toBe(1);

    // What the server itself counted (its Prometheus metrics) agrees with what the clients saw.
    const metrics = await fetch(server.url.replace(/\/mcp$/, '/metrics')).then((r) => r.text());
    const counted = (outcome: string) =>
      Number(
        new RegExp(`^lambda_mcp_invocations_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(
          metrics,
        )?.[1] ?? 0,
      );
    expect(counted('success')).toBe(successes.length + 1);
    expect(counted('maybe_executed')).toBe(
      failures.filter((f) => f.text.includes('[MAYBE_EXECUTED]')).length,
    );

    const codes = new Map<string, number>();
    for (const o of failures) {
      const code = /\[([A-Z_]+)\]/.exec(o.text)?.[1] ?? '?';
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    const sorted = outcomes.map((o) => o.ms).sort((a, b) => a - b);
    console.log(
      `fault soak (${mode}): ${CALLS_PER_MODE} calls, ${successes.length} succeeded, ` +
        `${failures.length} isError (${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}); ` +
        `${invokes.length} Invoke requests, faults: ${['throttle', 'server-error', 'drop']
          .map((k) => `${k} ${invokes.filter((r) => r.fault === k).length}`)
          .join(', ')}; ${executions} executions; max call ${Math.round(sorted.at(-1) ?? 0)} ms`,
    );
  } finally {
    client.close();
    const code = await server.stop();
    // A clean, graceful exit after the soak: the server never crashed.
    expect(code).toBe(0);
    expect(nonLogLines(server.stderr())).toEqual([]);
    for (const w of processWarnings(server.stderr())) console.log(`http server warning: ${w}`);
  }
}

describe('fault soak through the HTTP server against the AWS emulator', () => {
  it('stateful: 5,000 calls, every one answered, none executed twice', async () => {
    await soak('stateful');
  }, 180_000);

  it('stateless: 5,000 calls, every one answered, none executed twice', async () => {
    await soak('stateless');
  }, 180_000);
});
