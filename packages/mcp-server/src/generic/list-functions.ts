/** The list_functions tool: its schema and its handler. */
import { type FunctionInfo, type Services, toLambdaMcpError } from '@lambda-mcp/core';
import { byteLength, structuredResult } from '../result.js';
import type { JsonObject, ToolCallContext, ToolDefinition } from '../types.js';
import { readOnly } from './schemas.js';
import { type GenericContext, type GenericHandlerResult, str } from './shared.js';

export const listFunctionsTool: ToolDefinition = {
  name: 'list_functions',
  title: 'List Lambda functions',
  description:
    'Lists the Lambda functions you can use, with their tool names; filter by tags or runtime, or rank by a plain-language query. ' +
    'With many functions, prefer search_functions.',
  inputSchema: {
    type: 'object',
    properties: {
      include_metadata: {
        type: 'boolean',
        default: false,
        description: 'Add runtime, timeout, memory, tags, schema ARN.',
      },
      filter_by_tags: {
        type: 'object',
        additionalProperties: { type: 'string' },
        description: 'Required tags; "*" matches any value.',
      },
      runtime_filter: { type: 'string', description: 'Runtime prefix, e.g. "python3".' },
      query: {
        type: 'string',
        minLength: 1,
        maxLength: 500,
        description: 'Rank by relevance to this request, best first.',
      },
    },
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: {
      functions: { type: 'array', items: { type: 'object' } },
      total_count: { type: 'integer' },
      filtered_count: { type: 'integer' },
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
  let catalog: Awaited<ReturnType<Services['discovery']['getCatalog']>>;
  try {
    catalog = await g.services.discovery.getCatalog(context.signal ? { signal: context.signal } : undefined);
    functions = catalog.functions;
    source = catalog.source;
  } catch (error) {
    return g.deps.failure(toLambdaMcpError(error, 'BACKEND_UNAVAILABLE'), {
      tool: 'list_functions',
      prefix:
        'Function discovery failed, so the function list is not available (the other tools report the same until it recovers)',
      ...(context.signal ? { signal: context.signal } : {}),
    });
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
  const query = str(args.query)?.trim();
  let ranked = filtered;
  if (query) {
    const keep = new Set(filtered);
    ranked = g.search
      .search(catalog, query, Math.max(1, filtered.length), (fn) => keep.has(fn))
      .map((h) => h.fn);
  }
  const items = ranked.map((fn) => {
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
  // The per-function tool cap: how many of the caller's functions have no tool of their own.
  const perFunction = g.deps.options.toolFamilies !== 'generic';
  const withoutOwnTool =
    perFunction && visible.length > g.deps.options.maxFunctionTools
      ? visible.filter((fn) => !g.deps.toolNameFor(fn, context.authorize)).length
      : 0;
  const value: JsonObject = {
    functions: items,
    total_count: visible.length,
    filtered_count: ranked.length,
    ...(withoutOwnTool > 0
      ? {
          without_own_tool_count: withoutOwnTool,
          note:
            `${withoutOwnTool} of these ${visible.length} functions have no tool of their own ` +
            `(the server's limit is ${g.deps.options.maxFunctionTools} per-function tools): ` +
            'call them with invoke_function.',
        }
      : {}),
    ...(source ? { catalog_source: source } : {}),
    ...(problem ? { warning: problem } : {}),
  };
  const result = structuredResult(value, {
    maxResultBytes: g.max,
    summary: `${ranked.length} of ${visible.length} functions${query ? ` matching ${JSON.stringify(query)}, best first` : ''}${problem ? ` (warning: ${problem})` : ''}.`,
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
