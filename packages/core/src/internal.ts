/**
 * `@lambda-mcp/core/internal`: UNSTABLE. What the project's own packages (the servers, the CLI, the
 * emulator) and tests use besides the public entry: argument parsing, the individual services'
 * factories, schema conversion, metric queries, payload codecs and small utilities. Nothing here
 * follows semantic versioning: names and signatures may change in any release, patch releases
 * included. Embedders use `@lambda-mcp/core` (and `/aws`, `/local`) only.
 *
 * Like the root entry, this one imports no AWS SDK.
 *
 * @internal
 * @packageDocumentation
 */
export { catalogCacheFileName } from './cache/file-catalog-cache.js';
export type { FlagSpec, ServerArgs } from './config/args.js';
export { parseServerArgs } from './config/args.js';
export { BACKENDS, ConfigSchema, LOG_LEVELS, parseConfig, TOOL_FAMILIES } from './config/schema.js';
export { formatSettingsHelp, formatSettingsMarkdown } from './config/settings.js';
export { grantFix, IAM_STATEMENTS, statementFor } from './doctor/index.js';
export { routeProcessWarnings } from './logger.js';
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
export { createInvocationService, INVOKE_TIMEOUT_MARGIN_MS } from './services/invocation-service.js';
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
export { mapWithConcurrency } from './util/concurrency.js';
export { fingerprint, stableStringify } from './util/fingerprint.js';
export {
  assertQualifier,
  MAX_FUNCTION_NAME_LENGTH,
  MAX_FUNCTION_REFERENCE_LENGTH,
  MAX_QUALIFIER_LENGTH,
  parseFunctionArn,
} from './util/function-ref.js';
export { globToRegExp, matchesGlob } from './util/glob.js';
export { CLIENT_CONTEXT_LIMIT_BYTES, LAMBDA_LIMITS } from './util/lambda-limits.js';
export { decodeLogTail } from './util/log-tail.js';
export { decodePayload, encodePayload, toFunctionErrorInfo } from './util/payload.js';
export { findReport } from './util/report-line.js';
export { parseDurationSeconds, parseTime } from './util/time-range.js';
