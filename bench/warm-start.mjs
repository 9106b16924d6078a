#!/usr/bin/env node
// Benchmark: warm start of the stdio server from the disk catalog cache, and its resident memory,
// against an AWS account of 10,000 functions (the AWS emulator), using the BUILT packages.
//
//   pnpm build && node bench/warm-start.mjs [--json] [--functions N] [--matching M] [--runs R]
//                                          [--filter] [--baseline DIR] [--no-code-cache]
//
// --no-code-cache: every start without the stdio bin's V8 code cache (LAMBDA_MCP_CODE_CACHE=false),
// as the first start after an install or an upgrade runs.
// --baseline DIR: another checkout of this repository, built (e.g. a worktree of the commit
// before a change): its stdio server is measured in the same run, alternating with this one's,
// against the same emulator, for before/after figures. Each build has a disk cache of its own,
// filled by its own cold start (the two may write different cache formats).
//
// Setup: the AWS emulator CLI in a child process with N synthetic functions (default 10,000), M of
// them tagged MCPEnabled=true (default 2,000), 25 ms per request. The stdio server
// (apps/stdio-server/dist/cli.cjs) runs with AWS_ENDPOINT_URL pointing at it, static test
// credentials and a fresh cache directory. Without --filter the catalog holds all N functions; with
// --filter only the M tagged ones (FUNCTION_TAG_KEY=MCPEnabled, FUNCTION_TAG_VALUE=true).
//
// Figures:
//   1. warm start: from spawning the server (whose disk cache holds the catalog from a previous
//      run) to the answer of the first tools/list (initialize, initialized, tools/list over stdio),
//      and to the answer of `initialize`.
//      Median and min of R runs (default 5). Target: under 500 ms. The server must say it loaded
//      the catalog from the disk cache (checked in its log). `node -e 0` is measured as the floor.
//   2. resident memory (VmRSS) of the server holding that catalog: right after the first
//      tools/list, the peak while its background refresh reads the 10,000 functions again, and
//      after that refresh. Target: under 150 MB.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulatorProcess } from './emulator-process.mjs';
import { nodeStartFaults, rssMb, STDIO_SERVER_BIN, startStdioServer, stdioBinIn } from './stdio-client.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const FUNCTIONS = option('functions', 10_000);
const MATCHING = option('matching', 2_000);
const RUNS = option('runs', 5);
const FILTER = args.includes('--filter');
const NO_CODE_CACHE = args.includes('--no-code-cache');
const asJson = args.includes('--json');
const log = (line) => {
  if (!asJson) process.stdout.write(`${line}\n`);
};
const expected = FILTER ? MATCHING : FUNCTIONS;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const baselineDir = (() => {
  const i = args.indexOf('--baseline');
  return i >= 0 ? args[i + 1] : undefined;
})();
const BINS = [
  { label: 'this checkout', bin: STDIO_SERVER_BIN },
  ...(baselineDir ? [{ label: `baseline ${baselineDir}`, bin: stdioBinIn(baselineDir) }] : []),
];
const startServer = (env, bin = STDIO_SERVER_BIN) => startStdioServer(env, { bin });

async function cachedCatalogSize(cacheDir) {
  const files = (await readdir(cacheDir).catch(() => [])).filter(
    (f) => f.startsWith('catalog-') && f.endsWith('.json'),
  );
  for (const file of files) {
    try {
      const stored = JSON.parse(await readFile(join(cacheDir, file), 'utf8'));
      // Format 2 (columns) has a count; format 1 (an earlier version's, for --baseline) a list.
      return stored.count ?? stored.functions.length;
    } catch {
      // being written
    }
  }
  return 0;
}

const emulator = await startEmulatorProcess({ functions: FUNCTIONS, matching: MATCHING, latencyMs: 25 });
const home = await mkdtemp(join(tmpdir(), 'lambda-mcp-warm-home-'));
const cacheDirs = [];
const baseEnv = {
  PATH: process.env.PATH,
  HOME: home,
  AWS_ENDPOINT_URL: emulator.url,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDWARMSTART',
  AWS_SECRET_ACCESS_KEY: 'warm-start-secret',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  LAMBDA_MCP_DISK_CACHE: 'true',
  LOG_LEVEL: 'info',
  ...(NO_CODE_CACHE ? { LAMBDA_MCP_CODE_CACHE: 'false' } : {}),
  ...(FILTER ? { FUNCTION_TAG_KEY: 'MCPEnabled', FUNCTION_TAG_VALUE: 'true' } : {}),
};
log(
  `emulator ${emulator.url}: ${FUNCTIONS} functions (${MATCHING} tagged MCPEnabled=true), 25 ms per request`,
);
log(`catalog under test: ${expected} functions (${FILTER ? 'filter MCPEnabled=true' : 'no filter'})`);
log(
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

try {
  // Cold runs: discovery over the emulator fills each build's disk cache.
  let cold;
  for (const b of BINS) {
    b.cacheDir = await mkdtemp(join(tmpdir(), 'lambda-mcp-warm-start-'));
    cacheDirs.push(b.cacheDir);
    b.env = { ...baseEnv, LAMBDA_MCP_CACHE_DIR: b.cacheDir };
    const run = await startServer(b.env, b.bin);
    const deadline = Date.now() + 120_000;
    while ((await cachedCatalogSize(b.cacheDir)) !== expected) {
      if (Date.now() > deadline)
        throw new Error(`the catalog cache was not written; stderr: ${run.stderr().slice(-2000)}`);
      await sleep(100);
    }
    cold ??= run;
    log(
      `\n[${b.label}] cold start (empty cache) to tools/list: ${run.elapsed.toFixed(0)} ms (${run.tools.length} tools); cache written with ${expected} functions`,
    );
    await run.stop();
  }

  // Floor: a bare Node.js process.
  const floors = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    // With the servers' environment (a variable such as NODE_EXTRA_CA_CERTS slows Node.js's start).
    spawnSync(process.execPath, ['-e', '0'], { env: baseEnv });
    floors.push(performance.now() - t);
  }
  // The page faults of a bare Node.js process (its own, as it reports them when it exits).
  const floorFaults = nodeStartFaults(baseEnv);

  // Each bin in turn (alternating, so that the machine's load falls on both alike).
  const results = BINS.map((b) => ({
    ...b,
    times: [],
    inits: [],
    cpus: [],
    faults: [],
    codeCache: [],
    memory: undefined,
  }));
  for (let i = 0; i < RUNS; i++) {
    for (const r of results) {
      const warm = await startServer(r.env, r.bin);
      const fromCache = /catalog loaded from the disk cache/.test(warm.stderr());
      if (!fromCache)
        throw new Error(
          `${r.label} run ${i + 1} did not load the disk cache; stderr: ${warm.stderr().slice(-2000)}`,
        );
      r.times.push(warm.elapsed);
      r.inits.push(warm.initializeMs);
      r.cpus.push(warm.cpuMs);
      r.faults.push(warm.minorFaults);
      // The bin's code cache (written by the cold start once it served), as its start-up log says;
      // builds before it have none. That line comes with the first catalog, about when the answer does.
      for (let k = 0; k < 40 && !/Serving MCP over stdio/.test(warm.stderr()); k++) await sleep(25);
      r.codeCache.push(/"codeCache":"(\w+)"/.exec(warm.stderr())?.[1] ?? 'none');
      if (i === 0) {
        // Memory while it holds the catalog, through its background refresh.
        const afterList = rssMb(warm.child.pid);
        let peak = afterList;
        const until = Date.now() + 15_000;
        while (Date.now() < until) {
          peak = Math.max(peak, rssMb(warm.child.pid));
          await sleep(100);
        }
        r.memory = { afterFirstListMb: afterList, peakMb: peak, settledMb: rssMb(warm.child.pid) };
      }
      await warm.stop();
    }
  }
  const med = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
  const floorMedian = med(floors);
  log(
    `\nfloor \`node -e 0\`: ${floorMedian.toFixed(0)} ms; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  for (const r of results) {
    const sorted = [...r.times].sort((x, y) => x - y);
    log(`\n[${r.label}]`);
    log(
      `1. warm start (disk cache) to the first tools/list: median ${med(r.times).toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms over ${RUNS} runs (target < 250 ms); to initialize: median ${med(r.inits).toFixed(0)} ms`,
    );
    log(
      `   runs: ${r.times.map((t) => t.toFixed(0)).join(', ')} ms; initialize: ${r.inits.map((t) => t.toFixed(0)).join(', ')} ms`,
    );
    log(
      `   server CPU time at its tools/list answer: median ${med(r.cpus)} ms (runs ${r.cpus.join(', ')}; less sensitive to the machine's load than wall-clock time)`,
    );
    const counts = new Map();
    for (const c of r.codeCache) counts.set(c, (counts.get(c) ?? 0) + 1);
    const caches = [...counts].map(([c, k]) => `${c} ${k}`);
    log(`   the bin's code cache: ${caches.join(', ')} (of ${RUNS} runs)`);
    log(
      `   minor page faults at that answer (pages of memory touched for the first time): median ${med(r.faults)} (\`node -e 0\`: ${floorFaults})`,
    );
    log(
      `2. resident memory holding ${expected} functions: ${r.memory.afterFirstListMb.toFixed(1)} MB after the first tools/list, ` +
        `peak ${r.memory.peakMb.toFixed(1)} MB during the background refresh, ${r.memory.settledMb.toFixed(1)} MB after (target < 120 MB)`,
    );
  }
  if (asJson) {
    process.stdout.write(
      `${JSON.stringify(
        {
          functions: FUNCTIONS,
          catalog: expected,
          filter: FILTER,
          coldMs: Math.round(cold.elapsed),
          nodeFloorMs: Math.round(floorMedian),
          results: results.map((r) => ({
            label: r.label,
            warmMs: r.times.map(Math.round),
            warmMedianMs: Math.round(med(r.times)),
            initializeMs: r.inits.map(Math.round),
            initializeMedianMs: Math.round(med(r.inits)),
            cpuAtListMs: r.cpus,
            cpuAtListMedianMs: med(r.cpus),
            minorFaultsAtListMedian: med(r.faults),
            codeCache: r.codeCache,
            memory: r.memory,
          })),
          loadavg: loadavg(),
        },
        null,
        2,
      )}\n`,
    );
  }
} finally {
  emulator.close();
  for (const dir of cacheDirs) await rm(dir, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
}
