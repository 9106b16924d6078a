// The built bin against the AWS backend: the real AWS SDK clients talking to the wire-level
// emulator on 127.0.0.1 (AWS_ENDPOINT_URL + static test credentials), which runs the bundled
// functions in the local runtime and records every request it receives.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@lambda-mcp/aws-emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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

let dir: string;
let emulator: Emulator;
let awsEnv: Record<string, string | undefined>;

const aws = (args: string[], options: RunOptions = {}) =>
  runBin(args, { ...options, env: { ...awsEnv, ...options.env } });

beforeAll(async () => {
  dir = await copyExamples();
  emulator = await startEmulator({ functionsDir: dir });
  awsEnv = {
    AWS_ENDPOINT_URL: emulator.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDCLITEST0001',
    AWS_SECRET_ACCESS_KEY: 'cli-test-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
});
afterAll(async () => {
  await emulator?.close();
  await removeDir(dir);
});
afterEach(() => emulator.setDeny([]));

describe('discovery, invocation and schemas over the AWS wire', () => {
  it('functions lists the emulator functions with their registry schema tags', async () => {
    const r = await aws(['functions']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const rows = lines(r.stdout);
    expect(rows.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([
      'always-fails',
      'customer-lookup',
      'data-processor',
      'echo',
      'slow-report',
    ]);
    expect(rows.find((l) => l.startsWith('customer-lookup'))).toMatch(/local\/customer-lookup-input$/);
    expect(
      emulator.requests.some((q) => q.operation === 'ListFunctions' && q.accessKeyId === 'AKIDCLITEST0001'),
    ).toBe(true);
  });

  it('invoke sends one Invoke and prints the payload; --logs shows the REPORT figures', async () => {
    const before = emulator.executions('echo');
    const r = await aws(['invoke', 'echo', '--payload', '{"via":"aws"}', '--logs']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ via: 'aws' });
    expect(r.stderr).toMatch(/^REPORT RequestId: /m);
    expect(r.stderr).toMatch(/^duration [\d.]+ m?s · billed \d+ ms · memory \d+\/128 MB/m);
    expect(emulator.executions('echo')).toBe(before + 1);
  });

  it('--dry-run reaches Lambda but runs nothing', async () => {
    const before = emulator.executions('echo');
    const r = await aws(['invoke', 'echo', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('dry run passed: echo');
    expect(emulator.executions('echo')).toBe(before);
    expect(emulator.requests.some((q) => q.operation === 'Invoke' && q.status === 204)).toBe(true);
  });

  it('a function error exits 1 with type, message and trace', async () => {
    const r = await aws(['invoke', 'always-fails']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^function error: always-fails failed \(Unhandled\)\n {2}PaymentDeclinedError: /,
    );
    expect(r.stderr).toMatch(/^ {4}at /m);
  });

  it('schema shows the registry schema as the tool inputSchema', async () => {
    const r = await aws(['schema', 'data-processor', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout) as {
      tool: string;
      inputSchema: { required: string[] };
      input: { source: Record<string, unknown> };
    };
    expect(body.tool).toBe('data_processor');
    expect(body.inputSchema.required).toContain('data_source');
    expect(body.input.source).toMatchObject({ kind: 'registry', schemaName: 'data-processor-input' });
    expect(emulator.requests.some((q) => q.service === 'schemas')).toBe(true);
  });

  it('unknown and malformed function names are one line, exit 2, and invoke nothing', async () => {
    const invokes = emulator.requests.filter((q) => q.operation === 'Invoke').length;
    for (const [name, text] of [
      ['ecoh', "unknown function 'ecoh' (did you mean 'echo'?)"],
      ['arn:aws:lambda:eu-west-1:111111111111:function:echo', 'echo'],
      [' echo', 'whitespace'],
    ] as const) {
      const r = await aws(['invoke', name]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(2);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toContain(text);
    }
    expect(emulator.requests.filter((q) => q.operation === 'Invoke').length).toBe(invokes);
  });
});

describe('monitor and logs read what the emulator recorded', () => {
  it('monitor shows the invocations and errors just made, with recent error details', async () => {
    for (let i = 0; i < 2; i++) await aws(['invoke', 'always-fails']);
    const r = await aws(['monitor', 'always-fails', '--since', '15m', '--errors', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      summary: { invocations: number; errors: number; errorRate: number };
      recentErrors: Array<{ kind: string; errorType?: string; message: string }>;
    };
    expect(report.summary.invocations).toBeGreaterThanOrEqual(2);
    expect(report.summary.errors).toBe(report.summary.invocations);
    expect(report.summary.errorRate).toBe(1);
    // Errors are parsed: the type is its own field, the message is the error's own text.
    expect(
      report.recentErrors.some(
        (e) => e.errorType === 'PaymentDeclinedError' || e.message.includes('PaymentDeclinedError'),
      ),
    ).toBe(true);
    expect(emulator.requests.some((q) => q.operation === 'GetMetricData')).toBe(true);

    const human = await aws(['monitor', 'always-fails', '--since', '15m', '--errors']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Invocations +[▁▂▃▄▅▆▇█ ]+ +total \d+$/m);
    expect(human.stdout).toMatch(/^Errors +[▁▂▃▄▅▆▇█ ]+ +total \d+ \(100%\)$/m);
    expect(human.stdout).toContain('Invocations per period');
    expect(human.stdout).toMatch(/^Recent errors \(\d+\)$/m);
    expect(human.stdout).not.toContain(String.fromCharCode(27));
  });

  it('logs prints the log events; --filter narrows them', async () => {
    const inv = await aws(['invoke', 'echo', '--json']);
    const requestId = (JSON.parse(inv.stdout) as { requestId: string }).requestId;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const r = await aws(['logs', 'echo', '--since', '10m']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ  START RequestId: ${requestId}`, 'm'),
    );
    expect(r.stdout).toMatch(new RegExp(`REPORT RequestId: ${requestId}`));
    const filtered = await aws(['logs', 'echo', '--since', '10m', '--filter', 'REPORT', '--json']);
    const events = (JSON.parse(filtered.stdout) as { events: Array<{ message: string }> }).events;
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(e.message).toContain('REPORT');
  });

  it('logs --follow prints new events as they arrive and exits 0 on Ctrl-C', async () => {
    const child = spawn(process.execPath, [BIN, 'logs', 'echo', '--since', '1s', '--follow', '--json'], {
      env: childEnv(awsEnv),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
      // The first poll has run once the services answered: the emulator saw a FilterLogEvents call.
      await waitFor(
        () => emulator.requests.some((q) => q.operation === 'FilterLogEvents' && Date.now() - q.time < 5000),
        15_000,
        'the first poll',
      );
      const inv = await aws(['invoke', 'echo', '--json']);
      const requestId = (JSON.parse(inv.stdout) as { requestId: string }).requestId;
      await waitFor(() => out.includes(`REPORT RequestId: ${requestId}`), 15_000, 'the new REPORT line');
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      const events = lines(out).map((l) => JSON.parse(l) as { message: string });
      expect(events.some((e) => e.message.startsWith(`START RequestId: ${requestId}`))).toBe(true);
      // Each event once, even though polls overlap at the newest timestamp.
      expect(new Set(lines(out)).size).toBe(lines(out).length);
      expect(err).not.toContain('error');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('tools and doctor over AWS', () => {
  it('tools lists per-function and generic tools', async () => {
    const r = await aws(['tools', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const names = (JSON.parse(r.stdout) as { tools: Array<{ name: string }> }).tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['data_processor', 'echo', 'invoke_function', 'list_functions']),
    );
  });

  it('doctor passes: identity from STS, region, endpoint, every permission', async () => {
    const r = await aws(['doctor']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(
      /^PASS {2}credentials +identity arn:aws:iam::000000000000:\S+, access key AKID…0001, from environment \(AWS_ACCESS_KEY_ID\), region us-east-1, endpoint http:\/\/127\.0\.0\.1:\d+/m,
    );
    for (const check of [
      'list functions',
      'read tags',
      'filters',
      'invoke \\(dry run\\)',
      'schemas',
      'metrics',
      'logs',
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^PASS  ${check} `, 'm'));
    }
    expect(r.stdout).not.toContain('AKIDCLITEST0001');
    expect(r.stdout).not.toContain('cli-test-secret');
  });

  it('doctor names each denied permission with the IAM action to grant, and exits 1', async () => {
    emulator.setDeny(['lambda:InvokeFunction', 'cloudwatch:GetMetricData', 'logs:FilterLogEvents']);
    const r = await aws(['doctor', '--json']);
    expect(r.code).toBe(1);
    const body = JSON.parse(r.stdout) as {
      ok: boolean;
      checks: Array<{ id: string; status: string; fix?: string; action?: string }>;
    };
    expect(body.ok).toBe(false);
    const byId = Object.fromEntries(body.checks.map((c) => [c.id, c]));
    expect(byId.list?.status).toBe('pass');
    for (const [id, action] of [
      ['invoke', 'lambda:InvokeFunction'],
      ['metrics', 'cloudwatch:GetMetricData'],
      ['logs', 'logs:FilterLogEvents'],
    ] as const) {
      expect(byId[id], id).toMatchObject({ status: 'fail', action });
      expect(byId[id]?.fix, id).toContain(`Allow ${action}`);
    }
  });

  it('a denied invocation exits 1 with a hint; nothing runs', async () => {
    emulator.setDeny(['lambda:InvokeFunction']);
    const before = emulator.executions('echo');
    const r = await aws(['invoke', 'echo']);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)[0]).toMatch(/^error: /);
    expect(r.stderr).toContain('hint: Run `lambda-mcp doctor`');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(emulator.executions('echo')).toBe(before);
  });

  it('--profile takes the credentials of a named profile (never AWS_PROFILE forced)', async () => {
    const file = join(dir, 'credentials');
    await writeFile(
      file,
      '[cli-test]\naws_access_key_id = AKIDPROFILE0002\naws_secret_access_key = profile-secret\n',
    );
    const env = {
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SHARED_CREDENTIALS_FILE: file,
    };
    const r = await aws(['doctor', '--profile', 'cli-test'], { env });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(
      /^PASS {2}credentials +identity \S+, access key AKID…0002, from profile cli-test, region us-east-1/m,
    );
    expect(
      emulator.requests.some((q) => q.accessKeyId === 'AKIDPROFILE0002' && q.operation === 'ListFunctions'),
    ).toBe(true);
    const region = await aws(['functions', '--json', '--profile', 'cli-test', '--region', 'eu-west-1'], {
      env,
    });
    expect(region.code, region.stderr).toBe(0);
    expect(
      emulator.requests.some((q) => q.accessKeyId === 'AKIDPROFILE0002' && q.region === 'eu-west-1'),
    ).toBe(true);
  });

  it('without credentials: doctor says so with the fix; other commands exit 1 with a hint', async () => {
    const env = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined };
    const doctor = await aws(['doctor'], { env });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/^FAIL {2}credentials +no AWS credentials found/m);
    expect(doctor.stdout).toMatch(/fix: Provide AWS credentials/);
    const functions = await aws(['functions'], { env });
    expect(functions.code).toBe(1);
    expect(lines(functions.stderr)[0]).toMatch(/^error: .*credentials/i);
    expect(functions.stderr).toMatch(/^hint: /m);
    expect(functions.stderr).not.toMatch(/\n\s+at /);
  });
});
