import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EarlyListing } from '../aws/early-listing.js';
import type { Backend } from '../backend.js';
import { LambdaMcpError } from '../errors.js';
import type { InvocationHistory } from '../local/index.js';
import { type Logger, silentLogger } from '../logger.js';
import { createServices } from '../services/create-services.js';
import type { Services } from '../services/types.js';
import type { Config } from './schema.js';

export interface ServicesForConfigOptions {
  logger?: Logger;
  /** Resolves a relative local functions directory. Default: the process's working directory. */
  cwd?: string;
  /** Environment for the default cache paths. Default: process.env. */
  env?: Record<string, string | undefined>;
  /**
   * Keep the local backend's invocation history in the shared file (so metrics and logs show what
   * other processes ran). Default: `config.diskCache`.
   */
  localHistory?: boolean;
  /**
   * A shared history for the local backend other than the file, keyed by the resolved functions
   * folder (the HTTP server passes its Redis history when replicas share one). Wins over the file.
   */
  localHistoryStore?: (dir: string) => InvocationHistory | undefined;
  /**
   * Decorates the backend before the services are built on it (the HTTP server's fleet shares one
   * discovery through Redis this way). Returns the backend to use; the one given is left as it is.
   */
  wrapBackend?: (backend: Backend) => Backend;
  /** For the AWS backend's disk catalog cache: see `FileCatalogCacheOptions.parseAfter`. */
  diskCacheParseAfter?: () => Promise<unknown>;
  /**
   * ListFunctions pages the stdio bin began to read before the server loaded
   * (aws/early-listing.ts): the AWS backend takes them when they were read for its target; any
   * other backend drops them.
   */
  earlyListing?: EarlyListing;
}

/**
 * Configuration -> backend -> the four services, as every app (stdio, HTTP, CLI) does it: the local backend for
 * `backend: 'local'` (a folder of functions), AWS otherwise. Each backend is imported only when
 * used, so local runs never load the AWS SDK.
 *
 * @example
 * const config = loadConfig({ flags: { local: 'examples/functions' } });
 * const services = await createServicesForConfig(config, { logger });
 * const { functions } = await services.discovery.listFunctions();
 */
export async function createServicesForConfig(
  config: Config,
  options: ServicesForConfigOptions = {},
): Promise<Services> {
  const logger = options.logger ?? silentLogger;
  if (config.backend === 'local') {
    options.earlyListing?.abandon();
    const dir = resolve(options.cwd ?? process.cwd(), config.localDir ?? 'functions');
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new LambdaMcpError(
        'INVALID_CONFIG',
        `The local functions directory ${JSON.stringify(dir)} does not exist. Accepted: a folder with one sub-folder per function (each with a function.json), e.g. --local examples/functions.`,
      );
    }
    const { createLocalBackend, localHistoryFile } = await import('../local/index.js');
    const history = options.localHistory ?? config.diskCache;
    const historyFile = history
      ? localHistoryFile({ ...config, diskCache: true }, dir, options.env)
      : undefined;
    const store = options.localHistoryStore?.(dir);
    const local = createLocalBackend({
      dir,
      ...(historyFile ? { historyFile } : {}),
      ...(store ? { history: store } : {}),
      logger: logger.child({ component: 'local-backend' }),
      ...(config.region ? { region: config.region } : {}),
      inputSchemaArnTagKey: config.inputSchemaArnTagKey,
      outputSchemaArnTagKey: config.outputSchemaArnTagKey,
    });
    const backend = options.wrapBackend ? options.wrapBackend(local) : local;
    return createServices({ backend, config: { ...config, localDir: dir }, logger });
  }
  let aws: typeof import('../aws/index.js');
  try {
    aws = await import('../aws/index.js');
  } catch (error) {
    options.earlyListing?.abandon();
    throw new LambdaMcpError(
      'BACKEND_UNAVAILABLE',
      `The AWS backend could not be loaded (${error instanceof Error ? error.message : String(error)}). Reinstall @lambda-mcp/core, or run with --local DIR for local functions.`,
      { cause: error },
    );
  }
  try {
    return await aws.createAwsServices(config, {
      logger,
      ...(options.wrapBackend ? { wrapBackend: options.wrapBackend } : {}),
      ...(options.diskCacheParseAfter ? { diskCacheParseAfter: options.diskCacheParseAfter } : {}),
      ...(options.earlyListing ? { backendOptions: { earlyListing: options.earlyListing } } : {}),
    });
  } catch (error) {
    options.earlyListing?.abandon();
    throw error;
  }
}
