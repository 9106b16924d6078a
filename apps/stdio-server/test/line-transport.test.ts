// The stdio transport's writes under backpressure: answers queued while stdout is full share one
// 'drain' wait (the protocol fuzz suite saw a MaxListenersExceededWarning: one listener per answer),
// and a stdout that goes away ends the wait instead of leaving the answers pending for ever.
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineTransport } from '../src/line-transport.js';

/** A stdout that accepts one chunk at a time and holds it until `release()`. */
function slowStdout() {
  const written: string[] = [];
  let pending: (() => void) | undefined;
  const stream = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk.toString('utf8'));
      pending = callback;
    },
  });
  return {
    stream,
    written,
    release() {
      const next = pending;
      pending = undefined;
      next?.();
    },
  };
}

const message = (id: number) => ({ jsonrpc: '2.0' as const, id, result: { n: id } });

describe('LineTransport.send under backpressure', () => {
  it('every answer sent while stdout is full waits on one drain listener, and all are written', async () => {
    const out = slowStdout();
    const transport = new LineTransport(new PassThrough(), out.stream);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const sends = Array.from({ length: 50 }, (_, i) => transport.send(message(i)));
      expect(out.stream.listenerCount('drain')).toBe(1);
      let settled = 0;
      for (const s of sends) void s.then(() => settled++);
      for (let i = 0; i < 100 && settled < 50; i++) {
        out.release();
        await new Promise((r) => setImmediate(r));
      }
      await Promise.all(sends);
      expect(settled).toBe(50);
      expect(out.written.map((l) => JSON.parse(l).id)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(out.stream.listenerCount('drain')).toBe(0);
      await new Promise((r) => setImmediate(r));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a stdout that is destroyed while full ends the wait (no answer pending for ever)', async () => {
    const out = slowStdout();
    const transport = new LineTransport(new PassThrough(), out.stream);
    const sends = Array.from({ length: 5 }, (_, i) => transport.send(message(i)));
    out.stream.destroy();
    const outcome = await Promise.race([
      Promise.all(sends).then(() => 'settled'),
      new Promise((r) => setTimeout(() => r('still pending after 2 s'), 2_000)),
    ]);
    expect(outcome).toBe('settled');
    expect(out.stream.listenerCount('drain')).toBe(0);
  });
});
