/**
 * Shared parts of the security suite: the built bins in child processes (their stderr captured),
 * an SDK client over stdio or HTTP, raw HTTP requests, and bounded waits.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import http from 'node:http';
import { resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const EXAMPLES_DIR = resolve(REPO_ROOT, 'examples/functions');
export const HTTP_BIN = resolve(REPO_ROOT, 'apps/http-server/dist/cli.js');
export const STDIO_BIN = resolve(REPO_ROOT, 'apps/stdio-server/dist/cli.js');
export const CLI_BIN = resolve(REPO_ROOT, 'apps/cli/dist/cli.js');
export const PROTOCOL_VERSION = '2025-11-25';

type Falsy = undefined | null | false | '' | 0;

export async function waitFor<T>(
  check: () => T | Falsy | Promise<T | Falsy>,
  ms: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as T;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`Timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

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
      if (exit !== null) throw new Error(`lambda-mcp-http exited with ${exit}: ${err}`);
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

export interface McpConnection {
  client: Client;
  /** The server's stderr (stdio only; HTTP servers are read from their HttpBin). */
  stderr: () => string;
  close: () => Promise<void>;
}

/** The stdio server bin, driven by the SDK client. */
export async function connectStdio(args: string[], env: Record<string, string>): Promise<McpConnection> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [STDIO_BIN, ...args],
    env: childEnv(env),
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => {
    err += d.toString('utf8');
  });
  const client = new Client({ name: 'security-suite', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => err, close: () => client.close() };
}

/** An SDK client over Streamable HTTP, with an optional bearer token. */
export async function connectHttp(url: string, token?: string): Promise<McpConnection> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    ...(token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {}),
  });
  const client = new Client({ name: 'security-suite', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => '', close: () => client.close() };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** A raw HTTP request with full control of the headers (Host included) and the body. */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean },
): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolveRequest, reject) => {
    const body = options.body ?? '';
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: options.method ?? 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(options.chunked
            ? { 'transfer-encoding': 'chunked' }
            : { 'content-length': Buffer.byteLength(body) }),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolveRequest({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error('no answer within 20 s')));
    // A server that refuses a body early may close the connection while it is still being sent.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET')
        reject(Object.assign(error, { early: true }));
      else reject(error);
    });
    if (options.chunked) {
      const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
      for (let i = 0; i < buf.length; i += 64 * 1024) req.write(buf.subarray(i, i + 64 * 1024));
      req.end();
    } else {
      req.end(body);
    }
  });
}

export const INITIALIZE_BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (bounded). */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 20_000): Promise<RunResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lambda-mcp ${args.join(' ')} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/** The text of a tool result's content blocks. */
export function resultText(result: unknown): string {
  const content = ((result as { content?: unknown[] } | undefined)?.content ?? []) as Array<{
    text?: string;
  }>;
  return content.map((c) => c.text ?? '').join('\n');
}
