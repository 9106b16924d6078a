import { parseConfig } from '../config/schema.js';
import { LambdaMcpError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { createDiscoveryService } from './discovery-service.js';
import { createInvocationService } from './invocation-service.js';
import { createMetricsService } from './metrics-service.js';
import { createSchemaService } from './schema-service.js';
import type { CreateServicesOptions, Services } from './types.js';

/**
 * Wires the four services over a backend: discovery (filters, cached catalog, the allowlist),
 * schemas, invocation and metrics. `close()` stops timers and closes the backend.
 *
 * Use it to bring your own `Backend` (or your own AWS clients through `createAwsBackend`);
 * `createAwsServices` (`@lambda-mcp/core/aws`) and `createLocalServices` (`@lambda-mcp/core/local`)
 * do the wiring for the two bundled backends.
 *
 * @example
 * ```ts
 * import { createServices, createStreamLogger, loadConfig } from '@lambda-mcp/core';
 * import { createLocalBackend } from '@lambda-mcp/core/local';
 *
 * const config = loadConfig({ flags: { local: './functions' } });
 * const services = createServices({
 *   backend: createLocalBackend({ dir: './functions' }),
 *   config,
 *   logger: createStreamLogger({ level: 'info' }),
 * });
 * const { functions } = await services.discovery.getCatalog();
 * await services.close();
 * ```
 *
 * @throws {LambdaMcpError} `INVALID_CONFIG` when `backend` is missing or the configuration is invalid.
 */
export function createServices(options: CreateServicesOptions): Services {
  if (!options?.backend) throw new LambdaMcpError('INVALID_CONFIG', 'createServices needs a backend.');
  const config = parseConfig(options.config);
  const logger = options.logger ?? silentLogger;
  const { backend } = options;
  const discovery = createDiscoveryService({
    backend,
    config,
    logger,
    ...(options.catalogCache ? { catalogCache: options.catalogCache } : {}),
  });
  const schemas = createSchemaService({ backend, config, logger });
  const invocation = createInvocationService({ backend, config, logger, discovery, schemas });
  const metrics = createMetricsService({ backend, config, logger, discovery });
  if (config.refreshIntervalSeconds > 0) discovery.setRefreshInterval(config.refreshIntervalSeconds);
  let closing: Promise<void> | undefined;
  return {
    config,
    backend,
    logger,
    discovery,
    invocation,
    schemas,
    metrics,
    close() {
      closing ??= (async () => {
        await discovery.close();
        await backend.close();
      })();
      return closing;
    },
  };
}
