/**
 * The limits a request meets: the per-client rate limit (429), the body's size and time limits
 * (413, 408) and its JSON-RPC shape (400), the fleet's per-caller call cap (429), and the longest
 * a call may run (answered with an error, also at shutdown).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../body.js';
import {
  checkJsonRpcBody,
  JSONRPC_INVALID_REQUEST,
  JSONRPC_PARSE_ERROR,
  JSONRPC_SERVER_ERROR,
  type JsonRpcId,
  methodOf,
  requestIdOf,
  sendJsonRpcError,
} from '../json-rpc.js';
import type { AppContext } from './context.js';

/** Answers a request still open with a JSON-RPC error, whether or not its stream has started. */
export function answerWithError(res: ServerResponse, id: JsonRpcId, status: number, message: string): void {
  const error = { jsonrpc: '2.0', id, error: { code: JSONRPC_SERVER_ERROR, message } };
  if (!res.headersSent) {
    sendJsonRpcError(res, status, JSONRPC_SERVER_ERROR, message, { id });
    return;
  }
  // Requests are answered as SSE streams here (JSON response mode is never used), so an event fits.
  if (!res.writableEnded) {
    res.write(`event: message\ndata: ${JSON.stringify(error)}\n\n`);
  }
  res.end();
}

export function answerShutdown(res: ServerResponse, id: JsonRpcId, message?: string): void {
  answerWithError(res, id, 503, message ?? 'The server shut down before this request finished.');
}

export function createLimits(ctx: AppContext) {
  const { options, metrics, logger, request, fleet, state, bodyTimeoutMs, maxRequestDurationMs } = ctx;
  const { rateLimiter } = options;

  /** Takes one request from the client's budget; true (and answered 429) when it is spent. */
  const limited = async (req: IncomingMessage, res: ServerResponse, key: string): Promise<boolean> => {
    const decision = await rateLimiter.take(key);
    if (decision.allowed) return false;
    metrics.rateLimited.inc();
    sendJsonRpcError(
      res,
      429,
      JSONRPC_SERVER_ERROR,
      `Too many requests; retry after ${decision.retryAfterSeconds} s.`,
      {
        headers: { 'retry-after': String(decision.retryAfterSeconds), ...request.corsHeaders(req) },
      },
    );
    return true;
  };

  /** Reads a POST body within its size and time limits and checks it is JSON-RPC. */
  const readJsonBody = async (
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ ok: true; body: unknown } | { ok: false }> => {
    const result = await readBody(req, options.maxBodyBytes, bodyTimeoutMs);
    if (!result.ok) {
      if (result.reason === 'timeout') {
        metrics.refused.inc({ reason: 'body_timeout' });
        sendJsonRpcError(
          res,
          408,
          JSONRPC_SERVER_ERROR,
          `Request Timeout: the request body was not received within ${Math.round(bodyTimeoutMs / 1000)} s (--body-timeout).`,
          { headers: { connection: 'close', ...request.corsHeaders(req) } },
        );
        res.once('finish', () => req.socket.destroy());
      } else if (result.reason === 'too-large') {
        sendJsonRpcError(
          res,
          413,
          JSONRPC_SERVER_ERROR,
          `Request body too large: the limit is ${options.maxBodyBytes} bytes.`,
          { headers: { connection: 'close', ...request.corsHeaders(req) } },
        );
      } else if (!res.headersSent) {
        res.destroy();
      }
      return { ok: false };
    }
    let body: unknown;
    try {
      body = JSON.parse(result.text);
    } catch {
      sendJsonRpcError(res, 400, JSONRPC_PARSE_ERROR, 'Parse error: the body is not valid JSON.', {
        headers: request.corsHeaders(req),
      });
      return { ok: false };
    }
    const problem = checkJsonRpcBody(body);
    if (problem) {
      sendJsonRpcError(res, 400, JSONRPC_INVALID_REQUEST, `Invalid Request: ${problem}`, {
        id: requestIdOf(body),
        headers: request.corsHeaders(req),
      });
      return { ok: false };
    }
    return { ok: true, body };
  };

  /**
   * A JSON-RPC request about to be served: takes a slot of the fleet's per-caller call cap (a
   * tools/call; false and answered 429 when none is free), then counts it as an open call answered
   * with an error past --max-request-duration or at shutdown.
   */
  const admitCall = async (
    req: IncomingMessage,
    res: ServerResponse,
    key: string,
    body: unknown,
  ): Promise<boolean> => {
    if (fleet && fleet.callCap.max > 0 && methodOf(body) === 'tools/call') {
      const got = await fleet.callCap.acquire(key);
      if (!got.ok) {
        metrics.rateLimited.inc();
        sendJsonRpcError(
          res,
          429,
          JSONRPC_SERVER_ERROR,
          `Too many tool calls in flight: at most ${got.max} per caller at once; retry when one has finished.`,
          { id: requestIdOf(body), headers: { 'retry-after': '1', ...request.corsHeaders(req) } },
        );
        return false;
      }
      res.on('close', () => got.release());
    }
    state.calls += 1;
    state.openCalls.set(res, requestIdOf(body));
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        state.calls -= 1;
        state.openCalls.delete(res);
      }
    };
    res.on('close', finish);
    res.on('finish', finish);
    const id = requestIdOf(body);
    const timer = setTimeout(() => {
      logger.warn('Request ran past the maximum duration; answered with an error', {
        id,
        maxRequestDurationSeconds: Math.round(maxRequestDurationMs / 1000),
      });
      answerWithError(
        res,
        id,
        504,
        `The request ran past the server's maximum request duration (${Math.round(maxRequestDurationMs / 1000)} s, --max-request-duration) and was stopped.`,
      );
    }, maxRequestDurationMs);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
    return true;
  };

  return { limited, readJsonBody, admitCall };
}
