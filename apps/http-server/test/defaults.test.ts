/**
 * Defaults that do not surprise (issue 11 item 5, HTTP parts): a human line saying where the server
 * is and how to connect, a busy port that says how to choose another, and a default rate limit
 * that one busy, well-behaved client does not meet.
 */
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../src/main.js';
import { FUNCTIONS_DIR, INITIALIZE, post, type Started, startLocal } from './helpers.js';

const servers: Started[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.shutdown('test')));
});

describe('defaults', () => {
  it('prints one human line with the URL and how to connect a client', async () => {
    const s = await startLocal();
    servers.push(s);
    const line = s.out.find((l) => l.startsWith('lambda-mcp-http '));
    expect(line).toContain(`serving local functions at ${s.url}`);
    expect(line).toMatch(
      /connect an MCP client: \{ "mcpServers": \{ "lambda": \{ "type": "http", "url": "http:\/\/127\.0\.0\.1:\d+\/mcp" \} \} \}/,
    );
    expect(line).toContain('Ctrl-C stops');
  });

  it('a busy port names --port and MCP_SERVER_PORT', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const err: string[] = [];
    try {
      const handle = await startHttpServer({
        argv: ['--local', FUNCTIONS_DIR, '--port', String(port), '--host', '127.0.0.1', '--no-disk-cache'],
        env: { LOG_LEVEL: 'silent' },
        writeErr: (t) => void err.push(t),
        writeOut: () => {},
      });
      expect(handle.url).toBeUndefined();
      expect(await handle.exited).toBe(1);
      const text = err.join('');
      expect(text).toContain(`port ${port} is already in use`);
      expect(text).toContain(`--port ${port + 1}`);
      expect(text).toContain(`MCP_SERVER_PORT=${port + 1}`);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('the default rate limit lets 300 quick requests of one client through', async () => {
    const s = await startLocal(['--stateless']);
    servers.push(s);
    expect((await post(s.url, INITIALIZE)).status).toBe(200);
    const statuses = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const r = await post(
        s.url,
        { jsonrpc: '2.0', id: i, method: 'ping' },
        { 'mcp-protocol-version': '2025-11-25' },
      );
      statuses.add(r.status);
    }
    expect([...statuses]).toEqual([200]);
  });
});
