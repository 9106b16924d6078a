/**
 * The HTTP app's options, its handle, and the context its modules share (the app is assembled in
 * ../app.ts from the modules in this folder).
 */
import type { Server as NodeHttpServer, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DiscoveryStatus, Logger } from '@lambda-mcp/core';
import type { CreateServerOptions } from '@lambda-mcp/mcp-server';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { AuditLog } from '../audit.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { AsyncRateLimiter, CancelMessage, Fleet } from '../fleet/index.js';
import type { HostOriginGuard } from '../host-origin.js';
import type { JsonRpcId } from '../json-rpc.js';
import type { ServerMetrics } from '../metrics.js';
import type { RateLimiter } from '../rate-limit.js';
import type { Session, SessionStore } from '../sessions.js';
import type { RequestInfo } from './request.js';

export type ServerMode = 'stateful' | 'stateless';

/** What /health and /ready report about the catalog. */
export interface CatalogHealth {
  /** The first discovery has finished (successfully or not). */
  ready: boolean;
  backend: string;
  functions: number;
  discoveryError?: { code: string; message: string };
  /** Where discovery stands (core's DiscoveryService.status()), when the services report it. */
  discovery?: DiscoveryStatus;
}

export interface HttpAppOptions {
  /** Creates an SDK server (one per session, or per request when stateless) sharing one catalog. */
  createServer(options: CreateServerOptions): Server;
  mode: ServerMode;
  /**
   * Resident-memory target: above it a full collection runs (at most every 2 s, backing off when
   * it does not help). Undefined: no governor (the Lambda adapter, tests).
   */
  memoryTargetBytes?: number;
  logger: Logger;
  version: string;
  guard: HostOriginGuard;
  authenticator: Authenticator;
  /** Per-client rate limit; may answer asynchronously (the fleet's limiter asks Redis). */
  rateLimiter: RateLimiter | AsyncRateLimiter;
  audit: AuditLog;
  /** Scale-out: sealed session ids, shared liveness, call caps, cross-replica cancels (fleet/). */
  fleet?: Fleet;
  health(): CatalogHealth;
  metrics?: ServerMetrics;
  /** Largest accepted request body in bytes (413 beyond). */
  maxBodyBytes: number;
  sessionIdleTimeoutMs: number;
  maxSessions: number;
  /** The public URL of /mcp (the OAuth resource), when configured. */
  resource?: string;
  /**
   * Proxy hops in front of the server (true: 1). The client address is the hops-th
   * X-Forwarded-For entry from the right: each trusted proxy appends the address it saw, and
   * anything further left was written by the client. The scheme comes from X-Forwarded-Proto.
   */
  trustProxy?: boolean | number;
  /** A request still unanswered after this long is answered with an error and closed (default 16 min). */
  maxRequestDurationMs?: number;
  /** A body not fully received within this long gets 408 (default 30 s). */
  bodyTimeoutMs?: number;
  /** Open connections kept (default: from the open-file limit). */
  maxConnections?: number;
  /** What /health reports as `mode` (default: the mode; the Function URL host says `lambda`). */
  modeLabel?: string;
  /**
   * A request header set only by a trusted host adapter (the Function URL handler, which strips
   * any copy the caller sent) naming the IAM caller: it becomes the subject of anonymous requests.
   */
  iamSubjectHeader?: string;
  /** A request header set only by a trusted host adapter: the host's request id, for the audit log. */
  hostRequestIdHeader?: string;
  /** Keep tools/call arguments for the audit log (operator opt-in). */
  logPayloads?: boolean;
  /** SSE keep-alive comment interval (ms) on open streams. */
  keepAliveMs?: number;
}

export interface HttpApp {
  readonly server: NodeHttpServer;
  readonly sessions: SessionStore;
  readonly metrics: ServerMetrics;
  /** Hands a cancel received by another replica to the local copy of its session (fleet). */
  deliverCancel(message: CancelMessage): void;
  /** Closes the local copy of a session another replica ended (by sessionKey). */
  endSession(key: string): void;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Tool-call requests (POSTs carrying a JSON-RPC request) being served now. */
  activeCalls(): number;
  /** HTTP requests being served now (including open SSE streams). */
  inFlightRequests(): number;
  /**
   * Graceful shutdown: stop accepting, let in-flight calls finish for up to `deadlineMs`, then
   * close every session and connection. Resolves with how many calls were still running at the deadline.
   */
  close(deadlineMs?: number): Promise<number>;
  /**
   * Forced stop (a second SIGTERM or Ctrl-C): answers every call still running with a JSON-RPC
   * error at once, then closes every session and connection. Resolves with how many were answered.
   */
  abort(): Promise<number>;
  readonly closing: boolean;
}

/** What the app's modules share: its options, metrics, sessions and live counters. */
export interface AppContext {
  readonly options: HttpAppOptions;
  readonly logger: Logger;
  readonly metrics: ServerMetrics;
  readonly sessions: SessionStore;
  readonly fleet: Fleet | undefined;
  /** Local sessions by sessionKey(id), for cancels arriving from other replicas (fleet only). */
  readonly byFleetKey: Map<string, Session>;
  readonly request: RequestInfo;
  readonly state: AppState;
  readonly bodyTimeoutMs: number;
  readonly maxRequestDurationMs: number;
}

/** The app's live counters. */
export interface AppState {
  closing: boolean;
  /** HTTP requests being served now (including open SSE streams). */
  inFlight: number;
  /** Tool-call requests (POSTs carrying a JSON-RPC request) being served now. */
  calls: number;
  /** Responses of JSON-RPC requests still being answered (for the shutdown deadline). */
  readonly openCalls: Map<ServerResponse, JsonRpcId>;
}
