/**
 * What the cross-package suites (tests/reliability, tests/security) share: where the built bins
 * are, bounded waits, a clean child environment, and the HTTP server bin on an ephemeral port.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { GaveUp, waitFor } from './wait-and-log.js';

export { GaveUp, waitFor } from './wait-and-log.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const EXAMPLES_DIR = resolve(REPO_ROOT, 'examples/functions');
export const HTTP_BIN = resolve(REPO_ROOT, 'apps/http-server/dist/cli.js');
export const STDIO_BIN = resolve(REPO_ROOT, 'apps/stdio-server/dist/cli.cjs');
export const CLI_BIN = resolve(REPO_ROOT, 'apps/cli/dist/cli.js');
export const PROTOCOL_VERSION = '2025-11-25';

/** Environment for a child bin: only what it needs (no inherited AWS or lambda-mcp settings). */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_REGION: 'us-east-1',
    LAMBDA_MCP_DISK_CACHE: 'false',
    NO_COLOR: '1',
    ...extra,
  };
}

export interface HttpBin {
  url: string;
  base: string;
  child: ChildProcessWithoutNullStreams;
  stderr: () => string;
  exitCode: () => number | null;
  stop: () => Promise<number | null>;
}

/** Starts the built lambda-mcp-http on 127.0.0.1, an ephemeral port; LOG_LEVEL must be info or lower. */
export async function startHttpBin(args: string[], env: Record<string, string>): Promise<HttpBin> {
  const child = spawn(process.execPath, [HTTP_BIN, '--port', '0', '--host', '127.0.0.1', ...args], {
    env: childEnv(env),
  });
  let err = '';
  let exit: number | null = null;
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString('utf8');
  });
  child.stdout.on('data', () => {});
  const exited = new Promise<number | null>((r) =>
    child.on('exit', (code) => {
      exit = code;
      r(code);
    }),
  );
  const url = await waitFor(
    () => {
      if (exit !== null) throw new GaveUp(`lambda-mcp-http exited with ${exit}: ${err}`);
      return /"msg":"Listening".*?"url":"([^"]+)"/.exec(err)?.[1];
    },
    15_000,
    'lambda-mcp-http to listen',
  );
  return {
    url,
    base: url.replace(/\/mcp$/, ''),
    child,
    stderr: () => err,
    exitCode: () => exit,
    stop: async () => {
      if (exit === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
