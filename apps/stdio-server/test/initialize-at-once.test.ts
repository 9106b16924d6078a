/**
 * `initialize` is answered at once, without waiting for discovery; `tools/list` waits for the first
 * catalog. The server's AWS endpoint is a proxy in front of the emulator that holds every request
 * until the test lets them through, so "discovery has not answered yet" is a fact, not a timing.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Emulator, startEmulator } from '@lambda-mcp/aws-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, INITIALIZE, INITIALIZED, spawnRaw, waitFor } from './support.js';

let emulator: Emulator;
let proxy: Server;
let proxyUrl: string;
let held: Array<() => void> = [];
let holding = true;
let seen = 0;

function forward(req: IncomingMessage, res: import('node:http').ServerResponse): void {
  const target = new URL(emulator.url);
  const out = httpRequest(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  out.on('error', () => res.destroy());
  req.pipe(out);
}

beforeAll(async () => {
  emulator = await startEmulator({ functionsDir: EXAMPLES });
  proxy = createServer((req, res) => {
    seen += 1;
    if (holding) {
      req.pause();
      held.push(() => {
        req.resume();
        forward(req, res);
      });
    } else forward(req, res);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const release of held) release();
  proxy?.closeAllConnections();
  await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
  await emulator?.close();
});

function release(): void {
  holding = false;
  const waiting = held;
  held = [];
  for (const r of waiting) r();
}

describe('lambda-mcp-stdio answers initialize before discovery has answered', () => {
  it('initialize at once; tools/list once the first catalog is there', async () => {
    const s = spawnRaw([], { AWS_ENDPOINT_URL: proxyUrl });
    try {
      // Discovery has started and is held at the proxy.
      await waitFor(() => seen > 0, 30_000, 'the first AWS request');
      s.send(INITIALIZE);
      await waitFor(() => s.stdout().includes('"id":0'), 30_000, 'the initialize answer');
      expect(held.length).toBeGreaterThan(0); // nothing has been answered by AWS yet
      const init = JSON.parse(s.stdout().trim().split('\n')[0] as string);
      expect(init.result.serverInfo.name).toBe('lambda-mcp');
      expect(init.result.instructions).toContain('still loading');
      expect(s.stderr()).not.toContain('Serving MCP over stdio'); // logged once the catalog is there

      s.send(INITIALIZED);
      s.send({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
      await new Promise((r) => setTimeout(r, 200));
      expect(s.stdout()).not.toContain('"id":1'); // tools/list waits for the first catalog
      release();
      await waitFor(() => s.stdout().includes('"id":1'), 30_000, 'the tools/list answer');
      const list = s
        .stdout()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .find((m) => m.id === 1);
      expect(list.result.tools.map((t: { name: string }) => t.name)).toEqual(
        expect.arrayContaining(['echo', 'data_processor', 'list_functions']),
      );
      await waitFor(() => s.stderr().includes('Serving MCP over stdio'), 30_000, 'the serving log line');
      expect(s.stderr()).toMatch(/"msg":"Serving MCP over stdio".*"functions":5/);
    } finally {
      s.child.stdin?.end();
      await s.exit;
    }
  });
});
