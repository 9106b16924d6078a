import type { Backend } from '../backend.js';
import { createFileCatalogCache } from '../cache/file-catalog-cache.js';
import { type Config, type ConfigInput, parseConfig } from '../config/schema.js';
import { type Logger, silentLogger } from '../logger.js';
import { createServices } from '../services/create-services.js';
import type { CatalogCacheStore, Services } from '../services/types.js';
import { type AwsBackend, type AwsBackendOptions, createAwsBackend } from './aws-backend.js';
import type { AwsClients } from './clients.js';
import { awsBackendOptionsFromConfig } from './options.js';

export interface CreateAwsServicesOptions {
  logger?: Logger;
  /** Bring your own clients (any subset). */
  clients?: Partial<AwsClients>;
  /** Extra backend options (endpoint, credentials, retry policy...), over those from the config. */
  backendOptions?: Omit<AwsBackendOptions, 'clients' | 'logger'>;
  /** A catalog cache store instead of the file cache that `config.diskCache` turns on. */
  catalogCache?: CatalogCacheStore;
  /**
   * Decorates the backend the services use (the HTTP server's fleet shares one discovery through
   * Redis this way); `backend` in the result stays the AWS backend itself.
   */
  wrapBackend?: (backend: Backend) => Backend;
  /** For the file cache that `config.diskCache` turns on: see `FileCatalogCacheOptions.parseAfter`. */
  diskCacheParseAfter?: () => Promise<unknown>;
}

export interface AwsServices extends Services {
  backend: AwsBackend;
}

/**
 * Whether discovery lists the account and wants the tags of many functions: then they are read
 * alongside the ListFunctions pages rather than after them. An explicit list with no prefix is
 * read function by function instead (./explicit-list.ts: GetFunction and ListTags, no listing).
 */
function prefetchAllTags(config: Config): boolean {
  return !(config.functionList.length > 0 && config.functionPrefixes.length === 0);
}

/**
 * The four services over the AWS backend, with the disk catalog cache when `config.diskCache` is
 * on (the default): a restarted server answers from the last catalog of the same scope at once.
 * Credentials come from the SDK's default chain (`AWS_PROFILE` honoured, never forced) unless
 * `options.clients` or `options.backendOptions` bring their own.
 *
 * @example
 * ```ts
 * import { loadConfig, parseTimeRange } from '@lambda-mcp/core';
 * import { createAwsServices } from '@lambda-mcp/core/aws';
 *
 * const services = await createAwsServices(loadConfig()); // FUNCTION_PREFIX, FUNCTION_LIST, ...
 * const { functions } = await services.discovery.getCatalog();
 * const { start, end } = parseTimeRange({ start: '1h' });
 * const report = await services.metrics.getMetrics({ functionName: 'orders', start, end });
 * await services.close();
 * ```
 */
export async function createAwsServices(
  configInput: ConfigInput | Config = {},
  options: CreateAwsServicesOptions = {},
): Promise<AwsServices> {
  const config = parseConfig(configInput);
  const logger = options.logger ?? silentLogger;
  const backend = await createAwsBackend({
    ...awsBackendOptionsFromConfig(config),
    ...(config.tagFilters.length > 0
      ? { tagFiltersHint: config.tagFilters }
      : prefetchAllTags(config)
        ? { prefetchAllTags: true }
        : {}),
    ...options.backendOptions,
    ...(options.clients ? { clients: options.clients } : {}),
    logger,
  });
  const catalogCache =
    options.catalogCache ??
    (config.diskCache
      ? createFileCatalogCache({
          ...(config.cacheDir ? { dir: config.cacheDir } : {}),
          ...(options.diskCacheParseAfter ? { parseAfter: options.diskCacheParseAfter } : {}),
        })
      : undefined);
  try {
    const services = createServices({
      backend: options.wrapBackend ? options.wrapBackend(backend) : backend,
      config,
      logger,
      ...(catalogCache ? { catalogCache } : {}),
    });
    return { ...services, backend };
  } catch (error) {
    await backend.close();
    throw error;
  }
}
