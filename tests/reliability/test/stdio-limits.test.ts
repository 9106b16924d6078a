/**
 * The stdio server and lines it cannot take (issue 10, item 7): a line over the 10 MB message
 * limit is answered with a JSON-RPC error naming the limit, and the server keeps serving (calls in
 * flight included); blank lines are ignored, 100,000 of them in a row included: no answer, no
 * crash.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLES_DIR, INITIALIZE, STDIO_BIN, type StdioPeer, startStdioPeer, waitFor } from './support.js';

const LIMIT = 10 * 1024 * 1024;
const peers: StdioPeer[] = [];
afterAll(async () => {
  for (const p of peers) {
    p.child.stdin.end();
    const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
    await p.exited;
    clearTimeout(timer);
  }
});

function start(): StdioPeer {
  const peer = startStdioPeer([STDIO_BIN, '--local', EXAMPLES_DIR], { LOG_LEVEL: 'info' });
  peers.push(peer);
  return peer;
}

/** Writes a big chunk, waiting for the pipe to drain (bounded). */
async function write(peer: StdioPeer, text: string): Promise<void> {
  if (peer.child.stdin.write(text)) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('stdin did not drain within 60 s')), 60_000);
    peer.child.stdin.once('drain', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('stdio: lines the server cannot take', () => {
  it('answers a line over 10 MB with a JSON-RPC error naming the limit, and keeps serving (calls in flight too)', async () => {
    const peer = start();
    let exit: number | null | undefined;
    void peer.exited.then((code) => {
      exit = code;
    });
    peer.send(JSON.stringify({ ...INITIALIZE, id: 'init' }));
    await waitFor(() => peer.responses.get('"init"'), 30_000, 'initialize');
    peer.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));

    // A call in flight while the oversized line arrives.
    peer.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 'slow',
        method: 'tools/call',
        params: { name: 'slow_report', arguments: { seconds: 2 } },
      }),
    );
    const head =
      '{"jsonrpc":"2.0","id":"huge","method":"tools/call","params":{"name":"echo","arguments":{"pad":"';
    const padding = 'x'.repeat(LIMIT + 1024);
    await write(peer, `${head}${padding}"}}}\n`);

    const ping = await peer.request('ping', undefined, 60_000);
    expect(ping.result).toEqual({});
    const tooLarge = await waitFor(
      () => peer.responses.get('null'),
      30_000,
      'the error for the oversized line',
    );
    expect(tooLarge).toHaveLength(1);
    expect(tooLarge[0]?.error?.code).toBe(-32600);
    expect(tooLarge[0]?.error?.message).toMatch(/10,485,760 bytes/);
    expect(peer.responses.get('"huge"')).toBeUndefined();

    const slow = await waitFor(() => peer.responses.get('"slow"'), 60_000, 'the call in flight');
    expect(slow[0]?.result).toBeDefined();
    const echo = await peer.request('tools/call', { name: 'echo', arguments: { after: true } });
    // Answered (a tool result, not a JSON-RPC error): the server still serves calls.
    expect(echo.error).toBeUndefined();
    expect((echo.result as { content?: unknown[] }).content?.length).toBeGreaterThan(0);

    // Two more oversized lines in one write, then a valid message on the same chunk boundary.
    await write(
      peer,
      `${head}${padding}"}}}\n${padding}\n${JSON.stringify({ jsonrpc: '2.0', id: 'next', method: 'ping' })}\n`,
    );
    await waitFor(() => peer.responses.get('"next"'), 60_000, 'the ping after two oversized lines');
    expect(peer.responses.get('null')).toHaveLength(3);
    expect(exit).toBeUndefined();
    expect(peer.corrupt).toEqual([]);
    expect(peer.stderr()).toMatch(/larger than the 10,485,760-byte limit/);
  }, 180_000);

  it('ignores blank lines: 100,000 of them get no answer and do not stop it', async () => {
    const peer = start();
    peer.send(JSON.stringify({ ...INITIALIZE, id: 'init' }));
    await waitFor(() => peer.responses.get('"init"'), 30_000, 'initialize');
    await write(peer, '\n'.repeat(50_000));
    await write(peer, ' \r\n\t\n'.repeat(25_000));
    const ping = await peer.request('ping', undefined, 60_000);
    expect(ping.result).toEqual({});
    // Only the two answers asked for: nothing for any blank line.
    expect([...peer.responses.keys()].sort()).toEqual(['"init"', '"req-1"']);
    expect(peer.corrupt).toEqual([]);
  }, 120_000);
});
