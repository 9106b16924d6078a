/** Per-function tools: built from a function and its schemas, and called. */
import {
  type AnnotationOverride,
  type FieldError,
  type FunctionInfo,
  formatFunctionKey,
  LambdaMcpError,
  type Logger,
  type Services,
  toLambdaMcpError,
} from '@lambda-mcp/core';
import { functionAnnotations } from './annotations.js';
import { shapeInvocationResult } from './result.js';
import type { FailureMapper, ToolOutcome } from './tool-failure.js';
import { type ToolInput, type ToolOutput, toToolInput, toToolOutput } from './tool-schema.js';
import type { JsonObject, ToolCallContext, ToolCallOutcome, ToolDefinition } from './types.js';

/** A per-function tool. */
export interface FunctionTool {
  key: string;
  function: FunctionInfo;
  name: string;
  definition: ToolDefinition;
  input: ToolInput;
  output?: ToolOutput;
  problems: string[];
}

export function label(fn: Pick<FunctionInfo, 'name' | 'qualifier'>): string {
  return formatFunctionKey(fn.name, fn.qualifier);
}

/**
 * Description for a per-function tool, lean (every tool's description is sent to the model on each
 * tools/list): the function's own description, or what it is; the arguments only when the schema
 * does not already say them (a wrapped payload, or no schema).
 */
export function describeFunctionTool(fn: FunctionInfo, input: ToolInput, backendKind: string): string {
  const what = backendKind === 'aws' ? 'AWS Lambda function' : 'Lambda function';
  let inputHint = '';
  if (input.mode === 'wrapped') {
    const property = input.property ?? 'payload';
    const inner = (input.schema.properties as Record<string, JsonObject> | undefined)?.[property];
    inputHint = ` Pass the event in "${property}" (a JSON ${String(inner?.type ?? 'value')}).`;
  } else if (input.mode !== 'flat') {
    inputHint = ' No input schema is known: pass the event as a JSON object.';
  }
  const own = fn.description?.trim();
  if (own) return `${own}${inputHint}`;
  return `Invokes the ${what} "${label(fn)}"${fn.runtime ? ` (${fn.runtime})` : ''}.${inputHint}`;
}

/** Builds the tool of one function under a tool name: its schemas, definition and annotations. */
export async function buildFunctionTool(
  services: Services,
  entry: { key: string; name: string; fn: FunctionInfo },
  options: { logger: Logger; backendKind: string; annotations: Record<string, AnnotationOverride> },
): Promise<FunctionTool> {
  const fn = entry.fn;
  const problems: string[] = [];
  let schemas: Awaited<ReturnType<Services['schemas']['getSchemas']>> | undefined;
  try {
    schemas = await services.schemas.getSchemas(fn);
    problems.push(...schemas.problems);
  } catch (error) {
    const e = toLambdaMcpError(error);
    problems.push(`Its schema could not be loaded (${e.code}: ${e.message}); the tool accepts any object.`);
    options.logger.warn('Could not load a function schema', {
      function: fn.name,
      code: e.code,
      error: e.message,
    });
  }
  const input = toToolInput(schemas?.input, services.schemas);
  const out = toToolOutput(schemas?.output, services.schemas);
  problems.push(...input.problems, ...out.problems);
  const title = label(fn);
  const definition: ToolDefinition = {
    name: entry.name,
    title,
    description: describeFunctionTool(fn, input, options.backendKind),
    inputSchema: input.schema,
    ...(out.output ? { outputSchema: out.output.schema } : {}),
    annotations: functionAnnotations(fn, entry.name, options.annotations, title),
  };
  const tool: FunctionTool = {
    key: entry.key,
    function: fn,
    name: entry.name,
    definition,
    input,
    ...(out.output ? { output: out.output } : {}),
    problems,
  };
  return tool;
}

/**
 * The tool's own argument shape around a wrapped event: exactly one argument, `payload` (or the
 * property the tool names). The event inside is the function's, checked by the InvocationService.
 */
function wrapperErrors(args: JsonObject, property: string): FieldError[] {
  const errors: FieldError[] = [];
  if (!(property in args)) errors.push({ path: `/${property}`, message: 'is required', keyword: 'required' });
  for (const key of Object.keys(args)) {
    if (key !== property) {
      errors.push({
        path: `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
        message: 'is not an allowed property',
        keyword: 'additionalProperties',
      });
    }
  }
  return errors;
}

/**
 * Calls a per-function tool: the function, with the tool's arguments as its event. The
 * InvocationService resolves, authorizes, validates (against the function's input schema) and
 * limits; this only unwraps the event and shapes the answer.
 */
export async function callFunctionTool(
  services: Services,
  tool: FunctionTool,
  args: unknown,
  context: ToolCallContext,
  options: { maxResultBytes: number; failure: FailureMapper },
): Promise<ToolOutcome> {
  const fn = tool.function;
  const argsObject = (args ?? {}) as JsonObject;
  const wrappedBy = tool.input.mode === 'wrapped' ? (tool.input.property ?? 'payload') : undefined;
  const target = {
    tool: tool.name,
    function: fn.name,
    ...(fn.qualifier ? { qualifier: fn.qualifier } : {}),
    payloadPath: wrappedBy ? `/${wrappedBy}` : '',
    invalidLabel: 'Invalid arguments',
    ...(context.signal ? { signal: context.signal } : {}),
  };
  if (wrappedBy) {
    const errors = wrapperErrors(argsObject, wrappedBy);
    if (errors.length > 0) {
      return options.failure(
        new LambdaMcpError('INVALID_INPUT', `Invalid arguments for ${tool.name}.`, { details: { errors } }),
        { ...target, payloadPath: '' },
      );
    }
  }
  try {
    const result = await services.invocation.invoke(
      {
        functionName: fn.name,
        ...(fn.qualifier ? { qualifier: fn.qualifier } : {}),
        payload: wrappedBy ? argsObject[wrappedBy] : argsObject,
        invocationType: 'RequestResponse',
        logType: 'None',
      },
      {
        ...(context.signal ? { signal: context.signal } : {}),
        ...(context.authorize ? { authorize: context.authorize } : {}),
      },
    );
    const shaped = shapeInvocationResult(label(fn), result, {
      maxResultBytes: options.maxResultBytes,
      ...(tool.output ? { output: tool.output.contract } : {}),
    });
    const outcome: ToolCallOutcome = result.functionError ? 'function_error' : 'success';
    const audit = { function: fn.name, ...(fn.qualifier ? { qualifier: fn.qualifier } : {}), outcome };
    return { result: shaped, audit };
  } catch (error) {
    return options.failure(error, target);
  }
}
