#!/usr/bin/env node
// HTTP server load benchmark (figures, not a pass/fail test).
//
//   pnpm build && node bench/http-load.mjs [--duration 10] [--concurrency 16] [--sessions 10000]
//
// 1. Throughput and latency of tools/call on the no-op `echo` function (local backend), in
//    stateful and stateless mode: the built server (apps/http-server/dist/cli.js) runs in its own
//    process, and bench/http-load-client.mjs generates load from another process over loopback
//    with keep-alive connections. Target: >= 1,000 calls/s with p99 < 50 ms.
// 2. Memory: the server's resident memory before and after 10,000 sessions are opened and
//    abandoned, and after their idle timeout has closed them. Target: back within 20% of the
//    starting resident memory.
// The server runs with its defaults (audit lines on, to a file) except: no rate limit, a higher
// invocation concurrency, and (memory run) a short idle timeout and a session cap above 10,000.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
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

const bin = HTTP_BIN;
const functions = join(ROOT, 'examples/functions');
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '16' },
    sessions: { type: 'string', default: '10000' },
    'idle-timeout': { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
  },
});
if (!existsSync(bin)) {
  console.error(`${bin} is missing: run pnpm build first.`);
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'lambda-mcp-http-bench-'));

const rssBytes = (pid) => rssKb(pid) * 1024;

async function startServer(name, args) {
  const logFile = join(work, `${name}.log`);
  const deadline = Date.now() + 15_000;
  const { child, url } = await startLocalHttpServer({
    bin,
    functions,
    logFile,
    listenMs: 15_000,
    args: [
      '--max-concurrent-invocations',
      '256',
      '--max-queued-invocations',
      '100000',
      '--audit-log',
      join(work, `${name}.audit.jsonl`),
      ...args,
    ],
  });
  if (!url) throw new Error(`server ${name} did not start:\n${readFileSync(logFile, 'utf8')}`);
  const base = url.replace(/\/mcp$/, '');
  // Wait for the first catalog.
  await waitForReady(base, deadline - Date.now());
  return {
    url,
    base,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    },
  };
}

const runClient = runLoadClient;

async function metric(base, name) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : Number.NaN;
}

const mb = (b) => Math.round((b / 1024 / 1024) * 10) / 10;
const results = {
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGb: mb(totalmem()) / 1024,
    node: process.version,
  },
  throughput: [],
  memory: undefined,
};

try {
  for (const mode of ['stateful', 'stateless']) {
    const server = await startServer(mode, mode === 'stateless' ? ['--stateless'] : []);
    try {
      const r = await runClient(
        loadClientArgs({
          url: server.url,
          mode,
          concurrency: values.concurrency,
          duration: values.duration,
          warmup: values.warmup,
        }),
      );
      r.serverRssMb = mb(rssBytes(server.pid));
      results.throughput.push(r);
      if (!values.json) {
        console.log(
          `${mode.padEnd(9)} tools/call echo, ${r.concurrency} concurrent: ${r.callsPerSecond} calls/s, p50 ${r.p50Ms} ms, p90 ${r.p90Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms, ${r.calls} calls, ${r.errors} errors (server RSS ${r.serverRssMb} MB)`,
        );
        if (r.firstError) console.log(`  first error: ${r.firstError}`);
      }
    } finally {
      await server.stop();
    }
  }

  const idle = Number(values['idle-timeout']);
  const server = await startServer('memory', [
    '--session-idle-timeout',
    `${idle}s`,
    '--max-sessions',
    '20000',
  ]);
  try {
    const startup = rssBytes(server.pid);
    // Starting point: after start-up and a little traffic (code paths loaded, workers warm).
    await runClient(['--url', server.url, '--concurrency', '4', '--duration', '2', '--warmup', '0']);
    await sleep(1000);
    const start = rssBytes(server.pid);
    const opened = await runClient([
      '--url',
      server.url,
      '--open-sessions',
      values.sessions,
      '--concurrency',
      '32',
    ]);
    const sessionsOpen = await metric(server.base, 'lambda_mcp_sessions');
    const afterOpen = rssBytes(server.pid);
    const t0 = Date.now();
    while ((await metric(server.base, 'lambda_mcp_sessions')) > 0 && Date.now() - t0 < (idle + 60) * 1000)
      await sleep(250);
    const closedAfterS = (Date.now() - t0) / 1000;
    const sessionsLeft = await metric(server.base, 'lambda_mcp_sessions');
    // Give the allocator a moment; sample for a few seconds and report the last reading.
    const samples = [];
    for (let i = 0; i < 10; i++) {
      await sleep(1000);
      samples.push(rssBytes(server.pid));
    }
    const afterIdle = samples[samples.length - 1];
    results.memory = {
      sessions: Number(values.sessions),
      opened: opened.opened,
      failed: opened.failed,
      openSeconds: Math.round(opened.seconds * 10) / 10,
      sessionsGaugeAfterOpen: sessionsOpen,
      idleTimeoutSeconds: idle,
      allClosedAfterSeconds: Math.round(closedAfterS * 10) / 10,
      sessionsLeft,
      startupRssMb: mb(startup),
      startRssMb: mb(start),
      afterOpenRssMb: mb(afterOpen),
      afterIdleRssMb: mb(afterIdle),
      afterIdleVsStartPercent: Math.round(((afterIdle - start) / start) * 1000) / 10,
      afterIdleVsStartupPercent: Math.round(((afterIdle - startup) / startup) * 1000) / 10,
      rssSamplesMb: samples.map(mb),
    };
    if (!values.json) {
      const m = results.memory;
      console.log(
        `memory    ${m.opened} sessions opened in ${m.openSeconds} s (${m.failed} failed); RSS at start-up ${m.startupRssMb} MB, after warm-up (start) ${m.startRssMb} MB, after opening ${m.afterOpenRssMb} MB (${m.sessionsGaugeAfterOpen} live), after idle timeout ${m.afterIdleRssMb} MB (${m.sessionsLeft} live, all closed ${m.allClosedAfterSeconds} s after opening finished): ${m.afterIdleVsStartPercent >= 0 ? '+' : ''}${m.afterIdleVsStartPercent}% vs start, ${m.afterIdleVsStartupPercent >= 0 ? '+' : ''}${m.afterIdleVsStartupPercent}% vs start-up`,
      );
    }
  } finally {
    await server.stop();
  }
  if (values.json) console.log(JSON.stringify(results, null, 2));
  else
    console.log(
      `machine: ${results.machine.cpus} CPUs (${results.machine.cpu}), Node ${results.machine.node}`,
    );
} finally {
  rmSync(work, { recursive: true, force: true });
}
