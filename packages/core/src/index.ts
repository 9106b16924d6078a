/**
 * The public root entry of `@lambda-mcp/core`: configuration, the services and their factory, the
 * error type, loggers, the disk catalog cache, the doctor's checks and a few parsers of Lambda's
 * own formats. Every name here is documented in the package README and follows semantic
 * versioning.
 *
 * Backends have their own entries: `@lambda-mcp/core/aws` (AWS SDK v3) and
 * `@lambda-mcp/core/local` (the offline Lambda-like runtime). This entry must not import the AWS
 * SDK (a test reads the built files). What the project's own apps and tests need besides this is in
 * `@lambda-mcp/core/internal`, which is unstable: it may change in any release.
 *
 * @packageDocumentation
 */

// The Backend seam and the domain types the services speak.
export type { Backend } from './backend.js';
export type { FileCatalogCacheOptions } from './cache/file-catalog-cache.js';
export { createFileCatalogCache, defaultCacheDir } from './cache/file-catalog-cache.js';
// Configuration: flags > environment > lambda-mcp.config.json > defaults.
export type { LoadConfigOptions, LoadedConfig } from './config/load-config.js';
export { DEFAULT_CONFIG_FILE, loadConfig, loadConfigDetailed } from './config/load-config.js';
export type { AnnotationOverride, Config, ConfigInput } from './config/schema.js';
export type { ConfigKey, ConfigSetting, SettingKind } from './config/settings.js';
export { CONFIG_SETTINGS } from './config/settings.js';
// The doctor's checks, as data.
export type { FunctionChecksOptions, ToolPlan } from './doctor/function-checks.js';
export { allFunctionsCheck, functionDoctorChecks } from './doctor/function-checks.js';
export type {
  CheckOutcome,
  CheckResult,
  CheckStatus,
  DoctorCheck,
  DoctorContext,
  DoctorFacts,
  PolicyStatement,
  RunDoctorOptions,
} from './doctor/index.js';
export { defaultDoctorChecks, runDoctorChecks } from './doctor/index.js';
// Errors: one branded type with a string code.
export type { ErrorCode, LambdaMcpErrorOptions } from './errors.js';
export { isErrorCode, isLambdaMcpError, LambdaMcpError, toLambdaMcpError } from './errors.js';
export type { LogFields, Logger, LogLevel, StreamLoggerOptions } from './logger.js';
export { createStreamLogger, silentLogger } from './logger.js';
// The four services over any backend.
export { createServices } from './services/create-services.js';
export type * from './services/types.js';
export type * from './types.js';
export type { FunctionReference, FunctionReferenceKind } from './util/function-ref.js';
export { formatFunctionKey, parseFunctionReference } from './util/function-ref.js';
// Lambda's own limits and formats.
export { ASYNC_PAYLOAD_LIMIT_BYTES, SYNC_PAYLOAD_LIMIT_BYTES } from './util/lambda-limits.js';
export { parseReportLine } from './util/report-line.js';
export type { ParseTimeRangeOptions, TimeRangeInput } from './util/time-range.js';
export { parseTimeRange } from './util/time-range.js';
