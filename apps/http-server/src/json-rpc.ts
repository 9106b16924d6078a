import type { ServerResponse } from 'node:http';

/** JSON-RPC error codes used at the HTTP layer (the SDK uses the same ones). */
export const JSONRPC_PARSE_ERROR = -32700;
export const JSONRPC_INVALID_REQUEST = -32600;
export const JSONRPC_SERVER_ERROR = -32000;
export const JSONRPC_SESSION_NOT_FOUND = -32001;

export type JsonRpcId = string | number | null;

/** Writes a JSON-RPC error as the whole HTTP response. */
export function sendJsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  options: { id?: JsonRpcId; headers?: Record<string, string> } = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: options.id ?? null });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...options.headers,
  });
  res.end(body);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

export interface JsonRpcShape {
  method?: unknown;
  id?: unknown;
  params?: unknown;
}

/**
 * A light structural check before the SDK sees the message: an object with `jsonrpc: "2.0"` and a
 * string method (request/notification) or an id with result/error (response). Returns a reason when
 * the body is not JSON-RPC. Batches are refused: the 2025-06-18 revision removed them.
 */
export function checkJsonRpcBody(body: unknown): string | undefined {
  if (Array.isArray(body)) return 'JSON-RPC batches are not supported (removed in protocol 2025-06-18).';
  if (typeof body !== 'object' || body === null) return 'The body must be a JSON-RPC 2.0 object.';
  const msg = body as Record<string, unknown>;
  if (msg.jsonrpc !== '2.0') return 'The "jsonrpc" member must be "2.0".';
  if ('method' in msg) {
    if (typeof msg.method !== 'string' || msg.method.length === 0)
      return 'The "method" member must be a string.';
    if ('id' in msg && !isValidId(msg.id)) return 'The "id" member must be a string or an integer.';
    if ('params' in msg && (typeof msg.params !== 'object' || msg.params === null))
      return 'The "params" member must be an object.';
    return undefined;
  }
  if ('result' in msg || 'error' in msg) {
    if (!isValidId(msg.id)) return 'A response needs a string or integer "id".';
    return undefined;
  }
  return 'A JSON-RPC message needs a "method" (request) or a "result"/"error" (response).';
}

function isValidId(id: unknown): boolean {
  return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id));
}

/** The id of a request body, if it has one usable in an error response. */
export function requestIdOf(body: unknown): JsonRpcId {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const id = (body as Record<string, unknown>).id;
    if (typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id))) return id;
  }
  return null;
}

export function isRequestBody(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    typeof (body as JsonRpcShape).method === 'string' &&
    'id' in body
  );
}

export function methodOf(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const m = (body as JsonRpcShape).method;
    if (typeof m === 'string') return m;
  }
  return undefined;
}
