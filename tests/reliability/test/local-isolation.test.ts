/**
 * Local functions isolated as Lambda isolates them (issue 10, item 8), through the built stdio
 * server: a function that forges messages to its host, allocates off-heap memory past its memory
 * size, or starts a child process with `stdio: 'inherit'` must not reach the host. The functions
 * are in ../isolation-functions.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  INITIALIZE,
  type JsonRpcMessage,
  resultText,
  STDIO_BIN,
  type StdioPeer,
  startStdioPeer,
} from './support.js';

const FUNCTIONS = resolve(import.meta.dirname, '../isolation-functions');
let peer: StdioPeer;

beforeAll(async () => {
  peer = startStdioPeer([STDIO_BIN, '--local', FUNCTIONS], { LOG_LEVEL: 'info' });
  const init = await peer.request('initialize', INITIALIZE.params, 20_000);
  expect(init.result?.protocolVersion).toBe('2025-11-25');
  peer.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
});

afterAll(async () => {
  if (peer && peer.child.exitCode === null) {
    peer.child.stdin.end();
    await peer.exited;
  }
});

function residentMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

async function stillServing(): Promise<void> {
  const marker = `alive-${Date.now()}`;
  const echo = await peer.request('tools/call', { name: 'echo', arguments: { marker } }, 20_000);
  expect(echo.result?.structuredContent).toEqual({ marker });
  expect(peer.child.exitCode).toBeNull();
  expect(peer.corrupt).toEqual([]);
}

function failure(answer: JsonRpcMessage): string {
  expect(answer.error).toBeUndefined();
  expect(answer.result?.isError).toBe(true);
  return resultText(answer.result);
}

describe('local functions are confined to their instance (stdio server)', () => {
  it('malformed messages from a function end its instance, not the host', async () => {
    const answer = await peer.request('tools/call', { name: 'forges_messages', arguments: {} }, 20_000);
    const text = failure(answer);
    expect(text).toContain('Runtime.ExitError');
    expect(text).toMatch(/invalid message/);
    await stillServing();
    // The next invocation gets a fresh instance and fails the same way, and the host still serves.
    expect(
      failure(await peer.request('tools/call', { name: 'forges_messages', arguments: {} }, 20_000)),
    ).toContain('Runtime.ExitError');
    await stillServing();
  });

  it('off-heap memory past the memory size is Runtime.OutOfMemory; the host memory stays bounded', async () => {
    const before = residentMb(peer.child.pid as number);
    const answer = await peer.request('tools/call', { name: 'offheap_hog', arguments: {} }, 40_000);
    const text = failure(answer);
    expect(text).toContain('Runtime.OutOfMemory');
    expect(text).toContain('Runtime exited with error: signal: killed');
    expect(residentMb(peer.child.pid as number) - before).toBeLessThan(150);
    await stillServing();
  });

  it("a grandchild with stdio 'inherit' writes into the function's log, never onto the JSON-RPC stdout", async () => {
    const answer = await peer.request(
      'tools/call',
      {
        name: 'invoke_function',
        arguments: { function_name: 'inherits-stdio', payload: {}, log_type: 'Tail' },
      },
      20_000,
    );
    expect(answer.result?.isError).not.toBe(true);
    const result = answer.result?.structuredContent as {
      execution_result: { payload?: unknown; logs?: string[] };
    };
    expect(result.execution_result.payload).toEqual({ status: 0 });
    const logs = (result.execution_result.logs ?? []).join('\n');
    expect(logs).toContain('forged-by-grandchild');
    expect(logs).toContain('GRANDCHILD-STDERR');
    await stillServing();
    expect(peer.responses.has('"forged-by-grandchild"')).toBe(false);
    expect(peer.corrupt).toEqual([]);
    expect(peer.stderr()).not.toContain('GRANDCHILD-STDERR');
  });
});
