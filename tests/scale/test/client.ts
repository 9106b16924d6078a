/**
 * A raw Streamable HTTP client for the scale suite (keep-alive, no SDK: thousands of calls stay
 * cheap): POSTs with bounded time, SSE bodies parsed into JSON-RPC messages, and a GET stream
 * reader for notifications.
 */
import http from 'node:http';
import { type JsonRpcMessage, parseMessages as parseAll, readResponse } from '../../shared/http-messages.js';

export const PROTOCOL_VERSION = '2025-11-25';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export type { JsonRpcMessage } from '../../shared/http-messages.js';

/** The JSON-RPC messages of a body; half a message at the end of a cut stream is left out. */
export function parseMessages(text: string): JsonRpcMessage[] {
  return parseAll(text, { skipIncomplete: true });
}

export function createClient(maxSockets = 64) {
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  function request(
    url: string,
    method: 'POST' | 'DELETE',
    body: string | undefined,
    headers: Record<string, string> = {},
    timeoutMs = 30_000,
  ): Promise<Answer> {
    const target = new URL(url);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method,
          agent,
          headers: {
            accept: 'application/json, text/event-stream',
            ...(body !== undefined
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
              : {}),
            ...headers,
          },
        },
        (res) => {
          res.on('aborted', () => reject(new Error('response cut before its end')));
          readResponse(res).then(resolve, reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
  const post = (url: string, message: unknown, headers: Record<string, string> = {}, timeoutMs?: number) =>
    request(url, 'POST', JSON.stringify(message), headers, timeoutMs);

  async function openSession(url: string, extra: Record<string, string> = {}) {
    const init = await post(
      url,
      {
        jsonrpc: '2.0',
        id: 'init',
        method: 'initialize',
        params: {
          protocolVersion: PROTOCOL_VERSION,
          capabilities: { roots: { listChanged: true } },
          clientInfo: { name: 'scale-suite', version: '1.0.0' },
        },
      },
      extra,
    );
    const id = init.headers['mcp-session-id'];
    if (init.status !== 200 || typeof id !== 'string') {
      throw new Error(`initialize failed: ${init.status} ${init.text.slice(0, 200)}`);
    }
    const headers = { ...extra, 'mcp-session-id': id, 'mcp-protocol-version': PROTOCOL_VERSION };
    const done = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
    if (done.status !== 202) throw new Error(`notifications/initialized got ${done.status}`);
    return headers;
  }

  return {
    post,
    delete: (url: string, headers: Record<string, string>) => request(url, 'DELETE', undefined, headers),
    openSession,
    close: () => agent.destroy(),
  };
}
export type Client = ReturnType<typeof createClient>;

/** A GET notification stream: collects its messages until closed. */
export function openNotificationStream(url: string, headers: Record<string, string>) {
  const messages: JsonRpcMessage[] = [];
  const controller = new AbortController();
  let status = 0;
  const done = (async () => {
    const res = await fetch(url, {
      method: 'GET',
      headers: { accept: 'text/event-stream', ...headers },
      signal: controller.signal,
    });
    status = res.status;
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      const cut = buffer.lastIndexOf('\n\n');
      if (cut >= 0) {
        messages.push(...parseMessages(buffer.slice(0, cut)));
        buffer = buffer.slice(cut + 2);
      }
    }
  })().catch(() => {});
  return {
    messages,
    status: () => status,
    close: async () => {
      controller.abort();
      await done;
    },
  };
}

/** The sum of a Prometheus counter over the series whose labels include `labels`. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (.+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[3] ?? '';
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`))) sum += Number(m[4]);
  }
  return sum;
}
