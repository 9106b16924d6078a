import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, connect, FUNCTIONS_DIR, REPO_ROOT, waitFor } from './helpers.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

beforeAll(() => {
  if (!existsSync(BIN))
    throw new Error(`${BIN} is missing: run pnpm --filter @lambda-mcp/http-server build first`);
});

interface Spawned {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exit: Promise<number | null>;
}

async function spawnServer(args: string[]): Promise<Spawned> {
  const child = spawn(
    process.execPath,
    [BIN, '--local', FUNCTIONS_DIR, '--port', '0', '--no-disk-cache', ...args],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url: string = await waitFor(
    () => /"msg":"Listening"[^\n]*"url":"([^"]+)"/.exec(err)?.[1] ?? '',
    10_000,
    'the Listening log line',
  ).catch((error: Error) => {
    throw new Error(`${error.message}; stderr: ${err.slice(0, 2000)}`);
  });
  return { child, url, stderr: () => err, exit };
}

describe('the lambda-mcp-http bin', () => {
  it('prints help and version, and refuses bad flags with exit code 2', () => {
    const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/lambda-mcp-http .*\n/);
    expect(help.stdout).toMatch(/--stateless/);
    expect(help.stdout).toMatch(/MCP_SERVER_PORT/);
    const version = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const bad = spawnSync(process.execPath, [BIN, '--no-such-flag'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/no-such-flag/);
    const badValue = spawnSync(process.execPath, [BIN, '--local', FUNCTIONS_DIR, '--max-sessions', 'lots'], {
      encoding: 'utf8',
    });
    expect(badValue.status).toBe(2);
    expect(badValue.stderr).toMatch(/Invalid --max-sessions "lots": expected an integer/);
    expect(badValue.stderr).not.toMatch(/\n\s+at /);
  });

  it('on SIGTERM stops accepting, lets the in-flight call finish, then exits 0', async () => {
    const s = await spawnServer(['--shutdown-timeout', '20s']);
    const { client } = await connect(s.url);
    const base = s.url.replace(/\/mcp$/, '');
    const call = client.callTool({
      name: 'slow_report',
      arguments: { seconds: 2 },
    }) as Promise<CallToolResult>;
    await waitFor(
      async () => /lambda_mcp_invocations_in_flight 1/.test(await (await fetch(`${base}/metrics`)).text()),
      5_000,
      'call in flight',
    );
    s.child.kill('SIGTERM');
    // New connections are refused while the call runs.
    await waitFor(
      async () => {
        try {
          await fetch(`${base}/health`);
          return false;
        } catch {
          return true;
        }
      },
      3_000,
      'listener closed',
    );
    expect(s.child.exitCode).toBeNull();
    const result = await call;
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.structuredContent)).toMatch(/"steps":2/);
    expect(await s.exit).toBe(0);
    expect(s.stderr()).toMatch(/"msg":"Shutting down"[^\n]*"activeCalls":1/);
    expect(s.stderr()).toMatch(/"msg":"Stopped"[^\n]*"unfinishedCalls":0/);
  });

  it('exits at the shutdown deadline when a call runs longer', async () => {
    const s = await spawnServer(['--shutdown-timeout', '1s']);
    const { client } = await connect(s.url);
    const base = s.url.replace(/\/mcp$/, '');
    const call = client.callTool({ name: 'slow_report', arguments: { seconds: 20 } });
    call.catch(() => {});
    await waitFor(
      async () => /lambda_mcp_invocations_in_flight 1/.test(await (await fetch(`${base}/metrics`)).text()),
      5_000,
      'call in flight',
    );
    const t0 = Date.now();
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect(s.stderr()).toMatch(/"msg":"Stopped"[^\n]*"unfinishedCalls":1/);
    await expect(call).rejects.toThrow();
  });
});
