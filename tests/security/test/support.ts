/**
 * Shared parts of the security suite: the built bins in child processes (their stderr captured),
 * an SDK client over stdio or HTTP, raw HTTP requests, and bounded waits.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { CLI_BIN, childEnv, PROTOCOL_VERSION, STDIO_BIN } from '../../shared/bins.js';

export {
  CLI_BIN,
  childEnv,
  EXAMPLES_DIR,
  GaveUp,
  HTTP_BIN,
  type HttpBin,
  PROTOCOL_VERSION,
  REPO_ROOT,
  STDIO_BIN,
  startHttpBin,
  waitFor,
} from '../../shared/bins.js';

import { type RawResponse, readResponse } from '../../shared/http-messages.js';

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

export type { RawResponse } from '../../shared/http-messages.js';

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
        readResponse(res).then(resolveRequest, reject);
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
