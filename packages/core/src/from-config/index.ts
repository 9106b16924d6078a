/**
 * @lambda-mcp/core/from-config: configuration -> backend -> services, as every app does it. A
 * separate entry because it reaches both backends (each imported only when used): the root entry
 * stays free of any AWS SDK import, lazy ones included.
 */
export type { ServicesForConfigOptions } from '../config/services-for-config.js';
export { createServicesForConfig } from '../config/services-for-config.js';
