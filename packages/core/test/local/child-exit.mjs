// A host that invokes functions (one of them as an Event) and never calls close(): it must still
// exit on its own once the work is done, because idle instances do not hold the event loop.
import { createLocalBackend } from '../../dist/local/index.js';

const backend = createLocalBackend({ dir: process.argv[2] });
await backend.invoke({
  functionName: 'callback',
  invocationType: 'RequestResponse',
  logType: 'None',
  payload: new TextEncoder().encode('{}'),
});
await backend.invoke({
  functionName: 'sleeper',
  invocationType: 'Event',
  logType: 'None',
  payload: new TextEncoder().encode('{"ms":300}'),
});
process.on('exit', () => {
  const s = backend.stats('sleeper');
  process.stdout.write(
    `${JSON.stringify({ executions: s.executions, running: s.running, errors: s.errors })}\n`,
  );
});
