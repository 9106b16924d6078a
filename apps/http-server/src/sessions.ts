import type { Logger } from '@lambda-mcp/core';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Principal } from './auth/principal.js';

export type CloseReason = 'deleted' | 'idle' | 'evicted' | 'shutdown' | 'closed';

/** One stateful MCP session: its transport, its SDK server, and who owns it. */
export interface Session {
  id: string;
  transport: StreamableHTTPServerTransport;
  server: Server;
  /** The subject that opened the session; every later request must come from the same one. */
  subject: string;
  /** The latest credentials seen on this session (authorization follows them). */
  principal: Principal;
  createdAt: number;
  lastActive: number;
  /** Requests being served now (POST calls, DELETE). */
  activeRequests: number;
  /** Open standalone GET (SSE) streams (each ended by the app after its maximum duration). */
  openStreams: number;
  /** JSON-RPC ids of the requests being answered now (a second request with one of them is refused). */
  inFlightIds: Set<string | number>;
  /** tools/call arguments by JSON-RPC id, kept only when the operator opted into payload logging. */
  pendingArguments?: Map<string | number, unknown>;
  closed: boolean;
}

export interface SessionStoreOptions {
  idleTimeoutMs: number;
  maxSessions: number;
  logger: Logger;
  now?: () => number;
  onClosed?: (session: Session, reason: CloseReason) => void;
}

/**
 * The live sessions. A session that has had no request for `idleTimeoutMs`, none in flight and no
 * open GET stream is closed by a periodic sweep; when the cap is reached, the least recently active
 * session without work in flight makes room for a new one. Closing releases everything: the
 * transport (its SSE streams and keep-alive timers) and the SDK server (which aborts handlers).
 */
export interface SessionStore {
  get(id: string): Session | undefined;
  add(session: Session): void;
  /** Marks activity (moves the session to the most-recently-used end). */
  touch(session: Session): void;
  /** Closes one session; idempotent. */
  close(session: Session, reason: CloseReason): Promise<void>;
  /** Frees a slot for a new session if the store is full. False when every session is busy. */
  makeRoom(): Promise<boolean>;
  /** Closes sessions idle for longer than the timeout; returns how many. */
  sweep(): Promise<number>;
  closeAll(reason: CloseReason): Promise<void>;
  readonly size: number;
  /** Starts the periodic sweep (unref'd timer). */
  start(): void;
  stop(): void;
}

export function createSessionStore(options: SessionStoreOptions): SessionStore {
  const now = options.now ?? (() => Date.now());
  const sessions = new Map<string, Session>();
  let timer: NodeJS.Timeout | undefined;

  // An open GET stream keeps a session, but only for its bounded life (the app ends every stream at
  // --max-request-duration; a live client reconnects, which is activity), and a session with no
  // call in flight can always be evicted for a new one at the cap.
  const isIdle = (s: Session, t: number) =>
    s.activeRequests === 0 && s.openStreams === 0 && t - s.lastActive >= options.idleTimeoutMs;

  const close = async (session: Session, reason: CloseReason): Promise<void> => {
    if (session.closed) return;
    session.closed = true;
    if (sessions.get(session.id) === session) sessions.delete(session.id);
    session.pendingArguments?.clear();
    options.onClosed?.(session, reason);
    options.logger.debug('Session closed', { session: session.id, reason, subject: session.subject });
    // server.close() closes the transport too; both are idempotent.
    await Promise.allSettled([session.server.close(), session.transport.close()]);
  };

  const store: SessionStore = {
    get: (id) => sessions.get(id),
    add(session) {
      sessions.set(session.id, session);
    },
    touch(session) {
      session.lastActive = now();
      if (sessions.get(session.id) === session) {
        // Map order is insertion order: re-inserting keeps the least recently used first.
        sessions.delete(session.id);
        sessions.set(session.id, session);
      }
    },
    close,
    async makeRoom() {
      if (sessions.size < options.maxSessions) return true;
      const t = now();
      let victim: Session | undefined;
      for (const s of sessions.values()) {
        if (isIdle(s, t)) {
          victim = s;
          break;
        }
      }
      if (!victim) {
        for (const s of sessions.values()) {
          if (s.activeRequests === 0) {
            victim = s;
            break;
          }
        }
      }
      if (!victim) return false;
      options.logger.info('Session evicted to make room (maxSessions reached)', {
        session: victim.id,
        maxSessions: options.maxSessions,
      });
      await close(victim, 'evicted');
      return true;
    },
    async sweep() {
      const t = now();
      const idle = [...sessions.values()].filter((s) => isIdle(s, t));
      await Promise.all(idle.map((s) => close(s, 'idle')));
      return idle.length;
    },
    async closeAll(reason) {
      await Promise.all([...sessions.values()].map((s) => close(s, reason)));
    },
    get size() {
      return sessions.size;
    },
    start() {
      if (timer) return;
      const every = Math.min(60_000, Math.max(250, Math.floor(options.idleTimeoutMs / 4)));
      timer = setInterval(() => {
        void store
          .sweep()
          .catch((error: unknown) =>
            options.logger.error('Session sweep failed', { error: (error as Error).message }),
          );
      }, every);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
  return store;
}
