#!/usr/bin/env node
// Load generator for bench/http-load.mjs: a separate process that drives the HTTP server over
// loopback with keep-alive connections and raw JSON-RPC (no SDK client, so the generator stays
// cheap). Prints one JSON line with its figures on stdout.
//
//   node bench/http-load-client.mjs --url http://127.0.0.1:3000/mcp --mode stateful \
//     --concurrency 16 --duration 10 --warmup 2 --tool echo
//   node bench/http-load-client.mjs --url ... --open-sessions 10000 --concurrency 32
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    mode: { type: 'string', default: 'stateful' },
    concurrency: { type: 'string', default: '16' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    tool: { type: 'string', default: 'echo' },
    token: { type: 'string' },
    'open-sessions': { type: 'string' },
  },
});
if (!values.url) {
  console.error(
    'usage: http-load-client.mjs --url URL [--mode stateful|stateless] [--concurrency N] [--duration S]',
  );
  process.exit(2);
}
const url = new URL(values.url);
const concurrency = Number(values.concurrency);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
const PROTOCOL = '2025-11-25';

function request(body, headers = {}) {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'content-length': Buffer.byteLength(payload),
          ...(values.token ? { authorization: `Bearer ${values.token}` } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The JSON-RPC response with this id from a JSON or SSE body. */
function responseFor(text, id) {
  const t = text.trim();
  const messages = t.startsWith('{')
    ? [JSON.parse(t)]
    : t
        .split('\n')
        .filter((l) => l.startsWith('data: ') && l.length > 6)
        .map((l) => JSON.parse(l.slice(6)));
  return messages.find((m) => m.id === id);
}

async function initialize() {
  const r = await request({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'http-load', version: '1' } },
  });
  if (r.status !== 200) throw new Error(`initialize: HTTP ${r.status} ${r.text.slice(0, 200)}`);
  const session = r.headers['mcp-session-id'];
  const headers = { 'mcp-protocol-version': PROTOCOL, ...(session ? { 'mcp-session-id': session } : {}) };
  const n = await request({ jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  if (n.status !== 202) throw new Error(`initialized: HTTP ${n.status}`);
  return headers;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function openSessions(count) {
  let next = 0;
  let failed = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      next++;
      try {
        await initialize();
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { opened: count - failed, failed, seconds: (performance.now() - started) / 1000 };
}

async function load() {
  const durationMs = Number(values.duration) * 1000;
  const warmupMs = Number(values.warmup) * 1000;
  const latencies = [];
  let errors = 0;
  let firstError;
  let measuring = false;
  let stop = false;
  let id = 1;
  const worker = async () => {
    // Stateful: one session per worker, as a client would hold. Stateless: initialize once, then
    // every call is one independent POST (what an SDK client sends after its first initialize).
    const headers = await initialize();
    while (!stop) {
      const callId = id++;
      const t0 = performance.now();
      try {
        const r = await request(
          {
            jsonrpc: '2.0',
            id: callId,
            method: 'tools/call',
            params: { name: values.tool, arguments: { n: callId, text: 'hello' } },
          },
          headers,
        );
        const msg = r.status === 200 ? responseFor(r.text, callId) : undefined;
        const ok = msg?.result && !msg.result.isError;
        if (measuring) {
          if (ok) latencies.push(performance.now() - t0);
          else {
            errors++;
            firstError ??= `HTTP ${r.status} ${r.text.slice(0, 300)}`;
          }
        }
      } catch (error) {
        if (measuring) {
          errors++;
          firstError ??= String(error);
        }
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  await new Promise((r) => setTimeout(r, warmupMs));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, durationMs));
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  stop = true;
  await Promise.all(workers);
  latencies.sort((a, b) => a - b);
  const round = (v) => Math.round(v * 100) / 100;
  return {
    mode: values.mode,
    tool: values.tool,
    concurrency,
    seconds: round(seconds),
    calls: latencies.length,
    errors,
    ...(firstError ? { firstError } : {}),
    callsPerSecond: round(latencies.length / seconds),
    p50Ms: round(percentile(latencies, 50)),
    p90Ms: round(percentile(latencies, 90)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies[latencies.length - 1] ?? Number.NaN),
  };
}

const result = values['open-sessions'] ? await openSessions(Number(values['open-sessions'])) : await load();
agent.destroy();
process.stdout.write(`${JSON.stringify(result)}\n`);
