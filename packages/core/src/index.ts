// The root entry of @lambda-mcp/core. It must not import the AWS SDK (a test checks the built file):
// the AWS backend lives in `@lambda-mcp/core/aws`, the local one in `@lambda-mcp/core/local`.
export type { Backend } from './backend.js';
export type { AnnotationOverride, Config, ConfigInput } from './config/schema.js';
export { BACKENDS, ConfigSchema, LOG_LEVELS, TOOL_FAMILIES } from './config/schema.js';
export type { ErrorCode, LambdaMcpErrorOptions } from './errors.js';
export { isErrorCode, isLambdaMcpError, LambdaMcpError, toLambdaMcpError } from './errors.js';
export type { LogFields, Logger, LogLevel, StreamLoggerOptions } from './logger.js';
export { createStreamLogger, silentLogger } from './logger.js';
export type * from './services/types.js';
export type * from './types.js';
