/**
 * Per-caller function policies that name functions by qualifier and by ARN (issue 10, item 1).
 *
 * The policy `["*", "!data-processor:live", "!arn:aws:lambda:*:function:always-fails",
 * "!*:function:customer-lookup"]` must hold for every spelling of the three functions it denies,
 * on every path: the per-function tools, invoke_function, invoke_functions, get_function_schema,
 * monitor_executions, list_functions and tools/list (HTTP server, one token carrying the policy),
 * the Function URL handler (the same policy), and the stdio server and the CLI (the operator's
 * LAMBDA_MCP_EXCLUDE holding the policy's three exclusions). The functions are the bundled
 * examples/functions behind the AWS emulator, whose request log proves that no Invoke (and no
 * request at all about a denied function) reached the backend.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@lambda-mcp/aws-emulator';
import { createAwsServices } from '@lambda-mcp/core/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFunctionUrlHandler, type FunctionUrlEvent } from '../../../apps/http-server/dist/lambda.js';
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
const POLICY = [
  '*',
  '!data-processor:live',
  '!arn:aws:lambda:*:function:always-fails',
  '!*:function:customer-lookup',
];
const EXCLUSIONS = POLICY.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
const TOKEN = 'policy-token-0123456789abcdef0123456789';
const arn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const partial = (name: string) => `${ACCOUNT}:function:${name}`;

type Target = { function_name: string; qualifier?: string };

/** Every way to name what the policy denies. */
const DENIED: Target[] = [
  { function_name: 'data-processor', qualifier: 'live' },
  { function_name: 'data-processor:live' },
  { function_name: `${arn('data-processor')}:live` },
  { function_name: `${partial('data-processor')}:live` },
  { function_name: arn('data-processor'), qualifier: 'live' },
  { function_name: partial('data-processor'), qualifier: 'live' },
  { function_name: 'always-fails' },
  { function_name: 'always-fails:$LATEST' },
  { function_name: 'always-fails', qualifier: '$LATEST' },
  { function_name: arn('always-fails') },
  { function_name: `${arn('always-fails')}:$LATEST` },
  { function_name: partial('always-fails') },
  { function_name: 'customer-lookup' },
  { function_name: 'customer-lookup', qualifier: '$LATEST' },
  { function_name: arn('customer-lookup') },
  { function_name: partial('customer-lookup') },
  { function_name: `${partial('customer-lookup')}:$LATEST` },
];
const DENIED_NAMES = ['always-fails', 'customer-lookup'];

let emulator: Emulator;
let http: HttpBin;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ region: REGION, accountId: ACCOUNT, functionsDir: EXAMPLES_DIR });
  dir = mkdtempSync(join(tmpdir(), 'lambda-mcp-policy-'));
  writeFileSync(
    join(dir, 'auth.json'),
    JSON.stringify({ tokens: [{ name: 'policy', tokenEnv: 'POLICY_TOKEN', functions: POLICY }] }),
  );
  http = await startHttpBin(['--rate-limit', '0'], {
    ...awsEnv(),
    LOG_LEVEL: 'info',
    LAMBDA_MCP_AUTH_FILE: join(dir, 'auth.json'),
    POLICY_TOKEN: TOKEN,
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
    AWS_ACCESS_KEY_ID: 'AKIDPOLICY',
    AWS_SECRET_ACCESS_KEY: 'policy-secret',
    AWS_REGION: REGION,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** `ghost`: the alias that does not exist, asked for as the control of a denied one. */
const notGhost = (r: { path: string; qualifier?: string }) =>
  r.qualifier !== 'ghost' && !r.path.includes('ghost');

function invokes(): string[] {
  return emulator.requests
    .filter((r) => r.service === 'lambda' && r.operation === 'Invoke' && notGhost(r))
    .map((r) => `${r.functionName} ${r.path}`);
}

/** What discovery reads (the whole account, whoever calls): not a call made for the caller. */
const DISCOVERY = new Set([
  'ListFunctions',
  'ListTags',
  'GetResources',
  'GetFunction',
  'GetFunctionConfiguration',
]);

/** Requests made on a caller's behalf (Invoke, metrics, logs; schemas of the denied functions). */
function callerRequests(): string[] {
  return emulator.requests
    .filter(
      (r) =>
        notGhost(r) &&
        !DISCOVERY.has(r.operation) &&
        !(r.operation === 'DescribeSchema' && !/denied/.test(r.path)),
    )
    .map((r) => `${r.operation} ${r.functionName ?? ''} ${r.path}`);
}

/** Requests of any kind that named a denied function (or the denied qualifier). */
function touchedDenied(): string[] {
  return emulator.requests
    .filter(
      (r) =>
        DENIED_NAMES.includes(r.functionName ?? '') ||
        (r.functionName === 'data-processor' && (r.qualifier === 'live' || /live/.test(r.path))),
    )
    .map((r) => `${r.operation} ${r.path}`);
}

/** A tool result's text with the function's name as given replaced, to compare with a missing one. */
function normalized(text: string, given: string): string {
  return text.split(JSON.stringify(given)).join('"<name>"');
}

/** Drives one MCP connection over every tool path; nothing denied may be seen or run. */
async function attackMcp(conn: McpConnection, options: { excluded: boolean }): Promise<void> {
  const call = (name: string, args: Record<string, unknown>) =>
    conn.client.callTool({ name, arguments: args });
  const missingText = async (tool: string, extra: Record<string, unknown> = {}) =>
    normalized(resultText(await call(tool, { function_name: 'no-such-fn', ...extra })), 'no-such-fn');

  // tools/list: no tool for a denied function.
  const tools = (await conn.client.listTools()).tools.map((t) => t.name);
  expect(tools).toEqual(expect.arrayContaining(['echo', 'data_processor', 'invoke_function']));
  expect(tools.filter((t) => /always|customer|live/.test(t))).toEqual([]);

  // per-function tools: refused exactly like a tool that does not exist.
  for (const tool of ['always_fails', 'customer_lookup', 'data_processor_live', 'no_such_tool']) {
    await expect(call(tool, { customer_id: 'CUST-0001' }), tool).rejects.toThrow(/-32602/);
  }

  // list_functions: the denied functions are not there, and the count says so.
  const listed = await call('list_functions', { include_metadata: true });
  const functions = (listed.structuredContent as { functions: Array<{ name: string; qualifier?: string }> })
    .functions;
  expect(functions.map((f) => f.name)).toEqual(['data-processor', 'echo', 'slow-report']);
  expect(functions.some((f) => f.qualifier === 'live')).toBe(false);
  expect(listed.structuredContent).toMatchObject({ total_count: 3, filtered_count: 3 });

  // invoke_function (every invocation type), get_function_schema, monitor_executions.
  // A denied function answers as a missing function; a denied alias of a visible function
  // (data-processor:live) answers as an alias that does not exist (`ghost`): hidden-qualifier.test.ts.
  const ghostOf = (t: Target): Target => JSON.parse(JSON.stringify(t).replaceAll('live', 'ghost'));
  const isQualifier = (t: Target) => JSON.stringify(t).includes('live');
  const expectHidden = async (tool: string, target: Target, extra: Record<string, unknown>) => {
    const result = await call(tool, { ...target, ...extra });
    const label = `${tool} ${JSON.stringify(target)}`;
    expect(result.isError, label).toBe(true);
    if (isQualifier(target)) {
      const ghost = await call(tool, { ...ghostOf(target), ...extra });
      expect(resultText(result).replaceAll('live', 'ghost'), label).toBe(resultText(ghost));
    } else {
      expect(normalized(resultText(result), target.function_name), label).toBe(
        await missingText(tool, extra),
      );
    }
  };
  for (const target of DENIED) {
    for (const invocation_type of ['RequestResponse', 'Event', 'DryRun']) {
      await expectHidden('invoke_function', target, { payload: {}, invocation_type });
    }
    await expectHidden('monitor_executions', target, { include_errors: true });
    if (target.qualifier === undefined) {
      await expectHidden('get_function_schema', target, { include_examples: true });
    }
  }

  // invoke_functions: every item refused on its own, as a missing function (or alias) is.
  const batchOf = async (targets: Target[]) => {
    const batch = await call('invoke_functions', {
      invocations: targets.map((t) => ({ ...t, payload: {} })),
    });
    expect(batch.isError).toBe(true);
    return (batch.structuredContent as { results: Array<Record<string, unknown>> }).results;
  };
  const results = await batchOf([...DENIED, { function_name: 'no-such-fn' }]);
  const ghostResults = await batchOf(DENIED.map(ghostOf));
  expect(results).toHaveLength(DENIED.length + 1);
  const missingItem = results.at(-1) as { error: { code: string; message: string } };
  for (const [i, item] of results.entries()) {
    const given = String(item.function_name);
    expect(item.status, given).toBe('error');
    if (i < DENIED.length && isQualifier(DENIED[i] as Target)) {
      expect(JSON.stringify(item).replaceAll('live', 'ghost'), given).toBe(JSON.stringify(ghostResults[i]));
      continue;
    }
    expect(given).toBe(i < DENIED.length ? DENIED[i]?.function_name : 'no-such-fn');
    expect(item.error).toMatchObject({ code: missingItem.error.code });
    expect(normalized((item.error as { message: string }).message, given)).toBe(
      normalized(missingItem.error.message, 'no-such-fn'),
    );
  }

  expect(invokes()).toEqual([]);
  expect(callerRequests()).toEqual([]);
  // Excluded by the operator, the denied functions are not even read by discovery; denied by a
  // caller's policy, discovery reads them for the server (tags), and nothing else does.
  if (options.excluded) expect(touchedDenied()).toEqual([]);
  else expect(touchedDenied().filter((r) => !r.startsWith('ListTags '))).toEqual([]);

  // The control: an allowed call is one Invoke in the log (the log would have caught a bypass).
  const ok = await call('invoke_function', { function_name: 'echo', payload: { ok: true } });
  expect(ok.isError, resultText(ok)).not.toBe(true);
  expect(invokes()).toEqual([`echo /2015-03-31/functions/echo/invocations`]);
}

describe('a per-caller policy naming qualifiers and ARNs holds on every path', () => {
  it('HTTP server, a token carrying the policy: tools/list, every tool, no Invoke', async () => {
    const conn = await connectHttp(http.url, TOKEN);
    try {
      emulator.clearRequests();
      await attackMcp(conn, { excluded: false });
    } finally {
      await conn.close();
    }
  }, 120_000);

  it('the Function URL handler, the same policy', async () => {
    const auth = join(dir, 'auth.json');
    const services = await createAwsServices(
      { region: REGION, diskCache: false, logLevel: 'silent' },
      {
        backendOptions: {
          endpoint: emulator.url,
          credentials: { accessKeyId: 'AKIDPOLICY', secretAccessKey: 'policy-secret' },
        },
      },
    );
    const handler = createFunctionUrlHandler({
      env: { LAMBDA_MCP_AUTH_FILE: auth, POLICY_TOKEN: TOKEN, LOG_LEVEL: 'silent' },
      services,
      writeAudit: () => {},
    });
    let id = 0;
    const rpc = async (method: string, params?: unknown) => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: ++id, method, ...(params ? { params } : {}) });
      const res = await handler(urlEvent(body));
      // The answer is JSON or one SSE `data:` line, as the transport chooses.
      const text = res.body.trim();
      const json = text.startsWith('{')
        ? text
        : (text
            .split('\n')
            .find((l) => l.startsWith('data: '))
            ?.slice(6) ?? text);
      const message = JSON.parse(json) as { result?: unknown; error?: { code: number; message: string } };
      if (message.error) throw new Error(`${message.error.code} ${message.error.message}`);
      return message.result as Record<string, unknown>;
    };
    const conn: McpConnection = {
      client: {
        listTools: () => rpc('tools/list'),
        callTool: (p: { name: string; arguments?: unknown }) => rpc('tools/call', p),
      } as unknown as McpConnection['client'],
      stderr: () => '',
      close: async () => {},
    };
    try {
      await rpc('initialize', {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'url', version: '1' },
      });
      emulator.clearRequests();
      await attackMcp(conn, { excluded: false });
    } finally {
      await services.close();
    }
  }, 120_000);

  it('stdio server, LAMBDA_MCP_EXCLUDE holding the policy exclusions', async () => {
    const conn = await connectStdio([], awsEnv({ LAMBDA_MCP_EXCLUDE: EXCLUSIONS.join(',') }));
    try {
      emulator.clearRequests();
      await attackMcp(conn, { excluded: true });
    } finally {
      await conn.close();
    }
  }, 120_000);

  it('the CLI, LAMBDA_MCP_EXCLUDE holding the policy exclusions', async () => {
    const env = awsEnv({ LAMBDA_MCP_EXCLUDE: EXCLUSIONS.join(',') });
    emulator.clearRequests();
    const listed = await runCli(['functions', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    const names = (JSON.parse(listed.stdout) as { functions: Array<{ name: string }> }).functions.map(
      (f) => f.name,
    );
    expect(names.filter((n) => DENIED_NAMES.includes(n))).toEqual([]);
    expect(names).toContain('data-processor');
    // A few at a time, with room: the machine running the suites may be loaded.
    const results: Awaited<ReturnType<typeof runCli>>[] = [];
    for (let i = 0; i < DENIED.length; i += 4) {
      const batch = DENIED.slice(i, i + 4).map((t) =>
        runCli(
          [
            'invoke',
            t.function_name,
            '--payload',
            '{}',
            ...(t.qualifier ? ['--qualifier', t.qualifier] : []),
          ],
          env,
          60_000,
        ),
      );
      results.push(...(await Promise.all(batch)));
    }
    results.forEach((r, i) => {
      expect(r.code, `${JSON.stringify(DENIED[i])}: ${r.stderr}`).toBe(2);
      expect(r.stdout).toBe('');
    });
    expect(invokes()).toEqual([]);
    expect(callerRequests()).toEqual([]);
    // "Unknown function" explains itself from discovery's view of the account (tags included).
    expect(touchedDenied().filter((r) => !r.startsWith('ListTags '))).toEqual([]);
    const ok = await runCli(['invoke', 'echo', '--payload', '{"ok":true}', '--json'], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(invokes()).toEqual([`echo /2015-03-31/functions/echo/invocations`]);
  }, 300_000);
});

describe('a policy entry that cannot name a function is refused at start-up', () => {
  it('the HTTP server exits with one line saying why', async () => {
    for (const bad of ['!data.processor', '!arn:aws:lambda:*:layer:always-fails', '!function:echo']) {
      writeFileSync(
        join(dir, 'bad.json'),
        JSON.stringify({ tokens: [{ name: 'p', tokenEnv: 'P', functions: ['*', bad] }] }),
      );
      const started = await startHttpBin([], {
        ...awsEnv(),
        LOG_LEVEL: 'info',
        LAMBDA_MCP_AUTH_FILE: join(dir, 'bad.json'),
        P: TOKEN,
      }).then(
        async (server) => {
          await server.stop();
          return 'started';
        },
        (error: Error) => error.message,
      );
      expect(started, bad).toMatch(new RegExp(`exited with 2.*${escapeRegExp(bad.slice(1))}`, 's'));
    }
  }, 60_000);

  it('LAMBDA_MCP_EXCLUDE with such an entry stops the CLI with the usage exit code', async () => {
    const r = await runCli(['functions'], awsEnv({ LAMBDA_MCP_EXCLUDE: 'arn:aws:lambda:*:layer:x' }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/arn:aws:lambda:\*:layer:x/);
  }, 30_000);
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function urlEvent(body: string): FunctionUrlEvent {
  const host = 'abcdefghij1234567890.lambda-url.us-east-1.on.aws';
  return {
    rawPath: '/mcp',
    rawQueryString: '',
    headers: {
      host,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      authorization: `Bearer ${TOKEN}`,
    },
    requestContext: {
      domainName: host,
      requestId: 'policy',
      http: { method: 'POST', path: '/mcp', sourceIp: '203.0.113.7' },
    },
    body,
    isBase64Encoded: false,
  };
}
