/**
 * Secrets and payloads never appear in logs or error messages by default. Values are planted (an
 * AWS secret access key and session token in the environment, bearer tokens, payload field values)
 * and every byte the built bins write to stderr (logs and audit lines), every error result and
 * JSON-RPC error, every refused HTTP answer and /metrics are scanned for them.
 *
 * The bins run with their default log level and without --log-payloads, the AWS backend against
 * the AWS emulator serving the bundled example functions (signatures checked with the planted key).
 */
import { type Emulator, startEmulator } from '@lambda-mcp/aws-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectHttp,
  connectStdio,
  EXAMPLES_DIR,
  type HttpBin,
  type McpConnection,
  rawRequest,
  resultText,
  runCli,
  startHttpBin,
} from './support.js';

const SECRET_KEY = 'PLANTED-SECRET-KEY-4f1e9c0a7b3d';
const SESSION_TOKEN = 'PLANTED-SESSION-TOKEN-8a2b6c4d0e1f';
const WRONG_SECRET = 'PLANTED-WRONG-SECRET-5e6f7a8b9c0d';
const BEARER = 'PLANTED-BEARER-TOKEN-0123456789abcdef';
const WRONG_BEARER = 'PLANTED-WRONG-BEARER-fedcba9876543210';
const PAYLOAD = 'PLANTED-PAYLOAD-c0ffee1234';
const PLANTED = [SECRET_KEY, SESSION_TOKEN, WRONG_SECRET, BEARER, WRONG_BEARER, PAYLOAD];

let emulator: Emulator;
/** Everything scanned: [where, text]. */
const captured: Array<[string, string]> = [];

function awsEnv(secret = SECRET_KEY): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ACCESS_KEY_ID: 'AKIDPLANTED',
    AWS_SECRET_ACCESS_KEY: secret,
    AWS_SESSION_TOKEN: SESSION_TOKEN,
    FUNCTION_TAG_KEY: 'MCPEnabled',
    FUNCTION_TAG_VALUE: 'true',
  };
}

beforeAll(async () => {
  emulator = await startEmulator({
    functionsDir: EXAMPLES_DIR,
    verifySignatures: { AKIDPLANTED: SECRET_KEY },
  });
});

afterAll(async () => {
  await emulator?.close();
});

/** Calls that carry the planted payload and end in every kind of refusal or failure. */
async function provoke(conn: McpConnection, where: string): Promise<void> {
  const calls: Array<{ name: string; arguments: Record<string, unknown> }> = [
    { name: 'echo', arguments: { secret_note: PAYLOAD } },
    { name: 'always_fails', arguments: { amount: 1, currency: 'EUR', note: PAYLOAD } },
    { name: 'data_processor', arguments: { data_source: PAYLOAD } },
    { name: 'data_processor', arguments: { data_source: 'sales-metrics', filters: { region: PAYLOAD } } },
    { name: 'data_processor', arguments: { data_source: 'sales-metrics', extra_field: PAYLOAD } },
    {
      name: 'data_processor',
      arguments: { data_source: 'sales-metrics', output_format: { nested: PAYLOAD } },
    },
    { name: 'invoke_function', arguments: { function_name: 'no-such-function', payload: { note: PAYLOAD } } },
    {
      name: 'invoke_function',
      arguments: { function_name: 'echo', payload: { big: PAYLOAD.repeat(700_000) } },
    },
    {
      name: 'invoke_function',
      arguments: {
        function_name: 'echo',
        invocation_type: 'Event',
        payload: { big: PAYLOAD.repeat(120_000) },
      },
    },
    {
      name: 'invoke_function',
      arguments: { function_name: 'data-processor', payload: { data_source: PAYLOAD } },
    },
    { name: 'invoke_function', arguments: { function_name: 'echo', payload: PAYLOAD } },
    {
      name: 'invoke_functions',
      arguments: {
        invocations: [
          { function_name: 'always-fails', payload: { note: PAYLOAD } },
          { function_name: 'data-processor', payload: { data_source: PAYLOAD } },
          { function_name: 'nope', payload: { note: PAYLOAD } },
        ],
      },
    },
    {
      name: 'get_function_schema',
      arguments: { function_name: 'no-such-function', include_examples: PAYLOAD },
    },
  ];
  for (const call of calls) {
    try {
      const result = await conn.client.callTool(call);
      // A successful echo returns the payload: that is the function's answer, not a leak.
      if (result.isError || call.name !== 'echo') {
        const text = resultText(result);
        if (result.isError) captured.push([`${where} ${call.name} error result`, text]);
      }
    } catch (error) {
      captured.push([`${where} ${call.name} JSON-RPC error`, String(error)]);
    }
  }
  // Unknown tools with the payload in their arguments. (Names of functions, tools and fields are
  // identifiers, not payload: error messages name them on purpose.)
  for (const name of ['nope', 'echo2']) {
    try {
      await conn.client.callTool({ name, arguments: { note: PAYLOAD } });
    } catch (error) {
      captured.push([`${where} unknown tool`, String(error)]);
    }
  }
}

/** Planted values found in what was captured since `from` (an index into `captured`). */
function findPlanted(from: number): string[] {
  const found: string[] = [];
  for (const [where, text] of captured.slice(from)) {
    for (const value of PLANTED) {
      const at = text.indexOf(value);
      if (at >= 0) found.push(`${value} in ${where}: …${text.slice(Math.max(0, at - 120), at + 60)}…`);
    }
  }
  return found;
}

describe('secrets and payloads never reach logs or error messages', () => {
  it('the stdio server (default log level)', async () => {
    const from = captured.length;
    const conn = await connectStdio([], awsEnv());
    try {
      const tools = (await conn.client.listTools()).tools.map((t) => t.name);
      expect(tools).toEqual(expect.arrayContaining(['echo', 'always_fails', 'data_processor']));
      await provoke(conn, 'stdio');
    } finally {
      await conn.close();
    }
    captured.push(['stdio stderr', conn.stderr()]);
    expect(conn.stderr()).toContain('"level":"info"');
    expect(findPlanted(from)).toEqual([]);
  });

  it('the stdio server whose AWS secret key is wrong (every AWS call fails with a signature error)', async () => {
    const from = captured.length;
    const conn = await connectStdio([], { ...awsEnv(WRONG_SECRET), LOG_LEVEL: 'debug' });
    try {
      const list = await conn.client.callTool({ name: 'list_functions', arguments: {} });
      captured.push(['wrong-secret list_functions', resultText(list)]);
      const call = await conn.client.callTool({
        name: 'invoke_function',
        arguments: { function_name: 'echo', payload: { note: PAYLOAD } },
      });
      captured.push(['wrong-secret invoke_function', resultText(call)]);
      expect(call.isError).toBe(true);
    } finally {
      await conn.close();
    }
    captured.push(['wrong-secret stdio stderr (debug)', conn.stderr()]);
    expect(conn.stderr()).toMatch(/signature|InvalidSignature|security token/i);
    expect(findPlanted(from)).toEqual([]);
  });

  it('the HTTP server: logs, audit lines, refused requests and metrics', async () => {
    const from = captured.length;
    const server: HttpBin = await startHttpBin([], {
      ...awsEnv(),
      LAMBDA_MCP_AUTH_TOKENS: `team=${BEARER}`,
      LOG_LEVEL: 'info',
    });
    try {
      const conn = await connectHttp(server.url, BEARER);
      try {
        await provoke(conn, 'http');
      } finally {
        await conn.close();
      }
      for (const authorization of [`Bearer ${WRONG_BEARER}`, `Basic ${WRONG_BEARER}`, WRONG_BEARER]) {
        const res = await rawRequest(server.url, {
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
          headers: { authorization },
        });
        expect(res.status).toBe(401);
        captured.push(['http 401', `${JSON.stringify(res.headers)} ${res.text}`]);
      }
      const metrics = await fetch(`${server.base}/metrics`).then((r) => r.text());
      captured.push(['http /metrics', metrics]);
      const health = await fetch(`${server.base}/health`).then((r) => r.text());
      captured.push(['http /health', health]);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    captured.push(['http stderr', server.stderr()]);
    // The audit lines were written (one per tool call), without arguments.
    expect(server.stderr()).toMatch(/"type":"audit"/);
    expect(server.stderr()).not.toMatch(/"arguments":/);
    expect(findPlanted(from)).toEqual([]);
  });

  it('the control: with --log-payloads the operator opted in, and the scan finds the payload', async () => {
    const server: HttpBin = await startHttpBin(['--log-payloads'], {
      ...awsEnv(),
      LAMBDA_MCP_AUTH_TOKENS: `team=${BEARER}`,
      LOG_LEVEL: 'info',
    });
    try {
      const conn = await connectHttp(server.url, BEARER);
      await conn.client.callTool({ name: 'echo', arguments: { secret_note: PAYLOAD } });
      await conn.close();
    } finally {
      await server.stop();
    }
    expect(server.stderr()).toContain(PAYLOAD);
    expect(server.stderr()).not.toContain(BEARER);
  });

  it('the CLI: errors on stderr, with and without --json', async () => {
    const from = captured.length;
    const env = awsEnv();
    const runs = await Promise.all([
      runCli(['invoke', 'always-fails', '--payload', JSON.stringify({ note: PAYLOAD })], env),
      runCli(['invoke', 'data-processor', '--payload', JSON.stringify({ data_source: PAYLOAD })], env),
      runCli(['invoke', 'no-such-function', '--payload', JSON.stringify({ note: PAYLOAD })], env),
      runCli(
        ['invoke', 'data-processor', '--json', '--payload', JSON.stringify({ data_source: PAYLOAD })],
        env,
      ),
      runCli(['invoke', 'echo', '--payload', `{"note":"${PAYLOAD}"`], env),
      runCli(['invoke', 'echo', '--logs', '--payload', JSON.stringify({ note: PAYLOAD })], {
        ...awsEnv(WRONG_SECRET),
      }),
      runCli(['doctor'], { ...awsEnv(WRONG_SECRET) }),
    ]);
    runs.forEach((r, i) => {
      expect(r.code, r.stderr).not.toBe(0);
      captured.push([`cli run ${i} stderr`, r.stderr]);
      // Failed runs print errors, not the payload, on stdout too.
      captured.push([`cli run ${i} stdout`, r.stdout]);
    });
    expect(findPlanted(from)).toEqual([]);
  });
});
