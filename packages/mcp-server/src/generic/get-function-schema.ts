/** The get_function_schema tool: its schema and its handler. */

import { type Services, toLambdaMcpError } from '@lambda-mcp/core';
import { structuredResult } from '../result.js';
import { isOpenFallback, toToolInput } from '../tool-schema.js';
import { schemaToolValue } from '../tools/model-shapes.js';
import type { JsonObject, ToolCallContext, ToolDefinition } from '../types.js';
import { functionNameSchema, readOnly } from './schemas.js';
import { type GenericContext, type GenericHandlerResult, snakeSource, str } from './shared.js';

export const getFunctionSchemaTool: ToolDefinition = {
  name: 'get_function_schema',
  title: "Get a function's input schema",
  description:
    "Returns a function's input JSON Schema (schema, version) with example payloads that validate, plus its output schema and source. " +
    'Use it before invoking a function whose input you are not sure of.',
  inputSchema: {
    type: 'object',
    properties: {
      function_name: functionNameSchema,
      schema_version: { type: 'string', minLength: 1, description: 'Registry version (default latest).' },
      include_examples: { type: 'boolean', default: true },
    },
    required: ['function_name'],
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: {
      function_name: { type: 'string' },
      schema: { type: ['object', 'null'], description: 'null when no input schema is known.' },
      version: { type: ['string', 'null'] },
      examples: {
        type: 'array',
        items: {
          type: 'object',
          properties: { description: { type: 'string' }, payload: {} },
          required: ['description', 'payload'],
        },
      },
      input_mode: { type: 'string', enum: ['flat', 'wrapped', 'open'] },
      problems: { type: 'array', items: { type: 'string' } },
    },
    required: ['function_name', 'schema', 'version', 'problems'],
  },
  annotations: { title: "Get a function's input schema", ...readOnly },
};

export async function getFunctionSchema(
  g: GenericContext,
  args: JsonObject,
  context: ToolCallContext,
): Promise<GenericHandlerResult> {
  const name = String(args.function_name);
  const r = await g.resolveFor(name, undefined, context, { verifyQualifier: true });
  if (!r.ok) return r.handled;
  const audit = { function: r.fn.name, ...(r.qualifier ? { qualifier: r.qualifier } : {}) };
  const version = str(args.schema_version);
  let schemas: Awaited<ReturnType<Services['schemas']['getSchemas']>>;
  try {
    schemas = await g.services.schemas.getSchemas(r.fn, {
      ...(version ? { version } : {}),
      ...(context.signal ? { signal: context.signal } : {}),
    });
  } catch (error) {
    return g.failed(toLambdaMcpError(error), r.fn.name, r.qualifier);
  }
  const input = isOpenFallback(schemas.input) ? undefined : schemas.input;
  const toolInput = toToolInput(input, g.services.schemas);
  const problems = [...schemas.problems, ...toolInput.problems];
  let examples: Array<{ description: string; payload: unknown }> | undefined;
  if (args.include_examples !== false) {
    if (input) {
      try {
        examples = g.services.schemas.describedExamples(input, 3);
      } catch (error) {
        problems.push(`Examples could not be generated: ${toLambdaMcpError(error).message}`);
        examples = [];
      }
    } else {
      examples = [];
      problems.push('No input schema is known, so there are no generated examples.');
    }
  }
  const toolName = g.deps.toolNameFor(r.fn, context.authorize);
  const value: JsonObject = schemaToolValue({
    functionName: r.fn.name,
    ...(r.qualifier ? { qualifier: r.qualifier } : {}),
    ...(toolName ? { toolName } : {}),
    schema: input?.schema ?? null,
    version: input?.source.kind === 'registry' ? (input.source.version ?? null) : null,
    ...(examples ? { examples } : {}),
    extras: {
      input_schema: input?.schema ?? null,
      ...(input ? { dialect: input.dialect } : {}),
      source: snakeSource(input),
      output_schema: schemas.output?.schema ?? null,
      // The tool's inputSchema only when it differs from the function's schema (wrapped or open).
      ...(JSON.stringify(toolInput.schema) !== JSON.stringify(input?.schema)
        ? { tool_input_schema: toolInput.schema }
        : {}),
      input_mode: toolInput.mode,
      problems,
    },
  });
  const summary = input
    ? `Input schema of ${r.fn.name} (${input.dialect}, from ${input.source.kind === 'registry' ? input.source.arn : 'the function'}).`
    : `${r.fn.name} has no known input schema; its tool accepts any JSON object.`;
  return {
    result: structuredResult(value, {
      maxResultBytes: g.max,
      summary,
      shrink: (v) => {
        const { examples: _examples, output_schema: _output, input_schema: _input, ...rest } = v;
        return {
          ...rest,
          output_schema: null,
          ...(v.examples ? { examples: [] } : {}),
          problems: [
            ...(v.problems as string[]),
            'Examples and the output schema were left out to fit the size limit.',
          ],
        };
      },
    }),
    audit: { ...audit, outcome: 'success' },
  };
}
