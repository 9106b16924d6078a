/** The invoke_function tool: its schema and its handler. */
import type { InvocationResult } from '@lambda-mcp/core';
import { structuredResult } from '../result.js';
import type { JsonObject, ToolCallContext, ToolDefinition } from '../types.js';
import { executionResultSchema, invocationSchema, invoking } from './schemas.js';
import {
  executionResult,
  type GenericContext,
  type GenericHandlerResult,
  requestFrom,
  shrinkExecution,
  str,
  summaryLine,
} from './shared.js';

export const invokeFunctionTool: ToolDefinition = {
  name: 'invoke_function',
  title: 'Invoke a Lambda function',
  description:
    'Invokes any function you can use by name with a JSON payload and returns its result, error and (log_type Tail) logs. ' +
    'Use it for functions without their own tool, versions or aliases, async (Event) or DryRun calls. It runs real code.',
  inputSchema: { ...invocationSchema },
  outputSchema: {
    type: 'object',
    properties: { execution_result: executionResultSchema },
    required: ['execution_result'],
  },
  annotations: { title: 'Invoke a Lambda function', ...invoking },
};

export async function invokeFunction(
  g: GenericContext,
  args: JsonObject,
  context: ToolCallContext,
): Promise<GenericHandlerResult> {
  // The InvocationService resolves, authorizes, validates and limits; this tool only asks it.
  let result: InvocationResult;
  try {
    result = await g.services.invocation.invoke(requestFrom(args), {
      ...(context.signal ? { signal: context.signal } : {}),
      ...(context.authorize ? { authorize: context.authorize } : {}),
    });
  } catch (error) {
    const qualifier = str(args.qualifier);
    return g.failure(
      error,
      {
        tool: 'invoke_function',
        function: String(args.function_name),
        ...(qualifier ? { qualifier } : {}),
        payloadPath: '/payload',
        invalidLabel: 'Invalid payload',
      },
      context,
    );
  }
  const audit = {
    function: result.functionName,
    ...(result.qualifier ? { qualifier: result.qualifier } : {}),
  };
  const shaped = structuredResult(
    { execution_result: executionResult(result) },
    {
      maxResultBytes: g.max,
      isError: result.functionError !== undefined,
      summary: summaryLine(result),
      shrink: (v, budget) => ({
        execution_result: shrinkExecution(v.execution_result as JsonObject, budget - 24),
      }),
    },
  );
  return {
    result: shaped,
    audit: { ...audit, outcome: result.functionError ? 'function_error' : 'success' },
  };
}
