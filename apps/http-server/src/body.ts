import type { IncomingMessage } from 'node:http';

export type BodyResult =
  | { ok: true; text: string }
  | { ok: false; reason: 'too-large'; limit: number }
  | { ok: false; reason: 'timeout'; timeoutMs: number }
  | { ok: false; reason: 'aborted' };

/**
 * Reads a request body up to `limit` bytes within `timeoutMs`. A declared Content-Length over the
 * limit is refused before reading; a body that grows past it stops being read; a body still
 * arriving at the deadline (a client trickling bytes to hold the connection) stops being read too.
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs = 30_000): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.resolve({ ok: false, reason: 'too-large', limit });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const timer = setTimeout(() => {
      req.pause();
      finish({ ok: false, reason: 'timeout', timeoutMs });
    }, timeoutMs);
    timer.unref();
    const finish = (result: BodyResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish({ ok: false, reason: 'too-large', limit });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () =>
      finish({
        ok: true,
        text: (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)).toString('utf8'),
      });
    const onError = () => finish({ ok: false, reason: 'aborted' });
    const onAborted = () => finish({ ok: false, reason: 'aborted' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
