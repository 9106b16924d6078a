/**
 * A bound on every AWS wait (issue 10.4). The built servers, their AWS backend pointed at the AWS
 * emulator, which stalls requests (`stallRate`: never answered, the connection held open and
 * silent, as a stalled AWS endpoint or a black-holed route does):
 *
 * - a stalled first discovery: `list_functions` and `invoke_function` are answered within a bound
 *   with a clear, retryable error, nothing is invoked, and discovery is retried until it works;
 * - a stalled background refresh does not freeze the catalog: ListFunctions is sent again;
 * - a stalled Invoke is answered within the function's timeout plus the configured margin, and is
 *   not sent again (it may have run);
 * - `/ready` of the HTTP server says what is wrong (503 naming the discovery failure), and turns
 *   200 once discovery works.
 */
import { type Emulator, startEmulator } from '@lambda-mcp/aws-emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type HttpBin,
  resultText,
  STDIO_BIN,
  type StdioPeer,
  startHttpBin,
  startStdioPeer,
  waitFor,
} from './support.js';

const FUNCTION = 'bound-echo';

let emulator: Emulator;
let executions = 0;
const peers: StdioPeer[] = [];
const https: HttpBin[] = [];

beforeAll(async () => {
  emulator = await startEmulator({
    synthetic: [
      {
        name: FUNCTION,
        description: 'Echo for the time-bound tests; counts its executions.',
        timeoutSeconds: 1,
        invoke: (event) => {
          executions++;
          return event;
        },
      },
    ],
  });
});

afterEach(async () => {
  emulator.setFaults(undefined);
  for (const peer of peers.splice(0)) {
    peer.child.kill('SIGKILL');
    await peer.exited;
  }
  for (const bin of https.splice(0)) await bin.stop();
});

afterAll(async () => {
  await emulator?.close();
});

/** Short bounds so that the tests run in seconds (the defaults are documented in the settings). */
function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ACCESS_KEY_ID: 'AKIDBOUNDS',
    AWS_SECRET_ACCESS_KEY: 'bounds-secret',
    LAMBDA_MCP_AWS_CONNECT_TIMEOUT_MS: '1000',
    LAMBDA_MCP_AWS_REQUEST_TIMEOUT_MS: '500',
    LAMBDA_MCP_DISCOVERY_TIMEOUT: '3',
    LAMBDA_MCP_INVOKE_TIMEOUT_MARGIN_MS: '1000',
    ...extra,
  };
}

async function stdio(extra: Record<string, string> = {}): Promise<StdioPeer> {
  const peer = startStdioPeer([STDIO_BIN], env(extra));
  peers.push(peer);
  const init = await peer.request(
    'initialize',
    { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bounds', version: '1' } },
    15_000,
  );
  expect(init.result).toBeDefined();
  peer.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  return peer;
}

async function callTool(peer: StdioPeer, name: string, args: Record<string, unknown>, boundMs: number) {
  const started = performance.now();
  const answer = await peer.request('tools/call', { name, arguments: args }, boundMs);
  return {
    ms: performance.now() - started,
    isError: (answer.result as { isError?: boolean } | undefined)?.isError === true,
    text: resultText(answer.result as Record<string, unknown> | undefined),
    answer,
  };
}

const listFunctionsRequests = () => emulator.requests.filter((r) => r.operation === 'ListFunctions');

describe('a stalled AWS endpoint', () => {
  it('a stalled first discovery: calls are answered within the bound with a retryable error; discovery is retried', async () => {
    emulator.setFaults({ stallRate: 1, operations: ['ListFunctions'] });
    emulator.clearRequests();
    executions = 0;
    const peer = await stdio();

    for (const [tool, args] of [
      ['list_functions', {}],
      ['invoke_function', { function_name: FUNCTION, payload: { hi: 1 } }],
    ] as const) {
      // Discovery deadline 3 s; the answer must come well within 15 s (the old code never answered).
      const result = await callTool(peer, tool, args, 15_000);
      expect(result.isError, `${tool}: ${result.text}`).toBe(true);
      expect(result.text).toMatch(/TIMED_OUT|did not finish|timed out/i);
      expect(result.text).toMatch(/retry|try again/i);
    }
    expect(executions).toBe(0);
    expect(emulator.requests.filter((r) => r.operation === 'Invoke')).toHaveLength(0);
    // Discovery is tried again, not abandoned after the first stall.
    await waitFor(() => listFunctionsRequests().length >= 2, 15_000, 'ListFunctions to be sent again');

    // The endpoint recovers: discovery is retried and the function becomes callable, no restart.
    emulator.setFaults(undefined);
    const recovered = await waitFor(
      async () => {
        const r = await callTool(
          peer,
          'invoke_function',
          { function_name: FUNCTION, payload: { n: 2 } },
          10_000,
        );
        return r.isError ? undefined : r;
      },
      20_000,
      'invoke_function to work once the endpoint answers',
    );
    expect(recovered.text).toContain('"n"');
    expect(executions).toBe(1);
    expect(peer.corrupt).toEqual([]);
  });

  it('a stalled background refresh does not freeze the catalog: ListFunctions is sent again', async () => {
    emulator.clearRequests();
    const peer = await stdio({ LAMBDA_MCP_REFRESH_INTERVAL: '1', LAMBDA_MCP_CACHE_TTL: '1' });
    const listed = await callTool(peer, 'list_functions', {}, 15_000);
    expect(listed.isError, listed.text).toBe(false);
    expect(listed.text).toContain(FUNCTION);

    emulator.setFaults({ stallRate: 1, operations: ['ListFunctions'] });
    const stalled = await waitFor(
      () => emulator.requests.find((r) => r.operation === 'ListFunctions' && r.fault === 'stall'),
      15_000,
      'a refresh to stall',
    );
    // Served from the last catalog meanwhile, at once.
    const meanwhile = await callTool(peer, 'list_functions', {}, 5_000);
    expect(meanwhile.text).toContain(FUNCTION);
    // The stalled refresh is given up (its request ends) and refreshes go on.
    await waitFor(() => stalled.durationMs !== undefined, 15_000, 'the stalled refresh to be given up');
    emulator.setFaults(undefined);
    await waitFor(
      () => listFunctionsRequests().some((r) => r.seq > stalled.seq && r.status === 200),
      15_000,
      'a later refresh to be answered',
    );
    expect(peer.corrupt).toEqual([]);
  });

  it('a stalled Invoke is answered within the function timeout plus the margin, and never sent again', async () => {
    const peer = await stdio();
    const warm = await callTool(peer, 'list_functions', {}, 15_000);
    expect(warm.text).toContain(FUNCTION);
    emulator.setFaults({ stallRate: 1, operations: ['Invoke'], afterExecutionShare: 1 });
    emulator.clearRequests();
    executions = 0;
    // Function timeout 1 s + margin 1 s: answered in about 2 s (the old fixed 10 s margin: 11 s).
    const result = await callTool(
      peer,
      'invoke_function',
      { function_name: FUNCTION, payload: { x: 1 } },
      6_000,
    );
    expect(result.isError, result.text).toBe(true);
    expect(result.text).toMatch(/TIMED_OUT/);
    expect(result.text).toMatch(/may have run/);
    expect(emulator.requests.filter((r) => r.operation === 'Invoke')).toHaveLength(1);
    expect(executions).toBe(1);
  });
});

describe('/ready of the HTTP server', () => {
  it('says what is wrong while discovery fails, and turns ready once it works', async () => {
    emulator.setFaults({ stallRate: 1, operations: ['ListFunctions'] });
    const bin = await startHttpBin(['--stateless'], env());
    https.push(bin);
    const ready = async () => {
      const response = await fetch(`${bin.base}/ready`, { signal: AbortSignal.timeout(5_000) });
      return { status: response.status, body: await response.text() };
    };
    const notReady = await waitFor(
      async () => {
        const r = await ready();
        return r.status === 503 && /TIMED_OUT/.test(r.body) ? r : undefined;
      },
      15_000,
      '/ready to name the discovery failure',
    );
    const body = JSON.parse(notReady.body) as { ready: boolean; reason?: string };
    expect(body.ready).toBe(false);
    expect(body.reason).toMatch(/discovery/i);

    emulator.setFaults(undefined);
    await waitFor(
      async () => (await ready()).status === 200,
      20_000,
      '/ready to turn 200 once discovery works',
    );
  });
});
