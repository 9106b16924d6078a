#!/usr/bin/env node
// Runs every benchmark of the project, one after the other, and prints their figures.
//
//   pnpm bench                                   (= node bench/run-all.mjs: builds first, then all)
//   node bench/run-all.mjs --quick               (samples or shortens the slowest parts; says which)
//   node bench/run-all.mjs --only http-load,local-runtime --no-build
//   node bench/run-all.mjs --json > all.json     (each benchmark's --json figures, combined)
//
// Each benchmark's own output is streamed as it runs and kept in bench/results/<name>.log
// (bench/results is not committed). The full run takes a while: the per-function ListTags baseline
// of discovery-at-scale alone is 10,000 sequential requests with 25 ms of emulated latency (about
// 4-5 minutes); http-load waits for 10,000 sessions to time out. --quick extrapolates the ListTags
// baseline from a sample and shortens the load and memory runs; its figures are marked as such.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    only: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

/** Every benchmark: its script, the arguments of a full run, and of a --quick run (with why). */
const BENCHMARKS = [
  {
    name: 'local-runtime',
    what: 'local backend: warm invocation overhead vs a direct call, cold start, throughput of 1,000 warm invocations',
    full: [],
    quick: ['--iterations', '1000'],
    quickNote: '1,000 overhead samples instead of 5,000',
  },
  {
    name: 'stdio-overhead',
    what: 'stdio server: tools/call overhead vs the InvocationService in-process; start-up to the first tools/list',
    full: [],
    quick: ['--calls', '500', '--starts', '5'],
    quickNote: '500 calls and 5 starts instead of 2,000 and 15',
  },
  {
    name: 'discovery-at-scale',
    what: 'AWS backend discovery of 10,000 functions (2,000 tagged) at 25 ms a request vs the ListFunctions floor and per-function ListTags',
    full: [],
    quick: ['--sample', '300'],
    quickNote: 'the per-function ListTags baseline is EXTRAPOLATED from 300 timed calls',
  },
  {
    name: 'warm-start',
    what: 'stdio server warm start from the disk catalog cache (10,000 functions) to the first tools/list; resident memory',
    full: [],
    quick: ['--runs', '3'],
    quickNote: '3 warm starts instead of 5',
  },
  {
    name: 'http-load',
    what: 'HTTP server: tools/call throughput and p50/p99 latency (stateful, stateless); memory after 10,000 abandoned sessions',
    full: [],
    quick: ['--duration', '4', '--warmup', '1', '--sessions', '2000', '--idle-timeout', '10'],
    quickNote:
      '4 s load runs instead of 10, 2,000 abandoned sessions with a 10 s idle timeout instead of 10,000 and 20 s',
  },
  {
    name: 'scale-out',
    what: 'HTTP server fleet: stateful tools/call through nginx round-robin with 1 and 3 replicas sharing Redis; RSS per replica (needs redis-server and nginx)',
    full: [],
    quick: ['--duration', '4', '--warmup', '3'],
    quickNote: '4 s load runs instead of 10',
  },
  {
    name: 'search-relevance',
    what: 'search_functions: recall@3 and MRR over 93 labelled queries (2,400 functions); query latency p50/p99 with 10,000',
    full: [],
    quick: [],
    quickNote: 'unchanged',
  },
  {
    name: 'catalog-tokens',
    what: 'tools/list bytes for the bundled functions and a 100-tool catalog',
    full: [],
    quick: [],
    quickNote: 'unchanged',
  },
];

if (values.help) {
  console.log(
    `Usage: node bench/run-all.mjs [--quick] [--only a,b] [--no-build] [--json]\n\nBenchmarks:\n${BENCHMARKS.map(
      (b) => `  ${b.name.padEnd(20)}${b.what}`,
    ).join('\n')}`,
  );
  process.exit(0);
}

const only = values.only ? new Set(values.only.split(',').map((s) => s.trim())) : undefined;
const unknown = only ? [...only].filter((n) => !BENCHMARKS.some((b) => b.name === n)) : [];
if (unknown.length) {
  console.error(
    `Unknown benchmark(s): ${unknown.join(', ')}. Known: ${BENCHMARKS.map((b) => b.name).join(', ')}.`,
  );
  process.exit(2);
}
const selected = BENCHMARKS.filter((b) => !only || only.has(b.name));
const say = (line = '') => {
  if (values.json) process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
};

function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout?.trim() || String(cpus().length);
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: root,
    encoding: 'utf8',
  }).stdout?.trim();
  return {
    nproc: Number(nproc),
    cpu: model,
    ramGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
    commit: commit || undefined,
    date: new Date().toISOString(),
  };
}

/** The last top-level JSON object printed by a benchmark in --json mode. */
function lastJson(text) {
  for (let i = text.lastIndexOf('\n{'); i >= -1; i = text.lastIndexOf('\n{', i - 1)) {
    try {
      return JSON.parse(text.slice(i + 1));
    } catch {
      if (i <= 0) break;
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function runOne(bench, args) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [join(root, 'bench', `${bench.name}.mjs`), ...args], {
      cwd: root,
      env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (!values.json) process.stdout.write(d);
    });
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('exit', (code, signal) =>
      resolve({ code, signal, seconds: Math.round((Date.now() - started) / 100) / 10, output: out }),
    );
  });
}

const info = machine();
say(
  `lambda-mcp benchmarks${values.quick ? ' (--quick)' : ''}: ${info.nproc} CPUs (${info.cpu}), ${info.ramGb} GB RAM, Node ${info.node}, ${info.platform}, load ${info.loadavg.join(' ')}${info.commit ? `, commit ${info.commit}` : ''}`,
);

if (!values['no-build']) {
  say('\nBuilding (turbo run build)...');
  const build = spawnSync('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only'], {
    cwd: root,
    stdio: ['ignore', values.json ? 'ignore' : 'inherit', 'inherit'],
  });
  if (build.status !== 0) {
    console.error(
      'The build failed: the benchmarks run the built packages. Fix the build or pass --no-build.',
    );
    process.exit(1);
  }
}

const resultsDir = join(root, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
const summary = [];
const combined = { machine: info, quick: values.quick, benchmarks: {} };
for (const bench of selected) {
  const script = join(root, 'bench', `${bench.name}.mjs`);
  if (!existsSync(script)) {
    say(`\n=== ${bench.name}: MISSING (bench/${bench.name}.mjs does not exist)`);
    summary.push({ name: bench.name, status: 'missing' });
    continue;
  }
  const args = [...(values.quick ? bench.quick : bench.full), ...(values.json ? ['--json'] : [])];
  say(`\n=== ${bench.name}: ${bench.what}`);
  say(`    node bench/${bench.name}.mjs ${args.join(' ')}`.trimEnd());
  if (values.quick) say(`    --quick: ${bench.quickNote}`);
  const r = await runOne(bench, args);
  writeFileSync(join(resultsDir, `${bench.name}${values.quick ? '.quick' : ''}.log`), r.output);
  const status = r.code === 0 ? 'ok' : `failed (${r.signal ?? `exit ${r.code}`})`;
  summary.push({ name: bench.name, status, seconds: r.seconds });
  if (values.json) {
    combined.benchmarks[bench.name] = {
      command: `node bench/${bench.name}.mjs ${args.join(' ')}`.trim(),
      status,
      seconds: r.seconds,
      ...(values.quick ? { quickNote: bench.quickNote } : {}),
      figures: lastJson(r.output),
    };
  }
}

say('\n=== summary');
for (const s of summary)
  say(`  ${s.name.padEnd(20)} ${s.status}${s.seconds !== undefined ? ` in ${s.seconds} s` : ''}`);
say(
  `  logs: bench/results/<name>${values.quick ? '.quick' : ''}.log; targets and recorded figures: BENCHMARKS.md`,
);
if (values.json) process.stdout.write(`${JSON.stringify(combined, null, 2)}\n`);
process.exit(summary.every((s) => s.status === 'ok') ? 0 : 1);
