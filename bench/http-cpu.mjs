#!/usr/bin/env node
// CPU time per tools/call of the HTTP server, and its throughput, for one or more builds run back
// to back in alternating order (figures, not a pass/fail test). CPU time per call is far less
// sensitive to the machine's load than calls per second, so it is what compares two builds on a
// shared machine.
//
//   pnpm build && node bench/http-cpu.mjs [--bin label=path/to/dist/cli.js ...] [--rounds 3]
//     [--duration 10] [--warmup 3] [--concurrency 16] [--modes stateless,stateful] [--json]
//
// Each run starts the server as the bin runs it (`--local examples/functions --rate-limit 0
// --audit-log off [--stateless]`), drives it with bench/http-load-client.mjs (16 concurrent `echo`
// calls) for the warm-up, then for the measured duration, and reads the CPU time (user + system,
// /proc/<pid>/stat, Linux) of the server process and of its descendants (the local functions'
// runtime processes) over the measured run only. Rounds alternate the order of the builds.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  HTTP_BIN,
  loadClientArgs,
  ROOT,
  runLoadClient,
  startLocalHttpServer,
  waitForReady,
} from './http-bench-support.mjs';

const { values } = parseArgs({
  options: {
    bin: { type: 'string', multiple: true, default: [] },
    rounds: { type: 'string', default: '1' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '16' },
    modes: { type: 'string', default: 'stateless,stateful' },
    'server-arg': { type: 'string', multiple: true, default: [] },
    json: { type: 'boolean', default: false },
  },
});
const bins = (values.bin.length > 0 ? values.bin : [`this=${HTTP_BIN}`]).map((spec) => {
  const eq = spec.indexOf('=');
  const label = eq > 0 ? spec.slice(0, eq) : spec;
  const path = eq > 0 ? spec.slice(eq + 1) : spec;
  const abs = isAbsolute(path) ? path : resolve(path);
  if (!existsSync(abs)) {
    console.error(`${abs} is missing: build it first.`);
    process.exit(1);
  }
  return { label, path: abs };
});
const functions = join(ROOT, 'examples/functions');
const work = mkdtempSync(join(tmpdir(), 'lambda-mcp-http-cpu-'));
const TICK_US = 1e6 / 100; // USER_HZ is 100 on Linux
const load1 = () => Math.round(loadavg()[0] * 100) / 100;

/** utime + stime of `pid`, in clock ticks, and its parent's pid; undefined once it is gone. */
function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

/** CPU ticks of every process below `root`, by pid. */
function descendantTicks(root) {
  const parent = new Map();
  const ticks = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(entry);
    if (!s) continue;
    parent.set(Number(entry), s.ppid);
    ticks.set(Number(entry), s.ticks);
  }
  const out = new Map();
  for (const [pid, t] of ticks) {
    let p = parent.get(pid);
    while (p !== undefined && p !== root && p > 1) p = parent.get(p);
    if (p === root) out.set(pid, t);
  }
  return out;
}

async function startServer(bin, mode) {
  const logFile = join(work, `${bin.label}-${mode}-${Date.now()}.log`);
  const { child, url } = await startLocalHttpServer({
    bin: bin.path,
    functions,
    logFile,
    args: ['--audit-log', 'off', ...(mode === 'stateless' ? ['--stateless'] : []), ...values['server-arg']],
  });
  if (!url) throw new Error(`${bin.label} (${mode}) did not start:\n${readFileSync(logFile, 'utf8')}`);
  await waitForReady(url.replace(/\/mcp$/, ''), 10_000);
  return { child, url };
}

const clientArgs = (url, mode, duration) =>
  loadClientArgs({ url, mode, concurrency: values.concurrency, duration });

async function measure(bin, mode) {
  const server = await startServer(bin, mode);
  const pid = server.child.pid;
  await runLoadClient(clientArgs(server.url, mode, Number(values.warmup)));
  const loadBefore = load1();
  const own0 = stat(pid).ticks;
  const kids0 = descendantTicks(pid);
  const load = await runLoadClient(clientArgs(server.url, mode, Number(values.duration)));
  const own1 = stat(pid).ticks;
  const kids1 = descendantTicks(pid);
  let kidTicks = 0;
  for (const [k, t] of kids1) kidTicks += t - (kids0.get(k) ?? 0);
  server.child.kill('SIGTERM');
  await new Promise((r) => (server.child.exitCode !== null ? r() : server.child.once('exit', r)));
  const calls = load.calls || 1;
  return {
    bin: bin.label,
    mode,
    callsPerSecond: load.callsPerSecond,
    calls: load.calls,
    errors: load.errors,
    p50Ms: load.p50Ms,
    p99Ms: load.p99Ms,
    serverCpuUsPerCall: Math.round(((own1 - own0) * TICK_US) / calls),
    runtimeCpuUsPerCall: Math.round((kidTicks * TICK_US) / calls),
    loadAverage: [loadBefore, load1()],
  };
}

const results = [];
for (let round = 0; round < Number(values.rounds); round++) {
  const order = round % 2 === 0 ? bins : [...bins].reverse();
  for (const mode of values.modes.split(',')) {
    for (const bin of order) {
      const r = await measure(bin, mode);
      results.push({ round: round + 1, ...r });
      if (!values.json) {
        console.log(
          `round ${round + 1} ${r.mode.padEnd(9)} ${r.bin.padEnd(10)} ${String(r.callsPerSecond).padStart(8)} calls/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  errors ${r.errors}  server CPU ${r.serverCpuUsPerCall} us/call  runtime CPU ${r.runtimeCpuUsPerCall} us/call  load ${r.loadAverage.join(' -> ')}`,
        );
      }
    }
  }
}
if (values.json) console.log(JSON.stringify(results));
