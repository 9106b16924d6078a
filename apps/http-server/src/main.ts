import {
  type Config,
  createStreamLogger,
  isLambdaMcpError,
  type Logger,
  loadConfig,
  type Services,
} from '@lambda-mcp/core';
import { routeProcessWarnings } from '@lambda-mcp/core/internal';
import type { InvocationHistory } from '@lambda-mcp/core/local';
import { createHttpApp, type HttpApp } from './app.js';
import { helpText, parseHttpArgs } from './args.js';
import { createAuditLog } from './audit.js';
import { createFleet, type Fleet, type SharedDiscovery } from './fleet/index.js';
import { createSharedHistory } from './fleet/shared-history.js';
import { applyHeapGrowing, checkHeapLimit, memoryTargetBytes } from './heap.js';
import { createHostOriginGuard } from './host-origin.js';
import { createRateLimiter } from './rate-limit.js';
import { assertAuthForBinding, createAuthSetup, createRuntime, type Runtime } from './runtime.js';
import { type HttpSettings, loadHttpSettings } from './settings.js';
import { VERSION } from './version.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** A second SIGTERM or Ctrl-C during the graceful shutdown: calls in flight were answered with an error. */
export const EXIT_FORCED = 3;

export interface HttpServerOptions {
  /** Log Node's process warnings through the logger (JSON lines) instead of raw stderr text; the bin sets it. */
  routeProcessWarnings?: boolean;
  /** Set V8's heap growing factor for this process (heap.ts, applyHeapGrowing); the bin sets it. */
  tuneHeap?: boolean;
  argv: readonly string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Log lines and messages for people (default process.stderr). */
  writeErr?: (text: string) => void;
  /** Help and version text (default process.stdout). */
  writeOut?: (text: string) => void;
  /** Audit lines (default: per --audit-log, stderr). */
  writeAudit?: (line: string) => void;
  /** Use these services instead of creating them from the configuration (tests, embedders). */
  services?: Services;
}

export interface HttpServerHandle {
  /** http://host:port/mcp (undefined when the server did not start, e.g. --help). */
  readonly url: string | undefined;
  readonly port: number | undefined;
  readonly app: HttpApp | undefined;
  readonly runtime: Runtime | undefined;
  readonly config: Config | undefined;
  readonly settings: HttpSettings | undefined;
  /** Resolves with the exit code once the server has shut down. */
  readonly exited: Promise<number>;
  /** Graceful shutdown (in-flight calls get up to the shutdown timeout). */
  shutdown(reason: string): Promise<number>;
  /**
   * Forced stop (a second signal): every call in flight is answered with a JSON-RPC error at once,
   * then the server exits with EXIT_FORCED.
   */
  forceStop(reason: string): Promise<number>;
}

function oneLine(error: unknown): string {
  if (isLambdaMcpError(error)) return `${error.message} [${error.code}]`;
  return error instanceof Error ? error.message : String(error);
}

function done(code: number): HttpServerHandle {
  return {
    url: undefined,
    port: undefined,
    app: undefined,
    runtime: undefined,
    config: undefined,
    settings: undefined,
    exited: Promise.resolve(code),
    shutdown: async () => code,
    forceStop: async () => code,
  };
}

/**
 * flags and environment -> configuration -> services -> MCP server factory -> HTTP app, listening.
 * Resolves once it listens (or has exited early, e.g. for --help or a bad flag).
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServerHandle> {
  const env = options.env ?? process.env;
  const writeErr = options.writeErr ?? ((t: string) => void process.stderr.write(t));
  const writeOut = options.writeOut ?? ((t: string) => void process.stdout.write(t));

  let config: Config;
  let settings: HttpSettings;
  let logFormat: 'json' | 'pretty';
  let memoryTarget: number | undefined;
  try {
    const args = parseHttpArgs(options.argv);
    if (args.help) {
      writeOut(helpText(VERSION));
      return done(EXIT_OK);
    }
    if (args.version) {
      writeOut(`${VERSION}\n`);
      return done(EXIT_OK);
    }
    logFormat = args.logFormat;
    config = loadConfig({ flags: args.configFlags, env, ...(options.cwd ? { cwd: options.cwd } : {}) });
    settings = loadHttpSettings(args.httpFlags, env);
    memoryTarget = memoryTargetBytes(env);
    if (options.tuneHeap) applyHeapGrowing(env);
  } catch (error) {
    writeErr(`lambda-mcp-http: ${oneLine(error)}\n`);
    return done(EXIT_USAGE);
  }

  const logger: Logger = createStreamLogger({
    level: config.logLevel,
    format: logFormat,
    write: writeErr,
    bindings: { app: 'lambda-mcp-http' },
  });
  if (options.routeProcessWarnings) routeProcessWarnings(logger);

  let guard: ReturnType<typeof createHostOriginGuard>;
  let auth: ReturnType<typeof createAuthSetup>;
  try {
    guard = createHostOriginGuard({
      bindHost: config.host,
      allowedHosts: settings.allowedHosts,
      allowedOrigins: settings.allowedOrigins,
    });
    auth = createAuthSetup(settings, env, logger, options.cwd);
    assertAuthForBinding(config.host, auth.authenticator);
  } catch (error) {
    writeErr(`lambda-mcp-http: ${oneLine(error)}\n`);
    return done(EXIT_USAGE);
  }

  let fleet: Fleet | undefined;
  if (
    settings.redisUrl !== undefined ||
    settings.sessionSecret !== undefined ||
    settings.maxCallsPerCaller > 0
  ) {
    try {
      fleet = await createFleet(
        {
          ...(settings.redisUrl !== undefined ? { redisUrl: settings.redisUrl } : {}),
          ...(settings.sessionSecret !== undefined ? { sessionSecret: settings.sessionSecret } : {}),
          maxCallsPerCaller: settings.maxCallsPerCaller,
          rateLimitPerMinute: settings.rateLimitPerMinute,
          ...(settings.rateLimitBurst ? { rateLimitBurst: settings.rateLimitBurst } : {}),
          sessionIdleTimeoutSeconds: settings.sessionIdleTimeoutSeconds,
          cacheTtlSeconds: config.cacheTtlSeconds,
        },
        logger,
      );
    } catch (error) {
      writeErr(`lambda-mcp-http: ${oneLine(error)}\n`);
      return done(EXIT_USAGE);
    }
  }
  let sharedDiscovery: SharedDiscovery | undefined;
  // The local backend's invocation history goes to Redis too, so every replica's monitor_executions
  // sees what all of them ran (the machine's history file is kept as well).
  let localHistoryStore: ((dir: string) => InvocationHistory | undefined) | undefined;
  const redis = fleet?.redis;
  if (redis && config.backend === 'local') {
    const local = await import('@lambda-mcp/core/local');
    localHistoryStore = (dir) => {
      const path = config.diskCache ? local.localHistoryFile(config, dir, env) : undefined;
      return createSharedHistory({
        redis,
        dir,
        logger,
        codec: { encode: local.encodeHistoryRecord, decode: local.decodeHistoryRecord },
        ...(path
          ? {
              file: local.createHistoryFile({
                file: path,
                instanceId: fleet?.replicaId ?? 'replica',
                logger,
              }),
            }
          : {}),
      });
    };
  }

  let app: HttpApp | undefined;
  let runtime: Runtime;
  try {
    runtime = await createRuntime({
      ...(localHistoryStore ? { localHistoryStore } : {}),
      ...(fleet
        ? {
            prepareBackend: (backend) => {
              sharedDiscovery = fleet.shareDiscovery(backend);
            },
          }
        : {}),
      config,
      settings,
      logger,
      version: VERSION,
      sessions: () => app?.sessions.size ?? 0,
      inFlightRequests: () => app?.inFlightRequests() ?? 0,
      ...(options.services ? { services: options.services } : {}),
    });
  } catch (error) {
    logger.error('Could not start', { error: oneLine(error) });
    await fleet?.close().catch(() => {});
    writeErr(`lambda-mcp-http: ${oneLine(error)}\n`);
    return done(isLambdaMcpError(error) && error.code === 'INVALID_CONFIG' ? EXIT_USAGE : EXIT_FAILURE);
  }

  const audit = createAuditLog(settings.auditLog, options.writeAudit);
  const localLimiter = createRateLimiter({
    requestsPerMinute: settings.rateLimitPerMinute,
    ...(settings.rateLimitBurst ? { burst: settings.rateLimitBurst } : {}),
  });
  const httpApp = createHttpApp({
    createServer: (o) => runtime.lambda.createServer(o),
    mode: settings.stateless ? 'stateless' : 'stateful',
    logger,
    version: VERSION,
    guard,
    authenticator: auth.authenticator,
    rateLimiter: fleet ? fleet.rateLimiter(localLimiter) : localLimiter,
    audit,
    ...(fleet ? { fleet } : {}),
    health: () => runtime.health(),
    metrics: runtime.metrics,
    maxBodyBytes: settings.maxBodyBytes,
    sessionIdleTimeoutMs: settings.sessionIdleTimeoutSeconds * 1000,
    maxSessions: settings.maxSessions,
    ...(auth.resource ? { resource: auth.resource } : {}),
    ...(memoryTarget ? { memoryTargetBytes: memoryTarget } : {}),
    trustProxy: settings.trustProxy,
    logPayloads: config.logPayloads,
    maxRequestDurationMs: settings.maxRequestDurationSeconds * 1000,
    bodyTimeoutMs: settings.bodyTimeoutSeconds * 1000,
    ...(settings.maxConnections > 0 ? { maxConnections: settings.maxConnections } : {}),
  });
  app = httpApp;
  if (fleet) {
    const shared = sharedDiscovery;
    // This replica read a changed catalog from the backend: the others refresh from the fleet's copy
    // (no backend call), and each tells its own sessions (tools/list_changed).
    runtime.services.discovery.onChange(() => {
      if (shared?.takeLoaded()) fleet.publishCatalogChanged();
    });
    await fleet.connect({
      deliverCancel: (m) => httpApp.deliverCancel(m),
      catalogChanged: () => {
        void runtime.lambda.refresh().catch(() => {});
      },
      sessionEnded: (key) => httpApp.endSession(key),
    });
  }

  let address: Awaited<ReturnType<HttpApp['listen']>>;
  try {
    address = await httpApp.listen(config.port, config.host);
  } catch (error) {
    const message = oneLine(error);
    logger.error('Could not listen', { host: config.host, port: config.port, error: message });
    const code = (error as NodeJS.ErrnoException).code;
    const next = config.port > 0 && config.port < 65535 ? config.port + 1 : 3001;
    const hint =
      code === 'EADDRINUSE'
        ? `port ${config.port} is already in use (another server is listening there). Choose another port with --port ${next} or MCP_SERVER_PORT=${next}.`
        : code === 'EACCES'
          ? `not allowed to listen on port ${config.port} (ports below 1024 need privileges). Choose another with --port or MCP_SERVER_PORT.`
          : message;
    writeErr(`lambda-mcp-http: cannot listen on ${config.host}:${config.port}: ${hint}\n`);
    await runtime.close().catch(() => {});
    await fleet?.close().catch(() => {});
    return done(EXIT_FAILURE);
  }

  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${hostForUrl}:${address.port}/mcp`;
  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((r) => {
    resolveExit = r;
  });
  let shuttingDown: Promise<number> | undefined;
  let forcing: Promise<number> | undefined;
  const shutdown = (reason: string): Promise<number> => {
    shuttingDown ??= (async () => {
      logger.info('Shutting down', {
        reason,
        activeCalls: httpApp.activeCalls(),
        deadlineSeconds: settings.shutdownTimeoutSeconds,
      });
      const left = await httpApp.close(settings.shutdownTimeoutSeconds * 1000);
      await runtime
        .close()
        .catch((error: unknown) => logger.error('Closing the services failed', { error: oneLine(error) }));
      await fleet?.close().catch(() => {});
      logger.info('Stopped', { unfinishedCalls: left });
      const code = forcing ? EXIT_FORCED : EXIT_OK;
      resolveExit(code);
      return code;
    })();
    return shuttingDown;
  };
  const forceStop = (reason: string): Promise<number> => {
    forcing ??= (async () => {
      logger.warn('Forced stop: answering the calls in flight with an error', {
        reason,
        activeCalls: httpApp.activeCalls(),
        exitCode: EXIT_FORCED,
      });
      const answered = await httpApp.abort();
      logger.info('Stopped (forced)', { answeredWithError: answered });
      resolveExit(EXIT_FORCED);
      void runtime.close().catch(() => {});
      return EXIT_FORCED;
    })();
    return forcing;
  };

  logger.info('Listening', {
    url,
    mode: settings.stateless ? 'stateless' : 'stateful',
    backend: runtime.services.backend.kind,
    auth: auth.authenticator.required ? (auth.authenticator.oauth ? 'oauth' : 'tokens') : 'off (loopback)',
    version: VERSION,
  });
  const heap = checkHeapLimit();
  if (heap.advice)
    logger.warn(`Memory: ${heap.advice}`, {
      heapLimitMb: heap.heapLimitMb,
      containerLimitMb: heap.containerLimitMb,
    });
  // One line for people (stdout; the logs are JSON on stderr): where it is and how to connect.
  writeOut(
    `lambda-mcp-http ${VERSION} serving ${runtime.services.backend.kind} functions at ${url}\n` +
      `  connect an MCP client: { "mcpServers": { "lambda": { "type": "http", "url": "${url}" } } }` +
      `${auth.authenticator.required ? ' with "headers": { "Authorization": "Bearer <token>" }' : ''}; Ctrl-C stops.\n`,
  );
  void runtime.lambda.ready.then(() => {
    const h = runtime.health();
    logger.info('Catalog ready', {
      functions: h.functions,
      ...(h.discoveryError ? { discoveryError: h.discoveryError } : {}),
    });
  });

  return {
    url,
    port: address.port,
    app: httpApp,
    runtime,
    config,
    settings,
    exited,
    shutdown,
    forceStop,
  };
}
