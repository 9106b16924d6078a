#!/usr/bin/env node
// Benchmark of the local backend (@lambda-mcp/core/local), using the BUILT package.
//
//   pnpm --filter @lambda-mcp/core build && node bench/local-runtime.mjs [--json] [--iterations N]
//
// Figures:
//   1. warm invocation overhead: a no-op handler through the backend (worker thread, log capture,
//      REPORT line, records) against calling the same handler directly in-process; p50 and p99.
//      Target: p50 under 1 ms added.
//   2. cold start of a trivial function: wall time of the first invocation on a new instance, and
//      the Init Duration the REPORT line gives. Target: under 100 ms. Measured twice: back to back
//      (each cold start right after the previous one, so the spare runtime process started after
//      the previous cold start may still be booting) and spaced (a pause first, as between the
//      cold starts of a server in use, so the spare has booted).
//   3. throughput of 1,000 warm invocations of a no-op function (sequential, and 4 at a time).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLocalBackend } from '../packages/core/dist/local/index.js';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const iterationsArg = args.indexOf('--iterations');
const ITERATIONS = iterationsArg >= 0 ? Number(args[iterationsArg + 1]) : 5000;
const COLD_RUNS = 30;
const SPACED_COLD_RUNS = 10;
const SPACED_PAUSE_MS = 1500;
const THROUGHPUT_CALLS = 1000;

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
    max: sorted[sorted.length - 1],
    mean,
  };
};
const ms = (v) => `${v.toFixed(3)} ms`;
const encoder = new TextEncoder();
const EVENT = { hello: 'world', n: 1 };
const PAYLOAD = encoder.encode(JSON.stringify(EVENT));

async function main() {
  const root = await mkdtemp(join(tmpdir(), 'lambda-mcp-bench-'));
  try {
    for (const name of ['noop', 'trivial']) {
      await mkdir(join(root, name));
      await writeFile(
        join(root, name, 'function.json'),
        JSON.stringify({ handler: 'index.handler', timeout: 10 }),
      );
      await writeFile(join(root, name, 'index.mjs'), 'export const handler = async (event) => null;\n');
    }
    const backend = createLocalBackend({ dir: root });
    const invoke = (name, logType = 'None') =>
      backend.invoke({ functionName: name, invocationType: 'RequestResponse', logType, payload: PAYLOAD });

    // 1. Direct in-process calls of the same handler (the floor).
    const { handler } = await import(pathToFileURL(join(root, 'noop', 'index.mjs')).href);
    const context = {
      functionName: 'noop',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:noop',
      memoryLimitInMB: '128',
      awsRequestId: 'x',
      logGroupName: '/aws/lambda/noop',
      logStreamName: 's',
      getRemainingTimeInMillis: () => 10_000,
    };
    for (let i = 0; i < 1000; i++) await handler(JSON.parse(JSON.stringify(EVENT)), context);
    const direct = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const t0 = performance.now();
      await handler(JSON.parse(JSON.stringify(EVENT)), context);
      direct.push(performance.now() - t0);
    }

    // 1b. The same through the local backend, warm.
    for (let i = 0; i < 500; i++) await invoke('noop');
    const warm = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const t0 = performance.now();
      await invoke('noop');
      warm.push(performance.now() - t0);
    }
    const warmTail = [];
    for (let i = 0; i < Math.min(ITERATIONS, 2000); i++) {
      const t0 = performance.now();
      await invoke('noop', 'Tail');
      warmTail.push(performance.now() - t0);
    }

    // 2. Cold starts: stop the instance, then time the first invocation.
    const coldWall = [];
    const coldInit = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      await backend.stopInstances('trivial');
      const t0 = performance.now();
      const result = await invoke('trivial', 'Tail');
      coldWall.push(performance.now() - t0);
      const tail = Buffer.from(result.logResult, 'base64').toString('utf8');
      const init = /\tInit Duration: ([\d.]+) ms\t/.exec(tail);
      if (!init) throw new Error(`cold run ${i} reported no Init Duration:\n${tail}`);
      coldInit.push(Number(init[1]));
    }

    // 2b. Spaced cold starts: a pause before each.
    const spacedWall = [];
    for (let i = 0; i < SPACED_COLD_RUNS; i++) {
      await backend.stopInstances('trivial');
      await new Promise((r) => setTimeout(r, SPACED_PAUSE_MS));
      const t0 = performance.now();
      await invoke('trivial');
      spacedWall.push(performance.now() - t0);
    }

    // 3. Throughput of 1,000 warm invocations.
    let t0 = performance.now();
    for (let i = 0; i < THROUGHPUT_CALLS; i++) await invoke('noop');
    const sequentialMs = performance.now() - t0;
    const CONCURRENCY = 4;
    await Promise.all(Array.from({ length: CONCURRENCY }, () => invoke('noop'))); // warm 4 instances
    t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < THROUGHPUT_CALLS) {
          next++;
          await invoke('noop');
        }
      }),
    );
    const parallelMs = performance.now() - t0;
    const { instances, executions, errors } = backend.stats('noop');
    const expected =
      500 + ITERATIONS + Math.min(ITERATIONS, 2000) + THROUGHPUT_CALLS + CONCURRENCY + THROUGHPUT_CALLS;
    if (executions !== expected || errors !== 0) {
      throw new Error(`noop ran ${executions} times with ${errors} errors; expected ${expected} clean runs`);
    }
    await backend.close();

    const d = summarize(direct);
    const w = summarize(warm);
    const wt = summarize(warmTail);
    const cw = summarize(coldWall);
    const ci = summarize(coldInit);
    const sw = summarize(spacedWall);
    const figures = {
      machine: {
        node: process.version,
        cpus: cpus().length,
        cpu: cpus()[0]?.model ?? 'unknown',
        platform: `${process.platform}-${process.arch}`,
        loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
      },
      warmOverhead: {
        iterations: ITERATIONS,
        directMs: d,
        localMs: w,
        localWithTailMs: wt,
        addedP50Ms: w.p50 - d.p50,
        addedP99Ms: w.p99 - d.p99,
        targetAddedP50Ms: 1,
        met: w.p50 - d.p50 < 1,
      },
      coldStart: { runs: COLD_RUNS, wallMs: cw, initDurationMs: ci, targetMs: 100, met: cw.p50 < 100 },
      spacedColdStart: {
        runs: SPACED_COLD_RUNS,
        pauseMs: SPACED_PAUSE_MS,
        wallMs: sw,
        targetMs: 100,
        met: sw.p50 < 100,
      },
      throughput: {
        calls: THROUGHPUT_CALLS,
        sequential: { totalMs: sequentialMs, callsPerSecond: (THROUGHPUT_CALLS / sequentialMs) * 1000 },
        concurrent: {
          concurrency: CONCURRENCY,
          instances,
          totalMs: parallelMs,
          callsPerSecond: (THROUGHPUT_CALLS / parallelMs) * 1000,
        },
      },
    };
    if (asJson) {
      process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
      return;
    }
    const m = figures.machine;
    const lines = [
      `local runtime benchmark (node ${m.node}, ${m.cpus} x ${m.cpu}, ${m.platform}, load average ${m.loadAverage.join(' ')} at the end)`,
      '',
      `1. warm invocation overhead, no-op handler, ${ITERATIONS} calls each`,
      `   direct in-process call      p50 ${ms(d.p50)}  p99 ${ms(d.p99)}`,
      `   local backend (LogType None) p50 ${ms(w.p50)}  p99 ${ms(w.p99)}`,
      `   local backend (LogType Tail) p50 ${ms(wt.p50)}  p99 ${ms(wt.p99)}`,
      `   added p50 ${ms(figures.warmOverhead.addedP50Ms)}  (target < 1 ms: ${figures.warmOverhead.met ? 'met' : 'NOT met'})`,
      `   added p99 ${ms(figures.warmOverhead.addedP99Ms)}`,
      '',
      `2. cold start of a trivial function, ${COLD_RUNS} runs`,
      `   first invocation wall time   p50 ${ms(cw.p50)}  p90 ${ms(cw.p90)}  max ${ms(cw.max)}  (target < 100 ms: ${figures.coldStart.met ? 'met' : 'NOT met'})`,
      `   REPORT Init Duration         p50 ${ms(ci.p50)}  p90 ${ms(ci.p90)}  max ${ms(ci.max)}`,
      `   spaced (${SPACED_PAUSE_MS} ms pause first, ${SPACED_COLD_RUNS} runs) p50 ${ms(sw.p50)}  p90 ${ms(sw.p90)}  max ${ms(sw.max)}  (target < 100 ms: ${figures.spacedColdStart.met ? 'met' : 'NOT met'})`,
      '',
      `3. throughput, ${THROUGHPUT_CALLS} warm invocations of a no-op function`,
      `   sequential (1 instance)      ${figures.throughput.sequential.totalMs.toFixed(1)} ms  ${figures.throughput.sequential.callsPerSecond.toFixed(0)} calls/s`,
      `   ${CONCURRENCY} at a time (${instances} instances) ${figures.throughput.concurrent.totalMs.toFixed(1)} ms  ${figures.throughput.concurrent.callsPerSecond.toFixed(0)} calls/s`,
      `   (the no-op handler ran ${executions} times in this benchmark, all without error)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
