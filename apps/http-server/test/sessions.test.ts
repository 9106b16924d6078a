import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  connect,
  FUNCTIONS_DIR,
  INITIALIZE,
  metricValue,
  post,
  type Started,
  start,
  startLocal,
  tempFunctions,
  waitFor,
} from './helpers.js';

const servers: Started[] = [];
const cleanups: Array<() => void> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.shutdown('test')));
  for (const c of cleanups.splice(0)) c();
});

async function metrics(s: Started): Promise<string> {
  return (await fetch(`${s.base}/metrics`)).text();
}

describe('stateful sessions', () => {
  it('opens a session on initialize, refuses requests without or with unknown ids, and DELETE ends it', async () => {
    const s = await startLocal();
    servers.push(s);
    const init = await post(s.url, INITIALIZE);
    expect(init.status).toBe(200);
    const id = init.headers.get('mcp-session-id') as string;
    expect(id).toBeTruthy();
    const headers = { 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' };

    const noSession = await post(s.url, { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
    expect(noSession.status).toBe(400);
    expect(noSession.text).toMatch(/Mcp-Session-Id header is required/);

    const unknown = await post(
      s.url,
      { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} },
      { ...headers, 'mcp-session-id': '00000000-0000-0000-0000-000000000000' },
    );
    expect(unknown.status).toBe(404);
    expect((unknown.json() as { error: { code: number } }).error.code).toBe(-32001);

    await post(s.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
    const list = await post(s.url, { jsonrpc: '2.0', id: 3, method: 'tools/list', params: {} }, headers);
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.json())).toMatch(/"echo"/);
    expect(s.app?.sessions.size).toBe(1);
    expect(s.runtime?.lambda.connectedServers()).toBe(1);

    const del = await fetch(s.url, { method: 'DELETE', headers });
    expect(del.status).toBe(200);
    await waitFor(() => s.app?.sessions.size === 0, 2_000, 'session removed');
    expect(s.runtime?.lambda.connectedServers()).toBe(0);
    const after = await post(s.url, { jsonrpc: '2.0', id: 4, method: 'tools/list', params: {} }, headers);
    expect(after.status).toBe(404);
    expect(metricValue(await metrics(s), 'lambda_mcp_sessions_closed_total', { reason: 'deleted' })).toBe(1);
  });

  it('closes idle sessions after the idle timeout and releases their servers', async () => {
    const s = await startLocal(['--session-idle-timeout', '1s']);
    servers.push(s);
    const { client, transport } = await connect(s.url);
    const id = transport.sessionId as string;
    // An abandoned session: opened by a raw initialize and never used again.
    const raw = await post(s.url, INITIALIZE);
    expect(raw.status).toBe(200);
    expect(s.app?.sessions.size).toBe(2);
    expect(metricValue(await metrics(s), 'lambda_mcp_sessions')).toBe(2);
    // The abandoned one goes; the client's stays while its GET stream is open.
    await waitFor(() => s.app?.sessions.size === 1, 5_000, 'abandoned session swept');
    expect(s.app?.sessions.get(id)).toBeDefined();
    expect(s.runtime?.lambda.connectedServers()).toBe(1);
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await client.listTools()).tools.length).toBeGreaterThan(5);
    // Closing the client drops its stream (the SDK client sends no DELETE): then it is idle too.
    await client.close();
    await waitFor(() => s.app?.sessions.size === 0, 5_000, 'idle session swept');
    expect(s.runtime?.lambda.connectedServers()).toBe(0);
    const m = await metrics(s);
    expect(metricValue(m, 'lambda_mcp_sessions_closed_total', { reason: 'idle' })).toBe(2);
    expect(metricValue(m, 'lambda_mcp_sessions')).toBe(0);
    const gone = await post(
      s.url,
      { jsonrpc: '2.0', id: 2, method: 'ping' },
      { 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' },
    );
    expect(gone.status).toBe(404);
  });

  it('keeps at most --max-sessions, evicting the least recently used', async () => {
    const s = await startLocal(['--max-sessions', '2']);
    servers.push(s);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await post(s.url, INITIALIZE);
      expect(r.status).toBe(200);
      ids.push(r.headers.get('mcp-session-id') as string);
    }
    expect(s.app?.sessions.size).toBe(2);
    expect(s.app?.sessions.get(ids[0] as string)).toBeUndefined();
    expect(s.app?.sessions.get(ids[2] as string)).toBeDefined();
    expect(metricValue(await metrics(s), 'lambda_mcp_sessions_closed_total', { reason: 'evicted' })).toBe(1);
    expect(s.runtime?.lambda.connectedServers()).toBe(2);
  });

  it('answers initialize with 503 when every session has a call in flight', async () => {
    const s = await startLocal(['--max-sessions', '1']);
    servers.push(s);
    const { client } = await connect(s.url);
    const slow = client.callTool({ name: 'slow_report', arguments: { seconds: 1 } });
    await waitFor(() => s.app?.activeCalls() === 1, 5_000, 'call in flight');
    const refused = await post(s.url, INITIALIZE);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    await slow;
    // Once the call is done the busy session may be evicted for a new one.
    expect((await post(s.url, INITIALIZE)).status).toBe(200);
    await client.close();
  });

  it('sends tools/list_changed to every live session when a function appears', async () => {
    const fns = tempFunctions(['echo']);
    cleanups.push(fns.cleanup);
    const s = await start(['--local', fns.dir, '--refresh-interval', '1s']);
    servers.push(s);
    const clients = await Promise.all([connect(s.url), connect(s.url), connect(s.url)]);
    const seen = [0, 0, 0];
    clients.forEach(({ client }, i) => {
      client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
        seen[i] = (seen[i] ?? 0) + 1;
      });
    });
    // Each client's standalone GET stream must be open before the change, or it has nowhere to go.
    await waitFor(
      () =>
        [...clients].every(
          ({ transport }) => s.app?.sessions.get(transport.sessionId as string)?.openStreams === 1,
        ),
      5_000,
      'GET streams open',
    );
    cpSync(join(FUNCTIONS_DIR, 'always-fails'), join(fns.dir, 'always-fails'), { recursive: true });
    await waitFor(() => seen.every((n) => n >= 1), 8_000, 'list_changed on every session');
    const { tools } = await clients[0]!.client.listTools();
    expect(tools.map((t) => t.name)).toContain('always_fails');
    rmSync(join(fns.dir, 'always-fails'), { recursive: true, force: true });
    await waitFor(() => seen.every((n) => n >= 2), 8_000, 'second list_changed');
    await Promise.all(clients.map(({ client }) => client.close()));
  });
});
