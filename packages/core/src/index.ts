// The root entry of @lambda-mcp/core. It must not import the AWS SDK (a test checks the built file):
// the AWS backend lives in `@lambda-mcp/core/aws`, the local one in `@lambda-mcp/core/local`.
export type { Backend } from './backend.js';
export type { FileCatalogCacheOptions } from './cache/file-catalog-cache.js';
export { catalogCacheFileName, createFileCatalogCache, defaultCacheDir } from './cache/file-catalog-cache.js';
export type { FlagSpec, ServerArgs } from './config/args.js';
export { parseServerArgs } from './config/args.js';
export type { LoadConfigOptions, LoadedConfig } from './config/load-config.js';
export { DEFAULT_CONFIG_FILE, loadConfig, loadConfigDetailed } from './config/load-config.js';
export type { AnnotationOverride, Config, ConfigInput } from './config/schema.js';
export { BACKENDS, ConfigSchema, LOG_LEVELS, parseConfig, TOOL_FAMILIES } from './config/schema.js';
export type {
  SettingRow,
  SettingSource,
  SettingValueKind,
  SettingValueSpec,
} from './config/setting-value.js';
export { loadSettingsTable, parseSettingValue } from './config/setting-value.js';
export type { ConfigKey, ConfigSetting, SettingKind } from './config/settings.js';
export { CONFIG_SETTINGS, formatSettingsHelp, formatSettingsMarkdown } from './config/settings.js';
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
export {
  defaultDoctorChecks,
  grantFix,
  IAM_STATEMENTS,
  runDoctorChecks,
  statementFor,
} from './doctor/index.js';
export type { ErrorCode, LambdaMcpErrorOptions } from './errors.js';
export { isErrorCode, isLambdaMcpError, LambdaMcpError, toLambdaMcpError } from './errors.js';
export type { LogFields, Logger, LogLevel, StreamLoggerOptions } from './logger.js';
export { createStreamLogger, routeProcessWarnings, silentLogger } from './logger.js';
export { createServices } from './services/create-services.js';
export type { DiscoveryServiceOptions } from './services/discovery-service.js';
export { catalogFingerprint, createDiscoveryService } from './services/discovery-service.js';
export { errorDetailsOf, groupErrors, parseErrorEvent } from './services/error-details.js';
export type { CompiledFilters } from './services/filters.js';
export { compileFilters, evaluateFilters, tagsMatch } from './services/filters.js';
export type {
  FunctionAuthorizer,
  FunctionPattern,
  FunctionPatternKind,
  FunctionPolicy,
  FunctionTarget,
} from './services/function-policy.js';
export {
  compileFunctionPolicy,
  isAuthorized,
  matchFunctionPattern,
  parseFunctionPattern,
} from './services/function-policy.js';
export type { InvocationServiceOptions } from './services/invocation-service.js';
export {
  ASYNC_PAYLOAD_LIMIT_BYTES,
  CLIENT_CONTEXT_LIMIT_BYTES,
  createInvocationService,
  INVOKE_TIMEOUT_MARGIN_MS,
  SYNC_PAYLOAD_LIMIT_BYTES,
} from './services/invocation-service.js';
export {
  DEFAULT_METRIC_TYPES,
  metricNamesAccepted,
  normalizeMetricTypes,
} from './services/metric-catalog.js';
export type { MetricsServiceOptions } from './services/metrics-service.js';
export {
  buildMetricQueries,
  choosePeriodSeconds,
  classifyErrorLine,
  createMetricsService,
  ERROR_FILTER_PATTERN,
  METRIC_TYPES,
} from './services/metrics-service.js';
export type { ConvertedSchema } from './services/schema-convert.js';
export {
  convertOpenApi3,
  detectDialect,
  ensureObjectRoot,
  JSON_SCHEMA_2020_12,
} from './services/schema-convert.js';
export {
  type DescribedExample,
  exampleFromDescription,
  generateExamples,
} from './services/schema-examples.js';
export type { SchemaServiceOptions } from './services/schema-service.js';
export {
  createSchemaService,
  openObjectSchema,
  parseSchemaArn,
  resolveSchemaDocument,
} from './services/schema-service.js';
export type { SchemaValidator } from './services/schema-validator.js';
export { createSchemaValidator, formatFieldErrors } from './services/schema-validator.js';
export type {
  FunctionIndex,
  FunctionSearchHit,
  FunctionSearchOptions,
  SearchableFunction,
} from './services/search.js';
export { createFunctionIndex } from './services/search.js';
export type * from './services/types.js';
export type * from './types.js';
export { mapWithConcurrency } from './util/concurrency.js';
export { fingerprint, stableStringify } from './util/fingerprint.js';
export type { FunctionReference, FunctionReferenceKind } from './util/function-ref.js';
export {
  assertQualifier,
  formatFunctionKey,
  MAX_FUNCTION_NAME_LENGTH,
  MAX_FUNCTION_REFERENCE_LENGTH,
  MAX_QUALIFIER_LENGTH,
  parseFunctionArn,
  parseFunctionReference,
} from './util/function-ref.js';
export { globToRegExp, matchesGlob } from './util/glob.js';
export { decodeLogTail } from './util/log-tail.js';
export { decodePayload, encodePayload, toFunctionErrorInfo } from './util/payload.js';
export { findReport, parseReportLine } from './util/report-line.js';
export type { ParseTimeRangeOptions, TimeRangeInput } from './util/time-range.js';
export { parseDurationSeconds, parseTime, parseTimeRange } from './util/time-range.js';
