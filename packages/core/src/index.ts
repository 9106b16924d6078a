// The root entry of @lambda-mcp/core. It must not import the AWS SDK (a test checks the built file):
// the AWS backend lives in `@lambda-mcp/core/aws`, the local one in `@lambda-mcp/core/local`.
export type { Backend } from './backend.js';
export { ConfigSchema, LOG_LEVELS, TOOL_FAMILIES, BACKENDS } from './config/schema.js';
export type { Config, ConfigInput, AnnotationOverride } from './config/schema.js';
export { LambdaMcpError, isLambdaMcpError, isErrorCode, toLambdaMcpError } from './errors.js';
export type { ErrorCode, LambdaMcpErrorOptions } from './errors.js';
export { createStreamLogger, silentLogger } from './logger.js';
export type { Logger, LogLevel, LogFields, StreamLoggerOptions } from './logger.js';
export type * from './services/types.js';
export type * from './types.js';
