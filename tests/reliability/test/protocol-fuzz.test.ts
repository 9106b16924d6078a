/**
 * Protocol fuzzing: 10,000 malformed or random JSON-RPC messages (seeded, so runs repeat) sent to
 * the built servers: 5,000 over stdio (the first batch before `initialize`), 2,500 over stateful
 * HTTP and 2,500 over stateless HTTP. Bad JSON, wrong types, huge strings, deep nesting, unknown
 * methods and tools, invalid cursors, notifications, stray responses, session-less requests.
 *
 * Every message gets what the spec says (a JSON-RPC error, a result, or nothing for notifications
 * and responses); nothing is ever answered twice or with a made-up id; after every batch a ping and
 * a tools/list are answered correctly; the processes stay up and exit cleanly.
 *
 * Params that fail the SDK's own request schema get -32602. Lines that are not JSON-RPC get -32700
 * (not JSON) or -32600 (not a JSON-RPC message) with a null id: over stdio from the stdio app, over
 * HTTP with status 400.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type FuzzMessage, fuzzMessage } from './fuzz-messages.js';
import {
  createRandom,
  createRawClient,
  EXAMPLES_DIR,
  type HttpBin,
  INITIALIZE,
  type JsonRpcMessage,
  nonLogLines,
  openSession,
  parseMessages,
  processWarnings,
  type RawClient,
  STDIO_BIN,
  startHttpBin,
  startStdioPeer,
  waitFor,
} from './support.js';

const SEED = 7_000_007;
const STDIO_MESSAGES = 5_000;
const HTTP_MESSAGES_PER_MODE = 2_500;
const BATCH = 100;
const TOOLS = ['echo', 'customer_lookup', 'always_fails', 'data_processor'];
/** slow-report takes seconds: random calls to it would only slow the run down. */
const SERVER_ENV = {
  LAMBDA_MCP_EXCLUDE: 'slow-report',
  LOG_LEVEL: 'warn',
  LAMBDA_MCP_AUDIT_LOG: 'off',
};

const stops: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  await Promise.allSettled(stops.map((s) => s()));
});

function kindsOf(messages: FuzzMessage[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of messages) counts[m.kind] = (counts[m.kind] ?? 0) + 1;
  return counts;
}

function checkValidAnswers(ping: JsonRpcMessage | undefined, list: JsonRpcMessage | undefined): void {
  expect(ping?.result).toEqual({});
  const tools = (list?.result?.tools ?? []) as Array<{ name: string }>;
  expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'invoke_function']));
}

describe('protocol fuzzing', () => {
  it('stdio: 5,000 malformed or random messages, each answered as the spec says, the server keeps serving', async () => {
    const r = createRandom(SEED);
    const peer = startStdioPeer([STDIO_BIN, '--local', EXAMPLES_DIR], SERVER_ENV);
    stops.push(async () => peer.child.kill('SIGKILL'));
    const sent: FuzzMessage[] = [];
    const sentinels: string[] = [];

    for (let start = 0; start < STDIO_MESSAGES; start += BATCH) {
      // Out of order: the first batch arrives before initialize.
      if (start === BATCH) {
        peer.send(JSON.stringify({ ...INITIALIZE, id: 'init' }));
        await waitFor(() => peer.responses.get('"init"'), 15_000, 'initialize');
        peer.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
      }
      for (let n = start; n < Math.min(start + BATCH, STDIO_MESSAGES); n++) {
        const m = fuzzMessage(r, n, { tools: TOOLS, hugeBytes: 1_000_000, idPrefix: 'stdio-' });
        sent.push(m);
        peer.send(m.text);
      }
      const ping = `s-ping-${start}`;
      const list = `s-list-${start}`;
      sentinels.push(ping, list);
      peer.send(JSON.stringify({ jsonrpc: '2.0', id: ping, method: 'ping' }));
      peer.send(JSON.stringify({ jsonrpc: '2.0', id: list, method: 'tools/list' }));
      await waitFor(
        () => peer.responses.get(JSON.stringify(ping)) && peer.responses.get(JSON.stringify(list)),
        15_000,
        `the valid ping and tools/list after message ${start + BATCH}`,
      );
      checkValidAnswers(
        peer.responses.get(JSON.stringify(ping))?.[0],
        peer.responses.get(JSON.stringify(list))?.[0],
      );
    }

    // Every request that must be answered is answered (bounded wait), then check everything.
    const mustAnswer = sent.filter(
      (m) => m.expect === 'result' || m.expect === 'error' || m.expect === 'answer',
    );
    await waitFor(
      () => mustAnswer.every((m) => peer.responses.has(JSON.stringify(m.id))),
      30_000,
      'answers to every fuzzed request',
    );
    expect(peer.corrupt).toEqual([]);
    // Lines that were not JSON were answered with -32700 (JSON-RPC 2.0), not dropped in silence.
    const parseErrors = (peer.responses.get('null') ?? []).filter((a) => a.error?.code === -32700).length;
    expect(parseErrors).toBeGreaterThanOrEqual(sent.filter((m) => m.kind === 'bad-json').length);
    const byId = new Map(sent.filter((m) => m.id !== undefined).map((m) => [JSON.stringify(m.id), m]));
    for (const [key, answers] of peer.responses) {
      if (key === '"init"' || sentinels.includes(JSON.parse(key) as string)) {
        expect(answers).toHaveLength(1);
        continue;
      }
      const m = byId.get(key);
      // An answer with an id nobody sent (or null) may only be an error for a message that was not JSON-RPC.
      if (!m) {
        for (const a of answers) {
          expect(a.error, `unexpected answer ${JSON.stringify(a).slice(0, 200)}`).toBeDefined();
          if (key === 'null') expect([-32700, -32600]).toContain(a.error?.code);
        }
        continue;
      }
      expect(answers, `${m.kind}: ${m.text.slice(0, 120)}`).toHaveLength(1);
      const answer = answers[0] as JsonRpcMessage;
      expect(answer.jsonrpc).toBe('2.0');
      const context = `${m.kind}: ${m.text.slice(0, 160)} -> ${JSON.stringify(answer).slice(0, 200)}`;
      if (m.expect === 'result') expect(answer.result, context).toBeDefined();
      if (m.expect === 'error') {
        expect(answer.error, context).toBeDefined();
        expect(m.codes, context).toContain(answer.error?.code);
      }
      if (m.expect === 'none') expect.fail(`a ${m.kind} was answered: ${context}`);
      if (m.expect === 'none-or-error') expect(answer.error, context).toBeDefined();
    }
    // Notifications and stray responses were not answered: every answer is accounted for above,
    // and each message expecting nothing had no id of its own in the answers.
    for (const m of sent.filter((x) => x.expect === 'none')) {
      const id = (JSON.parse(m.text) as { id?: unknown }).id;
      if (id !== undefined) expect(peer.responses.has(JSON.stringify(id))).toBe(false);
    }

    // Still serving, then a clean exit when stdin closes.
    expect(peer.child.exitCode).toBeNull();
    peer.child.stdin.end();
    expect(await peer.exited).toBe(0);
    // With many large answers waiting for the pipe, the SDK's stdio transport adds a 'drain'
    // listener per pending write and Node warns (MaxListenersExceededWarning): logged as JSON.
    expect(nonLogLines(peer.stderr())).toEqual([]);
    for (const w of processWarnings(peer.stderr())) console.log(`stdio server warning: ${w}`);
    console.log(`stdio fuzz: ${sent.length} messages ${JSON.stringify(kindsOf(sent))}`);
  }, 180_000);

  async function fuzzHttp(mode: 'stateful' | 'stateless', seed: number): Promise<void> {
    const server: HttpBin = await startHttpBin(
      [...(mode === 'stateless' ? ['--stateless'] : []), '--local', EXAMPLES_DIR, '--rate-limit', '0'],
      { ...SERVER_ENV, LOG_LEVEL: 'info' },
    );
    stops.push(server.stop);
    const client: RawClient = createRawClient(server.url, 16);
    const session = mode === 'stateful' ? await openSession(client) : {};
    const r = createRandom(seed);
    const sent: FuzzMessage[] = [];
    const problems: string[] = [];
    try {
      for (let start = 0; start < HTTP_MESSAGES_PER_MODE; start += BATCH) {
        const batch: FuzzMessage[] = [];
        for (let n = start; n < Math.min(start + BATCH, HTTP_MESSAGES_PER_MODE); n++) {
          batch.push(fuzzMessage(r, n, { tools: TOOLS, hugeBytes: 1_000_000, idPrefix: `${mode}-` }));
        }
        sent.push(...batch);
        // Some requests come without a session, or with one that does not exist (stateful only).
        const sessionless = mode === 'stateful' ? new Set(batch.filter(() => r.chance(0.03))) : new Set();
        const bogus = mode === 'stateful' ? new Set(batch.filter(() => r.chance(0.03))) : new Set();
        let next = 0;
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            while (next < batch.length) {
              const m = batch[next++] as FuzzMessage;
              const headers = sessionless.has(m)
                ? {}
                : bogus.has(m)
                  ? { ...session, 'mcp-session-id': 'no-such-session' }
                  : session;
              const res = await client.post(m.text, headers);
              const problem = checkHttpAnswer(
                m,
                res.status,
                res.text,
                mode,
                sessionless.has(m),
                bogus.has(m),
              );
              if (problem) problems.push(problem);
            }
          }),
        );
        const answers = await Promise.all([
          client.post(JSON.stringify({ jsonrpc: '2.0', id: 'ping', method: 'ping' }), session),
          client.post(JSON.stringify({ jsonrpc: '2.0', id: 'list', method: 'tools/list' }), session),
        ]);
        checkValidAnswers(parseMessages(answers[0].text)[0], parseMessages(answers[1].text)[0]);
      }
      expect(problems.slice(0, 10)).toEqual([]);
      expect(server.exitCode()).toBeNull();
      const health = await fetch(server.url.replace(/\/mcp$/, '/health'));
      expect(health.status).toBe(200);
      console.log(`http fuzz (${mode}): ${sent.length} messages ${JSON.stringify(kindsOf(sent))}`);
    } finally {
      client.close();
      expect(await server.stop()).toBe(0);
      expect(nonLogLines(server.stderr())).toEqual([]);
    }
  }

  it('HTTP stateful: 2,500 malformed or random messages, each refused or answered as the spec says', async () => {
    await fuzzHttp('stateful', SEED + 1);
  }, 180_000);

  it('HTTP stateless: 2,500 malformed or random messages, each refused or answered as the spec says', async () => {
    await fuzzHttp('stateless', SEED + 2);
  }, 180_000);
});

/** Returns a description of what is wrong with an HTTP answer to a fuzzed message, or undefined. */
function checkHttpAnswer(
  m: FuzzMessage,
  status: number,
  text: string,
  mode: 'stateful' | 'stateless',
  sessionless: boolean,
  bogus: boolean,
): string | undefined {
  const where = `${mode} ${m.kind} ${m.text.slice(0, 120)} -> ${status} ${text.slice(0, 200)}`;
  if (status >= 500) return `5xx: ${where}`;
  let messages: JsonRpcMessage[];
  try {
    messages = parseMessages(text);
  } catch {
    return `body is not JSON-RPC: ${where}`;
  }
  if (messages.some((x) => x.result !== undefined && x.id !== m.id)) return `result for another id: ${where}`;
  const errorOnly = (statuses: number[], codes: number[]): string | undefined => {
    const e = messages[0]?.error;
    if (!statuses.includes(status) || messages.length !== 1 || !e || !codes.includes(e.code)) {
      return `expected ${statuses.join('/')} with error ${codes.join('/')}: ${where}`;
    }
    return undefined;
  };
  // Not JSON or not JSON-RPC: refused before a session is looked up.
  if (m.expect === 'none-or-error') {
    if (status === 202 && text === '') return undefined; // e.g. a response-shaped object
    // Shaped like JSON-RPC but not valid MCP: the session is checked first when there is none.
    if (sessionless) return errorOnly([400], [-32700, -32600, -32000]);
    if (bogus) return errorOnly([400, 404], [-32700, -32600, -32001]);
    return errorOnly([400], [-32700, -32600]);
  }
  if (sessionless) return m.expect === 'none' ? errorOnly([400], [-32000]) : errorOnly([400], [-32000]);
  if (bogus) return errorOnly([404], [-32001]);
  if (m.expect === 'none')
    return status === 202 && text === '' ? undefined : `expected 202 and no body: ${where}`;
  const isInitialize = /"method":"initialize"/.test(m.text);
  // A second initialize in a session is refused (400, -32600) unless its params are already
  // invalid (then the SDK's params error, 200).
  if (mode === 'stateful' && isInitialize && status === 400) return errorOnly([400], [-32600]);
  if (status !== 200) return `expected 200: ${where}`;
  const answer = messages.find((x) => x.id === m.id);
  if (!answer || messages.filter((x) => x.id !== undefined).length !== 1)
    return `expected one answer: ${where}`;
  if (m.expect === 'result' && answer.result === undefined) return `expected a result: ${where}`;
  if (m.expect === 'error' && !(answer.error && m.codes?.includes(answer.error.code))) {
    return `expected error ${m.codes?.join('/')}: ${where}`;
  }
  return undefined;
}
