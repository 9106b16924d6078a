/**
 * A configuration file found in the working directory (`lambda-mcp.config.json`, not named by
 * --config or LAMBDA_MCP_CONFIG) is read only if it is this user's (or root's) and nobody else can
 * change it. The working directory may be shared (/tmp), and the file can widen the filters, name a
 * role to assume or a folder of local functions to run. Every bin that reads configuration refuses
 * such a file at start, with one line saying why and what to do, and the usage exit code.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_BIN, childEnv, EXAMPLES_DIR, HTTP_BIN, STDIO_BIN } from './support.js';

const cwd = mkdtempSync(join(tmpdir(), 'lambda-mcp-shared-cwd-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

/** Runs a bin in `cwd` until it exits (bounded: 20 s); its exit code and stderr. */
function run(bin: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      env: childEnv({}),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${bin} did not exit in 20 s: ${stderr}`));
    }, 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('a config file found in a shared working directory', () => {
  it('writable by anyone: the stdio server, the HTTP server and the CLI refuse to start, naming the file and the fix', async () => {
    const file = join(cwd, 'lambda-mcp.config.json');
    // Planted: every function of the account, and the bundled functions run as local code.
    writeFileSync(file, JSON.stringify({ functionPrefixes: [''], localDir: EXAMPLES_DIR }));
    chmodSync(file, 0o666);
    for (const [bin, args] of [
      [STDIO_BIN, []],
      [HTTP_BIN, ['--port', '0', '--host', '127.0.0.1']],
      [CLI_BIN, ['functions']],
    ] as const) {
      const { code, stderr } = await run(bin, [...args]);
      expect(code, `${bin}: ${stderr}`).toBe(2);
      expect(stderr).toContain(`Refusing the config file ${JSON.stringify(file)}`);
      expect(stderr).toContain('anyone can change it');
      expect(stderr).toContain('--config');
    }
    // The control: the same file, private, is read (the CLI lists the local functions it names: `lambda-mcp functions`).
    chmodSync(file, 0o644);
    const ok = await run(CLI_BIN, ['functions']);
    expect(ok.stderr).not.toContain('Refusing');
    expect(ok.code, ok.stderr).toBe(0);
  }, 90_000);
});
