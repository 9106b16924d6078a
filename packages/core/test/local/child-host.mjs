// A host process for the isolation test: it runs noisy and crashing functions through the BUILT
// local backend and prints exactly one line (a summary) to stdout. Anything else on stdout or
// stderr means a function's output leaked into the host.
import { createLocalBackend } from '../../dist/local/index.js';

const dir = process.argv[2];
const backend = createLocalBackend({ dir });
const summary = {};
for (const [name, payload] of [
  ['chatty', { mb: 3 }],
  ['exiter', { code: 1 }],
  ['rejecter', {}],
  ['thrower-sync', {}],
  ['callback', {}],
  ['levels', {}],
]) {
  const result = await backend.invoke({
    functionName: name,
    invocationType: 'RequestResponse',
    logType: 'Tail',
    payload: new TextEncoder().encode(JSON.stringify(payload)),
  });
  const body = JSON.parse(Buffer.from(result.payload).toString('utf8'));
  summary[name] = result.functionError ? body.errorType : 'ok';
}
await backend.close();
process.stdout.write(`${JSON.stringify(summary)}\n`);
