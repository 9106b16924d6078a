#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { startEarlyListing } from '@lambda-mcp/core/early';
import { codeCacheDir, compileWithCodeCache } from './code-cache.js';
import { holdShutdownSignals } from './signals.js';

// This file is built as CommonJS (dist/cli.cjs, the package's bin): Node.js runs a CommonJS main
// without starting its ES module loader, which took about 7 ms of every start here, and the
// built-in modules below are then plain requires (another 6 ms as ES imports). So: no top-level
// await and no import.meta in this file. dist/cli.js, the bin of earlier versions, loads this one.

// SIGTERM, SIGINT and SIGHUP shut the server down gracefully (exit 0) from here on, also while it is
// still starting: one that comes before it is up is handled once it is.
const signals = holdShutdownSignals(process);

// V8 grows its young generation from 2 MB up to 32 MB (64 MB on Node.js 24) while a discovery
// streams thousands of functions in; kept at its starting size, the server holding 10,000 functions
// stays about 20 MB smaller (after the first answer and at the peak of a refresh) for a few more
// short young-generation collections (bench/warm-start.mjs). Set before anything is loaded; left
// alone when the operator sets V8's young generation flags (NODE_OPTIONS or node's own flags).
if (!/semi[-_]space/.test(`${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`)) {
  setFlagsFromString('--semi-space-growth-factor=1');
}

const argv = process.argv.slice(2);
// Discovery's ListFunctions pages follow one another (each needs the last one's marker): where the
// server is sure to read them (no flags, no config file, static keys in the environment, no cached
// catalog: @lambda-mcp/core/early decides with the lean reads' own rules), the first ones are read
// from here on (before the rest of this file's set-up), while the server loads, and its AWS backend
// takes them. Never throws. (Every setting of the environment is checked by the configuration's own
// rules first: a start that will stop with a usage error reads nothing.)
const cwd = workingDirectory();
const earlyListing = cwd === undefined ? undefined : startEarlyListing({ env: process.env, argv, cwd });
/** At most this long (ms) for the first page's answer between compiling the bundle and running it. */
const EARLY_ANSWER_WAIT_MS = 15;

// Node.js 22.1+ keeps the code it compiles for modules loaded at run time (the AWS SDK) in its
// compile cache (in the OS temporary directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off). The
// server's own bundle goes through a code cache of ours below, on every Node.js version.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// stdout carries JSON-RPC only. Keep the real writer for the MCP transport (and --help), and send
// anything else that writes to process.stdout (console.log in a dependency, a stray print) to stderr.
const realStdoutWrite = process.stdout.write.bind(process.stdout);
const jsonOut = new Writable({
  write(chunk, _encoding, callback) {
    realStdoutWrite(chunk, (error) => callback(error ?? null));
  },
});
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
process.stdout.on('error', () => {
  // The client went away (EPIPE): nothing can be answered any more; stdin's end shuts us down.
});

/** The working directory, or undefined when it is gone (the configuration reports that, as a usage error). */
function workingDirectory(): string | undefined {
  try {
    return process.cwd();
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  // Loading the bundle holds the thread for about 50 ms: first let the event loop write the first
  // page's request to its connection (one turn to an endpoint on this host), a few turns at most,
  // so that it travels while the bundle loads. (A remote endpoint's connection takes longer than
  // that: its DNS lookup and TCP handshake still go on meanwhile.)
  for (let turn = 0; turn < 3 && earlyListing?.started && !earlyListing.firstRequestWritten; turn++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const modulesLoadingSince = performance.now();
  // The server is one CommonJS bundle (dist/server.cjs), compiled with V8's code cache when there is a
  // usable one (code-cache.ts: in <cache dir>/code; LAMBDA_MCP_CODE_CACHE=false turns it off).
  const compiled = compileWithCodeCache<typeof import('./server-bundle.js')>({
    // Beside this file where it really is: a bin link run with --preserve-symlinks-main has the
    // link's folder as __dirname.
    file: join(dirname(realpathSync.native(__filename)), 'server.cjs'),
    dir: codeCacheDir(process.env, argv),
  });
  // Compiling took about half of the load; running the bundle's module code takes the other half.
  // An endpoint that answered the first request that fast (one on this host) is about to answer
  // it: take that answer and send the next page's request first (bounded; no wait when the request
  // was not even written yet, as with a remote endpoint still connecting).
  await earlyListing?.nextRequestWritten(EARLY_ANSWER_WAIT_MS);
  const bundle = compiled.run();
  const { startStdioServer } = bundle.exports;
  const handle = await startStdioServer({
    argv,
    routeProcessWarnings: true,
    modulesLoadingSince,
    codeCache: bundle.cache,
    ...(earlyListing ? { earlyListing } : {}),
    stdout: jsonOut,
    writeOut: (text) => void realStdoutWrite(text),
    writeErr: (text) => void process.stderr.write(text),
  });
  // A new code cache is written a second after the first catalog is served (the functions a start
  // runs are compiled by then), or when the process exits if that is sooner; never by a run that did
  // not get that far (--help, a bad flag), whose cache would lack most of the server.
  let serving = false;
  void handle.serving.then(() => {
    serving = true;
    setTimeout(() => bundle.save(), 1_000).unref();
  });
  process.on('exit', () => {
    if (serving) bundle.save();
  });
  signals.serve((signal) => void handle.shutdown(signal));
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'Unhandled rejection', error: reason instanceof Error ? reason.message : String(reason) })}\n`,
    );
  });
  const code = await handle.exited;
  process.exit(code);
}

void main();
