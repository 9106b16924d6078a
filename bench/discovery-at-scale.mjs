#!/usr/bin/env node
// Benchmark: discovery of a large account through the AWS backend, using the BUILT packages.
//
//   pnpm build && node bench/discovery-at-scale.mjs [--json] [--functions N] [--matching M]
//                                                   [--latency MS] [--runs R] [--sample N]
//                                                   [--skip-listtags] [--skip-modes | --modes-only]
//                                                   [--modes none,prefix,tags,list]
//                                                   [--mode-functions N] [--mode-runs R]
//                                                   [--baseline DIR]
//   node bench/discovery-at-scale.mjs --quotas [--json] [--functions N] [--latency MS] [--processes P]
//
// Setup: the AWS emulator (packages/aws-emulator, its CLI in a child process, as AWS is another
// machine) serving N synthetic functions (default 10,000), M of them tagged MCPEnabled=true
// (default 2,000; the others team=other), answering every request L ms after it arrived (default
// 25). The real AWS SDK v3 clients talk HTTP to 127.0.0.1.
//
// Figures:
//   1. ours: DiscoveryService.refresh() of createAwsServices (ListFunctions, 50 a page, and tags
//      from the Tagging API's GetResources with the tag filter, 100 a page, read while the
//      ListFunctions pages are), with the filter MCPEnabled=true. Compared with the floor: N/50 sequential ListFunctions pages x L ms
//      (10,000 -> 200 pages x 25 ms = 5 s). Target: at most 1.2x the floor.
//      Also measured: the same 200 pages sent back to back with the bare SDK client (the floor as
//      this machine and emulator really give it). Each is run R times (default 3); the median is
//      the figure, every run is printed (other work on a shared machine shows up as outliers).
//   2. the per-function approach of the official Python server: ListFunctions, then one ListTags
//      per function, sequentially. Target: ours at least 40x faster. Measured in full by default
//      (10,000 x 25 ms: about 4-5 minutes). With --sample N only the first N ListTags calls are
//      timed and the rest EXTRAPOLATED linearly (printed as such).
//   3. every filter mode against its own floor: the built stdio server, spawned with the mode's
//      settings against an emulator of --mode-functions functions (default 1,000; 100 of them
//      tagged MCPEnabled=true), timed from spawn to the answer of its first tools/list (and to
//      `initialize`). One function per mode below (none, prefix, tags, list), each giving the
//      server's environment and what the catalog must hold. The floor of a mode: Node start
//      (`node -e 0`) plus the ListFunctions pages it waits on, sequential, x the latency (1,000
//      functions: 20 pages x 25 ms = 500 ms). Target: every mode within 1.2x of its floor.
//      A second floor is printed beside it (not the target's): Node start plus loading the AWS
//      SDK's Lambda client (`node -e "require('@aws-sdk/client-lambda')"`, which any server using
//      the SDK pays before its first request) plus the same requests.
//      Where each mode's time went, from the emulator's records of the requests: when the server
//      sent its first request, its own time between the sequential pages, when the last answer
//      left the emulator, and the time from then to the tools/list answer.
//
// --quotas (a separate mode): the emulator enforces Lambda's control-plane request quotas (15
// requests per second for ListFunctions and most control-plane calls; GetFunction 100; "Lambda
// quotas", API requests, in the Lambda Developer Guide). Figures: one discovery (ListFunctions
// pages, throttles waited out with backoff and jitter) against the quota floor (pages / 15 per
// second, less the one-second burst) and the latency floor (pages x L ms); then P processes
// (default 3) discovering the same account at once, each against P x pages / 15 per second.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsBackend, createAwsServices } from '../packages/core/dist/aws/index.js';
import { silentLogger } from '../packages/core/dist/index.js';
import { startEmulatorProcess } from './emulator-process.mjs';
import {
  nodeStartFaults,
  nodeStartMs,
  STDIO_SERVER_BIN,
  startStdioServer,
  stdioBinIn,
} from './stdio-client.mjs';

const requireFromCore = createRequire(new URL('../packages/core/package.json', import.meta.url));
const { LambdaClient, ListFunctionsCommand, ListTagsCommand } = requireFromCore('@aws-sdk/client-lambda');

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const FUNCTIONS = option('functions', 10_000);
const MATCHING = option('matching', 2_000);
const LATENCY = option('latency', 25);
const SAMPLE = option('sample', 0);
const RUNS = option('runs', 3);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const asJson = flag('json');
const log = (line) => {
  if (!asJson) process.stdout.write(`${line}\n`);
};
const credentials = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret' };
const region = 'us-east-1';
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

// A child process of --quotas: one discovery, its time and count on stdout.
if (flag('quotas-child')) {
  const i = args.indexOf('--endpoint');
  const endpoint = args[i + 1];
  const backend = await createAwsBackend({ region, endpoint, credentials });
  const started = performance.now();
  try {
    const all = await backend.listFunctions();
    process.stdout.write(
      `${JSON.stringify({ ok: true, ms: performance.now() - started, functions: all.length })}\n`,
    );
  } catch (error) {
    process.stdout.write(
      `${JSON.stringify({ ok: false, ms: performance.now() - started, error: String(error?.message ?? error) })}\n`,
    );
  } finally {
    await backend.close();
  }
  process.exit(0);
}

if (flag('quotas')) {
  const emulator = await startEmulatorProcess({
    functions: FUNCTIONS,
    matching: Math.min(MATCHING, FUNCTIONS),
    latencyMs: LATENCY,
  });
  log(`emulator ${emulator.url}: ${FUNCTIONS} functions, ${LATENCY} ms per request`);
  log(
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  try {
    await quotaBench(emulator);
  } finally {
    emulator.close();
  }
  process.exit(0);
}

/** --quotas: discovery under Lambda's control-plane quotas, one process and P at once. */
async function quotaBench(emulator) {
  const pages = Math.ceil(FUNCTIONS / 50);
  const floorMs = pages * LATENCY;
  const RPS = 15;
  const PROCESSES = option('processes', 3);
  const setQuotas = (on) =>
    fetch(`${emulator.url}/_emulator/quotas`, { method: 'POST', body: JSON.stringify({ quotas: on }) });
  const throttles = async () => (await fetch(`${emulator.url}/_emulator/quotas`)).json();
  // Warm-up without quotas (connections, JIT), then a full bucket.
  {
    const backend = await createAwsBackend({ region, endpoint: emulator.url, credentials });
    await backend.listFunctions();
    await backend.close();
  }
  const quotaFloor = (n) => (Math.max(0, n - RPS) / RPS) * 1000;
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    await setQuotas(true);
    await new Promise((r) => setTimeout(r, 1_100));
    const backend = await createAwsBackend({ region, endpoint: emulator.url, credentials });
    const started = performance.now();
    const all = await backend.listFunctions();
    const ms = performance.now() - started;
    await backend.close();
    if (all.length !== FUNCTIONS) throw new Error(`found ${all.length} functions, expected ${FUNCTIONS}`);
    runs.push({ ms, throttled: (await throttles()).controlPlane });
  }
  const oneMs = median(runs.map((r) => r.ms));
  log(`\nquotas: ListFunctions at ${RPS} requests per second (the control-plane quota), ${pages} pages`);
  log(
    `   one discovery: median ${seconds(oneMs)} (runs: ${runs.map((r) => (r.ms / 1000).toFixed(2)).join(', ')} s; throttled requests per run: ${runs.map((r) => r.throttled).join(', ')})`,
  );
  log(
    `   quota floor (${pages} - ${RPS} burst) / ${RPS} per second = ${seconds(quotaFloor(pages))}; latency floor ${pages} x ${LATENCY} ms = ${seconds(floorMs)}; ours / quota floor = ${(oneMs / quotaFloor(pages)).toFixed(3)}x`,
  );
  // P processes at once.
  await setQuotas(true);
  await new Promise((r) => setTimeout(r, 1_100));
  const script = new URL(import.meta.url).pathname;
  const started = performance.now();
  const results = await Promise.all(
    Array.from(
      { length: PROCESSES },
      () =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, [script, '--quotas-child', '--endpoint', emulator.url], {
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          let out = '';
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error('a discovery process took longer than 10 minutes'));
          }, 600_000);
          child.stdout.on('data', (c) => {
            out += c;
          });
          child.once('exit', () => {
            clearTimeout(timer);
            try {
              resolve(JSON.parse(out.trim().split('\n').pop()));
            } catch {
              reject(new Error(`no result from a discovery process: ${out}`));
            }
          });
        }),
    ),
  );
  const wallMs = performance.now() - started;
  const failed = results.filter((r) => !r.ok || r.functions !== FUNCTIONS);
  const allPages = pages * PROCESSES;
  const throttledTotal = (await throttles()).controlPlane;
  log(
    `   ${PROCESSES} processes at once: ${results.length - failed.length} of ${PROCESSES} completed with ${FUNCTIONS} functions; each ${results.map((r) => (r.ms / 1000).toFixed(2)).join(', ')} s; wall ${seconds(wallMs)}`,
  );
  log(
    `   quota floor (${allPages} - ${RPS}) / ${RPS} per second = ${seconds(quotaFloor(allPages))}; slowest / quota floor = ${(Math.max(...results.map((r) => r.ms)) / quotaFloor(allPages)).toFixed(3)}x; throttled requests ${throttledTotal}`,
  );
  for (const f of failed) log(`   FAILED: ${f.error ?? `${f.functions} functions`}`);
  await setQuotas(false);
  if (asJson) {
    process.stdout.write(
      `${JSON.stringify(
        {
          mode: 'quotas',
          functions: FUNCTIONS,
          pages,
          latencyMs: LATENCY,
          quotaRps: RPS,
          loadavg: loadavg(),
          oneRunsMs: runs.map((r) => Math.round(r.ms)),
          oneMs: Math.round(oneMs),
          quotaFloorMs: Math.round(quotaFloor(pages)),
          latencyFloorMs: floorMs,
          processes: PROCESSES,
          processMs: results.map((r) => Math.round(r.ms)),
          processFailures: failed.length,
          processesQuotaFloorMs: Math.round(quotaFloor(allPages)),
          throttledRequests: throttledTotal,
        },
        null,
        2,
      )}\n`,
    );
  }
}

const modesOnly = flag('modes-only');
const skipModes = flag('skip-modes');
const modeResults = {};
let scaleReport = {};

if (!modesOnly) {
  // The emulator in its own process: its CPU time is not the client's.
  const emulator = await startEmulatorProcess({
    functions: FUNCTIONS,
    matching: MATCHING,
    latencyMs: LATENCY,
  });
  log(
    `emulator ${emulator.url}: ${FUNCTIONS} functions, ${MATCHING} tagged MCPEnabled=true, ${LATENCY} ms per request`,
  );
  log(
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );

  const pages = Math.ceil(FUNCTIONS / 50);
  const floorMs = pages * LATENCY;

  // Warm-up: one pass so that connection set-up and JIT do not land in the first measurement.
  {
    const backend = await createAwsBackend({ region, endpoint: emulator.url, credentials });
    await backend.listFunctions();
    await backend.close();
  }

  // 1. ours: the discovery service over the AWS backend, wired as the apps wire it.
  async function oursOnce() {
    const services = await createAwsServices(
      { region, tagFilters: [{ key: 'MCPEnabled', values: ['true'] }], diskCache: false },
      { logger: silentLogger, backendOptions: { endpoint: emulator.url, credentials } },
    );
    await emulator.clearRequests();
    const started = performance.now();
    const catalog = await services.discovery.refresh();
    const ms = performance.now() - started;
    const requests = (await emulator.requests())
      .filter((r) => r.operation !== 'Control')
      .reduce((acc, r) => {
        acc[r.operation] = (acc[r.operation] ?? 0) + 1;
        return acc;
      }, {});
    await services.close();
    if (catalog.functions.length !== MATCHING) {
      throw new Error(`discovery found ${catalog.functions.length} functions, expected ${MATCHING}`);
    }
    return { ms, requests };
  }

  // The floor as measured: the same pages back to back with a bare SDK client.
  const lambda = new LambdaClient({ region, endpoint: emulator.url, credentials, maxAttempts: 1 });
  let listed = [];
  async function floorOnce() {
    const started = performance.now();
    let marker;
    listed = [];
    do {
      const page = await lambda.send(
        new ListFunctionsCommand({ MaxItems: 50, ...(marker ? { Marker: marker } : {}) }),
      );
      listed = listed.concat(page.Functions ?? []);
      marker = page.NextMarker;
    } while (marker);
    return performance.now() - started;
  }

  const oursRuns = [];
  const floorRuns = [];
  let ourRequests;
  for (let i = 0; i < RUNS; i++) {
    const ours = await oursOnce();
    oursRuns.push(ours.ms);
    ourRequests = ours.requests;
    floorRuns.push(await floorOnce());
  }
  const oursMs = median(oursRuns);
  const measuredFloorMs = median(floorRuns);
  const runsText = (values) => values.map((v) => (v / 1000).toFixed(2)).join(', ');
  log(
    `\n1. ours (DiscoveryService.refresh of createAwsServices): median ${seconds(oursMs)} for ${MATCHING} matching functions (runs: ${runsText(oursRuns)} s)`,
  );
  log(
    `   requests: ${Object.entries(ourRequests)
      .map(([op, n]) => `${n} ${op}`)
      .join(', ')}`,
  );
  log(
    `   floor ${pages} pages x ${LATENCY} ms = ${seconds(floorMs)}; ours / floor = ${(oursMs / floorMs).toFixed(3)}x (target <= 1.2x)`,
  );
  log(
    `   measured floor (bare SDK, ${pages} sequential pages): median ${seconds(measuredFloorMs)} (runs: ${runsText(floorRuns)} s); ours / measured floor = ${(oursMs / measuredFloorMs).toFixed(3)}x`,
  );

  // 2. the per-function ListTags approach, sequential.
  let listTagsMs;
  let listTagsNote;
  if (!flag('skip-listtags')) {
    const arns = listed.map((f) => f.FunctionArn);
    const count = SAMPLE > 0 ? Math.min(SAMPLE, arns.length) : arns.length;
    const started = performance.now();
    let matched = 0;
    for (let i = 0; i < count; i++) {
      const tags = await lambda.send(new ListTagsCommand({ Resource: arns[i] }));
      if (tags.Tags?.MCPEnabled === 'true') matched++;
    }
    const tagsMs = performance.now() - started;
    const perCall = tagsMs / count;
    const totalTagsMs = count === arns.length ? tagsMs : perCall * arns.length;
    listTagsMs = measuredFloorMs + totalTagsMs;
    listTagsNote =
      count === arns.length
        ? `measured in full: ${arns.length} ListTags calls (${matched} matched)`
        : `EXTRAPOLATED from ${count} of ${arns.length} ListTags calls (${perCall.toFixed(2)} ms each)`;
    log(
      `\n2. per-function ListTags, sequential (the official Python server's approach): ${seconds(listTagsMs)}`,
    );
    log(`   = ListFunctions ${seconds(measuredFloorMs)} + ListTags ${seconds(totalTagsMs)}; ${listTagsNote}`);
    log(`   per-function ListTags / ours = ${(listTagsMs / oursMs).toFixed(1)}x (target >= 40x)`);
  }
  lambda.destroy();
  emulator.close();
  scaleReport = {
    functions: FUNCTIONS,
    matching: MATCHING,
    latencyMs: LATENCY,
    oursMs: Math.round(oursMs),
    oursRunsMs: oursRuns.map(Math.round),
    floorRunsMs: floorRuns.map(Math.round),
    ourRequests,
    floorMs,
    measuredFloorMs: Math.round(measuredFloorMs),
    oursOverFloor: oursMs / floorMs,
    ...(listTagsMs !== undefined
      ? {
          perFunctionListTagsMs: Math.round(listTagsMs),
          listTagsOverOurs: listTagsMs / oursMs,
          listTagsNote,
        }
      : {}),
  };
}

// 3. Every filter mode against its own floor (the stdio server, from spawn).
const MODE_FUNCTIONS = option('mode-functions', 1_000);
const MODE_MATCHING = Math.max(1, Math.round(MODE_FUNCTIONS / 10));
const MODE_RUNS = option('mode-runs', 5);
const modePages = Math.ceil(MODE_FUNCTIONS / 50);
const GENERIC_TOOL_NAMES = new Set([
  'list_functions',
  'invoke_function',
  'invoke_functions',
  'get_function_schema',
  'monitor_executions',
  'search_functions',
]);
// --baseline DIR: another built checkout (e.g. the commit before a change), measured in the same
// run, mode by mode, for before/after figures.
const BINS = [
  { label: 'this checkout', path: STDIO_SERVER_BIN, suffix: '' },
  ...((i) => (i >= 0 ? [{ label: 'baseline', path: stdioBinIn(args[i + 1]), suffix: '-baseline' }] : []))(
    args.indexOf('--baseline'),
  ),
];
const width = String(Math.max(MODE_FUNCTIONS - 1, 1)).length;
const nameOf = (i) => `fn-${String(i).padStart(width, '0')}`;

/** No filter: every function of the account. */
function modeNone() {
  return { label: 'none (every function)', env: {}, expected: MODE_FUNCTIONS, sequential: modePages };
}
/** A name prefix only: the first tenth of the names (fn-0…). */
function modePrefix() {
  return {
    label: 'prefix FUNCTION_PREFIX=fn-0',
    env: { FUNCTION_PREFIX: 'fn-0' },
    expected: MODE_MATCHING,
    sequential: modePages,
  };
}
/** A tag filter: the tenth tagged MCPEnabled=true (spread over the name order). */
function modeTags() {
  return {
    label: 'tags FUNCTION_TAG_KEY=MCPEnabled, FUNCTION_TAG_VALUE=true',
    env: { FUNCTION_TAG_KEY: 'MCPEnabled', FUNCTION_TAG_VALUE: 'true' },
    expected: MODE_MATCHING,
    sequential: modePages,
  };
}
/**
 * An explicit list of 10 names, spread over the account: read function by function (GetFunction,
 * which carries the tags, all at once; no ListFunctions), so its floor is one request.
 */
function modeList() {
  const names = Array.from({ length: 10 }, (_, i) => nameOf(Math.floor((i * MODE_FUNCTIONS) / 10) + 7));
  return {
    label: `list FUNCTION_LIST of ${names.length} names`,
    env: { FUNCTION_LIST: names.join(',') },
    expected: names.length,
    sequential: 1,
  };
}
const MODES = { none: modeNone, prefix: modePrefix, tags: modeTags, list: modeList };

/** The median of `runs` spawns of Node.js loading the AWS SDK's Lambda client (CommonJS, as core loads it). */
function nodeWithSdkMs(runs, env) {
  const clientPath = requireFromCore.resolve('@aws-sdk/client-lambda');
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', `require(${JSON.stringify(clientPath)})`], { env });
    times.push(performance.now() - t);
  }
  return median(times);
}

/**
 * Where a run's time went, from the emulator's request records (wall clock, as `spawnedAt`): when
 * the first request was sent, the server's own time between its sequential ListFunctions pages
 * (each page's request sent after the previous answer), when the last answer left the emulator,
 * and how long after that the tools/list answer came.
 */
function phasesOf(records, spawnedAt, elapsedMs) {
  if (records.length === 0) return undefined;
  const sorted = [...records].sort((a, b) => a.time - b.time);
  const pages = sorted.filter((r) => r.operation === 'ListFunctions');
  let between = 0;
  for (let k = 1; k < pages.length; k++) {
    between += pages[k].time - (pages[k - 1].time + (pages[k - 1].durationMs ?? 0));
  }
  const lastAnswer = Math.max(...sorted.map((r) => r.time + (r.durationMs ?? 0))) - spawnedAt;
  return {
    firstRequestMs: sorted[0].time - spawnedAt,
    betweenPagesMs: between,
    lastAnswerMs: lastAnswer,
    tailMs: Math.round(elapsedMs - lastAnswer),
  };
}
function medianPhases(phases) {
  const known = phases.filter(Boolean);
  const at = (key) => (known.length ? median(known.map((p) => p[key])) : undefined);
  return {
    firstRequestMs: at('firstRequestMs'),
    betweenPagesMs: at('betweenPagesMs'),
    lastAnswerMs: at('lastAnswerMs'),
    tailMs: at('tailMs'),
  };
}

if (!skipModes) {
  const wanted = (() => {
    const i = args.indexOf('--modes');
    return i >= 0 ? args[i + 1].split(',') : Object.keys(MODES);
  })();
  const modeEmulator = await startEmulatorProcess({
    functions: MODE_FUNCTIONS,
    matching: MODE_MATCHING,
    latencyMs: LATENCY,
  });
  const home = await mkdtemp(join(tmpdir(), 'lambda-mcp-discovery-modes-'));
  const baseEnv = {
    PATH: process.env.PATH,
    HOME: home,
    AWS_ENDPOINT_URL: modeEmulator.url,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: 'AKIDMODES',
    AWS_SECRET_ACCESS_KEY: 'modes-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    LAMBDA_MCP_DISK_CACHE: 'false',
    LOG_LEVEL: 'warn',
  };
  try {
    // Node.js spawned with the server's own environment: variables of the bench's shell that the
    // server does not get (NODE_EXTRA_CA_CERTS alone adds about 40 ms here) must not raise the floor.
    const nodeMs = nodeStartMs(7, baseEnv);
    const sdkMs = nodeWithSdkMs(7, baseEnv);
    // On a VM each page of memory touched for the first time costs microseconds (11 us on the
    // machine of BENCHMARKS.md), so the server's page faults are printed beside its times.
    const nodeFaults = nodeStartFaults(baseEnv);
    log(
      `\n3. filter modes, stdio server from spawn to the first tools/list: ${MODE_FUNCTIONS} functions (${MODE_MATCHING} tagged MCPEnabled=true), ${LATENCY} ms a request, median of ${MODE_RUNS}`,
    );
    log(
      `   node -e 0: ${nodeMs.toFixed(0)} ms; node loading the AWS SDK's Lambda client: ${sdkMs.toFixed(0)} ms; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    for (const key of wanted) {
      const mode = MODES[key]();
      // Node start plus the requests this mode must wait on one after the other.
      const floor = nodeMs + mode.sequential * LATENCY;
      // The second floor: what any server built on the AWS SDK pays at the least.
      const sdkFloor = sdkMs + mode.sequential * LATENCY;
      for (const bin of BINS) {
        // Warm-up run (file cache, emulator JIT), not counted.
        await (await startStdioServer({ ...baseEnv, ...mode.env }, { bin: bin.path })).stop();
        const times = [];
        const inits = [];
        const cpus = [];
        const faults = [];
        const afterListing = [];
        const phases = [];
        let requests;
        for (let i = 0; i < MODE_RUNS; i++) {
          await modeEmulator.clearRequests();
          // Wall clock, as the emulator's records are (the phases below are measured against it).
          const spawnedAt = Date.now();
          const server = await startStdioServer({ ...baseEnv, ...mode.env }, { bin: bin.path });
          times.push(server.elapsed);
          inits.push(server.initializeMs);
          cpus.push(server.cpuMs);
          faults.push(server.minorFaults);
          const functionTools = server.tools.filter((t) => !GENERIC_TOOL_NAMES.has(t.name)).length;
          await server.stop();
          if (functionTools !== Math.min(mode.expected, 100)) {
            throw new Error(
              `${key}: ${functionTools} function tools, expected ${Math.min(mode.expected, 100)}`,
            );
          }
          const records = (await modeEmulator.requests()).filter((r) => r.operation !== 'Control');
          requests = records.reduce((acc, r) => {
            acc[r.operation] = (acc[r.operation] ?? 0) + 1;
            return acc;
          }, {});
          // Load-independent: requests the server sent only after its last ListFunctions page was
          // answered (each one a round trip it waited for after the listing).
          const pagesSeen = records.filter((r) => r.operation === 'ListFunctions');
          const listEnd = pagesSeen.length
            ? Math.max(...pagesSeen.map((r) => r.time + (r.durationMs ?? 0)))
            : Number.POSITIVE_INFINITY;
          afterListing.push(
            records.filter((r) => r.operation !== 'ListFunctions' && r.time >= listEnd).length,
          );
          phases.push(phasesOf(records, spawnedAt, server.elapsed));
        }
        const med = median(times);
        modeResults[`${key}${bin.suffix}`] = {
          label: mode.label,
          server: bin.label,
          expected: mode.expected,
          medianMs: Math.round(med),
          runsMs: times.map(Math.round),
          initializeMedianMs: Math.round(median(inits)),
          cpuAtListMedianMs: median(cpus),
          minorFaultsAtListMedian: median(faults),
          nodeMinorFaults: nodeFaults,
          floorMs: Math.round(floor),
          overFloor: med / floor,
          sdkFloorMs: Math.round(sdkFloor),
          overSdkFloor: med / sdkFloor,
          requests,
          requestsAfterListing: afterListing,
          phases: medianPhases(phases),
        };
        log(
          `   [${bin.label}] ${mode.label}: ${mode.expected} functions, median ${med.toFixed(0)} ms (runs ${times.map((t) => t.toFixed(0)).join(', ')}), initialize ${median(inits).toFixed(0)} ms; floor ${floor.toFixed(0)} ms (node ${nodeMs.toFixed(0)} + ${mode.sequential} sequential requests x ${LATENCY} ms): ${(med / floor).toFixed(2)}x (target <= 1.2x)`,
        );
        log(
          `      server CPU time at its tools/list answer: median ${median(cpus)} ms (runs ${cpus.join(', ')}; less sensitive to the machine's load than the times above); minor page faults then: median ${median(faults)} (\`node -e 0\`: ${nodeFaults})`,
        );
        log(
          `      second floor, with the SDK loaded: ${sdkFloor.toFixed(0)} ms (node + Lambda client ${sdkMs.toFixed(0)} + ${mode.sequential} x ${LATENCY} ms): ${(med / sdkFloor).toFixed(2)}x`,
        );
        const ph = medianPhases(phases);
        log(
          `      where the time went (medians, ms from spawn): first request sent at ${ph.firstRequestMs} (node -e 0 takes ${nodeMs.toFixed(0)}); the server's own time between its ${mode.sequential} sequential requests ${ph.betweenPagesMs}; last answer received at ${ph.lastAnswerMs}; tools/list answered ${ph.tailMs} after it`,
        );
        log(
          `      requests: ${Object.entries(requests)
            .map(([op, n]) => `${n} ${op}`)
            .join(', ')}; sent after the last ListFunctions page was answered: ${afterListing.join(', ')}`,
        );
      }
    }
  } finally {
    modeEmulator.close();
    await rm(home, { recursive: true, force: true });
  }
}

if (asJson) {
  process.stdout.write(
    `${JSON.stringify({ ...scaleReport, modes: modeResults, loadavg: loadavg() }, null, 2)}\n`,
  );
}
