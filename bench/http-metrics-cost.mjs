#!/usr/bin/env node
// What the HTTP server's metrics cost on the tool-call path (figures, not a pass/fail test).
//
//   pnpm build && node bench/http-metrics-cost.mjs [--iterations 1000000] [--root DIR]
//
// One tool call over HTTP updates five series: lambda_mcp_http_requests_total{route,status},
// lambda_mcp_tool_calls_total{tool,outcome}, lambda_mcp_tool_call_duration_seconds{outcome},
// lambda_mcp_invocations_total{outcome} and lambda_mcp_invocation_duration_seconds. This times
// exactly those updates on the built server's metrics (createServerMetrics, default metrics off so
// nothing else runs), and one /metrics rendering after them. --root points at another checkout's
// build (e.g. main's) to compare. Median of 5 rounds.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '1000000' },
    root: { type: 'string', default: new URL('..', import.meta.url).pathname },
  },
});
const dist = join(values.root, 'apps/http-server/dist');
const entry = existsSync(join(dist, 'internal.js')) ? join(dist, 'internal.js') : join(dist, 'index.js');
const { createServerMetrics } = await import(entry);
const n = Number(values.iterations);
const m = createServerMetrics({ defaultMetrics: false });
const outcomes = ['success', 'success', 'success', 'function_error'];
const call = (i) => {
  const outcome = outcomes[i & 3];
  m.httpRequests.inc({ route: '/mcp', status: '200' });
  m.toolCalls.inc({ tool: 'function', outcome });
  m.toolCallDuration.observe(0.004, { outcome });
  m.invocations.inc({ outcome });
  m.invocationDuration.observe(0.003);
};
for (let i = 0; i < 100_000; i++) call(i);
const rounds = [];
for (let r = 0; r < 5; r++) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) call(i);
  rounds.push(Number(process.hrtime.bigint() - t) / n);
}
rounds.sort((a, b) => a - b);
const t = performance.now();
const text = await m.registry.render();
const renderMs = performance.now() - t;
console.log(
  JSON.stringify({
    entry,
    iterations: n,
    nsPerToolCall: Math.round(rounds[2]),
    roundsNs: rounds.map(Math.round),
    renderMs: Math.round(renderMs * 100) / 100,
    renderBytes: Buffer.byteLength(text),
  }),
);
