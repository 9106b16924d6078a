#!/usr/bin/env node
// Scale-out benchmark (figures, not a pass/fail test).
//
//   pnpm build && node bench/scale-out.mjs [--duration 10] [--warmup 5] [--concurrency 16] [--replicas 1,3] [--skip-direct]
//
// Throughput and latency of stateful tools/call through nginx (round-robin, no affinity) in front
// of 1, then 3, replicas of the built HTTP server (apps/http-server/dist/cli.js) sharing Redis
// (LAMBDA_MCP_REDIS_URL) and a session secret (LAMBDA_MCP_SESSION_SECRET), so every session's
// requests land on every replica. First, as the reference, one server on its own (no nginx, no
// Redis, no secret) on the same path (--skip-direct leaves it out). The replicas' AWS backend
// talks to the AWS emulator in its own process (bench/emulator-process.mjs), whose synthetic
// functions echo without a worker thread, so the figures are the servers' and the proxy's, not a
// runtime's cold starts. bench/http-load-client.mjs drives the load from its own process (one
// session per worker). Reported per run: calls/s, p50/p99, errors, the resident memory (RSS) of
// every replica after the run, and the CPU time per call of each process (replicas, nginx, Redis,
// the emulator, the load client; from /proc over the measured window, Linux only): on a shared
// machine calls/s says how much CPU the run got, CPU per call says what a call costs and where.
// Needs redis-server and nginx on PATH (scripts/ci-deps.sh installs them).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmulatorProcess } from './emulator-process.mjs';
import { HTTP_BIN, LOAD_CLIENT, rssKb, sleep } from './http-bench-support.mjs';

const bin = HTTP_BIN;
const clientScript = LOAD_CLIENT;
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '16' },
    replicas: { type: 'string', default: '1,3' },
    'skip-direct': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
for (const tool of ['redis-server', 'nginx']) {
  if (spawnSync(tool, tool === 'nginx' ? ['-v'] : ['--version'], { stdio: 'ignore' }).status !== 0) {
    console.error(`${tool} is not installed (scripts/ci-deps.sh installs it).`);
    process.exit(1);
  }
}

const work = mkdtempSync(join(tmpdir(), 'lambda-mcp-scale-bench-'));
chmodSync(work, 0o755);
const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(check, ms, what) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    await sleep(50);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

function start(command, args, logName, env = process.env) {
  const fd = openSync(join(work, logName), 'a');
  const child = spawn(command, args, { stdio: ['ignore', fd, fd], env });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function rssMb(pid) {
  return Math.round(rssKb(pid) / 1024);
}

/** CPU time (user + system, ms) of a process so far, from /proc; 0 when it is gone. */
function cpuMs(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}

/** A process and its children (nginx's workers). */
function withChildren(pid) {
  try {
    return [
      pid,
      ...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    ];
  } catch {
    return [pid];
  }
}

async function startRedis() {
  const port = await freePort();
  const child = start(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    'redis.log',
  );
  await waitFor(() => /Ready to accept/.test(readFileSync(join(work, 'redis.log'), 'utf8')), 10_000, 'redis');
  return { url: `redis://127.0.0.1:${port}`, child };
}

async function startReplica(i, redisUrl, emulatorUrl) {
  // redisUrl undefined: a server on its own (no Redis, no session secret).
  const port = await freePort();
  const child = start(
    process.execPath,
    [
      bin,
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--rate-limit',
      '0',
      '--max-concurrent-invocations',
      '256',
      '--max-queued-invocations',
      '2048',
      '--no-disk-cache',
    ],
    `replica-${i}.log`,
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LOG_LEVEL: 'warn',
      LAMBDA_MCP_AUDIT_LOG: 'off',
      ...(redisUrl
        ? {
            LAMBDA_MCP_REDIS_URL: redisUrl,
            LAMBDA_MCP_SESSION_SECRET: 'scale-out-bench-secret-0123456789abcdefghij',
          }
        : {}),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL: emulatorUrl,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDBENCH',
      AWS_SECRET_ACCESS_KEY: 'bench-secret',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    },
  );
  await waitFor(
    async () => (await fetch(`http://127.0.0.1:${port}/ready`)).status === 200,
    60_000,
    `replica ${i}`,
  );
  return { port, child };
}

async function startNginx(upstreamPorts) {
  const dir = join(work, `nginx-${upstreamPorts.length}`);
  mkdirSync(join(dir, 'tmp'), { recursive: true, mode: 0o777 });
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'tmp'), 0o777);
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body; proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi; uwsgi_temp_path ${dir}/tmp/uwsgi; scgi_temp_path ${dir}/tmp/scgi;
  upstream lambda_mcp {
${upstreamPorts.map((p) => `    server 127.0.0.1:${p};`).join('\n')}
    keepalive 128;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://lambda_mcp;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering off;
      proxy_read_timeout 1h;
      proxy_next_upstream error timeout;
    }
  }
}
`,
  );
  const child = start(
    'nginx',
    ['-p', dir, '-c', conf, '-e', join(dir, 'error.log'), '-g', 'daemon off;'],
    'nginx.log',
  );
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`)).status === 200, 10_000, 'nginx');
  return { url: `http://127.0.0.1:${port}/mcp`, child };
}

/**
 * Runs the load client; `processes()` names the server-side processes whose CPU is sampled when the
 * client's warm-up ends and when it exits (the client's own CPU too), divided by the calls measured.
 */
function runClient(url, processes) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        clientScript,
        '--url',
        url,
        '--mode',
        'stateful',
        '--concurrency',
        values.concurrency,
        '--duration',
        values.duration,
        '--warmup',
        values.warmup,
        '--tool',
        'fn_0',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const sample = () => {
      const out = {};
      for (const [name, pids] of Object.entries({ ...processes(), client: [child.pid] }))
        out[name] = pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
      return out;
    };
    let before;
    let after;
    const warm = setTimeout(() => {
      before = sample();
    }, Number(values.warmup) * 1000);
    const end = setTimeout(
      () => {
        after = sample();
      },
      (Number(values.warmup) + Number(values.duration)) * 1000,
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => {
      clearTimeout(warm);
      clearTimeout(end);
      if (code !== 0) return reject(new Error(`client exited ${code}`));
      const figures = JSON.parse(out.trim().split('\n').pop());
      const cpuMsPerCall = {};
      if (before && after && figures.calls > 0)
        for (const name of Object.keys(after))
          cpuMsPerCall[name] = Math.round(((after[name] - before[name]) / figures.calls) * 100) / 100;
      resolve({ ...figures, cpuMsPerCall });
    });
  });
}

const results = [];
const redis = await startRedis();
const emulator = await startEmulatorProcess({ functions: 5, matching: 5, latencyMs: 0 });
const runs = [
  ...(values['skip-direct'] ? [] : [{ replicas: 1, direct: true }]),
  ...values.replicas.split(',').map((n) => ({ replicas: Number(n), direct: false })),
];
for (const run of runs) {
  const replicas = [];
  for (let i = 0; i < run.replicas; i++)
    replicas.push(await startReplica(i, run.direct ? undefined : redis.url, emulator.url));
  const nginx = run.direct ? undefined : await startNginx(replicas.map((r) => r.port));
  const load1 = loadavg()[0];
  const figures = await runClient(nginx ? nginx.url : `http://127.0.0.1:${replicas[0].port}/mcp`, () => ({
    replicas: replicas.map((r) => r.child.pid),
    ...(nginx ? { nginx: withChildren(nginx.child.pid), redis: [redis.child.pid] } : {}),
    emulator: [emulator.pid],
  }));
  const rss = replicas.map((r) => rssMb(r.child.pid));
  results.push({
    replicas: run.replicas,
    setup: run.direct ? 'direct (no nginx, no Redis)' : 'nginx + Redis',
    ...figures,
    rssMbPerReplica: rss,
    loadAverage1m: Math.round(load1 * 100) / 100,
  });
  if (nginx) await stop(nginx.child);
  await Promise.all(replicas.map((r) => stop(r.child)));
}
await stop(redis.child);
emulator.close();

if (values.json) {
  process.stdout.write(`${JSON.stringify({ benchmark: 'scale-out', results })}\n`);
} else {
  console.log(
    `scale-out: stateful tools/call (synthetic echo behind the AWS emulator) through nginx round-robin, ${values.concurrency} sessions, ${values.duration} s`,
  );
  console.log(
    '| replicas | setup | calls/s | p50 ms | p99 ms | errors | RSS per replica (MB) | CPU ms per call: replicas / nginx / Redis / emulator / client | load avg (1 min) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    const c = r.cpuMsPerCall;
    const cpu = ['replicas', 'nginx', 'redis', 'emulator', 'client']
      .map((k) => (k in c ? c[k] : '-'))
      .join(' / ');
    console.log(
      `| ${r.replicas} | ${r.setup} | ${r.callsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.errors} | ${r.rssMbPerReplica.join(', ')} | ${cpu} | ${r.loadAverage1m} |`,
    );
  }
  for (const r of results)
    if (r.firstError) console.log(`first error (${r.replicas} replicas): ${r.firstError}`);
}
