#!/usr/bin/env node
import { startHttpServer } from './main.js';

const handle = await startHttpServer({
  argv: process.argv.slice(2),
  routeProcessWarnings: true,
  tuneHeap: true,
});
// The first SIGTERM or Ctrl-C drains (calls in flight finish, up to --shutdown-timeout); a second
// one is a forced stop: the calls still running are answered with an error and the exit code is 3.
let signals = 0;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    signals += 1;
    if (signals === 1) void handle.shutdown(signal);
    else if (signals === 2) void handle.forceStop(signal);
  });
}
process.on('unhandledRejection', (reason) => {
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), level: 'error', app: 'lambda-mcp-http', msg: 'Unhandled rejection', error: reason instanceof Error ? reason.message : String(reason) })}\n`,
  );
});
const code = await handle.exited;
process.exit(code);
