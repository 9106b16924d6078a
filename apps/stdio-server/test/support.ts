import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { OFFLINE_AWS_ENV } from '../../../tests/shared/vitest-base.js';

const here = dirname(fileURLToPath(import.meta.url));
export const APP_DIR = resolve(here, '..');
export const REPO_ROOT = resolve(APP_DIR, '../..');
export const CLI = join(APP_DIR, 'dist/cli.cjs');
export const EXAMPLES = join(REPO_ROOT, 'examples/functions');

export function assertBuilt(): void {
  if (!existsSync(CLI)) {
    throw new Error(
      `${CLI} is missing: build first (pnpm --filter @lambda-mcp/stdio-server build, or pnpm build).`,
    );
  }
}

/** The environment every spawned server gets: no real AWS, no disk cache in the home folder. */
export function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  const base: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'SystemRoot']) {
    const v = process.env[key];
    if (v !== undefined) base[key] = v;
  }
  return {
    ...base,
    ...OFFLINE_AWS_ENV,
    LAMBDA_MCP_DISK_CACHE: 'false',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export interface Session {
  client: Client;
  transport: StdioClientTransport;
  stderr: () => string;
  listChanged: { count: number };
  close(): Promise<void>;
}

export async function startSession(args: string[], env: Record<string, string> = {}): Promise<Session> {
  assertBuilt();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, ...args],
    env: testEnv(env),
    cwd: REPO_ROOT,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  const client = new Client({ name: 'stdio-e2e', version: '1.0.0' });
  const listChanged = { count: 0 };
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    listChanged.count += 1;
  });
  await client.connect(transport);
  return {
    client,
    transport,
    stderr: () => stderr,
    listChanged,
    async close() {
      await client.close().catch(() => {});
    },
  };
}

/** A temporary copy of the bundled functions plus extra test functions. */
export function tempFunctions(
  extra: Record<string, { manifest: Record<string, unknown>; code: string }> = {},
): {
  dir: string;
  add(name: string, fn: { manifest: Record<string, unknown>; code: string }): void;
  cleanup(): void;
} {
  const root = mkdtempSync(join(tmpdir(), 'lambda-mcp-stdio-'));
  const dir = join(root, 'functions');
  cpSync(EXAMPLES, dir, { recursive: true });
  const add = (name: string, fn: { manifest: Record<string, unknown>; code: string }) => {
    const folder = join(dir, name);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'index.mjs'), fn.code);
    writeFileSync(
      join(folder, 'function.json'),
      JSON.stringify({ handler: 'index.handler', runtime: 'nodejs20.x', ...fn.manifest }, null, 2),
    );
  };
  for (const [name, fn] of Object.entries(extra)) add(name, fn);
  return { dir, add, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export { waitFor } from '../../../tests/shared/wait-and-log.js';

export function text(result: object): string {
  const content = ((result as { content?: unknown }).content ?? []) as Array<{ text?: string }>;
  return content.map((c) => c.text ?? '').join('\n');
}

/** Spawns the bin directly (no SDK client) to see raw stdout, exit codes and signals. */
export function spawnRaw(
  args: string[],
  env: Record<string, string> = {},
  bin: string = CLI,
): {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  send(message: unknown): void;
  /** The JSON-RPC message on stdout answering request `id`, if it came. */
  answer(id: number): { result?: Record<string, unknown>; error?: Record<string, unknown> } | undefined;
} {
  assertBuilt();
  const child = spawn(process.execPath, [bin, ...args], { cwd: REPO_ROOT, env: testEnv(env), stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString('utf8');
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('exit', (code, signal) => r({ code, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    send: (message) => child.stdin?.write(`${JSON.stringify(message)}\n`),
    answer: (id) =>
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .find((m) => m.id === id),
  };
}

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
export const INITIALIZED = { jsonrpc: '2.0', method: 'notifications/initialized' };
