import type { Readable, Writable } from 'node:stream';
import {
  type Config,
  createStreamLogger,
  isLambdaMcpError,
  loadConfig,
  type Services,
} from '@lambda-mcp/core';
import type { EarlyListing } from '@lambda-mcp/core/early';
import { createServicesForConfig } from '@lambda-mcp/core/from-config';
import { routeProcessWarnings } from '@lambda-mcp/core/internal';
import type { LambdaMcpServer } from '@lambda-mcp/mcp-server';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { helpText, parseStdioArgs } from './args.js';
import type { LineTooLongError as LineTooLongErrorType } from './line-transport.js';
import { VERSION } from './version.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface StdioServerOptions {
  /** Log Node's process warnings through the logger (JSON lines) instead of raw stderr text; the bin sets it. */
  routeProcessWarnings?: boolean;
  argv: readonly string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** JSON-RPC in (default process.stdin). */
  stdin?: Readable;
  /** JSON-RPC out (default process.stdout). Nothing else is ever written to it. */
  stdout?: Writable;
  /** Log lines and messages for people (default process.stderr). */
  writeErr?: (text: string) => void;
  /** Help and version text (default: `stdout`). */
  writeOut?: (text: string) => void;
  /** Wait up to this long (ms) for the first catalog before reading stdin (default 0: initialize is answered at once). */
  startupWaitMs?: number;
  /** On shutdown, how long running tool calls may take to finish (ms, default 10000). */
  drainMs?: number;
  /**
   * `performance.now()` when the bin started loading the server's modules: the start-up timings
   * in the log then tell Node.js start-up and module loading apart.
   */
  modulesLoadingSince?: number;
  /** How the bin's code cache went (code-cache.ts: off, miss, used or rejected), for the start-up log. */
  codeCache?: string;
  /**
   * ListFunctions pages the bin began to read in its first lines (`@lambda-mcp/core/early`): the
   * AWS backend takes them when they were read for its target, and they are dropped otherwise.
   */
  earlyListing?: EarlyListing;
}

export interface StdioServerHandle {
  /** Resolves with the exit code once the server has shut down. */
  readonly exited: Promise<number>;
  /** Shuts down: closes the MCP server, the services and the backend's workers. */
  shutdown(reason: string): Promise<number>;
  /**
   * Resolves once the first catalog is served (the `Serving MCP over stdio` line); never for
   * --help, --version or a start that failed.
   */
  readonly serving: Promise<void>;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

function oneLine(error: unknown): string {
  if (isLambdaMcpError(error)) return `${error.message} [${error.code}]`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs the stdio server: flags and environment -> configuration -> services -> MCP server ->
 * stdio transport. Resolves once it serves (or has exited early, e.g. for --help); the handle's
 * `exited` resolves with the exit code after shutdown (stdin closed, a signal, or a fatal error).
 */
export async function startStdioServer(options: StdioServerOptions): Promise<StdioServerHandle> {
  // Start-up timings for the 'Serving' log line (bench/stdio-overhead.mjs --breakdown reads them).
  const entered = performance.now();
  const marks: Record<string, number> = {};
  let last = entered;
  const mark = (name: string) => {
    const now = performance.now();
    marks[name] = round(now - last);
    last = now;
  };
  const writeErr = options.writeErr ?? ((t: string) => void process.stderr.write(t));
  const stdout = options.stdout ?? process.stdout;
  const writeOut = options.writeOut ?? ((t: string) => void stdout.write(t));
  const done = (code: number): StdioServerHandle => {
    options.earlyListing?.abandon();
    return {
      exited: Promise.resolve(code),
      shutdown: async () => code,
      serving: new Promise<void>(() => {}),
    };
  };

  let args: ReturnType<typeof parseStdioArgs>;
  let config: Config;
  try {
    args = parseStdioArgs(options.argv);
    if (args.help) {
      writeOut(helpText(VERSION));
      return done(EXIT_OK);
    }
    if (args.version) {
      writeOut(`${VERSION}\n`);
      return done(EXIT_OK);
    }
    config = loadConfig({
      flags: args.flags,
      env: options.env ?? process.env,
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
  } catch (error) {
    writeErr(`lambda-mcp-stdio: ${oneLine(error)}\n`);
    return done(EXIT_USAGE);
  }
  mark('configMs');

  const logger = createStreamLogger({
    level: config.logLevel,
    format: args.logFormat,
    write: writeErr,
    bindings: { app: 'lambda-mcp-stdio' },
  });
  if (options.routeProcessWarnings) routeProcessWarnings(logger);
  if (options.earlyListing) {
    logger.debug(
      options.earlyListing.started
        ? 'ListFunctions pages are being read since the bin started'
        : 'No ListFunctions page was read before the server loaded',
      options.earlyListing.why ? { why: options.earlyListing.why } : {},
    );
  }

  // A catalog in the disk cache is parsed once stdio is connected and initialize answered (parsing
  // 10,000 functions holds the thread for tens of milliseconds), or after 2 s at most.
  let openGate: () => void = () => {};
  const stdioConnected = new Promise<void>((resolve) => {
    openGate = resolve;
  });
  const gateBound = setTimeout(() => openGate(), 2_000);
  gateBound.unref();
  let services: Services;
  try {
    services = await createServicesForConfig(config, {
      logger,
      diskCacheParseAfter: () => stdioConnected,
      ...(options.earlyListing ? { earlyListing: options.earlyListing } : {}),
    });
  } catch (error) {
    logger.error('Could not start', { error: oneLine(error) });
    writeErr(`lambda-mcp-stdio: ${oneLine(error)}\n`);
    return done(isLambdaMcpError(error) && error.code === 'INVALID_CONFIG' ? EXIT_USAGE : EXIT_FAILURE);
  }
  // Discovery (or the disk cache's read) starts now, before the MCP layer (the MCP SDK, its
  // schemas, the tool catalog: a third of the start-up's module loading) is loaded: its first
  // requests are in flight while that loads, instead of waiting for it. The catalog takes this
  // result as its first one.
  const firstCatalog = services.discovery.getCatalog();
  firstCatalog.catch(() => {
    // Reported by the catalog's first build, which awaits it.
  });
  mark('servicesMs');

  let lambda: LambdaMcpServer;
  let LineTransport: typeof import('./line-transport.js').LineTransport;
  let LineTooLongError: typeof LineTooLongErrorType;
  try {
    const [mcp, line] = await Promise.all([import('@lambda-mcp/mcp-server'), import('./line-transport.js')]);
    ({ LineTransport, LineTooLongError } = line);
    lambda = mcp.createLambdaMcpServer(services, { logger, firstCatalog });
  } catch (error) {
    writeErr(`lambda-mcp-stdio: ${oneLine(error)}\n`);
    await services.close().catch(() => {});
    return done(EXIT_FAILURE);
  }

  // initialize is answered at once (its instructions describe the catalog as it is then);
  // tools/list waits for the first catalog, from the disk cache or discovery (bounded).
  if (options.startupWaitMs) {
    let waitTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      lambda.ready,
      new Promise<void>((r) => {
        waitTimer = setTimeout(r, options.startupWaitMs);
      }),
    ]);
    if (waitTimer) clearTimeout(waitTimer);
  }

  const stdin = options.stdin ?? process.stdin;
  const server = lambda.createServer();
  const transport = new LineTransport(stdin, stdout);

  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((r) => {
    resolveExit = r;
  });
  let shuttingDown: Promise<number> | undefined;
  const shutdown = (reason: string, code = EXIT_OK): Promise<number> => {
    shuttingDown ??= (async () => {
      logger.info('Shutting down', { reason, activeCalls: lambda.catalog.activeCalls() });
      // Calls already running get a moment to finish (their answers still reach a client that only
      // closed its end of stdin); then everything is closed, which aborts what is left.
      if (lambda.catalog.activeCalls() > 0) {
        await Promise.race([
          lambda.catalog.whenIdle(),
          new Promise<void>((r) => setTimeout(r, options.drainMs ?? 10_000).unref()),
        ]);
        // The SDK sends a result a few promise turns after the handler returns: let it.
        await new Promise<void>((r) => setImmediate(r));
      }
      const deadline = new Promise<void>((r) => setTimeout(r, 5_000).unref());
      await Promise.race([
        (async () => {
          await lambda.close().catch(() => {});
          await services
            .close()
            .catch((error) => logger.warn('Closing the services failed', { error: oneLine(error) }));
        })(),
        deadline,
      ]);
      stdin.off('end', onEnd);
      stdin.off('close', onEnd);
      // Let answers already written reach the client before the process exits.
      if (stdout.writableLength > 0) {
        await new Promise<void>((r) => {
          const t = setTimeout(r, 1_000);
          stdout.once('drain', () => {
            clearTimeout(t);
            r();
          });
        });
      }
      resolveExit(code);
      return code;
    })();
    return shuttingDown;
  };
  const onEnd = () => void shutdown('stdin closed');
  stdin.on('end', onEnd);
  stdin.on('close', onEnd);
  // The SDK hands a transport error to the protocol's onerror too: it is logged here, once, and
  // bounded (a validation error lists every key of the line, which may be megabytes).
  const loggedErrors = new WeakSet<Error>();
  transport.onerror = (error) => {
    loggedErrors.add(error);
    logger.warn('stdio transport error', { error: error.message.slice(0, 200) });
    // A line that is not JSON, or not a JSON-RPC message, gets the error JSON-RPC 2.0 prescribes
    // (with a null id: there is no request to answer) instead of silence.
    const invalid = invalidLineError(error, LineTooLongError);
    if (invalid) void transport.send(invalid as unknown as JSONRPCMessage).catch(() => {});
  };
  server.onerror = (error) => {
    if (loggedErrors.has(error)) return;
    logger.warn('MCP protocol error', { error: error.message.slice(0, 500) });
  };

  await server.connect(transport);
  // The disk cache's catalog is parsed once the client's first message (its initialize) has been
  // answered, or 100 ms after connecting if none comes.
  const openGateNow = () => {
    clearTimeout(gateBound);
    openGate();
  };
  const firstMessageBound = setTimeout(openGateNow, 100);
  firstMessageBound.unref();
  const dispatch = transport.onmessage;
  transport.onmessage = (message) => {
    transport.onmessage = dispatch;
    dispatch?.(message);
    // The SDK answers within the promise jobs that follow; one turn later the answer is written.
    setImmediate(() => {
      clearTimeout(firstMessageBound);
      openGateNow();
    });
  };
  mark('connectMs');
  const logServing = () => {
    const status = lambda.catalog.status();
    logger.info('Serving MCP over stdio', {
      version: VERSION,
      backend: services.backend.kind,
      functions: status.functionCount,
      functionTools: status.functionToolCount,
      ...(status.cappedCount > 0 ? { cappedFunctions: status.cappedCount } : {}),
      ...(status.discoveryError ? { discoveryError: status.discoveryError } : {}),
      ...(options.codeCache ? { codeCache: options.codeCache } : {}),
      // Milliseconds: Node.js start-up and module loading (or process start to this call, for
      // embedders), then each step: configuration, services, stdio connected (initialize is
      // answered from then on), and the first catalog with its schemas (built meanwhile).
      startup: {
        ...(options.modulesLoadingSince !== undefined
          ? {
              nodeMs: round(options.modulesLoadingSince),
              modulesMs: round(entered - options.modulesLoadingSince),
            }
          : { processToStartMs: round(entered) }),
        ...marks,
      },
    });
  };
  // Logged once the first catalog is there (initialize has been answerable since connectMs).
  const serving = lambda.ready.then(() => {
    if (shuttingDown) return;
    mark('catalogMs');
    logServing();
  });
  return { exited, shutdown: (reason) => shutdown(reason), serving };
}

/** The JSON-RPC error for a stdin line the transport could not read as a message, if it was that. */
function invalidLineError(error: Error, LineTooLongError: typeof LineTooLongErrorType): object | undefined {
  if (error instanceof LineTooLongError) {
    return {
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32600,
        message: `Invalid Request: the line is longer than the ${error.limitBytes.toLocaleString('en-US')} bytes (10 MB) one message may take over stdio; it was skipped.`,
        data: { limitBytes: error.limitBytes, lineBytes: error.lineBytes },
      },
    };
  }
  if (error instanceof SyntaxError) {
    return {
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: 'Parse error: the line is not JSON.' },
    };
  }
  if (/^\$?ZodError$/.test(error.name)) {
    return {
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: 'Invalid Request: the line is JSON but not a JSON-RPC 2.0 message.' },
    };
  }
  return undefined;
}
