import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type Config,
  createServices,
  LambdaMcpError,
  type Logger,
  type Services,
  silentLogger,
} from '@lambda-mcp/core';

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
  localHistoryStore?: (dir: string) => import('@lambda-mcp/core/local').InvocationHistory | undefined;
}

/**
 * Configuration -> backend -> the four services, as every app does it: the local backend for
 * `backend: 'local'` (a folder of functions), AWS otherwise. Each backend is imported only when
 * used, so local runs never load the AWS SDK.
 */
export async function createServicesForConfig(
  config: Config,
  options: ServicesForConfigOptions = {},
): Promise<Services> {
  const logger = options.logger ?? silentLogger;
  if (config.backend === 'local') {
    const dir = resolve(options.cwd ?? process.cwd(), config.localDir ?? 'functions');
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new LambdaMcpError(
        'INVALID_CONFIG',
        `The local functions directory ${JSON.stringify(dir)} does not exist. Accepted: a folder with one sub-folder per function (each with a function.json), e.g. --local examples/functions.`,
      );
    }
    const { createLocalBackend, localHistoryFile } = await import('@lambda-mcp/core/local');
    const history = options.localHistory ?? config.diskCache;
    const historyFile = history
      ? localHistoryFile({ ...config, diskCache: true }, dir, options.env)
      : undefined;
    const store = options.localHistoryStore?.(dir);
    const backend = createLocalBackend({
      dir,
      ...(historyFile ? { historyFile } : {}),
      ...(store ? { history: store } : {}),
      logger: logger.child({ component: 'local-backend' }),
      ...(config.region ? { region: config.region } : {}),
      inputSchemaArnTagKey: config.inputSchemaArnTagKey,
      outputSchemaArnTagKey: config.outputSchemaArnTagKey,
    });
    return createServices({ backend, config: { ...config, localDir: dir }, logger });
  }
  let aws: typeof import('@lambda-mcp/core/aws');
  try {
    aws = await import('@lambda-mcp/core/aws');
  } catch (error) {
    throw new LambdaMcpError(
      'BACKEND_UNAVAILABLE',
      `The AWS backend could not be loaded (${error instanceof Error ? error.message : String(error)}). Reinstall @lambda-mcp/core, or run with --local DIR for local functions.`,
      { cause: error },
    );
  }
  return aws.createAwsServices(config, { logger });
}
