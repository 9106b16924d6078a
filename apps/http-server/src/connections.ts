import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server as NodeHttpServer } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Keeps the number of open connections under a cap derived from the process's open-file limit,
 * so that clients holding connections open (trickling headers or bodies, idle keep-alives) cannot
 * use up the descriptors that /health, /ready and real requests need. When a new connection
 * arrives at the cap, the oldest connection that is still sending its request (or sits idle
 * between requests) is closed; connections whose request has arrived and is being answered (a
 * tool call, an SSE stream) are never shed. With nothing to shed, the new connection is closed.
 */
export interface ConnectionGuard {
  readonly max: number;
  readonly open: number;
  /** Connections closed to make room, since start. */
  readonly shed: number;
  /** Every open socket (for shutdown). */
  sockets(): IterableIterator<Socket>;
}

/** The soft limit on open files (`ulimit -n`), from /proc on Linux; undefined elsewhere. */
export function openFileLimit(): number | undefined {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
    if (!m || m[1] === 'unlimited') return undefined;
    return Number(m[1]);
  } catch {
    return undefined;
  }
}

/** The connection cap for a descriptor limit: keep a reserve for the process's own files and pipes. */
export function connectionCapFor(fdLimit: number | undefined): number {
  if (fdLimit === undefined) return 10_000;
  const reserve = Math.max(64, Math.floor(fdLimit / 8));
  return Math.max(16, fdLimit - reserve);
}

export function guardConnections(
  server: NodeHttpServer,
  options: { max?: number; onShed?: (socket: Socket) => void } = {},
): ConnectionGuard {
  const max = options.max && options.max > 0 ? options.max : connectionCapFor(openFileLimit());
  // Insertion order is age order: the first evictable entry is the oldest.
  const open = new Map<Socket, IncomingMessage | undefined>();
  let shed = 0;

  const evictable = (req: IncomingMessage | undefined) => req === undefined || !req.complete;

  server.on('connection', (socket: Socket) => {
    if (open.size >= max) {
      let victim: Socket | undefined;
      for (const [s, req] of open) {
        if (evictable(req)) {
          victim = s;
          break;
        }
      }
      shed += 1;
      if (!victim) {
        socket.destroy();
        return;
      }
      open.delete(victim);
      options.onShed?.(victim);
      victim.destroy();
    }
    open.set(socket, undefined);
    socket.once('close', () => open.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res) => {
    const socket = req.socket;
    if (!open.has(socket)) return;
    open.set(socket, req);
    res.once('finish', () => {
      if (open.get(socket) === req) open.set(socket, undefined);
    });
  });

  return {
    max,
    get open() {
      return open.size;
    },
    get shed() {
      return shed;
    },
    sockets: () => open.keys(),
  };
}
