/**
 * Shared parts of the reliability suite: the built bins in child processes, a raw Streamable HTTP
 * client (keep-alive, no SDK, so thousands of calls stay cheap), a raw stdio JSON-RPC client, and a
 * seeded PRNG so every run sends the same messages.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import http from 'node:http';
import { resolve } from 'node:path';

import { childEnv, PROTOCOL_VERSION, waitFor } from '../../shared/bins.js';
import { type JsonRpcMessage, type RawResponse, readResponse } from '../../shared/http-messages.js';

export {
  childEnv,
  EXAMPLES_DIR,
  HTTP_BIN,
  type HttpBin,
  PROTOCOL_VERSION,
  REPO_ROOT,
  STDIO_BIN,
  startHttpBin,
  waitFor,
} from '../../shared/bins.js';

export const FIXTURES_DIR = resolve(import.meta.dirname, '../functions');

/** mulberry32: a small seeded PRNG (same seed, same sequence). */
export function createRandom(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number): number => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    chance: (p: number): boolean => next() < p,
  };
}
export type Random = ReturnType<typeof createRandom>;

export type { RawResponse } from '../../shared/http-messages.js';

/** A keep-alive HTTP client for raw POSTs to /mcp. */
export function createRawClient(url: string, maxSockets = 64) {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  function post(
    body: string,
    headers: Record<string, string> = {},
    timeoutMs = 30_000,
  ): Promise<RawResponse> {
    return new Promise((resolvePost, reject) => {
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'content-length': Buffer.byteLength(body),
            ...headers,
          },
        },
        (res) => {
          readResponse(res).then(resolvePost, reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
  return { post, close: () => agent.destroy() };
}
export type RawClient = ReturnType<typeof createRawClient>;

export { type JsonRpcMessage, parseMessages } from '../../shared/http-messages.js';

export const INITIALIZE = {
  jsonrpc: '2.0',
  method: 'initialize',
  params: {
    protocolVersion: PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: 'reliability-suite', version: '1.0.0' },
  },
};

/** Opens a stateful session over raw HTTP: initialize + notifications/initialized; returns its headers. */
export async function openSession(client: RawClient, extra: Record<string, string> = {}) {
  const init = await client.post(JSON.stringify({ ...INITIALIZE, id: 'init' }), extra);
  const sessionId = init.headers['mcp-session-id'];
  if (init.status !== 200 || typeof sessionId !== 'string') {
    throw new Error(`initialize failed: ${init.status} ${init.text.slice(0, 200)}`);
  }
  const headers = { ...extra, 'mcp-session-id': sessionId, 'mcp-protocol-version': PROTOCOL_VERSION };
  const initialized = await client.post(
    JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    headers,
  );
  if (initialized.status !== 202) throw new Error(`initialized got ${initialized.status}`);
  return headers;
}

/** Runs `count` tasks with at most `concurrency` at once; results in task order. */
export async function runPool<T>(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  });
  await Promise.all(workers);
  return results;
}

/** The text of a tool result's content blocks, joined. */
export function resultText(result: Record<string, unknown> | undefined): string {
  const content = (result?.content ?? []) as Array<{ type?: string; text?: string }>;
  return content.map((c) => c.text ?? '').join('\n');
}

/**
 * Lines of a server's stderr that are not its JSON log lines (the servers log Node's process
 * warnings as JSON lines too): a crash (a stack trace, "FATAL ERROR", an uncaught exception printed
 * by Node) or any stray text shows up here.
 */
export function nonLogLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => {
      try {
        return typeof (JSON.parse(line) as { level?: unknown }).level !== 'string';
      } catch {
        return true;
      }
    })
    .map((line) => line.slice(0, 300));
}

/** The Node process warnings a server logged (as JSON lines with a `warning` field): reported, not failed on. */
export function processWarnings(stderr: string): string[] {
  const warnings = stderr.split('\n').flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { warning?: unknown; msg?: unknown };
      return typeof entry.warning === 'string' ? [`${entry.warning}: ${String(entry.msg)}`] : [];
    } catch {
      return [];
    }
  });
  return [...new Set(warnings)];
}

export interface StdioPeer {
  child: ChildProcessWithoutNullStreams;
  send: (text: string) => void;
  /** Sends a request and resolves with its answer (bounded). */
  request: (method: string, params?: unknown, timeoutMs?: number) => Promise<JsonRpcMessage>;
  /** Answers received, by JSON-encoded id. */
  responses: Map<string, JsonRpcMessage[]>;
  /** stdout lines that were not JSON: must stay empty (stdout carries JSON-RPC only). */
  corrupt: string[];
  stderr: () => string;
  exited: Promise<number | null>;
}

/** A raw newline-delimited JSON-RPC peer over a child's stdio (the stdio server bin). */
export function startStdioPeer(args: string[], env: Record<string, string>): StdioPeer {
  const child = spawn(process.execPath, args, { env: childEnv(env) });
  const responses = new Map<string, JsonRpcMessage[]>();
  const corrupt: string[] = [];
  let pending = '';
  let err = '';
  let seq = 0;
  child.stdout.on('data', (d: Buffer) => {
    pending += d.toString('utf8');
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      nl = pending.indexOf('\n');
      if (!line.trim()) continue;
      let msg: JsonRpcMessage;
      try {
        msg = JSON.parse(line) as JsonRpcMessage;
      } catch {
        corrupt.push(line.slice(0, 200));
        continue;
      }
      if (msg.method !== undefined) continue; // the server's own notifications
      const key = JSON.stringify(msg.id ?? null);
      responses.set(key, [...(responses.get(key) ?? []), msg]);
    }
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString('utf8');
  });
  child.stdin.on('error', () => {});
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const send = (text: string) => {
    child.stdin.write(`${text}\n`);
  };
  return {
    child,
    send,
    async request(method, params, timeoutMs = 30_000) {
      const id = `req-${++seq}`;
      send(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params !== undefined ? { params } : {}) }));
      const key = JSON.stringify(id);
      const answers = await waitFor(() => responses.get(key), timeoutMs, `the answer to ${method} ${id}`);
      return answers[0] as JsonRpcMessage;
    },
    responses,
    corrupt,
    stderr: () => err,
    exited,
  };
}
