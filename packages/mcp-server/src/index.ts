// @lambda-mcp/mcp-server: Lambda functions as MCP tools, built from the @lambda-mcp/core services.
// The tool layer (catalog, names, schemas, handlers, results) is SDK-independent; `server.ts`
// wires it to the MCP SDK's low-level Server.

/** @deprecated Moved to @lambda-mcp/core (it holds nothing about MCP); import it from there. */
export type { ServicesForConfigOptions } from '@lambda-mcp/core/from-config';
/** @deprecated Moved to @lambda-mcp/core (it holds nothing about MCP); import it from there. */
export { createServicesForConfig } from '@lambda-mcp/core/from-config';
export {
  ANNOTATION_TAGS,
  annotationsFromConfig,
  annotationsFromTags,
  DEFAULT_FUNCTION_ANNOTATIONS,
  functionAnnotations,
} from './annotations.js';
export type {
  CatalogStatus,
  FunctionTool,
  RefreshResult,
  ResolvedCatalogOptions,
  ToolCatalog,
  ToolCatalogOptions,
  ToolFamilies,
} from './catalog.js';
export { createToolCatalog, describeFunctionTool } from './catalog.js';
export { isUnknownToolError, UnknownToolError } from './errors.js';
export type { GenericToolName } from './generic/index.js';
export {
  GENERIC_TOOL_NAMES,
  GENERIC_TOOLS,
  isGenericToolName,
  MAX_BATCH_INVOCATIONS,
} from './generic/index.js';
export { buildInstructions } from './instructions.js';
export { assignToolNames, baseToolName, isValidToolName, MAX_TOOL_NAME_LENGTH } from './naming.js';
export { truncateUtf8 } from './result.js';
export type { CreateServerOptions, LambdaMcpServer, LambdaMcpServerOptions } from './server.js';
export { createLambdaMcpServer } from './server.js';
export type { InputMode, ToolInput } from './tool-schema.js';
export type {
  FunctionAuthorizer,
  JsonObject,
  ProgressUpdate,
  TextContent,
  ToolAnnotations,
  ToolCallContext,
  ToolCallEvent,
  ToolCallOutcome,
  ToolDefinition,
  ToolFamily,
  ToolResult,
} from './types.js';
export { SERVER_NAME, VERSION } from './version.js';
