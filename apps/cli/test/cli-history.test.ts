// The local backend's shared history through the built bin: each `lambda-mcp` run is a new
// process, yet `monitor` and `logs` show what earlier `invoke` runs did (as CloudWatch would).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExamples, type RunOptions, removeDir, runBin } from './helpers.js';

let dir: string;
let cacheDir: string;

const cli = (args: string[], options: RunOptions = {}) =>
  runBin([...args, '--local', dir], { ...options, env: { LAMBDA_MCP_CACHE_DIR: cacheDir, ...options.env } });

function historyFile(): string {
  const hash = createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 16);
  return join(cacheDir, 'local-history', `${hash}.jsonl`);
}

function historyLineCount(): number {
  const file = historyFile();
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '').length
    : 0;
}

interface Report {
  functionName: string;
  summary: { invocations: number; errors: number; errorRate: number };
  recentErrors?: { requestId?: string; errorType?: string; message?: string }[];
}

beforeAll(async () => {
  dir = await copyExamples();
  cacheDir = await mkdtemp(join(tmpdir(), 'lambda-mcp-cli-history-'));
});
afterAll(async () => {
  await removeDir(dir);
  await removeDir(cacheDir);
});

describe('--local history shared by CLI runs', () => {
  const requestIds: string[] = [];
  let failedId = '';

  beforeAll(async () => {
    for (const n of [1, 2]) {
      const r = await cli(['invoke', 'echo', '--payload', JSON.stringify({ n }), '--json']);
      expect(r.code, r.stderr).toBe(0);
      requestIds.push((JSON.parse(r.stdout) as { requestId: string }).requestId);
    }
    const failed = await cli(['invoke', 'always-fails', '--json']);
    expect(failed.code).toBe(1);
    failedId = (JSON.parse(failed.stdout) as { requestId: string }).requestId;
  }, 60_000);

  it('writes one line per invocation to <cacheDir>/local-history/<hash of the dir>.jsonl', () => {
    expect(historyLineCount()).toBe(3);
  });

  it('monitor echo --json counts the two invocations of earlier runs', async () => {
    const r = await cli(['monitor', 'echo', '--since', '15m', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.functionName).toBe('echo');
    expect(report.summary).toMatchObject({ invocations: 2, errors: 0, errorRate: 0 });
  });

  it('monitor always-fails --errors --json shows the error with its details', async () => {
    const r = await cli(['monitor', 'always-fails', '--since', '15m', '--errors', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.summary).toMatchObject({ invocations: 1, errors: 1 });
    expect(report.recentErrors).toHaveLength(1);
    expect(JSON.stringify(report.recentErrors)).toContain('PaymentDeclinedError');
    expect(JSON.stringify(report.recentErrors)).toContain(failedId);
  });

  it('logs echo --json shows START, END and REPORT of each earlier invocation, oldest first', async () => {
    const r = await cli(['logs', 'echo', '--since', '15m', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout) as { count: number; events: { message: string }[] };
    const messages = body.events.map((e) => e.message);
    for (const id of requestIds) {
      expect(messages).toContain(`START RequestId: ${id} Version: $LATEST`);
      expect(messages).toContain(`END RequestId: ${id}`);
      expect(messages.some((m) => m.startsWith(`REPORT RequestId: ${id}\tDuration: `))).toBe(true);
    }
    const starts = messages.filter((m) => m.startsWith('START '));
    expect(starts).toEqual(requestIds.map((id) => `START RequestId: ${id} Version: $LATEST`));
    // Reading wrote nothing.
    expect(historyLineCount()).toBe(3);
  });

  it('LAMBDA_MCP_DISK_CACHE=false turns the history off: nothing read, nothing written', async () => {
    const off = { env: { LAMBDA_MCP_DISK_CACHE: 'false' } };
    const invoked = await cli(['invoke', 'echo', '--payload', '{"n":3}'], off);
    expect(invoked.code, invoked.stderr).toBe(0);
    const r = await cli(['monitor', 'echo', '--since', '15m', '--json'], off);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Report).summary.invocations).toBe(0);
    expect(historyLineCount()).toBe(3);
  });
});
