/**
 * The generic tools, one module each (its schema and its handler): list_functions,
 * invoke_function, invoke_functions, get_function_schema, monitor_executions.
 */
import { isLambdaMcpError, LambdaMcpError, type ResolvedSchema } from '@lambda-mcp/core';
import type { JsonObject, ToolCallContext, ToolDefinition } from '../types.js';
import { getFunctionSchema, getFunctionSchemaTool } from './get-function-schema.js';
import { invokeFunction, invokeFunctionTool } from './invoke-function.js';
import { invokeFunctions, invokeFunctionsTool } from './invoke-functions.js';
import { listFunctions, listFunctionsTool } from './list-functions.js';
import { monitorExecutions, monitorExecutionsTool } from './monitor-executions.js';
import { searchFunctions, searchFunctionsTool } from './search-functions.js';
import {
  createGenericContext,
  type GenericContext,
  type GenericHandlerDeps,
  type GenericHandlerResult,
  str,
} from './shared.js';

export { MAX_BATCH_INVOCATIONS } from './invoke-functions.js';
export type { GenericHandlerDeps, GenericHandlerResult } from './shared.js';
export { executionResult, shrinkExecution } from './shared.js';

export const GENERIC_TOOL_NAMES = [
  'get_function_schema',
  'invoke_function',
  'invoke_functions',
  'list_functions',
  'monitor_executions',
  'search_functions',
] as const;
export type GenericToolName = (typeof GENERIC_TOOL_NAMES)[number];

export const GENERIC_TOOLS: Readonly<Record<GenericToolName, ToolDefinition>> = {
  list_functions: listFunctionsTool,
  invoke_function: invokeFunctionTool,
  invoke_functions: invokeFunctionsTool,
  get_function_schema: getFunctionSchemaTool,
  monitor_executions: monitorExecutionsTool,
  search_functions: searchFunctionsTool,
};

export function isGenericToolName(name: string): name is GenericToolName {
  return (GENERIC_TOOL_NAMES as readonly string[]).includes(name);
}

const HANDLERS: Record<
  GenericToolName,
  (g: GenericContext, args: JsonObject, context: ToolCallContext) => Promise<GenericHandlerResult>
> = {
  list_functions: listFunctions,
  invoke_function: invokeFunction,
  invoke_functions: invokeFunctions,
  get_function_schema: getFunctionSchema,
  monitor_executions: monitorExecutions,
  search_functions: searchFunctions,
};

/** Runs the generic tools: arguments checked against the tool's schema, then its handler. */
export function createGenericHandlers(deps: GenericHandlerDeps) {
  const { services, logger } = deps;
  const g = createGenericContext(deps);
  // One ResolvedSchema object per tool, so the SchemaService compiles each validator once.
  const argSchemas = new Map<GenericToolName, ResolvedSchema>(
    (Object.keys(GENERIC_TOOLS) as GenericToolName[]).map((name) => [
      name,
      { schema: GENERIC_TOOLS[name].inputSchema, dialect: '2020-12', source: { kind: 'none' } },
    ]),
  );

  /** The tool's own arguments against its inputSchema (a function's payload is the services' to check). */
  function checkArgs(name: GenericToolName, args: unknown): GenericHandlerResult | undefined {
    const schema = argSchemas.get(name);
    if (!schema) return undefined;
    const r = services.schemas.validate(schema, args ?? {});
    if (r.valid) return undefined;
    const invalid = deps.failure(
      new LambdaMcpError('INVALID_INPUT', `Invalid arguments for ${name}.`, {
        details: { errors: r.errors },
      }),
      { tool: name, payloadPath: '' },
    );
    return { result: invalid.result, audit: { outcome: 'invalid_arguments' } };
  }

  return {
    async call(
      name: GenericToolName,
      args: unknown,
      context: ToolCallContext,
    ): Promise<GenericHandlerResult> {
      const invalid = checkArgs(name, args);
      if (invalid) return invalid;
      try {
        return await HANDLERS[name](g, (args ?? {}) as JsonObject, context);
      } catch (error) {
        if (!isLambdaMcpError(error)) throw error;
        logger.debug('A generic tool failed', { tool: name, code: error.code });
        const fn = str((args as JsonObject | undefined)?.function_name);
        return deps.failure(error, {
          tool: name,
          ...(fn !== undefined ? { function: fn } : {}),
          ...(context.signal ? { signal: context.signal } : {}),
        });
      }
    },
  };
}
