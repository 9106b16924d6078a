/**
 * How the answer to a POST leaves the socket. The SDK's transport (through @hono/node-server)
 * writes the headers of an event-stream answer at once, before the call has run, and the event
 * that answers the call later: two packets, and the client is woken twice for every call. Here
 * the headers wait for the answer's first write and leave in the same packet; a call that
 * writes nothing for `HEADERS_HOLD_MS` (a slow function with no progress) gets its headers then,
 * as before. Only the headers wait: every event goes out the moment it is written.
 */
import type { ServerResponse } from 'node:http';

/** Longest time the headers of an event-stream answer wait for its first event. */
export const HEADERS_HOLD_MS = 50;

export function sendHeadersWithFirstEvent(res: ServerResponse, holdMs = HEADERS_HOLD_MS): void {
  const flush = res.flushHeaders.bind(res);
  let timer: NodeJS.Timeout | undefined;
  res.flushHeaders = () => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      // Written meanwhile: the headers left with that write and this sends nothing more.
      if (!res.writableEnded && !res.destroyed) flush();
    }, holdMs);
  };
  res.once('close', () => clearTimeout(timer));
}
