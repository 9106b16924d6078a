/**
 * Invoke responses are read up to a cap (issue 10.5): Lambda answers a synchronous Invoke with at
 * most 6 MB, so an endpoint that sends more (a huge declared length, or an endless chunked body)
 * is cut off past 7 MiB with a clear PAYLOAD_TOO_LARGE, the connection is closed, and the server
 * goes on serving. The misbehaving endpoint is a raw node:http server on 127.0.0.1; for the stdio
 * server it sits in front of the AWS emulator and answers only the Invoke of one function itself.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Emulator, startEmulator } from '@lambda-mcp/aws-emulator';
import { isLambdaMcpError } from '@lambda-mcp/core';
import { createAwsBackend } from '@lambda-mcp/core/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultText, STDIO_BIN, startStdioPeer, waitFor } from './support.js';

const MiB = 1024 * 1024;
/** What the misbehaving endpoint sends at most (so that the old code, which read it all, ends). */
const SEND_AT_MOST = 64 * MiB;

interface Sent {
  bytes: number;
  closed: boolean;
}

let emulator: Emulator;
let server: http.Server;
let url: string;
const sent = new Map<string, Sent>();

/** Writes `total` bytes of JSON-string filler in 64 KiB chunks, stopping when the peer goes away. */
function stream(res: http.ServerResponse, record: Sent, total: number) {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  res.write('"');
  record.bytes += 1;
  const pump = () => {
    while (record.bytes < total && !res.destroyed) {
      record.bytes += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end('"');
  };
  res.on('close', () => {
    record.closed = true;
  });
  pump();
}

beforeAll(async () => {
  emulator = await startEmulator({
    synthetic: [
      { name: 'huge-answer', description: 'Answered by the misbehaving endpoint.', invoke: () => ({}) },
      { name: 'fine-answer', description: 'Echo.', invoke: (event) => event },
    ],
  });
  const target = new URL(emulator.url);
  server = http.createServer((req, res) => {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
    const name = match ? decodeURIComponent(match[1] as string) : undefined;
    if (name === 'endless' || name === 'huge-answer' || name === 'declared-huge' || name === 'five-mb') {
      req.resume();
      const record: Sent = { bytes: 0, closed: false };
      sent.set(name, record);
      if (name === 'five-mb') {
        const body = Buffer.from(JSON.stringify('b'.repeat(5 * MiB)));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        record.bytes = body.length;
        res.end(body);
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-amz-executed-version': '$LATEST',
        ...(name === 'declared-huge' ? { 'content-length': String(300 * MiB) } : {}),
      });
      stream(res, record, SEND_AT_MOST);
      return;
    }
    // Everything else goes to the emulator unchanged.
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await emulator?.close();
});

async function backend() {
  return createAwsBackend({
    region: 'us-east-1',
    endpoint: url,
    credentials: { accessKeyId: 'AKIDCAP', secretAccessKey: 'cap-secret' },
  });
}

const payload = new TextEncoder().encode('{}');

describe('Invoke response cap (AWS backend)', () => {
  for (const name of ['endless', 'declared-huge']) {
    it(`${name}: stops reading past the cap with PAYLOAD_TOO_LARGE and closes the connection`, async () => {
      const aws = await backend();
      try {
        const error = await aws
          .invoke({ functionName: name, invocationType: 'RequestResponse', payload, timeoutMs: 60_000 })
          .then(
            (result) => new Error(`answered with ${result.payload.byteLength} bytes`),
            (e: unknown) => e,
          );
        expect(isLambdaMcpError(error) ? error.code : String(error)).toBe('PAYLOAD_TOO_LARGE');
        expect((error as Error).message).toMatch(/6 MB limit for synchronous responses/);
        expect((error as Error).message).toMatch(/not sent again/);
        const record = await waitFor(
          () => (sent.get(name)?.closed ? sent.get(name) : undefined),
          10_000,
          'the endpoint to see the connection closed',
        );
        // Cut off near the cap (7 MiB plus what the sockets' buffers held), never the 64 MiB sent at most.
        expect(record.bytes).toBeLessThan(24 * MiB);
      } finally {
        await aws.close();
      }
    });
  }

  it('reads a 5 MB response (under Lambda’s limit) whole', async () => {
    const aws = await backend();
    try {
      const result = await aws.invoke({
        functionName: 'five-mb',
        invocationType: 'RequestResponse',
        payload,
        timeoutMs: 60_000,
      });
      expect(result.payload.byteLength).toBe(5 * MiB + 2);
    } finally {
      await aws.close();
    }
  });
});

describe('Invoke response cap (stdio server)', () => {
  it('answers an endless response with a clear error and goes on serving', async () => {
    const peer = startStdioPeer([STDIO_BIN], {
      AWS_ENDPOINT_URL: url,
      AWS_ACCESS_KEY_ID: 'AKIDCAP',
      AWS_SECRET_ACCESS_KEY: 'cap-secret',
    });
    try {
      await peer.request(
        'initialize',
        { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'cap', version: '1' } },
        15_000,
      );
      peer.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
      const answer = await peer.request(
        'tools/call',
        { name: 'invoke_function', arguments: { function_name: 'huge-answer', payload: {} } },
        60_000,
      );
      const result = answer.result as Record<string, unknown> | undefined;
      expect(result?.isError, JSON.stringify(answer).slice(0, 500)).toBe(true);
      expect(resultText(result)).toMatch(/PAYLOAD_TOO_LARGE/);
      expect(resultText(result)).toMatch(/6 MB/);
      // Still serving: another call is answered, and the process did not exit.
      const fine = await peer.request(
        'tools/call',
        { name: 'invoke_function', arguments: { function_name: 'fine-answer', payload: { ok: 1 } } },
        30_000,
      );
      expect((fine.result as { isError?: boolean } | undefined)?.isError).not.toBe(true);
      expect(resultText(fine.result as Record<string, unknown>)).toContain('"ok"');
      expect(peer.child.exitCode).toBeNull();
      expect(peer.corrupt).toEqual([]);
    } finally {
      peer.child.kill('SIGKILL');
      await peer.exited;
    }
  });
});
