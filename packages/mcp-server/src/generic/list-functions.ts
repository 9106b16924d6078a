/** The list_functions tool: its schema and its handler. */
import { type FunctionInfo, toLambdaMcpError } from '@lambda-mcp/core';
import { errorResult } from '../errors.js';
import { byteLength, structuredResult } from '../result.js';
import type { JsonObject, ToolCallContext, ToolDefinition } from '../types.js';
import { readOnly } from './schemas.js';
import { type GenericContext, type GenericHandlerResult, str } from './shared.js';

export const listFunctionsTool: ToolDefinition = {
  name: 'list_functions',
  title: 'List Lambda functions',
  description:
    'Lists the Lambda functions this server exposes (only those that pass its configured filters). ' +
    'Use it to find the right function, its tool name and its metadata before invoking. ' +
    'Optional filters narrow the list by tags or runtime. Returns functions, total_count (all exposed functions) and filtered_count (after your filters).',
  inputSchema: {
    type: 'object',
    properties: {
      include_metadata: {
        type: 'boolean',
        default: false,
        description:
          'Also return runtime, timeout, memory_size, tags, schema_arn and last_modified for each function (default false: name, description, tool name).',
      },
      filter_by_tags: {
        type: 'object',
        additionalProperties: { type: 'string' },
        description: 'Only functions with all these tags. A value of "*" matches any value of that tag.',
      },
      runtime_filter: {
        type: 'string',
        description:
          'Only functions whose runtime starts with this text (case-insensitive), e.g. "nodejs" or "python3.12".',
      },
    },
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: {
      functions: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            qualifier: { type: 'string' },
            arn: { type: 'string' },
            description: { type: 'string' },
            tool_name: {
              type: 'string',
              description: 'The per-function tool that invokes it, when there is one.',
            },
            runtime: { type: 'string' },
            timeout: { type: 'number', description: 'Seconds.' },
            memory_size: { type: 'number', description: 'MB.' },
            tags: { type: 'object', additionalProperties: { type: 'string' } },
            schema_arn: { type: 'string' },
            output_schema_arn: { type: 'string' },
            last_modified: { type: 'string' },
          },
          required: ['name', 'arn'],
        },
      },
      total_count: { type: 'integer' },
      filtered_count: { type: 'integer' },
      returned_count: {
        type: 'integer',
        description: 'Present when the list was cut to fit the size limit.',
      },
      truncated: { type: 'boolean' },
      catalog_source: { type: 'string', enum: ['live', 'cache'] },
      warning: { type: 'string' },
    },
    required: ['functions', 'total_count', 'filtered_count'],
  },
  annotations: { title: 'List Lambda functions', ...readOnly },
};

export async function listFunctions(
  g: GenericContext,
  args: JsonObject,
  context: ToolCallContext,
): Promise<GenericHandlerResult> {
  let functions: FunctionInfo[];
  let source: 'live' | 'cache' | undefined;
  try {
    const catalog = await g.services.discovery.getCatalog(
      context.signal ? { signal: context.signal } : undefined,
    );
    functions = catalog.functions;
    source = catalog.source;
  } catch (error) {
    const e = toLambdaMcpError(error, 'BACKEND_UNAVAILABLE');
    return {
      result: errorResult(
        e,
        'Function discovery failed, so the function list is not available (the other tools report the same until it recovers)',
      ),
      audit: { outcome: 'error', errorCode: e.code },
    };
  }
  const visible = functions.filter((fn) => g.deps.allowed(context.authorize, fn));
  const tagFilter = (args.filter_by_tags ?? {}) as Record<string, string>;
  const runtime = str(args.runtime_filter)?.trim().toLowerCase();
  const filtered = visible.filter((fn) => {
    for (const [key, value] of Object.entries(tagFilter)) {
      const actual = fn.tags?.[key];
      if (actual === undefined) return false;
      if (value !== '*' && actual !== value) return false;
    }
    if (runtime && !(fn.runtime ?? '').toLowerCase().startsWith(runtime)) return false;
    return true;
  });
  const withMetadata = args.include_metadata === true;
  const items = filtered.map((fn) => {
    const toolName = g.deps.toolNameFor(fn, context.authorize);
    return {
      name: fn.name,
      ...(fn.qualifier ? { qualifier: fn.qualifier } : {}),
      arn: fn.arn,
      description: fn.description ?? '',
      ...(toolName ? { tool_name: toolName } : {}),
      ...(withMetadata
        ? {
            ...(fn.runtime ? { runtime: fn.runtime } : {}),
            timeout: fn.timeoutSeconds,
            memory_size: fn.memorySizeMb,
            tags: fn.tags ?? {},
            ...(fn.inputSchemaArn ? { schema_arn: fn.inputSchemaArn } : {}),
            ...(fn.outputSchemaArn ? { output_schema_arn: fn.outputSchemaArn } : {}),
            ...(fn.lastModified ? { last_modified: fn.lastModified } : {}),
          }
        : {}),
    };
  });
  const problem = g.deps.discoveryProblem();
  const value: JsonObject = {
    functions: items,
    total_count: visible.length,
    filtered_count: filtered.length,
    ...(source ? { catalog_source: source } : {}),
    ...(problem ? { warning: problem } : {}),
  };
  const result = structuredResult(value, {
    maxResultBytes: g.max,
    summary: `${filtered.length} of ${visible.length} functions${problem ? ` (warning: ${problem})` : ''}.`,
    shrink: (v, budget) => {
      const all = v.functions as unknown[];
      let lo = 0;
      let hi = all.length;
      const sized = (n: number) =>
        byteLength(JSON.stringify({ ...v, functions: all.slice(0, n), returned_count: n, truncated: true }));
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (sized(mid) <= budget) lo = mid;
        else hi = mid - 1;
      }
      return { ...v, functions: all.slice(0, lo), returned_count: lo, truncated: true };
    },
  });
  return { result, audit: { outcome: 'success' } };
}
