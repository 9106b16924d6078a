/**
 * Rebuilding a session on a replica that did not see its initialize: a fresh low-level SDK Server
 * and transport, marked initialized with the state sealed in the session id. The SDK (1.x) has no
 * public way to do this, so this file — and only this file — sets the fields its initialize
 * handler would have set; a test (fleet-restore.test.ts) fails if the SDK renames them.
 * A later protocol revision without sessions (2026-07-28) removes this file.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { SessionState } from './session-codec.js';

interface WebTransportInternals {
  sessionId?: string;
  _initialized?: boolean;
}
interface ServerInternals {
  _clientCapabilities?: unknown;
  _clientVersion?: unknown;
  _loggingLevels?: Map<string | undefined, string>;
}

/** Whether the SDK still has the fields a rebuild sets (checked once at start). */
export function canRestoreSessions(transport: StreamableHTTPServerTransport, server: Server): boolean {
  const web = (transport as unknown as { _webStandardTransport?: WebTransportInternals })
    ._webStandardTransport;
  const s = server as unknown as ServerInternals;
  return web !== undefined && '_initialized' in web && s._loggingLevels instanceof Map;
}

/** Marks a new transport and its (connected) server as the initialized session `id`. */
export function markInitialized(
  transport: StreamableHTTPServerTransport,
  server: Server,
  id: string,
  state: SessionState,
  logLevel?: string,
): void {
  const web = (transport as unknown as { _webStandardTransport?: WebTransportInternals })
    ._webStandardTransport;
  if (!web) throw new Error('This MCP SDK version cannot rebuild sessions (no _webStandardTransport).');
  web.sessionId = id;
  web._initialized = true;
  const s = server as unknown as ServerInternals;
  s._clientCapabilities = state.clientCapabilities;
  s._clientVersion = state.clientInfo;
  if (logLevel && s._loggingLevels instanceof Map) s._loggingLevels.set(id, logLevel);
}
