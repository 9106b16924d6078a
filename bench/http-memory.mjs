#!/usr/bin/env node
// Memory of the HTTP server under sustained load (issue 16 item 1): resident memory at start,
// every 5 s under load (bench/http-load-client.mjs, 16 concurrent echo calls), and every 5 s of the
// idle period after it, in stateless and stateful mode, with the throughput of the same run.
//
//   pnpm build && node bench/http-memory.mjs [--duration 60] [--idle 60] [--concurrency 16]
//     [--modes stateless,stateful] [--server-arg=--flag ...] [--json]
//
// The server runs as the bin runs it (`node apps/http-server/dist/cli.js --local examples/functions
// --rate-limit 0`); RSS is read from /proc/<pid>/status (VmRSS, Linux). Targets: at most 250 MB
// after 60 s of load, under 120 MB within 60 s of idle, and no loss of throughput.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  HTTP_BIN,
  loadClientArgs,
  ROOT,
  rssKb,
  runLoadClient,
  sleep,
  startLocalHttpServer,
  waitForReady,
} from './http-bench-support.mjs';

const functions = join(ROOT, 'examples/functions');
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    idle: { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '16' },
    modes: { type: 'string', default: 'stateless,stateful' },
    'server-arg': { type: 'string', multiple: true, default: [] },
    'node-option': { type: 'string', multiple: true, default: [] },
    json: { type: 'boolean', default: false },
    bin: { type: 'string', default: HTTP_BIN },
  },
});
const bin = values.bin;
if (!existsSync(bin)) {
  console.error(`${bin} is missing: run pnpm build first.`);
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), 'lambda-mcp-http-memory-'));
const mb = (kb) => Math.round(kb / 102.4) / 10;

async function startServer(mode) {
  const logFile = join(work, `${mode}.log`);
  const { child, url } = await startLocalHttpServer({
    bin,
    functions,
    logFile,
    nodeArgs: values['node-option'],
    args: ['--audit-log', 'off', ...(mode === 'stateless' ? ['--stateless'] : []), ...values['server-arg']],
  });
  return { child, logFile, url };
}

const runClient = runLoadClient;

/** V8 heap in use and memory outside it (buffers), from the server's /metrics. */
async function breakdown(base) {
  const text = await fetch(`${base}/metrics`)
    .then((r) => r.text())
    .catch(() => '');
  const value = (name) => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
    return m ? Math.round(Number(m[1]) / 104857.6) / 10 : undefined;
  };
  return { heapUsed: value('nodejs_heap_used_bytes'), external: value('nodejs_external_memory_bytes') };
}

const results = { loadAverageAtStart: loadavg().map((l) => Math.round(l * 10) / 10), runs: [] };
for (const mode of values.modes.split(',')) {
  const server = await startServer(mode);
  if (!server.url) {
    console.error(readFileSync(server.logFile, 'utf8'));
    throw new Error(`the ${mode} server did not start`);
  }
  const base = server.url.replace(/\/mcp$/, '');
  await waitForReady(base, 10_000);
  const pid = server.child.pid;
  const run = { mode, startMb: mb(rssKb(pid)), underLoadMb: [], idleMb: [], loadAverage: undefined };
  const duration = Number(values.duration);
  const client = runClient(
    loadClientArgs({ url: server.url, mode, concurrency: values.concurrency, duration }),
  );
  const t0 = Date.now();
  let done = false;
  client.finally(() => {
    done = true;
  });
  while (!done) {
    await sleep(5_000 - ((Date.now() - t0) % 5_000));
    if (!done) run.underLoadMb.push([Math.round((Date.now() - t0) / 1000), mb(rssKb(pid))]);
  }
  const load = await client;
  run.afterLoadMb = mb(rssKb(pid));
  run.afterLoadBreakdownMb = await breakdown(base);
  run.loadAverage = loadavg().map((l) => Math.round(l * 10) / 10);
  run.callsPerSecond = load.callsPerSecond;
  run.calls = load.calls;
  run.errors = load.errors;
  run.p50Ms = load.p50Ms;
  const idle = Number(values.idle);
  const t1 = Date.now();
  while (Date.now() - t1 < idle * 1000) {
    await sleep(5_000);
    run.idleMb.push([Math.round((Date.now() - t1) / 1000), mb(rssKb(pid))]);
  }
  run.afterIdleBreakdownMb = await breakdown(base);
  run.peakMb = mb(rssKb(pid, 'VmHWM'));
  server.child.kill('SIGTERM');
  await new Promise((r) => (server.child.exitCode !== null ? r() : server.child.once('exit', r)));
  results.runs.push(run);
  if (!values.json) {
    console.log(
      `${mode}: start ${run.startMb} MB; under load ${run.underLoadMb.map(([s, m]) => `${s}s ${m}`).join(', ')} MB; after load ${run.afterLoadMb} MB (peak ${run.peakMb}; heap ${run.afterLoadBreakdownMb.heapUsed}, external ${run.afterLoadBreakdownMb.external}; after idle heap ${run.afterIdleBreakdownMb.heapUsed}, external ${run.afterIdleBreakdownMb.external}); idle ${run.idleMb.map(([s, m]) => `${s}s ${m}`).join(', ')} MB; ${run.callsPerSecond} calls/s (${run.calls} calls, ${run.errors} errors, p50 ${run.p50Ms} ms); load average ${run.loadAverage.join(' ')}`,
    );
  }
}
if (values.json) console.log(JSON.stringify(results));
