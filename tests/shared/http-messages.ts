/**
 * What the raw Streamable HTTP clients of tests/reliability, tests/security and tests/scale share:
 * reading a whole response, and the JSON-RPC messages of a body (one JSON object, or SSE `data:`
 * lines).
 */
import type http from 'node:http';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Collects the response's body; rejects on a response error. */
export function readResponse(res: http.IncomingMessage): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () =>
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        text: Buffer.concat(chunks).toString('utf8'),
      }),
    );
    res.on('error', reject);
  });
}

export interface JsonRpcMessage {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
  params?: unknown;
}

/**
 * The JSON-RPC messages of a response body. A message that is not JSON throws, unless
 * `skipIncomplete` (a stream cut mid-message, as when a replica is killed, ends in half a message).
 */
export function parseMessages(text: string, options: { skipIncomplete?: boolean } = {}): JsonRpcMessage[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  if (trimmed.startsWith('{')) return [JSON.parse(trimmed) as JsonRpcMessage];
  const out: JsonRpcMessage[] = [];
  for (const block of trimmed.split(/\n\n+/)) {
    const data = block
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).replace(/^ /, ''))
      .join('\n');
    if (!data) continue;
    try {
      out.push(JSON.parse(data) as JsonRpcMessage);
    } catch (error) {
      if (!options.skipIncomplete) throw error;
    }
  }
  return out;
}
