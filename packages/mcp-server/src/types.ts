/**
 * The tool layer's own types. They mirror MCP's `Tool` and `CallToolResult` shapes but do not
 * import the SDK, so the catalog and handlers survive a move to another SDK major version; only
 * `server.ts` knows the SDK.
 */

import type { FunctionAuthorizer } from '@lambda-mcp/core/internal';

export type JsonObject = Record<string, unknown>;

export interface ToolAnnotations {
  title?: string;
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** A tool as `tools/list` shows it. */
export interface ToolDefinition {
  name: string;
  title?: string;
  description: string;
  /** Always `type: "object"` at the root. */
  inputSchema: JsonObject;
  /** Always `type: "object"` at the root when present. */
  outputSchema?: JsonObject;
  annotations: ToolAnnotations;
}

export interface TextContent {
  type: 'text';
  text: string;
}

/** A tool result as `tools/call` returns it. */
export interface ToolResult {
  content: TextContent[];
  structuredContent?: JsonObject;
  isError?: boolean;
}

export type ToolFamily = 'function' | 'generic';

/**
 * Decides whether the caller may see and use a function: it gets the target (name, the qualifier
 * the call would use, ARN). `compileFunctionPolicy` (core) builds one from patterns.
 */
export type { FunctionAuthorizer } from '@lambda-mcp/core/internal';

export interface ProgressUpdate {
  /** Increases with every update. */
  progress: number;
  total?: number;
  message?: string;
}

/** Per-call context handed to the tool layer by the transport wiring. */
export interface ToolCallContext {
  /** Aborts the in-flight invocation (client cancel, session closed). */
  signal?: AbortSignal;
  /** JSON-RPC request id, for audit events. */
  requestId?: string | number;
  /** Function-level authorization for this caller; absent means every catalog function. */
  authorize?: FunctionAuthorizer;
  /** Present when the client asked for progress (it sent a progress token). */
  reportProgress?: (update: ProgressUpdate) => void | Promise<void>;
  /** Called once when the call ends (audit). */
  onToolCall?: (event: ToolCallEvent) => void;
}

export type ToolCallOutcome =
  /** The call succeeded (for invoke_functions: every item that could run, ran). */
  | 'success'
  /** The function ran and failed (Lambda FunctionError). */
  | 'function_error'
  /** Arguments did not match the input schema. */
  | 'invalid_arguments'
  /** The function is not in the catalog, or not for this caller. */
  | 'not_available'
  /** A platform failure (throttled, timed out, denied, backend unavailable ...). */
  | 'error'
  | 'cancelled'
  | 'unknown_tool';

/** One audit event per tool call. Never carries payloads. */
export interface ToolCallEvent {
  time: string;
  tool: string;
  family: ToolFamily | 'unknown';
  /** The Lambda function the call was about, when there is one. */
  function?: string;
  qualifier?: string;
  /** For `invoke_functions`: every item's function and outcome. */
  items?: Array<{ function: string; qualifier?: string; outcome: ToolCallOutcome; errorCode?: string }>;
  outcome: ToolCallOutcome;
  /** LambdaMcpError code for `error` and `not_available` outcomes. */
  errorCode?: string;
  durationMs: number;
  requestId?: string | number;
}
