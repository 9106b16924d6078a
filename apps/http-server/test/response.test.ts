// The headers of an event-stream answer leave with its first event (one write, so one read for
// the client), and a call that writes nothing for a while still gets its headers before its answer.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendHeadersWithFirstEvent } from '../src/app/response.js';

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A server whose one response is written by `answer` the way the SDK's adapter writes one. */
async function serve(answer: (res: ServerResponse) => void): Promise<number> {
  server = createServer((_req, res) => {
    sendHeadersWithFirstEvent(res);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    answer(res);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The chunks a raw client reads, in order, until the server ends the response (bounded). */
function readRaw(port: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const chunks: string[] = [];
    const socket = connect(port, '127.0.0.1', () => {
      socket.write('POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end of response after 5 s; read ${JSON.stringify(chunks)}`));
    }, 5_000);
    socket.on('data', (d) => chunks.push(d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(chunks);
    });
  });
}

const EVENT = 'event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n';

describe('sendHeadersWithFirstEvent', () => {
  it('an answer written soon after flushHeaders leaves in one write with the headers', async () => {
    const port = await serve((res) => {
      setTimeout(() => {
        res.write(EVENT);
        res.end();
      }, 20);
    });
    const chunks = await readRaw(port);
    expect(chunks[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*content-type: text\/event-stream[\s\S]*\r\n\r\n/);
    // Not the headers alone: the event is in the same read.
    expect(chunks[0]).toContain(EVENT);
    expect(chunks.join('')).toMatch(/0\r\n\r\n$/);
  });

  it('a call that writes nothing for longer than the hold gets its headers before its answer', async () => {
    let written = false;
    const port = await serve((res) => {
      setTimeout(() => {
        written = true;
        res.write(EVENT);
        res.end();
      }, 600);
    });
    const chunks: string[] = [];
    let headersBeforeAnswer: boolean | undefined;
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          'POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-length: 0\r\n\r\n',
        );
      });
      socket.on('data', (d) => {
        if (chunks.length === 0) headersBeforeAnswer = !written;
        chunks.push(d.toString('latin1'));
      });
      socket.on('error', reject);
      socket.on('close', () => resolve());
    });
    expect(headersBeforeAnswer).toBe(true);
    expect(chunks[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n$/);
    expect(chunks.join('')).toContain(EVENT);
  });

  it('a client gone before the hold ends leaves nothing behind (no write after close)', async () => {
    let closed: Promise<void> | undefined;
    const port = await serve((res) => {
      closed = new Promise((resolve) => res.once('close', () => resolve()));
    });
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 0\r\n\r\n');
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 10);
      });
    });
    await closed;
    // The hold's timer was cleared with the response: waiting past it throws nothing.
    await new Promise((r) => setTimeout(r, 100));
  });
});
