/**
 * A qualifier the caller may not use must be indistinguishable from one that does not exist
 * (issue 10, item 2, for versions and aliases).
 *
 * `data-processor` is visible to the caller, its alias `live` is denied (a token policy
 * `["*", "!data-processor:live"]`, or the operator's LAMBDA_MCP_EXCLUDE), and `ghost` is an alias
 * that does not exist. Every spelling of `data-processor` + `live` must get, on every path that
 * takes a qualifier, exactly the answer the same spelling with `ghost` gets: invoke_function (every
 * invocation type), invoke_functions, monitor_executions and get_function_schema over HTTP and
 * stdio, and the CLI's invoke, monitor and schema. Nothing about `live` may reach the backend.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@lambda-mcp/aws-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectHttp,
  connectStdio,
  EXAMPLES_DIR,
  type HttpBin,
  type McpConnection,
  resultText,
  runCli,
  startHttpBin,
} from './support.js';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const TOKEN = 'qualifier-token-0123456789abcdef012345';
const arn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const partial = (name: string) => `${ACCOUNT}:function:${name}`;

/** A payload data-processor's input schema accepts. */
const VALID = { data_source: 'sales-metrics' };

type Target = { function_name: string; qualifier?: string };

/** Every spelling of data-processor with the qualifier Q (replaced by `live` or `ghost`). */
const SPELLINGS: Target[] = [
  { function_name: 'data-processor', qualifier: 'Q' },
  { function_name: 'data-processor:Q' },
  { function_name: `${arn('data-processor')}:Q` },
  { function_name: `${partial('data-processor')}:Q` },
  { function_name: arn('data-processor'), qualifier: 'Q' },
  { function_name: partial('data-processor'), qualifier: 'Q' },
];

function spelled(target: Target, qualifier: string): Target {
  return JSON.parse(
    JSON.stringify(target).replaceAll(':Q', `:${qualifier}`).replace('"Q"', `"${qualifier}"`),
  );
}

let emulator: Emulator;
let http: HttpBin;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ region: REGION, accountId: ACCOUNT, functionsDir: EXAMPLES_DIR });
  dir = mkdtempSync(join(tmpdir(), 'lambda-mcp-qualifier-'));
  writeFileSync(
    join(dir, 'auth.json'),
    JSON.stringify({
      tokens: [{ name: 'q', tokenEnv: 'Q_TOKEN', functions: ['*', '!data-processor:live'] }],
    }),
  );
  http = await startHttpBin(['--rate-limit', '0'], {
    ...awsEnv(),
    LOG_LEVEL: 'info',
    LAMBDA_MCP_AUTH_FILE: join(dir, 'auth.json'),
    Q_TOKEN: TOKEN,
  });
}, 60_000);

afterAll(async () => {
  await http?.stop();
  await emulator?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function awsEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ACCESS_KEY_ID: 'AKIDQUALIFIER',
    AWS_SECRET_ACCESS_KEY: 'qualifier-secret',
    AWS_REGION: REGION,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** Requests about the denied alias that reached the backend (none may). */
function touchedLive(): string[] {
  return emulator.requests
    .filter((r) => r.functionName === 'data-processor' && (r.qualifier === 'live' || /live/.test(r.path)))
    .map((r) => `${r.operation} ${r.path}`);
}

/** What a tool result shows the model: error flag, text and structured content. */
function shown(result: unknown): string {
  const r = result as { isError?: boolean; structuredContent?: unknown };
  return JSON.stringify({
    isError: r.isError === true,
    text: resultText(result),
    structured: r.structuredContent,
  });
}

async function probeMcp(conn: McpConnection): Promise<void> {
  const call = (name: string, args: Record<string, unknown>) =>
    conn.client.callTool({ name, arguments: args });
  // The control: the policy leaves the function itself visible.
  const listed = await call('list_functions', {});
  expect(resultText(listed)).toContain('data-processor');

  let compared = 0;
  for (const spelling of SPELLINGS) {
    const live = spelled(spelling, 'live');
    const ghost = spelled(spelling, 'ghost');
    const pairs: Array<[string, Record<string, unknown>]> = [
      // An invalid payload (refused by validation first) and a valid one (refused at the backend).
      ...[{}, VALID].flatMap((payload) =>
        ['RequestResponse', 'Event', 'DryRun'].map(
          (invocation_type) =>
            ['invoke_function', { payload, invocation_type }] as [string, Record<string, unknown>],
        ),
      ),
      ['monitor_executions', { include_errors: true }],
    ];
    if (spelling.qualifier === undefined) pairs.push(['get_function_schema', { include_examples: true }]);
    for (const [tool, extra] of pairs) {
      const denied = await call(tool, { ...live, ...extra });
      const missing = await call(tool, { ...ghost, ...extra });
      const label = `${tool} ${JSON.stringify(live)}`;
      expect((denied as { isError?: boolean }).isError, `${label}: ${resultText(denied)}`).toBe(true);
      expect(shown(denied).replaceAll('live', 'ghost'), label).toBe(shown(missing));
      compared += 1;
    }
  }
  // invoke_functions: each item as the same item naming `ghost`.
  const batch = async (q: string) =>
    (await call('invoke_functions', {
      invocations: SPELLINGS.flatMap((s) => [
        { ...spelled(s, q), payload: {} },
        { ...spelled(s, q), payload: VALID },
      ]),
    })) as unknown as { structuredContent: { results: unknown[] } };
  const deniedItems = (await batch('live')).structuredContent.results;
  const missingItems = (await batch('ghost')).structuredContent.results;
  expect(JSON.stringify(deniedItems).replaceAll('live', 'ghost')).toBe(JSON.stringify(missingItems));
  expect(compared).toBe(SPELLINGS.length * 7 + SPELLINGS.filter((s) => s.qualifier === undefined).length);
  expect(touchedLive()).toEqual([]);
}

describe('a denied qualifier answers as a version or alias that does not exist', () => {
  it('HTTP server, a token whose policy denies data-processor:live', async () => {
    const conn = await connectHttp(http.url, TOKEN);
    try {
      emulator.clearRequests();
      await probeMcp(conn);
    } finally {
      await conn.close();
    }
  }, 120_000);

  it('stdio server, LAMBDA_MCP_EXCLUDE=data-processor:live', async () => {
    const conn = await connectStdio([], awsEnv({ LAMBDA_MCP_EXCLUDE: 'data-processor:live' }));
    try {
      emulator.clearRequests();
      await probeMcp(conn);
    } finally {
      await conn.close();
    }
  }, 120_000);

  it('the CLI: invoke, monitor and schema', async () => {
    const env = awsEnv({ LAMBDA_MCP_EXCLUDE: 'data-processor:live' });
    emulator.clearRequests();
    const commands = (q: string): string[][] => [
      ['invoke', 'data-processor', '--qualifier', q, '--payload', '{}'],
      ['invoke', 'data-processor', '--qualifier', q, '--payload', JSON.stringify(VALID)],
      ['invoke', `data-processor:${q}`, '--payload', JSON.stringify(VALID), '--async'],
      ['invoke', `data-processor:${q}`, '--payload', '{}'],
      ['invoke', `${arn('data-processor')}:${q}`, '--payload', '{}'],
      ['monitor', 'data-processor', '--qualifier', q],
      ['monitor', `data-processor:${q}`],
      ['schema', `data-processor:${q}`],
    ];
    const live = commands('live');
    const ghost = commands('ghost');
    for (const [i, args] of live.entries()) {
      const denied = await runCli(args, env, 60_000);
      const missing = await runCli(ghost[i] as string[], env, 60_000);
      const label = args.join(' ');
      expect(denied.code, `${label}: ${denied.stderr}`).not.toBe(0);
      expect(denied.code, label).toBe(missing.code);
      expect(denied.stdout.replaceAll('live', 'ghost'), label).toBe(missing.stdout);
      expect(denied.stderr.replaceAll('live', 'ghost'), label).toBe(missing.stderr);
    }
    expect(touchedLive()).toEqual([]);
  }, 300_000);
});
