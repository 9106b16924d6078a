import type { Config, ConfigInput } from '../config/schema.js';
import { parseConfig } from '../config/schema.js';
import { type Logger, silentLogger } from '../logger.js';
import { createServices } from '../services/create-services.js';
import type { Services } from '../services/types.js';
import { createLocalBackend, type LocalBackend, type LocalBackendOptions } from './local-backend.js';

export interface CreateLocalServicesOptions {
  /** The functions folder (one sub-folder per function with a `function.json`). Defaults to `config.localDir`. */
  dir?: string;
  config?: ConfigInput | Config;
  logger?: Logger;
  /** Further options for the local backend (idle timeout, concurrency, synthetic functions...). */
  backendOptions?: Omit<LocalBackendOptions, 'dir' | 'logger'>;
}

export type LocalServices = Services & { backend: LocalBackend };

/**
 * The four services over the local backend: the embedded default, no AWS account needed. The
 * schema tag keys of the config are passed to the backend so local schemas are found through the
 * same tags as AWS ones.
 *
 * @example
 * ```ts
 * import { createLocalServices } from '@lambda-mcp/core/local';
 *
 * const services = createLocalServices({ dir: './functions' });
 * const result = await services.invocation.invoke({ functionName: 'echo', payload: { hi: 1 }, logType: 'Tail' });
 * console.log(result.payload, result.functionError, result.report?.durationMs);
 * await services.close();
 * ```
 */
export function createLocalServices(options: CreateLocalServicesOptions = {}): LocalServices {
  const config = parseConfig({ ...options.config, backend: 'local' });
  const dir = options.dir ?? config.localDir;
  const logger = options.logger ?? silentLogger;
  const backend = createLocalBackend({
    ...options.backendOptions,
    ...(dir !== undefined ? { dir } : {}),
    inputSchemaArnTagKey: config.inputSchemaArnTagKey,
    outputSchemaArnTagKey: config.outputSchemaArnTagKey,
    logger,
  });
  const services = createServices({ backend, config, logger });
  return { ...services, backend };
}
