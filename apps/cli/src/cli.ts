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

// The AWS SDK warns on every run that its 2027 releases will need Node 22: noise at a terminal
// (the engines field says what is supported). Shown with --debug.
if (!process.argv.includes('--debug')) {
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (text.startsWith('NodeVersionSupportWarning')) return;
    emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
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
