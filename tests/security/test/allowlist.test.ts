/**
 * Allowlist bypass attempts through every invocation path: per-function tools, invoke_function,
 * invoke_functions (the built stdio server, AWS backend) and `lambda-mcp invoke` (the built CLI),
 * all pointed at the AWS emulator. The emulator records every request it receives: after each
 * volley of attempts there must be no Invoke request at all; one allowed call afterwards must show
 * up as exactly one Invoke (so the log would have caught a bypass).
 *
 * The account has mcp-echo and mcp-report (aliases live and prod), mcp-internal (excluded by
 * configuration) and payments-refund (outside the prefix). Configuration A: FUNCTION_PREFIX=mcp-
 * and LAMBDA_MCP_EXCLUDE=mcp-internal. Configuration B: FUNCTION_LIST=mcp-echo,mcp-report:live.
 */
import { type Emulator, startEmulator } from '@lambda-mcp/aws-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStdio, type McpConnection, resultText, runCli } from './support.js';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const arn = (name: string, region = REGION, account = ACCOUNT, partition = 'aws') =>
  `arn:${partition}:lambda:${region}:${account}:function:${name}`;

let emulator: Emulator;

beforeAll(async () => {
  const fn = (name: string, aliases: string[] = []) => ({
    name,
    description: `${name} (synthetic)`,
    timeoutSeconds: 3,
    aliases,
  });
  emulator = await startEmulator({
    region: REGION,
    accountId: ACCOUNT,
    synthetic: [
      fn('mcp-echo'),
      fn('mcp-report', ['live', 'prod']),
      fn('mcp-internal'),
      fn('payments-refund', ['prod']),
    ],
  });
});

afterAll(async () => {
  await emulator?.close();
});

function awsEnv(extra: Record<string, string>): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ACCESS_KEY_ID: 'AKIDSECURITY',
    AWS_SECRET_ACCESS_KEY: 'security-secret',
    AWS_REGION: REGION,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

const CONFIG_A = { FUNCTION_PREFIX: 'mcp-', LAMBDA_MCP_EXCLUDE: 'mcp-internal' };
const CONFIG_B = { FUNCTION_LIST: 'mcp-echo,mcp-report:live' };

/** Spellings that must never reach an invocation under configuration A. */
const ATTACKS_A: string[] = [
  // outside the filters, and excluded
  'payments-refund',
  'mcp-internal',
  // ARNs, full and partial, of those
  arn('payments-refund'),
  arn('mcp-internal'),
  `${ACCOUNT}:function:payments-refund`,
  'function:payments-refund',
  `${arn('payments-refund')}:prod`,
  'payments-refund:prod',
  'mcp-internal:$LATEST',
  `${ACCOUNT}:function:mcp-internal:1`,
  // an allowed function in another account, region or partition
  arn('mcp-echo', REGION, '111111111111'),
  `111111111111:function:mcp-echo`,
  arn('mcp-echo', 'eu-west-1'),
  arn('mcp-echo', REGION, ACCOUNT, 'aws-cn'),
  arn('mcp-echo', REGION, ACCOUNT, 'aws-us-gov'),
  'arn:aws:lambda:us-east-1:000000000000:layer:mcp-echo',
  'arn:aws:iam::000000000000:role/mcp-echo',
  // case variants (names are case-sensitive)
  'MCP-ECHO',
  'Mcp-Echo',
  'mcp-Internal',
  'PAYMENTS-REFUND',
  arn('MCP-ECHO'),
  // Unicode look-alikes
  'mcp-\u0435cho', // Cyrillic е
  '\uff4d\uff43\uff50-echo', // fullwidth ｍｃｐ
  'mcp\u2010echo', // Unicode hyphen
  'mcp-echo\u200d', // zero-width joiner
  '\u200bmcp-echo', // zero-width space
  'mcp-ech\u043e', // Cyrillic о
  'payment\u0455-refund', // Cyrillic ѕ
  'mcp-echo\u0000',
  'mcp-echo\u0301',
  // whitespace around forbidden names
  ' payments-refund',
  'mcp-internal ',
  '\tmcp-internal\n',
  '\u00a0payments-refund',
  // longer than AWS allows (64 for a name, 140 for an ARN-ish reference, 128 for a qualifier)
  `mcp-${'a'.repeat(61)}`,
  `mcp-${'a'.repeat(1000)}`,
  `${arn('mcp-echo')}${'x'.repeat(150)}`,
  `mcp-echo:${'q'.repeat(129)}`,
  'x'.repeat(100_000),
  // path and query tricks
  'mcp-echo/../payments-refund',
  '../payments-refund',
  'mcp-echo%2F..%2Fpayments-refund',
  'mcp-echo?Qualifier=prod',
  'mcp-echo#payments-refund',
  'mcp-echo/invocations',
  'mcp-*',
  '*',
  '',
  ' ',
];

/** Qualifier attacks: [function name, qualifier argument] pairs. */
const QUALIFIER_ATTACKS_A: Array<[string, string]> = [
  ['payments-refund', 'prod'],
  ['mcp-internal', '$LATEST'],
  ['mcp-echo', '../../payments-refund'],
  ['mcp-echo', 'prod/../../x'],
  ['mcp-echo', 'a'.repeat(200)],
  ['mcp-echo', 'prod\u200d'],
  ['mcp-echo', ' live'],
  ['mcp-echo:live', 'prod'],
];

/** Under configuration B (FUNCTION_LIST=mcp-echo,mcp-report:live): other qualifiers of mcp-report. */
const ATTACKS_B: string[] = [
  'mcp-report:prod',
  `${arn('mcp-report')}:prod`,
  'mcp-report:$LATEST',
  'mcp-report:1',
];
const QUALIFIER_ATTACKS_B: Array<[string, string]> = [
  ['mcp-report', 'prod'],
  ['mcp-report', '$LATEST'],
  ['mcp-report:live', 'prod'],
];

/** Tool names of functions that are not exposed, and look-alikes of exposed ones. */
const TOOL_ATTACKS = [
  'payments_refund',
  'payments-refund',
  'refund',
  'internal',
  'mcp_internal',
  'mcp-internal',
  'ECHO',
  'Echo',
  '\u0435cho',
  'echo\u200d',
  '\uff45cho',
  'echo ',
  ' echo',
  'echo:prod',
  'report_prod',
  `echo${'_'.repeat(70)}`,
  'invoke_function ',
  'INVOKE_FUNCTION',
];

/** A refusal names its reason: an error code, or the tool's own argument validation. */
const REFUSED_CODES =
  /\[(FUNCTION_NOT_ALLOWED|FUNCTION_NOT_FOUND|INVALID_REQUEST|INVALID_INPUT)\]|^Invalid arguments for /;

function invokeRequests() {
  return emulator.requests.filter((r) => r.service === 'lambda' && r.operation === 'Invoke');
}

async function expectRefused(conn: McpConnection, name: string, args: Record<string, unknown>) {
  const result = await conn.client.callTool({ name, arguments: args });
  const text = resultText(result);
  expect(result.isError, `${name} ${JSON.stringify(args).slice(0, 200)} -> ${text.slice(0, 300)}`).toBe(true);
  expect(text, JSON.stringify(args).slice(0, 200)).toMatch(REFUSED_CODES);
  return text;
}

async function attackServer(
  conn: McpConnection,
  attacks: string[],
  qualifierAttacks: Array<[string, string]>,
): Promise<void> {
  for (const name of attacks) {
    await expectRefused(conn, 'invoke_function', { function_name: name, payload: { attack: true } });
    // The same through the other invocation types: DryRun and Event must not reach AWS either.
    await expectRefused(conn, 'invoke_function', { function_name: name, invocation_type: 'Event' });
  }
  for (const [name, qualifier] of qualifierAttacks) {
    await expectRefused(conn, 'invoke_function', { function_name: name, qualifier, payload: {} });
    await expectRefused(conn, 'invoke_function', {
      function_name: name,
      qualifier,
      invocation_type: 'DryRun',
    });
  }
  // invoke_functions: every item refused on its own, nothing sent.
  const items = [
    ...attacks.slice(0, 40).map((function_name) => ({ function_name, payload: { attack: true } })),
    ...qualifierAttacks.map(([function_name, qualifier]) => ({ function_name, qualifier })),
  ];
  for (let i = 0; i < items.length; i += 10) {
    const batch = items.slice(i, i + 10);
    const result = await conn.client.callTool({
      name: 'invoke_functions',
      arguments: { invocations: batch },
    });
    const structured = result.structuredContent as { results?: Array<Record<string, unknown>> } | undefined;
    const text = resultText(result);
    // Refused as a whole (argument validation), or each item reported with its own error.
    expect(result.isError).toBe(true);
    if (text.startsWith('Invalid arguments for invoke_functions')) continue;
    expect(structured?.results, text.slice(0, 300)).toHaveLength(batch.length);
    for (const item of structured?.results ?? []) {
      expect(item.status).toBe('error');
      expect(String((item.error as { code?: string }).code)).toMatch(
        /^(FUNCTION_NOT_ALLOWED|FUNCTION_NOT_FOUND|INVALID_REQUEST|INVALID_INPUT)$/,
      );
    }
  }
}

describe('allowlist: no spelling of a function outside the filters reaches an invocation', () => {
  it('configuration A (prefix + exclude): invoke_function, invoke_functions and per-function tools', async () => {
    const conn = await connectStdio([], awsEnv(CONFIG_A));
    try {
      const tools = (await conn.client.listTools()).tools.map((t) => t.name);
      expect(tools).toEqual(expect.arrayContaining(['echo', 'report', 'invoke_function']));
      expect(tools.some((t) => /internal|refund|payments/.test(t))).toBe(false);

      emulator.clearRequests();
      await attackServer(conn, ATTACKS_A, QUALIFIER_ATTACKS_A);
      for (const name of TOOL_ATTACKS) {
        await expect(
          conn.client.callTool({ name, arguments: { function_name: 'payments-refund' } }),
        ).rejects.toThrow(/-32602/);
      }
      const invokes = invokeRequests();
      expect(invokes.map((r) => `${r.functionName} ${r.path}`)).toEqual([]);
      // Nothing at all was asked of AWS about the forbidden functions.
      const touched = emulator.requests.filter((r) =>
        ['payments-refund', 'mcp-internal'].includes(r.functionName ?? ''),
      );
      expect(touched.map((r) => r.operation)).toEqual([]);

      // The control: one allowed call is one Invoke in the log.
      const ok = await conn.client.callTool({ name: 'echo', arguments: { hello: 'world' } });
      expect(ok.isError).not.toBe(true);
      expect(invokeRequests().map((r) => r.functionName)).toEqual(['mcp-echo']);
    } finally {
      await conn.close();
    }
  }, 120_000);

  it('configuration B (FUNCTION_LIST with a qualifier): other qualifiers of a listed function are refused', async () => {
    const conn = await connectStdio([], awsEnv(CONFIG_B));
    try {
      const tools = (await conn.client.listTools()).tools.map((t) => t.name);
      expect(tools.some((t) => /internal|refund|payments/.test(t))).toBe(false);
      emulator.clearRequests();
      await attackServer(
        conn,
        [...ATTACKS_A, ...ATTACKS_B],
        [...QUALIFIER_ATTACKS_A, ...QUALIFIER_ATTACKS_B],
      );
      expect(invokeRequests().map((r) => `${r.functionName} ${r.path}`)).toEqual([]);

      // The configured qualifier works, and is the one sent.
      const ok = await conn.client.callTool({
        name: 'invoke_function',
        arguments: { function_name: 'mcp-report', payload: { n: 1 } },
      });
      expect(ok.isError).not.toBe(true);
      const invokes = invokeRequests();
      expect(invokes).toHaveLength(1);
      expect(invokes[0]?.path).toMatch(/\/functions\/mcp-report\/invocations/);
    } finally {
      await conn.close();
    }
  }, 120_000);

  it('lambda-mcp invoke refuses the same spellings with exit code 2 and sends no Invoke', async () => {
    emulator.clearRequests();
    const env = awsEnv(CONFIG_A);
    const sample = [
      'payments-refund',
      'mcp-internal',
      arn('payments-refund'),
      arn('mcp-echo', REGION, '111111111111'),
      arn('mcp-echo', 'eu-west-1'),
      'payments-refund:prod',
      'MCP-ECHO',
      'mcp-\u0435cho',
      'mcp-echo\u200d',
      ' payments-refund',
      `mcp-${'a'.repeat(61)}`,
      'mcp-echo/../payments-refund',
    ];
    const results = await Promise.all(
      sample.map((name) => runCli(['invoke', name, '--payload', '{"attack":true}'], env)),
    );
    results.forEach((r, i) => {
      expect(r.code, `${JSON.stringify(sample[i])}: ${r.stderr}`).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
    const qualified = await runCli(['invoke', 'payments-refund', '--qualifier', 'prod'], env);
    expect(qualified.code).toBe(2);
    expect(invokeRequests()).toEqual([]);

    const ok = await runCli(['invoke', 'mcp-echo', '--payload', '{"ok":true}', '--json'], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(invokeRequests().map((r) => r.functionName)).toEqual(['mcp-echo']);
  }, 120_000);
});
