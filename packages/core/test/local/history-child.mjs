// Another process sharing the local history: it runs the BUILT local backend on the same functions
// directory and history file, invokes what it is told, answers the queries it is told, and prints
// one JSON line (request ids, metric sums and log messages) to stdout.
import { createLocalBackend } from '../../dist/local/index.js';

const job = JSON.parse(process.argv[2] ?? '{}');
const backend = createLocalBackend({ dir: job.dir, historyFile: job.file, idleTimeoutMs: 0 });
const invoked = [];
for (const [name, payload] of job.invoke ?? []) {
  const result = await backend.invoke({
    functionName: name,
    invocationType: 'RequestResponse',
    logType: 'None',
    payload: new TextEncoder().encode(JSON.stringify(payload)),
  });
  invoked.push({ name, requestId: result.requestId, functionError: result.functionError ?? null });
}
const metrics = {};
const logs = {};
const end = new Date(Date.now() + 60_000);
const start = new Date(Date.now() - 3_600_000);
for (const name of job.query ?? []) {
  const sums = await backend.getMetricData({
    start,
    end,
    periodSeconds: 3600,
    queries: ['Invocations', 'Errors', 'Throttles'].map((metricName) => ({
      id: metricName.toLowerCase(),
      namespace: 'AWS/Lambda',
      metricName,
      stat: 'Sum',
      dimensions: { FunctionName: name },
    })),
  });
  metrics[name] = Object.fromEntries(sums.map((r) => [r.id, r.values.reduce((a, b) => a + b, 0)]));
  const page = await backend.filterLogEvents({ logGroupName: `/aws/lambda/${name}`, limit: 10_000 });
  logs[name] = page.events.map((e) => e.message);
}
await backend.close();
process.stdout.write(`${JSON.stringify({ invoked, metrics, logs })}\n`);
