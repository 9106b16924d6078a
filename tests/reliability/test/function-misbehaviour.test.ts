/**
 * Misbehaving functions on the local backend, called through the built stdio server: infinite
 * loops, promises that never settle, memory blow-ups, process.exit, unhandled rejections, throws
 * from timers, megabytes of console output (and raw writes to fd 1 and 2), binary and non-JSON
 * results, oversized results, throws of non-Errors. The functions are in ../functions.
 *
 * Each must come back as a function error (isError naming the Lambda error type) or a result
 * (truncated when large), and the host must be unaffected: stdout carries JSON-RPC only, the
 * process stays up, its memory stays bounded, and a normal call right after is answered.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FIXTURES_DIR,
  INITIALIZE,
  type JsonRpcMessage,
  resultText,
  STDIO_BIN,
  type StdioPeer,
  startStdioPeer,
} from './support.js';

let peer: StdioPeer;

beforeAll(async () => {
  peer = startStdioPeer([STDIO_BIN, '--local', FIXTURES_DIR], { LOG_LEVEL: 'info' });
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

/** Calls a tool, then checks that the host still answers a normal call. */
async function call(name: string, args: Record<string, unknown> = {}): Promise<JsonRpcMessage> {
  const answer = await peer.request('tools/call', { name, arguments: args }, 60_000);
  const marker = `after-${name}-${Date.now()}`;
  const echo = await peer.request('tools/call', { name: 'echo', arguments: { marker } });
  expect(echo.result?.structuredContent).toEqual({ marker });
  expect(peer.child.exitCode).toBeNull();
  expect(peer.corrupt).toEqual([]);
  return answer;
}

function functionError(answer: JsonRpcMessage, errorType: string | RegExp): string {
  expect(answer.error).toBeUndefined();
  expect(answer.result?.isError).toBe(true);
  const text = resultText(answer.result);
  expect(text).toMatch(/^The function [a-z-]+ failed \(Unhandled\): /);
  if (typeof errorType === 'string') expect(text).toContain(`: ${errorType}: `);
  else expect(text).toMatch(errorType);
  return text;
}

describe('misbehaving functions through the stdio server (local backend)', () => {
  it('an infinite loop ends at its timeout with Sandbox.Timedout', async () => {
    const text = functionError(await call('infinite_loop'), 'Sandbox.Timedout');
    expect(text).toContain('Task timed out after 2.00 seconds');
  });

  it('a promise that never settles ends at its timeout', async () => {
    functionError(await call('never_resolves'), 'Sandbox.Timedout');
  });

  it('a memory blow-up is stopped at the memory size (Runtime.OutOfMemory); the host memory stays bounded', async () => {
    const text = functionError(await call('memory_hog'), 'Runtime.OutOfMemory');
    expect(text).toContain('Runtime exited with error');
    // The worker's heap was capped at 128 MB and released: the host did not take it over.
    expect(residentMb(peer.child.pid as number)).toBeLessThan(400);
  });

  it('process.exit ends the instance with Runtime.ExitError, not the host', async () => {
    const text = functionError(await call('process_exit'), 'Runtime.ExitError');
    expect(text).toContain('exit status 3');
  });

  it('an unhandled rejection is Runtime.UnhandledPromiseRejection', async () => {
    const text = functionError(await call('unhandled_rejection'), 'Runtime.UnhandledPromiseRejection');
    expect(text).toContain('nobody handles this');
  });

  it('a throw from a timer is the function error, with its trace', async () => {
    const text = functionError(await call('timer_throw'), 'TypeError');
    expect(text).toContain('thrown from a timer');
  });

  it('throwing a string, null or a plain object is a function error', async () => {
    functionError(await call('throws_non_error'), /a plain string/);
    functionError(await call('throws_non_error', { kind: 'null' }), /failed \(Unhandled\)/);
    functionError(await call('throws_non_error', { kind: 'object' }), /failed \(Unhandled\)/);
  });

  it('8 MB of console output and raw writes to fd 1 never reach the host stdout; the log tail is 4 KB', async () => {
    const answer = await call('console_flood', { megabytes: 8 });
    expect(answer.result?.isError).not.toBe(true);
    expect(answer.result?.structuredContent).toEqual({ lines: expect.any(Number) });
    // The forged JSON-RPC line the function wrote to fd 1 was not taken for an answer.
    expect(peer.responses.has('"forged"')).toBe(false);
    expect(peer.corrupt).toEqual([]);

    const tailed = await call('invoke_function', {
      function_name: 'console-flood',
      payload: { megabytes: 2 },
      log_type: 'Tail',
    });
    const result = tailed.result?.structuredContent as { execution_result: { logs?: string[] } };
    const logs = result.execution_result.logs ?? [];
    expect(logs.some((l) => l.startsWith('REPORT RequestId:'))).toBe(true);
    expect(Buffer.byteLength(logs.join('\n'))).toBeLessThanOrEqual(4096);
  });

  it('a 200 KB Buffer comes back as a truncated result with a notice, not a byte dump or an error', async () => {
    const answer = await call('binary_output', { bytes: 200_000 });
    expect(answer.result?.isError).not.toBe(true);
    const text = resultText(answer.result);
    expect(text).toMatch(/\[Result truncated: showing the first [\d,]+ bytes of [\d,]+ bytes/);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(65_536);
    // Truncated JSON is never sent as structured content.
    expect(answer.result?.structuredContent).toBeUndefined();
  });

  it('a string of control characters and lone surrogates comes back as valid JSON text', async () => {
    const answer = await call('binary_output', { kind: 'string', bytes: 1_000 });
    expect(answer.result?.isError).not.toBe(true);
    const structured = answer.result?.structuredContent as { result: string };
    expect(structured.result.startsWith('\u0000\u0001\u0007')).toBe(true);
  });

  it('values JSON cannot hold are function errors (BigInt, circular); functions and undefined are null', async () => {
    functionError(await call('non_json_output', { kind: 'bigint' }), /serialize a BigInt/);
    functionError(await call('non_json_output', { kind: 'circular' }), /circular structure/);
    for (const kind of ['function', 'undefined']) {
      const answer = await call('non_json_output', { kind });
      expect(answer.result?.structuredContent).toEqual({ result: null });
    }
  });

  it('a 5 MB result is truncated to the cap; a 7 MB one is Function.ResponseSizeTooLarge', async () => {
    const big = await call('huge_output', { bytes: 5_000_000 });
    expect(big.result?.isError).not.toBe(true);
    const text = resultText(big.result);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(65_536);
    expect(text).toMatch(/of 5,000,01\d bytes/);
    functionError(await call('huge_output', { bytes: 7_000_000 }), 'Function.ResponseSizeTooLarge');
  });

  it('after all of that the host exits cleanly and its stderr holds log lines only', async () => {
    peer.child.stdin.end();
    expect(await peer.exited).toBe(0);
    expect(peer.corrupt).toEqual([]);
    const stray = peer
      .stderr()
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('{'));
    expect(stray).toEqual([]);
    // The function's own console output went to its log, not the host's stderr.
    expect(peer.stderr()).not.toContain('flood flood');
    expect(peer.stderr()).not.toContain('raw stderr bytes');
  });
});
