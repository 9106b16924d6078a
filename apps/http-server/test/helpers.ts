import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type HttpServerHandle, startHttpServer } from '../src/main.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const FUNCTIONS_DIR = join(REPO_ROOT, 'examples/functions');
export const APP_DIR = resolve(import.meta.dirname, '..');
export const BIN = join(APP_DIR, 'dist/cli.js');

export interface Started extends HttpServerHandle {
  url: string;
  base: string;
  logs: string[];
  /** What the server wrote for people on stdout (the start-up line). */
  out: string[];
  audit: Array<Record<string, unknown>>;
}

/** Starts the server in this process on 127.0.0.1:0 with the given flags; logs and audit lines are captured. */
export async function start(
  argv: string[] = [],
  env: Record<string, string | undefined> = {},
  extra: Partial<Parameters<typeof startHttpServer>[0]> = {},
): Promise<Started> {
  const logs: string[] = [];
  const out: string[] = [];
  const audit: Array<Record<string, unknown>> = [];
  const handle = await startHttpServer({
    argv: ['--port', '0', '--host', '127.0.0.1', '--no-disk-cache', ...argv],
    env: { LOG_LEVEL: 'info', ...env },
    writeErr: (t) => void logs.push(t),
    writeOut: (t) => void out.push(t),
    writeAudit: (line) => void audit.push(JSON.parse(line) as Record<string, unknown>),
    ...extra,
  });
  if (!handle.url) throw new Error(`server did not start: ${logs.join('')}`);
  const base = handle.url.replace(/\/mcp$/, '');
  return Object.assign(handle, { url: handle.url, base, logs, out, audit }) as Started;
}

export async function startLocal(argv: string[] = [], env: Record<string, string | undefined> = {}) {
  return start(['--local', FUNCTIONS_DIR, ...argv], env);
}

export async function connect(
  url: string,
  options: { token?: string; name?: string } = {},
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: options.name ?? 'http-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    ...(options.token ? { requestInit: { headers: { authorization: `Bearer ${options.token}` } } } : {}),
  });
  await client.connect(transport);
  return { client, transport };
}

export const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

/** A raw POST to /mcp (fetch), returning status, headers and the body text. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => parseMessages(text)[0] };
}

/** JSON bodies or SSE `data:` lines, as messages. */
export function parseMessages(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return [JSON.parse(trimmed)];
  return trimmed
    .split('\n')
    .filter((l) => l.startsWith('data: ') && l.length > 6)
    .map((l) => JSON.parse(l.slice(6)));
}

export { waitFor } from '../../../tests/shared/wait-and-log.js';

/** A temporary copy of some bundled functions (for tests that add or remove functions). */
export function tempFunctions(names: string[]): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'lambda-mcp-http-'));
  for (const n of names) cpSync(join(FUNCTIONS_DIR, n), join(dir, n), { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (.+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[3] ?? '').split(',').filter(Boolean).sort();
    if (want.every((w) => have.includes(w)) && (want.length > 0 || have.length === 0)) return Number(m[4]);
  }
  return Number.NaN;
}
