#!/usr/bin/env node
// Benchmark: warm start of the stdio server from the disk catalog cache, and its resident memory,
// against an AWS account of 10,000 functions (the AWS emulator), using the BUILT packages.
//
//   pnpm build && node bench/warm-start.mjs [--json] [--functions N] [--matching M] [--runs R]
//                                          [--filter]
//
// Setup: the AWS emulator CLI in a child process with N synthetic functions (default 10,000), M of
// them tagged MCPEnabled=true (default 2,000), 25 ms per request. The stdio server
// (apps/stdio-server/dist/cli.js) runs with AWS_ENDPOINT_URL pointing at it, static test
// credentials and a fresh cache directory. Without --filter the catalog holds all N functions; with
// --filter only the M tagged ones (FUNCTION_TAG_KEY=MCPEnabled, FUNCTION_TAG_VALUE=true).
//
// Figures:
//   1. warm start: from spawning the server (whose disk cache holds the catalog from a previous
//      run) to the answer of the first tools/list (initialize, initialized, tools/list over stdio).
//      Median and min of R runs (default 5). Target: under 500 ms. Also the time to the initialize
//      answer (answered at once, before the catalog is there; the cold run shows it best). The server must say it loaded
//      the catalog from the disk cache (checked in its log). `node -e 0` is measured as the floor.
//   2. resident memory (VmRSS) of the server holding that catalog: right after the first
//      tools/list, the peak while its background refresh reads the 10,000 functions again, and
//      after that refresh. Target: under 150 MB.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulatorProcess } from './emulator-process.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const FUNCTIONS = option('functions', 10_000);
const MATCHING = option('matching', 2_000);
const RUNS = option('runs', 5);
const FILTER = args.includes('--filter');
const asJson = args.includes('--json');
const log = (line) => {
  if (!asJson) process.stdout.write(`${line}\n`);
};
const root = new URL('..', import.meta.url).pathname;
const serverBin = join(root, 'apps/stdio-server/dist/cli.js');
const expected = FILTER ? MATCHING : FUNCTIONS;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function rssMb(pid) {
  try {
    const status = spawnSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' }).stdout;
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}

/** Spawns the stdio server, sends initialize + initialized + tools/list, and times the answer. */
async function startServer(env) {
  const started = performance.now();
  const child = spawn(process.execPath, [serverBin], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const pending = new Map();
  let buffer = '';
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf('\n');
      if (!line.trim()) continue;
      const message = JSON.parse(line);
      if (message.id !== undefined && pending.has(message.id)) {
        pending.get(message.id)(message);
        pending.delete(message.id);
      }
    }
  });
  const request = (id, method, params) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${method}: no answer in 60 s; stderr: ${stderr.slice(-2000)}`)),
        60_000,
      );
      pending.set(id, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  await request(1, 'initialize', {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'warm-start-bench', version: '1.0.0' },
  });
  const initializeMs = performance.now() - started;
  child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
  const list = await request(2, 'tools/list', {});
  const elapsed = performance.now() - started;
  if (!list.result?.tools) throw new Error(`tools/list failed: ${JSON.stringify(list).slice(0, 500)}`);
  return {
    child,
    elapsed,
    initializeMs,
    tools: list.result.tools.length,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function cachedCatalogSize(cacheDir) {
  const files = (await readdir(cacheDir).catch(() => [])).filter(
    (f) => f.startsWith('catalog-') && f.endsWith('.json'),
  );
  for (const file of files) {
    try {
      return JSON.parse(await readFile(join(cacheDir, file), 'utf8')).functions.length;
    } catch {
      // being written
    }
  }
  return 0;
}

const emulator = await startEmulatorProcess({ functions: FUNCTIONS, matching: MATCHING, latencyMs: 25 });
const cacheDir = await mkdtemp(join(tmpdir(), 'lambda-mcp-warm-start-'));
const home = await mkdtemp(join(tmpdir(), 'lambda-mcp-warm-home-'));
const env = {
  PATH: process.env.PATH,
  HOME: home,
  AWS_ENDPOINT_URL: emulator.url,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDWARMSTART',
  AWS_SECRET_ACCESS_KEY: 'warm-start-secret',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  LAMBDA_MCP_CACHE_DIR: cacheDir,
  LAMBDA_MCP_DISK_CACHE: 'true',
  LOG_LEVEL: 'info',
  ...(FILTER ? { FUNCTION_TAG_KEY: 'MCPEnabled', FUNCTION_TAG_VALUE: 'true' } : {}),
};
log(
  `emulator ${emulator.url}: ${FUNCTIONS} functions (${MATCHING} tagged MCPEnabled=true), 25 ms per request`,
);
log(
  `catalog under test: ${expected} functions (${FILTER ? 'filter MCPEnabled=true' : 'no filter'}); cache dir ${cacheDir}`,
);
log(
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

try {
  // Cold run: discovery over the emulator fills the disk cache.
  const cold = await startServer(env);
  const deadline = Date.now() + 120_000;
  while ((await cachedCatalogSize(cacheDir)) !== expected) {
    if (Date.now() > deadline)
      throw new Error(`the catalog cache was not written; stderr: ${cold.stderr().slice(-2000)}`);
    await sleep(100);
  }
  log(
    `\ncold start (empty cache) to tools/list: ${cold.elapsed.toFixed(0)} ms (${cold.tools} tools), to initialize: ${cold.initializeMs.toFixed(0)} ms; cache written with ${expected} functions`,
  );
  await cold.stop();

  // Floor: a bare Node.js process.
  const floors = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    floors.push(performance.now() - t);
  }

  const times = [];
  const initTimes = [];
  let memory;
  for (let i = 0; i < RUNS; i++) {
    const warm = await startServer(env);
    const fromCache = /catalog loaded from the disk cache/.test(warm.stderr());
    if (!fromCache)
      throw new Error(`run ${i + 1} did not load the disk cache; stderr: ${warm.stderr().slice(-2000)}`);
    times.push(warm.elapsed);
    initTimes.push(warm.initializeMs);
    if (i === 0) {
      // Memory while it holds the catalog, through its background refresh.
      const afterList = rssMb(warm.child.pid);
      let peak = afterList;
      const until = Date.now() + 15_000;
      while (Date.now() < until) {
        peak = Math.max(peak, rssMb(warm.child.pid));
        await sleep(100);
      }
      memory = { afterFirstListMb: afterList, peakMb: peak, settledMb: rssMb(warm.child.pid) };
    }
    await warm.stop();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const floorMedian = [...floors].sort((a, b) => a - b)[Math.floor(floors.length / 2)];
  log(
    `\n1. warm start (disk cache) to the first tools/list: median ${median.toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms over ${RUNS} runs (target < 500 ms)`,
  );
  log(
    `   runs: ${times.map((t) => t.toFixed(0)).join(', ')} ms; floor \`node -e 0\`: ${floorMedian.toFixed(0)} ms`,
  );
  log(`   to the initialize answer: ${initTimes.map((t) => t.toFixed(0)).join(', ')} ms`);
  log(
    `2. resident memory holding ${expected} functions: ${memory.afterFirstListMb.toFixed(1)} MB after the first tools/list, ` +
      `peak ${memory.peakMb.toFixed(1)} MB during the background refresh, ${memory.settledMb.toFixed(1)} MB after (target < 150 MB)`,
  );
  if (asJson) {
    process.stdout.write(
      `${JSON.stringify({ functions: FUNCTIONS, catalog: expected, filter: FILTER, coldMs: Math.round(cold.elapsed), coldInitializeMs: Math.round(cold.initializeMs), warmInitializeMs: initTimes.map(Math.round), warmMs: times.map(Math.round), warmMedianMs: Math.round(median), nodeFloorMs: Math.round(floorMedian), memory, loadavg: loadavg() }, null, 2)}\n`,
    );
  }
} finally {
  emulator.close();
  await rm(cacheDir, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
}
