/** The search_functions tool: its schema (with the search index, in tools/search-functions.ts) and its handler. */
import { type FunctionInfo, type Services, toLambdaMcpError } from '@lambda-mcp/core';
import { structuredResult } from '../result.js';
import { MAX_SEARCH_RESULTS, SEARCH_FUNCTIONS_TOOL, searchHitValue } from '../tools/search-functions.js';
import type { JsonObject, ToolCallContext, ToolDefinition } from '../types.js';
import type { GenericContext, GenericHandlerResult } from './shared.js';

export const searchFunctionsTool: ToolDefinition = SEARCH_FUNCTIONS_TOOL;

export async function searchFunctions(
  g: GenericContext,
  args: JsonObject,
  context: ToolCallContext,
): Promise<GenericHandlerResult> {
  let catalog: Awaited<ReturnType<Services['discovery']['getCatalog']>>;
  try {
    catalog = await g.services.discovery.getCatalog(context.signal ? { signal: context.signal } : undefined);
  } catch (error) {
    return g.deps.failure(toLambdaMcpError(error, 'BACKEND_UNAVAILABLE'), {
      tool: 'search_functions',
      prefix: 'Function discovery failed, so there is nothing to search yet',
      ...(context.signal ? { signal: context.signal } : {}),
    });
  }
  const query = String(args.query);
  const limit = Math.min(MAX_SEARCH_RESULTS, typeof args.limit === 'number' ? args.limit : 10);
  const visible = (fn: FunctionInfo) => g.deps.allowed(context.authorize, fn);
  const hits = g.search.search(catalog, query, limit, visible);
  const value: JsonObject = {
    query,
    functions: hits.map((h) => searchHitValue(h, g.deps.toolNameFor(h.fn, context.authorize))),
    total_count: catalog.functions.filter(visible).length,
  };
  const best = hits[0]?.fn.name;
  return {
    result: structuredResult(value, {
      maxResultBytes: g.max,
      summary: best
        ? `${hits.length} functions match ${JSON.stringify(query)}; best: ${best}. Invoke with invoke_function (function_name) or its tool_name.`
        : `No function matches ${JSON.stringify(query)}; try other words or list_functions.`,
    }),
    audit: { outcome: 'success' },
  };
}
