// Spawns the built stdio server and drives it over its stdin/stdout (newline-delimited JSON-RPC):
// initialize, notifications/initialized, tools/list. Used by the benchmarks that time a server
// from spawn (warm-start.mjs, discovery-at-scale.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
/**
 * The stdio bin of a built checkout: dist/cli.cjs (the package's bin since the bin became CommonJS),
 * or dist/cli.js in a checkout from before that (a --baseline).
 */
export function stdioBinIn(checkout) {
  const cjs = join(checkout, 'apps/stdio-server/dist/cli.cjs');
  return existsSync(cjs) ? cjs : join(checkout, 'apps/stdio-server/dist/cli.js');
}
export const STDIO_SERVER_BIN = join(root, 'apps/stdio-server/dist/cli.cjs');

/** Resident memory (VmRSS) of a process, in MB. */
export function rssMb(pid) {
  try {
    const status = spawnSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' }).stdout;
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}

/** The fields of /proc/<pid>/stat after the command name (Linux), or undefined. */
function statFields(pid) {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  } catch {
    return undefined;
  }
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (Linux; NaN elsewhere), in
 * clock ticks of 10 ms. Less sensitive than wall-clock time to other work on a shared machine.
 */
export function cpuMs(pid) {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) * 10 : Number.NaN;
}

/**
 * Minor page faults of a process so far, from /proc (Linux; NaN elsewhere): the pages of memory it
 * has touched for the first time. On a VM each costs microseconds, so they show memory a start
 * touches that its CPU profile does not.
 */
export function minorFaults(pid) {
  const fields = statFields(pid);
  return fields ? Number(fields[7]) : Number.NaN;
}

/** The minor page faults of a bare Node.js process with `env` (its own count, when it exits). */
export function nodeStartFaults(env = process.env) {
  return Number(
    spawnSync(
      process.execPath,
      ['-e', 'process.stdout.write(String(process.resourceUsage().minorPageFault))'],
      {
        encoding: 'utf8',
        env,
      },
    ).stdout,
  );
}

/** The median of `runs` spawns of `node -e 0`: the floor of any Node.js process here (ms). */
export function nodeStartMs(runs = 5, env = process.env) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '0'], { env });
    times.push(performance.now() - t);
  }
  return [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

/**
 * Spawns the stdio server with `env`, sends initialize + initialized + tools/list, and times the
 * answers from the spawn: `initializeMs` and `elapsed` (to the tools/list answer). `nodeArgs` go
 * before the bin (e.g. `--cpu-prof`, which NODE_OPTIONS does not take).
 */
export async function startStdioServer(
  env,
  { timeoutMs = 60_000, bin = STDIO_SERVER_BIN, nodeArgs = [] } = {},
) {
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, bin], { env, stdio: ['pipe', 'pipe', 'pipe'] });
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
        () => reject(new Error(`${method}: no answer in ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`)),
        timeoutMs,
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
    clientInfo: { name: 'lambda-mcp-bench', version: '1.0.0' },
  });
  const initializeMs = performance.now() - started;
  child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
  const list = await request(2, 'tools/list', {});
  const elapsed = performance.now() - started;
  const cpuAtList = cpuMs(child.pid);
  const faultsAtList = minorFaults(child.pid);
  if (!list.result?.tools) throw new Error(`tools/list failed: ${JSON.stringify(list).slice(0, 500)}`);
  return {
    child,
    elapsed,
    initializeMs,
    /** CPU time the server had used when its tools/list answer arrived (ms; see cpuMs). */
    cpuMs: cpuAtList,
    /** Minor page faults of the server when its tools/list answer arrived (see minorFaults). */
    minorFaults: faultsAtList,
    tools: list.result.tools,
    stderr: () => stderr,
    request,
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
