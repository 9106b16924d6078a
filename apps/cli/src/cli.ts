#!/usr/bin/env node
import { EXIT } from './exit-codes.js';
import { runCli } from './main.js';
import { processIo } from './ui/io.js';

// `lambda-mcp ... | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.OK);
    throw error;
  });
}

const controller = new AbortController();
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals) => {
  interrupts += 1;
  // A second Ctrl-C does not wait for clean-up.
  if (interrupts > 1) process.exit(signal === 'SIGINT' ? EXIT.INTERRUPTED : 143);
  controller.abort(new Error(`received ${signal}`));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await runCli(process.argv.slice(2), processIo(), { signal: controller.signal });
// Let stdout drain before leaving; worker threads or sockets that linger must not keep us alive.
process.stdout.write('', () => process.exit(code));
