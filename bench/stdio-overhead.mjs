#!/usr/bin/env node
// Benchmark of the stdio MCP server (apps/stdio-server), using the BUILT packages.
//
//   pnpm build && node bench/stdio-overhead.mjs [--json] [--calls N] [--starts N] [--startup-only]
//                                                [--breakdown]
//
// Figures:
//   1. tools/call overhead: a no-op local function called as an MCP tool over stdio (SDK Client ->
//      pipe -> lambda-mcp-stdio -> tool layer -> InvocationService -> worker) against calling the
//      InvocationService directly in-process with the same local backend. Both warm, sequential.
//      Target: p50 under 1 ms added.
//   2. start-up: from spawning `node apps/stdio-server/dist/cli.cjs --local examples/functions` to
//      the answer of the first tools/list (initialize + initialized + tools/list). Target: under
//      300 ms. `node -e 0` is measured too, as the floor of any Node.js process on this machine.
//      Where the time goes comes from the bin itself: its 'Serving' log line carries its start-up
//      timings (Node.js start-up, module loading, configuration, services, first catalog, stdio),
//      read from extra starts at LOG_LEVEL=info. With --breakdown, the first catalog is split
//      further in-process, with the unbundled packages: discovery, SchemaService, tool catalog.
//
//   --startup-only   skip figure 1 (quick start-up measurements)
//   --breakdown      also the in-process split described above (5 runs)
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServices } from '../packages/core/dist/index.js';
import { createLocalBackend } from '../packages/core/dist/local/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const SDK = join(root, 'apps/stdio-server/node_modules/@modelcontextprotocol/sdk/dist/esm');
const { Client } = await import(join(SDK, 'client/index.js'));
const { StdioClientTransport } = await import(join(SDK, 'client/stdio.js'));
const CLI = join(root, 'apps/stdio-server/dist/cli.cjs');
const EXAMPLES = join(root, 'examples/functions');

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const argNumber = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const CALLS = argNumber('--calls', 2000);
const WARMUP = 100;
const STARTS = argNumber('--starts', 15);
const STARTUP_ONLY = args.includes('--startup-only');
const BREAKDOWN = args.includes('--breakdown');

const quantile = (sorted, q) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
const summarize = (samples) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return {
    n: sorted.length,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1),
    mean,
  };
};
const fmt = (v) => `${v.toFixed(3)} ms`;
const env = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  AWS_EC2_METADATA_DISABLED: 'true',
  LAMBDA_MCP_DISK_CACHE: 'false',
  LOG_LEVEL: 'warn',
};

async function directSamples(dir) {
  const backend = createLocalBackend({ dir });
  const services = createServices({
    backend,
    config: { backend: 'local', localDir: dir, diskCache: false, logLevel: 'warn' },
  });
  try {
    const samples = [];
    for (let i = 0; i < WARMUP + CALLS; i++) {
      const t0 = performance.now();
      const r = await services.invocation.invoke({ functionName: 'noop', payload: { i } });
      const t = performance.now() - t0;
      if (r.functionError) throw new Error('noop failed');
      if (i >= WARMUP) samples.push(t);
    }
    return samples;
  } finally {
    await services.close();
  }
}

async function stdioSamples(dir) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, '--local', dir],
    env,
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(transport);
  try {
    await client.listTools();
    const samples = [];
    for (let i = 0; i < WARMUP + CALLS; i++) {
      const t0 = performance.now();
      const r = await client.callTool({ name: 'noop', arguments: { i } });
      const t = performance.now() - t0;
      if (r.isError) throw new Error(`noop failed: ${JSON.stringify(r)}`);
      if (i >= WARMUP) samples.push(t);
    }
    return samples;
  } finally {
    await client.close();
  }
}

async function startupSample() {
  const t0 = performance.now();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, '--local', EXAMPLES],
    env,
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(transport);
  const { tools } = await client.listTools();
  const t = performance.now() - t0;
  await client.close();
  if (tools.length < 10) throw new Error(`expected 10 tools, got ${tools.length}`);
  return t;
}

/** The bin's own start-up timings, from its 'Serving MCP over stdio' log line (LOG_LEVEL=info). */
async function binTimingsSample() {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, '--local', EXAMPLES],
    env: { ...env, LOG_LEVEL: 'info' },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d) => {
    stderr += d;
  });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(transport);
  await client.listTools();
  await client.close();
  for (const line of stderr.split('\n')) {
    if (!line.includes('Serving MCP over stdio')) continue;
    const startup = JSON.parse(line).startup;
    if (startup) return startup;
  }
  throw new Error(`the server logged no start-up timings: ${stderr.slice(0, 500)}`);
}

/** Where start-up time goes, measured in a fresh process: module imports, then config -> first catalog. */
function phaseSample() {
  const script = `
const t0 = performance.now();
const core = await import(${JSON.stringify(join(root, 'packages/core/dist/index.js'))});
const local = await import(${JSON.stringify(join(root, 'packages/core/dist/local/index.js'))});
const t1 = performance.now();
await import(${JSON.stringify(join(SDK, 'server/index.js'))});
await import(${JSON.stringify(join(SDK, 'server/stdio.js'))});
const mcp = await import(${JSON.stringify(join(root, 'packages/mcp-server/dist/index.js'))});
const t2 = performance.now();
const config = core.loadConfig({ flags: { local: ${JSON.stringify(EXAMPLES)} }, env: {} });
const services = core.createServices({ backend: local.createLocalBackend({ dir: config.localDir }), config });
const catalog = await services.discovery.getCatalog();
const t3 = performance.now();
for (const fn of catalog.functions) await services.schemas.getSchemas(fn);
const t4 = performance.now();
const lambda = mcp.createLambdaMcpServer(services);
await lambda.ready;
await lambda.catalog.listTools();
const t5 = performance.now();
console.log(JSON.stringify({ processBoot: performance.timeOrigin ? t0 : 0, importCore: t1 - t0, importSdkAndMcpServer: t2 - t1, discovery: t3 - t2, coreSchemas: t4 - t3, toolCatalog: t5 - t4 }));
await lambda.close(); await services.close();`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

function nodeFloorSample() {
  const t0 = performance.now();
  // With the server's environment (a variable such as NODE_EXTRA_CA_CERTS slows Node.js's start).
  spawnSync(process.execPath, ['-e', '0'], { env });
  return performance.now() - t0;
}

async function main() {
  const tmp = await mkdtemp(join(tmpdir(), 'lambda-mcp-bench-stdio-'));
  try {
    const dir = join(tmp, 'functions');
    await mkdir(join(dir, 'noop'), { recursive: true });
    await writeFile(join(dir, 'noop', 'index.mjs'), 'export const handler = async () => ({ ok: true });\n');
    await writeFile(
      join(dir, 'noop', 'function.json'),
      JSON.stringify({
        handler: 'index.handler',
        runtime: 'nodejs20.x',
        description: 'Does nothing.',
        timeout: 10,
      }),
    );

    const direct = STARTUP_ONLY ? undefined : summarize(await directSamples(dir));
    const stdio = STARTUP_ONLY ? undefined : summarize(await stdioSamples(dir));
    const starts = [];
    for (let i = 0; i < STARTS; i++) starts.push(await startupSample());
    const floors = [];
    for (let i = 0; i < STARTS; i++) floors.push(nodeFloorSample());
    const binRuns = [];
    for (let i = 0; i < Math.min(STARTS, 10); i++) binRuns.push(await binTimingsSample());
    const p50s = (runs) =>
      Object.fromEntries(Object.keys(runs[0]).map((k) => [k, summarize(runs.map((r) => r[k])).p50]));
    const binTimings = p50s(binRuns);
    const phaseRuns = [];
    if (BREAKDOWN) for (let i = 0; i < 5; i++) phaseRuns.push(phaseSample());
    const phases = BREAKDOWN ? p50s(phaseRuns) : undefined;
    const startup = summarize(starts);
    const floor = summarize(floors);
    const added =
      direct && stdio
        ? { p50: stdio.p50 - direct.p50, p90: stdio.p90 - direct.p90, p99: stdio.p99 - direct.p99 }
        : undefined;

    const result = {
      machine: { node: process.version, cpus: cpus().length, model: cpus()[0]?.model },
      calls: CALLS,
      direct,
      stdio,
      added,
      startup,
      nodeFloor: floor,
      startupBinTimingsP50: binTimings,
      ...(phases ? { startupPhasesInProcessP50: phases } : {}),
      loadAverage: loadavg(),
      targets: { addedP50Ms: 1, startupP50Ms: 300 },
    };
    if (asJson) {
      console.log(JSON.stringify(result, null, 2));
      return;
    }
    console.log(
      `stdio MCP server benchmark (Node ${process.version}, ${cpus().length} CPUs: ${cpus()[0]?.model ?? '?'})`,
    );
    console.log('');
    if (direct && stdio && added) {
      console.log(
        `1. tools/call of a no-op function, ${CALLS} warm sequential calls (after ${WARMUP} warm-up)`,
      );
      console.log(
        `   InvocationService.invoke in-process: p50 ${fmt(direct.p50)}  p90 ${fmt(direct.p90)}  p99 ${fmt(direct.p99)}`,
      );
      console.log(
        `   tools/call over stdio:               p50 ${fmt(stdio.p50)}  p90 ${fmt(stdio.p90)}  p99 ${fmt(stdio.p99)}`,
      );
      console.log(
        `   added by MCP + stdio:                p50 ${fmt(added.p50)}  p90 ${fmt(added.p90)}  p99 ${fmt(added.p99)}   (target p50 < 1 ms: ${added.p50 < 1 ? 'met' : 'NOT met'})`,
      );
      console.log('');
    }
    console.log(`2. start-up to the first tools/list answer, bundled functions, ${STARTS} runs`);
    console.log(
      `   lambda-mcp-stdio: p50 ${fmt(startup.p50)}  p90 ${fmt(startup.p90)}  max ${fmt(startup.max)}   (target p50 < 300 ms: ${startup.p50 < 300 ? 'met' : 'NOT met'})`,
    );
    console.log(`   node -e 0 (floor of any Node.js process here): p50 ${fmt(floor.p50)}`);
    console.log(
      `   where it goes (the bin's own timings, p50 of ${binRuns.length} starts): Node.js from its time origin to the bin ${fmt(binTimings.nodeMs)}, module loading ${fmt(binTimings.modulesMs)}, configuration ${fmt(binTimings.configMs)}, services ${fmt(binTimings.servicesMs)}, first catalog (discovery, schemas, tools) ${fmt(binTimings.catalogMs)}, stdio ${fmt(binTimings.connectMs)}; the rest is the initialize and tools/list round trips`,
    );
    if (phases) {
      console.log(
        `   in-process with the unbundled packages (p50 of 5 runs): Node boot to first import ${fmt(phases.processBoot)}, import core ${fmt(phases.importCore)}, import SDK + mcp-server ${fmt(phases.importSdkAndMcpServer)}, discovery ${fmt(phases.discovery)}, core SchemaService (load + compile) ${fmt(phases.coreSchemas)}, tool catalog ${fmt(phases.toolCatalog)}`,
      );
    }
    console.log(
      `   load average while measuring: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
