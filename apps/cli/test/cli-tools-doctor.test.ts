// `tools` against what a real MCP client receives, `doctor` on the local backend, and the internal
// error path (exit 70) of the runner.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createServices, loadConfig } from '@lambda-mcp/core';
import { createLocalBackend } from '@lambda-mcp/core/local';
import { createLambdaMcpServer } from '@lambda-mcp/mcp-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/main.js';
import type { Io } from '../src/ui/io.js';
import { childEnv, copyExamples, lines, removeDir, runBin } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await copyExamples();
});
afterAll(() => removeDir(dir));

/** tools/list as an MCP client gets it from the server package, over the SDK's in-memory transport. */
async function toolsListFromServer(env: Record<string, string>): Promise<unknown> {
  const config = loadConfig({ flags: { local: dir }, env: { ...env } });
  const backend = createLocalBackend({
    dir,
    inputSchemaArnTagKey: config.inputSchemaArnTagKey,
    outputSchemaArnTagKey: config.outputSchemaArnTagKey,
  });
  const services = createServices({ backend, config });
  const lambda = createLambdaMcpServer(services);
  await lambda.ready;
  const server = lambda.createServer();
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'cli-test', version: '1.0.0' });
  try {
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
    return await client.listTools();
  } finally {
    await client.close();
    await lambda.close();
    await services.close();
  }
}

describe('tools', () => {
  it('--json equals the tools/list result a real MCP client receives', async () => {
    const envs: Array<Record<string, string>> = [
      {},
      { LAMBDA_MCP_TOOLS: 'generic' },
      { FUNCTION_PREFIX: 'data-,echo' },
    ];
    for (const env of envs) {
      const r = await runBin(['tools', '--json', '--local', dir], { env });
      expect(r.code, r.stderr).toBe(0);
      const fromCli = JSON.parse(r.stdout) as { tools: Array<{ name: string }> };
      const fromServer = (await toolsListFromServer(env)) as { tools: unknown[] };
      expect(fromCli).toEqual(fromServer);
      expect(fromCli.tools.length).toBeGreaterThan(0);
    }
  });

  it('prints each tool with its description, annotations and schemas', async () => {
    const r = await runBin(['tools', '--local', dir]);
    expect(r.code, r.stderr).toBe(0);
    for (const name of [
      'customer_lookup',
      'data_processor',
      'echo',
      'invoke_function',
      'list_functions',
      'monitor_executions',
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^${name}\\b`, 'm'));
    }
    expect(r.stdout).toMatch(/^ {2}annotations: read-only, idempotent, open-world$/m);
    expect(r.stdout).toContain('  inputSchema:');
    expect(r.stdout).toContain('  outputSchema:');
  });

  it('shows one tool; an unknown tool is one line, exit 2', async () => {
    const one = await runBin(['tools', 'echo', '--local', dir]);
    expect(one.code).toBe(0);
    expect(lines(one.stdout)[0]).toMatch(/^echo\b/);
    expect(one.stdout).not.toContain('invoke_function\n');
    const bad = await runBin(['tools', 'invoke_fnuction', '--local', dir]);
    expect(bad.code).toBe(2);
    expect(lines(bad.stderr)).toEqual([
      expect.stringMatching(
        /^error: unknown tool 'invoke_fnuction' \(did you mean 'invoke_function'\?\)\. Accepted: .*invoke_function/,
      ),
    ]);
  });
});

describe('doctor (local backend)', () => {
  it('passes every check that applies and exits 0', async () => {
    const r = await runBin(['doctor', '--local', dir]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^PASS {2}configuration +backend local/m);
    expect(r.stdout).toMatch(/^PASS {2}credentials +local backend .*no AWS credentials needed/m);
    expect(r.stdout).toMatch(/^PASS {2}list functions +5 functions found/m);
    expect(r.stdout).toMatch(
      /^PASS {2}filters +5 of 5 functions match the filters \(none configured: every function\)/m,
    );
    expect(r.stdout).toMatch(/^PASS {2}invoke \(dry run\) +dry run allowed for 5 functions/m);
    expect(r.stdout).toMatch(/^PASS {2}schemas +3 schema tags checked: every schema exists and compiles/m);
    expect(r.stdout).toMatch(/^PASS {2}metrics /m);
    expect(r.stdout).toMatch(/^(PASS|WARN) {2}logs /m);
    expect(r.stdout).not.toMatch(/^FAIL/m);
    expect(lines(r.stdout).at(-1)).toMatch(/^\d+ passed, \d+ warnings?, 0 failed, 0 skipped$/);
  });

  it('reports filters that match nothing, with the rule and how to fix it, and exits 1', async () => {
    const r = await runBin(['doctor', '--local', dir, '--json'], { env: { FUNCTION_PREFIX: 'billing-' } });
    expect(r.code).toBe(1);
    const body = JSON.parse(r.stdout) as {
      ok: boolean;
      checks: Array<{ id: string; status: string; message: string; fix?: string; details?: string[] }>;
      summary: { failed: number };
    };
    expect(body.ok).toBe(false);
    const filters = body.checks.find((c) => c.id === 'filters');
    expect(filters).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('0 of 5 functions match'),
    });
    expect(filters?.fix).toContain('FUNCTION_PREFIX');
    expect(filters?.details?.[0]).toMatch(/^excluded by prefix: .*billing-.*: 5 \(/);
    expect(body.checks.find((c) => c.id === 'invoke')?.status).toBe('skip');
    expect(body.summary.failed).toBe(1);
  });

  it('finds a schema tag that points to a missing schema, with the fix', async () => {
    const copy = await copyExamples();
    try {
      const manifestPath = join(copy, 'echo', 'function.json');
      const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { tags: Record<string, string> };
      const missing = 'arn:aws:schemas:us-east-1:000000000000:schema/local/echo-input-gone';
      manifest.tags['lambda-mcp:input-schema-arn'] = missing;
      await writeFile(manifestPath, JSON.stringify(manifest));
      const r = await runBin(['doctor', '--local', copy]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^FAIL {2}schemas +1 schema problem in 4 tagged functions$/m);
      expect(r.stdout).toMatch(
        new RegExp(`^ {6}- echo: .*${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.*not found`, 'm'),
      );
      expect(r.stdout).toMatch(/^ {6}fix: Fix the tag lambda-mcp:input-schema-arn /m);
      expect(lines(r.stdout).at(-1)).toMatch(/, 1 failed, /);
    } finally {
      await removeDir(copy);
    }
  });

  it('a configuration error is a failed check with the setting named', async () => {
    const r = await runBin(['doctor', '--local', dir], { env: { LAMBDA_MCP_MAX_TOOLS: '-3' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL {2}configuration +Invalid LAMBDA_MCP_MAX_TOOLS "-3"/m);
  });
});

describe('internal errors', () => {
  function memoryIo(failOnWrite: boolean): Io & { out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    const stdin = new PassThrough();
    stdin.end();
    return {
      out,
      err,
      stdin,
      env: childEnv(),
      cwd: process.cwd(),
      stdout: {
        write(chunk: string) {
          if (failOnWrite) throw new TypeError('stdout is broken');
          out.push(chunk);
          return true;
        },
      },
      stderr: {
        write(chunk: string) {
          err.push(chunk);
          return true;
        },
      },
    };
  }

  it('an unexpected failure exits 70 and asks for a report; --debug adds the stack', async () => {
    const io = memoryIo(true);
    const code = await runCli(['functions', '--local', dir], io);
    expect(code).toBe(70);
    expect(io.err.join('')).toContain('error: internal error: stdout is broken\n');
    expect(io.err.join('')).toContain(
      'hint: This is a bug in lambda-mcp. Please report it at https://github.com/lambda-mcp/lambda-mcp/issues',
    );
    expect(io.err.join('')).not.toMatch(/\n\s+at /);
    const debug = memoryIo(true);
    expect(await runCli(['functions', '--local', dir, '--debug'], debug)).toBe(70);
    expect(debug.err.join('')).toMatch(/TypeError: stdout is broken\n\s+at /);
  });

  it('runs in-process with the same output as the bin', async () => {
    const io = memoryIo(false);
    expect(await runCli(['functions', '--local', dir, '--json'], io)).toBe(0);
    const bin = await runBin(['functions', '--local', dir, '--json']);
    expect(io.out.join('')).toBe(bin.stdout);
  });
});
