/**
 * Issue 10 items 3, 6 and 9 against the built HTTP server (local backend over examples/functions):
 * a duplicate JSON-RPC id on one session, sessions and streams held open for ever, trickling
 * request bodies under a low descriptor limit, the X-Forwarded-For hop, refused Host headers,
 * JWTs without an owner, a second SIGTERM and an oversized JWKS.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http, { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import {
  childEnv,
  EXAMPLES_DIR,
  GaveUp,
  HTTP_BIN,
  type HttpBin,
  INITIALIZE_BODY,
  PROTOCOL_VERSION,
  rawRequest,
  startHttpBin,
  waitFor,
} from './support.js';

const LOCAL = ['--local', EXAMPLES_DIR];
const running: HttpBin[] = [];

async function start(args: string[], env: Record<string, string> = {}): Promise<HttpBin> {
  const bin = await startHttpBin(args, { LOG_LEVEL: 'info', ...env });
  running.push(bin);
  return bin;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop()));
});

/** A POST to /mcp whose answer is read as it streams (SSE or JSON), with every data payload parsed. */
function openPost(url: string, body: string, headers: Record<string, string> = {}) {
  const target = new URL(url);
  const messages: Array<Record<string, unknown>> = [];
  let status = 0;
  let text = '';
  let ended = false;
  const req = http.request({
    host: target.hostname,
    port: target.port,
    path: target.pathname,
    method: 'POST',
    agent: false,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': PROTOCOL_VERSION,
      'content-length': Buffer.byteLength(body),
      ...headers,
    },
  });
  const responded = new Promise<void>((resolve, reject) => {
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      resolve();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        const json = res.headers['content-type']?.includes('application/json');
        if (json) return;
        for (const line of chunk.split('\n')) {
          if (line.startsWith('data: ')) {
            try {
              messages.push(JSON.parse(line.slice(6)));
            } catch {}
          }
        }
      });
      res.on('end', () => {
        ended = true;
        if (res.headers['content-type']?.includes('application/json') && text) {
          try {
            messages.push(JSON.parse(text));
          } catch {}
        }
      });
      res.on('error', () => {
        ended = true;
      });
    });
    req.on('error', (error) => {
      ended = true;
      reject(error);
    });
  });
  req.end(body);
  return {
    responded,
    status: () => status,
    messages,
    text: () => text,
    ended: () => ended,
    answer: (id: unknown) => messages.find((m) => m.id === id && ('result' in m || 'error' in m)),
    abort: () => req.destroy(),
  };
}

/** Sends initialize with a raw request (to read the session header) and the initialized notification. */
async function sessionIdOf(url: string, headers: Record<string, string>): Promise<string> {
  const res = await rawRequest(url, {
    body: INITIALIZE_BODY,
    headers: { 'mcp-protocol-version': PROTOCOL_VERSION, ...headers },
  });
  if (res.status !== 200) throw new Error(`initialize: ${res.status} ${res.text}`);
  const sid = res.headers['mcp-session-id'] as string;
  await rawRequest(url, {
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    headers: { 'mcp-session-id': sid, 'mcp-protocol-version': PROTOCOL_VERSION, ...headers },
  });
  return sid;
}

function slowCall(id: number | string, seconds: number): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'slow_report', arguments: { seconds } },
  });
}

describe('10.3: a duplicate JSON-RPC id cannot pin a session', () => {
  it('a second tools/call with an id in flight is refused, and the first is answered', async () => {
    const server = await start(LOCAL);
    const sid = await sessionIdOf(server.url, {});
    const first = openPost(server.url, slowCall(7, 2), { 'mcp-session-id': sid });
    await first.responded;
    expect(first.status()).toBe(200);
    const second = openPost(server.url, slowCall(7, 1), { 'mcp-session-id': sid });
    await second.responded;
    await waitFor(() => second.ended() && second.messages.length > 0, 10_000, 'the duplicate to be answered');
    const refusal = second.messages[0] as { id: unknown; error?: { code: number; message: string } };
    expect(refusal.id).toBe(7);
    expect(refusal.error?.code).toBe(-32600);
    expect(refusal.error?.message).toMatch(/already in flight/i);
    const answer = await waitFor(() => first.answer(7), 15_000, 'the first call to be answered');
    expect(answer).toHaveProperty('result');
    await waitFor(() => first.ended(), 5_000, 'the first stream to end');
  });

  it('ten duplicate attacks under --max-sessions 10 leave room for a new session', async () => {
    const server = await start([...LOCAL, '--max-sessions', '10']);
    const posts: Array<ReturnType<typeof openPost>> = [];
    for (let i = 0; i < 10; i++) {
      const sid = await sessionIdOf(server.url, {});
      const a = openPost(server.url, slowCall(1, 1), { 'mcp-session-id': sid });
      await a.responded;
      posts.push(a, openPost(server.url, slowCall(1, 1), { 'mcp-session-id': sid }));
    }
    // Every request is answered: a result or a JSON-RPC error.
    await waitFor(
      () => posts.every((p) => p.messages.some((m) => 'result' in m || 'error' in m)),
      20_000,
      'every call to be answered',
    );
    const init = await waitFor(
      async () => {
        const res = await rawRequest(server.url, {
          body: INITIALIZE_BODY,
          headers: { 'mcp-protocol-version': PROTOCOL_VERSION },
        });
        return res.status === 200 ? res : undefined;
      },
      10_000,
      'a new initialize to be accepted',
    );
    expect(init.headers['mcp-session-id']).toBeTruthy();
    for (const p of posts) p.abort();
  });

  it('an open GET stream does not keep an idle session (and its slot) for ever', async () => {
    const server = await start([...LOCAL, '--session-idle-timeout', '1s', '--max-request-duration', '2s']);
    const sid = await sessionIdOf(server.url, {});
    const target = new URL(server.url);
    let ended = false;
    let status = 0;
    const get = http.get({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      agent: false,
      headers: {
        accept: 'text/event-stream',
        'mcp-session-id': sid,
        'mcp-protocol-version': PROTOCOL_VERSION,
      },
    });
    get.on('response', (res) => {
      status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => {
        ended = true;
      });
      res.on('close', () => {
        ended = true;
      });
    });
    get.on('error', () => {
      ended = true;
    });
    await waitFor(() => status, 5_000, 'the GET stream to open');
    expect(status).toBe(200);
    await waitFor(() => ended, 10_000, 'the server to end the stream at its maximum duration');
    // With no stream and no request, the session is idle: it is closed one idle timeout later
    // (watched through /metrics, which does not touch the session).
    await waitFor(
      async () =>
        /^lambda_mcp_sessions 0$/m.test((await rawRequest(`${server.base}/metrics`, { method: 'GET' })).text),
      8_000,
      'the idle session to be closed',
    );
    const after = await rawRequest(server.url, {
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
      headers: { 'mcp-session-id': sid, 'mcp-protocol-version': PROTOCOL_VERSION },
    });
    expect(after.status).toBe(404);
  });

  it('a call running past --max-request-duration is answered with an error and its stream closed', async () => {
    const server = await start([...LOCAL, '--max-request-duration', '2s']);
    const sid = await sessionIdOf(server.url, {});
    const call = openPost(server.url, slowCall(3, 8), { 'mcp-session-id': sid });
    await call.responded;
    const answer = (await waitFor(() => call.answer(3), 7_000, 'the bounded call to be answered')) as {
      error?: { message: string };
    };
    expect(answer.error?.message).toMatch(/max-request-duration|2 s/);
    await waitFor(() => call.ended(), 3_000, 'the stream to end');
  });
});

/** Starts the built bin under `ulimit -n <limit>` (through bash). */
async function startWithFdLimit(limit: number, args: string[]): Promise<HttpBin> {
  const quoted = [process.execPath, HTTP_BIN, '--port', '0', '--host', '127.0.0.1', ...args]
    .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
    .join(' ');
  const child = spawn('bash', ['-c', `ulimit -n ${limit} && exec ${quoted}`], {
    env: childEnv({ LOG_LEVEL: 'info' }),
  });
  let err = '';
  let exit: number | null = null;
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString('utf8');
  });
  child.stdout.on('data', () => {});
  const exited = new Promise<number | null>((r) =>
    child.on('exit', (code) => {
      exit = code;
      r(code);
    }),
  );
  // A server that never said it listens is still killed (it would outlive the test).
  const url = await waitFor(
    () => {
      if (exit !== null) throw new GaveUp(`exited with ${exit}: ${err}`);
      return /"msg":"Listening".*?"url":"([^"]+)"/.exec(err)?.[1];
    },
    40_000,
    'lambda-mcp-http to listen',
  ).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  const bin: HttpBin = {
    url,
    base: url.replace(/\/mcp$/, ''),
    child,
    stderr: () => err,
    exitCode: () => exit,
    stop: async () => {
      if (exit === null) child.kill('SIGKILL');
      return exited;
    },
  };
  running.push(bin);
  return bin;
}

function getStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

describe('10.6: slow request bodies', () => {
  it('/health keeps answering under 1,000 trickling connections with 256 descriptors', async () => {
    const server = await startWithFdLimit(256, LOCAL);
    const target = new URL(server.url);
    const sockets = new Set<net.Socket>();
    let stop = false;
    const open = () => {
      if (stop) return;
      const s = net.connect(Number(target.port), target.hostname);
      sockets.add(s);
      s.on('connect', () => {
        s.write(
          `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`,
        );
      });
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        // The attacker comes back at once.
        setTimeout(open, 200);
      });
    };
    const trickle = setInterval(() => {
      for (const s of sockets) if (s.writable) s.write(' ');
    }, 1_000);
    try {
      for (let i = 0; i < 1000; i++) open();
      await new Promise((r) => setTimeout(r, 2_000));
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        statuses.push(await getStatus(`${server.base}/health`, 10_000));
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(statuses, `/health statuses: ${statuses.join(',')}`).toEqual(Array(8).fill(200));
      expect(server.exitCode()).toBeNull();
    } finally {
      stop = true;
      clearInterval(trickle);
      for (const s of sockets) s.destroy();
    }
  }, 90_000);

  it('a body still trickling at --body-timeout gets 408 and its connection closed', async () => {
    const server = await start([...LOCAL, '--body-timeout', '2s']);
    const target = new URL(server.url);
    const s = net.connect(Number(target.port), target.hostname);
    let received = '';
    let closed = false;
    s.on('data', (d) => {
      received += d.toString('utf8');
    });
    s.on('close', () => {
      closed = true;
    });
    s.on('error', () => {});
    s.write(
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 1000\r\n\r\n{`,
    );
    const trickle = setInterval(() => s.writable && s.write(' '), 300);
    try {
      await waitFor(() => closed, 8_000, 'the server to close the slow body');
      expect(received).toMatch(/^HTTP\/1\.1 408/);
      expect(received).toMatch(/body/i);
    } finally {
      clearInterval(trickle);
      s.destroy();
    }
  });
});

describe('10.9: proxies, refused Hosts, token owners, signals, JWKS size', () => {
  const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });

  it('--trust-proxy takes the entry its hop count gives, not the left-most one', async () => {
    const one = await start([
      ...LOCAL,
      '--stateless',
      '--trust-proxy',
      '--rate-limit',
      '1',
      '--rate-limit-burst',
      '2',
    ]);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await rawRequest(one.url, {
        body: ping,
        headers: {
          'x-forwarded-for': `198.51.100.${i}, 203.0.113.9`,
          'mcp-protocol-version': PROTOCOL_VERSION,
        },
      });
      statuses.push(res.status);
    }
    // One client (203.0.113.9, appended by the trusted proxy) whatever it writes on the left.
    expect(statuses.slice(2)).toEqual([429, 429]);

    const two = await start([
      ...LOCAL,
      '--stateless',
      '--trust-proxy',
      '2',
      '--rate-limit',
      '1',
      '--rate-limit-burst',
      '2',
    ]);
    const spoofed: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await rawRequest(two.url, {
        body: ping,
        headers: {
          'x-forwarded-for': `198.51.100.${i}, 203.0.113.9, 10.0.0.2`,
          'mcp-protocol-version': PROTOCOL_VERSION,
        },
      });
      spoofed.push(res.status);
    }
    expect(spoofed.slice(2)).toEqual([429, 429]);
    const distinct: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await rawRequest(two.url, {
        body: ping,
        headers: {
          'x-forwarded-for': `203.0.113.${50 + i}, 10.0.0.2`,
          'mcp-protocol-version': PROTOCOL_VERSION,
        },
      });
      distinct.push(res.status);
    }
    expect(distinct).toEqual([200, 200, 200, 200]);
  });

  it('a refused Host header is logged truncated and counted against the client', async () => {
    const server = await start([...LOCAL, '--rate-limit', '1', '--rate-limit-burst', '5']);
    const before = server.stderr().length;
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await rawRequest(server.url, { body: ping, headers: { host: `h${'x'.repeat(15_000)}` } });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 5)).toEqual([403, 403, 403, 403, 403]);
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
    const logged = server.stderr().slice(before);
    for (const line of logged.split('\n')) expect(line.length).toBeLessThan(2_000);
    const metrics = await rawRequest(`${server.base}/metrics`, { method: 'GET' });
    expect(metrics.text).toMatch(/lambda_mcp_http_refused_total\{reason="host"\} 5/);
  });

  it('a JWT naming no subject or client is refused (it would share an owner with every other such token)', async () => {
    const keys = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    try {
      const issuer = 'https://auth.hardening.test/';
      const server = await start([
        ...LOCAL,
        '--oauth-issuer',
        issuer,
        '--oauth-jwks-url',
        `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
        '--public-url',
        'http://127.0.0.1/mcp',
        '--stateless',
      ]);
      const mint = (claims: Record<string, unknown>, sub?: string) => {
        const b = new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .setIssuer(issuer)
          .setAudience('http://127.0.0.1/mcp')
          .setExpirationTime('5m');
        if (sub) b.setSubject(sub);
        return b.sign(keys.privateKey);
      };
      const anonymous = await mint({ scope: 'a' });
      const res = await rawRequest(server.url, {
        body: ping,
        headers: { authorization: `Bearer ${anonymous}`, 'mcp-protocol-version': PROTOCOL_VERSION },
      });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/invalid_token/);
      expect(res.text).toMatch(/sub.*client_id/);
      const named = await rawRequest(server.url, {
        body: ping,
        headers: {
          authorization: `Bearer ${await mint({}, 'alice')}`,
          'mcp-protocol-version': PROTOCOL_VERSION,
        },
      });
      expect(named.status).toBe(200);
      const client = await rawRequest(server.url, {
        body: ping,
        headers: {
          authorization: `Bearer ${await mint({ client_id: 'svc-1' })}`,
          'mcp-protocol-version': PROTOCOL_VERSION,
        },
      });
      expect(client.status).toBe(200);
    } finally {
      await new Promise((r) => jwks.close(r));
    }
  });

  it('a second SIGTERM answers the calls in flight with an error and exits with code 3', async () => {
    const server = await start([...LOCAL, '--stateless', '--shutdown-timeout', '60s']);
    const call = openPost(server.url, slowCall(9, 20));
    await call.responded;
    server.child.kill('SIGTERM');
    await waitFor(
      () => /"msg":"Shutting down"/.test(server.stderr()),
      5_000,
      'the graceful shutdown to start',
    );
    server.child.kill('SIGTERM');
    await waitFor(() => server.exitCode() !== null, 10_000, 'the forced stop');
    const code = server.exitCode();
    expect(code).toBe(3);
    const answer = call.answer(9) as { error?: { message: string } } | undefined;
    expect(answer?.error?.message).toMatch(/shut down|forced/i);
  });

  it('a JWKS endpoint serving 200 MB is cut off at the cap: 503, and the server stays small', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":[],"pad":"');
      let sent = 0;
      const pump = () => {
        while (sent < 200) {
          sent += 1;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end('"}');
      };
      pump();
      res.on('error', () => {});
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    try {
      const issuer = 'https://auth.hardening.test/';
      const server = await start([
        ...LOCAL,
        '--oauth-issuer',
        issuer,
        '--oauth-jwks-url',
        `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
        '--public-url',
        'http://127.0.0.1/mcp',
        '--stateless',
      ]);
      const keys = await generateKeyPair('RS256');
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(issuer)
        .setAudience('http://127.0.0.1/mcp')
        .setSubject('alice')
        .setExpirationTime('5m')
        .sign(keys.privateKey);
      const peakKb = () =>
        Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))?.[1]);
      const before = peakKb();
      const res = await rawRequest(server.url, {
        body: ping,
        headers: { authorization: `Bearer ${token}`, 'mcp-protocol-version': PROTOCOL_VERSION },
      });
      expect(res.status).toBe(503);
      const after = peakKb();
      expect(before).toBeGreaterThan(0);
      // Reading the whole 200 MB (as a string, then parsed) takes hundreds of MB; the cap keeps it flat.
      expect((after - before) / 1024).toBeLessThan(40);
    } finally {
      jwks.closeAllConnections();
      await new Promise((r) => jwks.close(r));
    }
  });
});
