// Every command of the built bin against the local backend: a temporary copy of the bundled
// functions plus one function the filters exclude. Stdout, stderr and exit codes are asserted.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIN,
  childEnv,
  copyExamples,
  lines,
  type RunOptions,
  removeDir,
  runBin,
  waitFor,
} from './helpers.js';

const ANSI = new RegExp(String.fromCharCode(27) + '\\[');
let dir: string;
/** Only functions tagged MCPEnabled: `hidden` is excluded by the tag filter. */
const FILTER = { FUNCTION_TAG_KEY: 'MCPEnabled' };
const EXAMPLES = ['always-fails', 'customer-lookup', 'data-processor', 'echo', 'slow-report'];

const cli = (args: string[], options: RunOptions = {}) =>
  runBin([...args, '--local', dir], { ...options, env: { ...FILTER, ...options.env } });

function expectOneLineError(
  r: { code: number | null; stdout: string; stderr: string },
  code: number,
  ...parts: string[]
) {
  expect(r.code, r.stderr).toBe(code);
  const errLines = lines(r.stderr);
  expect(errLines, r.stderr).toHaveLength(1);
  expect(errLines[0]).toMatch(/^error: /);
  for (const p of parts) expect(errLines[0]).toContain(p);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

beforeAll(async () => {
  dir = await copyExamples();
  await mkdir(join(dir, 'hidden'));
  await writeFile(
    join(dir, 'hidden', 'function.json'),
    JSON.stringify({ description: 'Not for AI clients.', handler: 'index.handler', tags: { team: 'ops' } }),
  );
  await writeFile(
    join(dir, 'hidden', 'index.mjs'),
    'export const handler = async () => ({ secret: true });\n',
  );
  await writeFile(join(dir, 'event.json'), JSON.stringify({ from: 'file', n: 2 }));
  await writeFile(join(dir, 'broken.json'), '{"from": "file",');
});
afterAll(() => removeDir(dir));

describe('functions', () => {
  it('prints the filtered catalog as a plain, stable table when piped', async () => {
    const r = await cli(['functions']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(ANSI);
    const rows = lines(r.stdout);
    expect(rows[0]).toMatch(/^NAME\s+RUNTIME\s+MEMORY\s+TIMEOUT\s+TAGS\s+SCHEMA$/);
    expect(rows.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(EXAMPLES);
    const dp = rows.find((l) => l.startsWith('data-processor')) ?? '';
    expect(dp).toMatch(
      /^data-processor\s+nodejs24\.x\s+256 MB\s+10 s\s+\S*team=analytics\S*\s+local\/data-processor-input$/,
    );
    // The schema ARN tags are in the SCHEMA column, not repeated under TAGS.
    expect(dp).not.toContain('input-schema-arn');
    expect(r.stdout).not.toContain('hidden');
    // Same run twice: identical output.
    expect((await cli(['functions'])).stdout).toBe(r.stdout);
  });

  it('--all also lists the excluded functions with the rule that excluded them', async () => {
    const r = await cli(['functions', '--all']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Excluded by the filters (1):');
    expect(r.stdout).toMatch(/^hidden\s+nodejs22\.x\s+.*MCPEnabled/m);
  });

  it('--json gives the catalog (and exclusions with --all) as one JSON document', async () => {
    const r = await cli(['functions', '--all', '--json']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as {
      functions: Array<{
        name: string;
        memorySizeMb: number;
        tags: Record<string, string>;
        inputSchemaArn: string | null;
      }>;
      count: number;
      excluded: Array<{ name: string; reason: string }>;
    };
    expect(body.functions.map((f) => f.name)).toEqual(EXAMPLES);
    expect(body.count).toBe(5);
    expect(body.functions.find((f) => f.name === 'data-processor')).toMatchObject({
      memorySizeMb: 256,
      tags: { MCPEnabled: 'true', team: 'analytics' },
      inputSchemaArn: expect.stringContaining('schema/local/data-processor-input'),
    });
    expect(body.excluded).toHaveLength(1);
    expect(body.excluded[0]).toMatchObject({ name: 'hidden', reason: expect.stringContaining('MCPEnabled') });
  });

  it('says so on stderr when no function matches', async () => {
    const r = await cli(['functions'], { env: { FUNCTION_PREFIX: 'zzz' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      'No function matches the configured filters. Run `lambda-mcp functions --all` to see why.',
    );
  });
});

describe('invoke', () => {
  it('prints the JSON result payload on stdout', async () => {
    const r = await cli(['invoke', 'echo', '--payload', '{"hello":"world","n":[1,2]}']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ hello: 'world', n: [1, 2] });
    expect(r.stdout).not.toMatch(ANSI);
    expect(r.stderr).toBe('');
  });

  it('reads the payload from @file and from stdin (-)', async () => {
    const fromFile = await cli(['invoke', 'echo', '--payload', `@${join(dir, 'event.json')}`]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toEqual({ from: 'file', n: 2 });
    const relative = await runBin(['invoke', 'echo', '--payload', '@event.json', '--local', '.'], {
      cwd: dir,
      env: FILTER,
    });
    expect(JSON.parse(relative.stdout)).toEqual({ from: 'file', n: 2 });
    const fromStdin = await cli(['invoke', 'echo', '--payload', '-'], { input: '{"from":"stdin"}\n' });
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(JSON.parse(fromStdin.stdout)).toEqual({ from: 'stdin' });
  });

  it('--logs puts the log tail and the REPORT figures on stderr, the payload on stdout', async () => {
    const r = await cli(['invoke', 'slow-report', '--payload', '{"seconds":0.2,"title":"T"}', '--logs']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ title: 'T', steps: 1 });
    expect(r.stderr).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST$/m);
    expect(r.stderr).toMatch(/progress 1\/1 \(100%\)/);
    expect(r.stderr).toMatch(/^REPORT RequestId: /m);
    expect(r.stderr).toMatch(
      /^duration [\d.]+ m?s · billed [\d.]+ m?s · memory \d+\/128 MB · init [\d.]+ m?s$/m,
    );
  });

  it('--json returns the whole result, with the log tail and the parsed REPORT figures', async () => {
    const r = await cli(['invoke', 'echo', '--payload', '{"a":1}', '--logs', '--json']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(body).toMatchObject({
      functionName: 'echo',
      invocationType: 'RequestResponse',
      statusCode: 200,
      executedVersion: '$LATEST',
      payloadKind: 'json',
      payload: { a: 1 },
      report: { memorySizeMb: 128, durationMs: expect.any(Number), maxMemoryUsedMb: expect.any(Number) },
    });
    expect((body.logs as string[]).some((l) => l.startsWith('REPORT RequestId:'))).toBe(true);
  });

  it('--dry-run and --async report the status and run nothing synchronously', async () => {
    const dry = await cli(['invoke', 'echo', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe('dry run passed: echo can be invoked with this payload (status 204)\n');
    const async = await cli(['invoke', 'echo', '--async', '--payload', '{}']);
    expect(async.code).toBe(0);
    expect(async.stdout).toMatch(
      /^accepted: echo queued for asynchronous invocation \(status 202, request id [0-9a-f-]{36}\)\n$/,
    );
  });

  it('a function error prints type, message and trace on stderr and exits 1', async () => {
    const r = await cli(['invoke', 'always-fails']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const err = lines(r.stderr);
    expect(err[0]).toBe('function error: always-fails failed (Unhandled)');
    expect(err[1]).toMatch(/^ {2}PaymentDeclinedError: Card ending \d{4} was declined/);
    expect(err.slice(2).length).toBeGreaterThan(0);
    for (const l of err.slice(2)) expect(l).toMatch(/^ {4}at /);
    const json = await cli(['invoke', 'always-fails', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      statusCode: 200,
      functionError: { kind: 'Unhandled', errorType: 'PaymentDeclinedError', trace: expect.any(Array) },
    });
  });

  it('bad input: one line, exit 2', async () => {
    expectOneLineError(
      await cli(['invoke', 'echo', '--payload', '{bad json']),
      2,
      'the payload from the --payload value is not valid JSON',
      'Accepted: inline JSON, @file.json, or - to read stdin',
    );
    expectOneLineError(
      await cli(['invoke', 'echo', '--payload', `@${join(dir, 'broken.json')}`]),
      2,
      'is not valid JSON',
    );
    expectOneLineError(
      await cli(['invoke', 'echo', '--payload', '@nowhere/event.json']),
      2,
      "cannot read payload file 'nowhere/event.json': no such file",
    );
    expectOneLineError(
      await cli(['invoke', 'echo', '--payload', '-'], { input: '' }),
      2,
      'the payload from stdin is empty',
    );
    expectOneLineError(
      await cli(['invoke', 'ecoh']),
      2,
      "unknown function 'ecoh' (did you mean 'echo'?)",
      `Accepted: ${EXAMPLES.join(', ')}.`,
    );
    expectOneLineError(
      await cli(['invoke', 'hidden']),
      2,
      "function 'hidden' is excluded by the configured filters",
      'MCPEnabled',
    );
    expectOneLineError(
      await cli(['invoke', 'arn:aws:lambda:us-east-1:000000000000:function:hidden']),
      2,
      "function 'hidden' is excluded",
    );
    expectOneLineError(
      await cli(['invoke', 'data-processor', '--payload', '{"data_source":"nope"}']),
      2,
      '/data_source',
      'lambda-mcp schema data-processor --examples',
    );
  });

  it('Ctrl-C during a slow invocation cancels it and exits 130', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'invoke', 'slow-report', '--payload', '{"seconds":20}', '--local', dir, '--log-level', 'debug'],
      { env: childEnv(FILTER), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await waitFor(() => err.includes('catalog refreshed'), 15_000, 'discovery before the invocation');
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(out).toBe('');
      expect(err).toMatch(/^interrupted$/m);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('--qualifier and name:qualifier invoke an alias; an unknown one is one line, exit 2', async () => {
    const payload = '{"data_source":"web-traffic","output_format":"summary"}';
    const viaFlag = await cli([
      'invoke',
      'data-processor',
      '--qualifier',
      'live',
      '--payload',
      payload,
      '--json',
    ]);
    expect(viaFlag.code, viaFlag.stderr).toBe(0);
    expect(JSON.parse(viaFlag.stdout)).toMatchObject({
      qualifier: 'live',
      payload: { data_source: 'web-traffic' },
    });
    const viaName = await cli(['invoke', 'data-processor:live', '--payload', payload]);
    expect(viaName.code, viaName.stderr).toBe(0);
    expect(JSON.parse(viaName.stdout)).toMatchObject({ output_format: 'summary' });
    expectOneLineError(
      await cli(['invoke', 'data-processor', '--qualifier', 'nope', '--payload', payload]),
      2,
      "function 'data-processor' has no version or alias 'nope'",
      'Accepted:',
    );
  });

  it('--log-level info shows the service logs on stderr; the default shows none', async () => {
    const quiet = await cli(['invoke', 'echo']);
    expect(quiet.stderr).toBe('');
    const verbose = await cli(['invoke', 'echo', '--log-level', 'info']);
    expect(verbose.code).toBe(0);
    expect(verbose.stderr).toMatch(/^info +catalog refreshed /m);
    expect(JSON.parse(verbose.stdout)).toEqual({});
  });

  it('--json keeps stdout parseable when the input is bad', async () => {
    const r = await cli(['invoke', 'hidden', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'FUNCTION_NOT_ALLOWED', exitCode: 2 } });
  });
});

describe('schema', () => {
  it('shows the input and output schema as the tool shows them, with examples', async () => {
    const r = await cli(['schema', 'customer-lookup', '--examples']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Tool customer_lookup$/m);
    expect(r.stdout).toMatch(/^Input schema — local\/customer-lookup-input/m);
    expect(r.stdout).toContain('"customer_id"');
    expect(r.stdout).toMatch(/^Output schema — local\/customer-lookup-output/m);
    expect(r.stdout).toMatch(/^Examples \(\d\)$/m);
  });

  it('--json: the inputSchema equals the tool catalog entry; examples validate', async () => {
    const r = await cli(['schema', 'data-processor', '--examples', '--json']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as {
      tool: string;
      inputSchema: { type: string; required: string[] };
      examples: Array<Record<string, unknown>>;
      input: { source: { kind: string } };
    };
    expect(body.tool).toBe('data_processor');
    expect(body.inputSchema.type).toBe('object');
    expect(body.inputSchema.required).toContain('data_source');
    expect(body.input.source.kind).toBe('registry');
    expect(body.examples.length).toBeGreaterThan(0);
    for (const example of body.examples)
      expect(['customer-analytics', 'sales-metrics', 'web-traffic']).toContain(example.data_source);
    const tools = JSON.parse((await cli(['tools', 'data_processor', '--json'])).stdout) as {
      tools: Array<{ inputSchema: unknown }>;
    };
    expect(body.inputSchema).toEqual(tools.tools[0]?.inputSchema);
  });

  it('a function without a schema takes any object', async () => {
    const r = await cli(['schema', 'echo', '--json']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { inputSchema: Record<string, unknown>; outputSchema: unknown };
    expect(body.inputSchema.type).toBe('object');
    expect(body.outputSchema).toBeNull();
  });

  it('--version picks a registry version; a missing one is one line, exit 2', async () => {
    const v1 = await cli(['schema', 'data-processor', '--version', '1', '--json']);
    expect(v1.code, v1.stderr).toBe(0);
    expect(JSON.parse(v1.stdout)).toMatchObject({ input: { source: { kind: 'registry', version: '1' } } });
    expectOneLineError(
      await cli(['schema', 'data-processor', '--version', '7']),
      2,
      '--version 7:',
      'no version 7',
      'Accepted: an existing version',
    );
    expectOneLineError(
      await cli(['schema', 'echo', '--version', '1']),
      2,
      '--version applies to registry schemas, and echo has no input schema tag',
    );
  });

  it('unknown function: one line, exit 2', async () => {
    expectOneLineError(await cli(['schema', 'nope']), 2, "unknown function 'nope'");
  });
});

describe('monitor and logs (history off: only what this run invoked, nothing)', () => {
  const noHistory = { env: { LAMBDA_MCP_DISK_CACHE: 'false' } };
  it('monitor --json gives the report with every series and a zero summary', async () => {
    const r = await cli(['monitor', 'echo', '--since', '30m', '--errors', '--json'], noHistory);
    expect(r.code, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout) as {
      functionName: string;
      start: string;
      end: string;
      summary: { invocations: number; errors: number; errorRate: number };
      series: Record<string, unknown>;
      recentErrors: unknown[];
    };
    expect(body.functionName).toBe('echo');
    expect(Date.parse(body.end) - Date.parse(body.start)).toBeGreaterThanOrEqual(29 * 60_000);
    expect(Date.parse(body.end) - Date.parse(body.start)).toBeLessThanOrEqual(31 * 60_000);
    expect(body.summary).toMatchObject({ invocations: 0, errors: 0, errorRate: 0 });
    expect(Object.keys(body.series)).toEqual(
      expect.arrayContaining(['invocations', 'errors', 'throttles', 'duration', 'concurrency']),
    );
    expect(body.recentErrors).toEqual([]);
  });

  it('monitor prints a row per series and the summary', async () => {
    const r = await cli(['monitor', 'echo', '--from', '2h', '--to', '1h']);
    expect(r.code, r.stderr).toBe(0);
    for (const row of ['Invocations', 'Errors', 'Throttles', 'Duration p99', 'Concurrency', 'Summary']) {
      expect(r.stdout).toMatch(new RegExp(`^${row}`, 'm'));
    }
    expect(r.stdout).toContain('invocations 0 · errors 0 (0%) · throttles 0');
  });

  it('bad time ranges: one line, exit 2', async () => {
    expectOneLineError(
      await cli(['monitor', 'echo', '--since', 'yesterday']),
      2,
      'Invalid --since "yesterday"',
      '15m, 1h',
    );
    expectOneLineError(
      await cli(['monitor', 'echo', '--since', '1h', '--from', '2h']),
      2,
      'use either --since or --from/--to',
    );
    expectOneLineError(
      await cli(['monitor', 'echo', '--from', '1h', '--to', '2h']),
      2,
      'must be before --to',
    );
  });

  it('logs --json gives an event list; a bad --limit is one line, exit 2', async () => {
    const r = await cli(['logs', 'echo', '--json'], noHistory);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ function: 'echo', count: 0, events: [] });
    const human = await cli(['logs', 'echo'], noHistory);
    expect(human.code).toBe(0);
    expect(human.stdout).toBe('');
    expect(human.stderr).toMatch(/^No log events for echo since /);
    expectOneLineError(await cli(['logs', 'echo', '--limit', '0']), 2, "invalid --limit '0'", '1 to 10000');
  });
});

describe('configuration errors', () => {
  it('a bad setting, a missing config file and a missing --local dir are one line, exit 2', async () => {
    expectOneLineError(
      await cli(['functions'], { env: { LAMBDA_MCP_MAX_TOOLS: 'lots' } }),
      2,
      'LAMBDA_MCP_MAX_TOOLS',
      '"lots"',
    );
    expectOneLineError(
      await cli(['functions', '--config', join(dir, 'missing.json')]),
      2,
      '--config',
      'missing.json',
    );
    const r = await runBin(['functions', '--local', join(dir, 'nope')]);
    expectOneLineError(
      r,
      2,
      'local functions directory',
      'does not exist',
      'e.g. --local examples/functions',
    );
  });
  it('reads filters from a config file', async () => {
    const file = join(dir, 'lambda-mcp.config.json');
    await writeFile(file, JSON.stringify({ functionPrefixes: ['data', 'echo'] }));
    const r = await runBin(['functions', '--json', '--local', dir, '--config', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(
      (JSON.parse(r.stdout) as { functions: Array<{ name: string }> }).functions.map((f) => f.name),
    ).toEqual(['data-processor', 'echo']);
  });
});
