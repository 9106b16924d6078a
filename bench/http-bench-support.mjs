// What the HTTP benchmarks share (http-load.mjs, http-memory.mjs, http-cpu.mjs, scale-out.mjs): the
// load client run in a process of its own, a process's resident memory from /proc, a server started
// on the local functions, and the waits for its `Listening` log line and for its first catalog.
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('..', import.meta.url).pathname;
export const HTTP_BIN = join(ROOT, 'apps/http-server/dist/cli.js');
export const LOAD_CLIENT = join(ROOT, 'bench/http-load-client.mjs');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resident memory of a process in kB (VmRSS; `field` VmHWM for its peak). Linux only. */
export function rssKb(pid, field = 'VmRSS') {
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

/** The load client's arguments: `concurrency` calls of `tool` at a time for `duration` s after `warmup` s. */
export function loadClientArgs({ url, mode, concurrency, duration, warmup = 0, tool = 'echo' }) {
  return [
    '--url',
    url,
    '--mode',
    mode,
    '--concurrency',
    String(concurrency),
    '--duration',
    String(duration),
    '--warmup',
    String(warmup),
    '--tool',
    tool,
  ];
}

/** Runs bench/http-load-client.mjs with `args`; resolves to the JSON summary it prints last. */
export function runLoadClient(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOAD_CLIENT, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`load client exited ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

/**
 * Starts the HTTP server `bin` on the local functions in `functions` (an ephemeral port, no disk
 * cache, no rate limit, `args` after those; `nodeArgs` before the bin), its log in `logFile`.
 * Resolves with the child and the MCP URL of its `Listening` line (undefined if it did not start in
 * `listenMs`).
 */
export async function startLocalHttpServer({
  bin,
  functions,
  logFile,
  args = [],
  nodeArgs = [],
  listenMs = 20_000,
}) {
  const fd = openSync(logFile, 'w');
  const child = spawn(
    process.execPath,
    [...nodeArgs, bin, '--local', functions, '--port', '0', '--no-disk-cache', '--rate-limit', '0', ...args],
    { stdio: ['ignore', 'ignore', fd], env: { ...process.env, LOG_LEVEL: 'info' } },
  );
  return { child, url: await waitForListening(child, logFile, listenMs) };
}

/** The MCP URL from the server's `Listening` log line in `logFile`; undefined if it exits or `ms` pass first. */
export async function waitForListening(child, logFile, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    await sleep(50);
    const url = /"msg":"Listening"[^\n]*"url":"([^"]+)"/.exec(readFileSync(logFile, 'utf8'))?.[1];
    if (url) return url;
    if (child.exitCode !== null) return undefined;
  }
  return undefined;
}

/** Waits (at most `ms`) until the server at `base` answers /ready with 200: its first catalog is read. */
export async function waitForReady(base, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const r = await fetch(`${base}/ready`).catch(() => undefined);
    if (r?.status === 200) return;
    await sleep(50);
  }
}
