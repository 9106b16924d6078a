import type { Catalog, FunctionInfo, JsonSchema } from '@lambda-mcp/core';
import { createFunctionIndex, type FunctionIndex } from '@lambda-mcp/core/internal';
import type { JsonObject, ToolDefinition } from '../types.js';

/**
 * search_functions: the functions the caller may see, ranked by relevance to a natural-language
 * query (core's MiniSearch index over name, description, tags, runtime and input properties).
 * The index is built once per catalog and reused until the catalog changes.
 */

export const MAX_SEARCH_RESULTS = 50;

export const SEARCH_FUNCTIONS_TOOL: ToolDefinition = {
  name: 'search_functions',
  title: 'Search Lambda functions',
  description:
    'Finds the functions that match a plain-language request ("refund an order", "resize images"), best first. ' +
    'Use it instead of paging through list_functions when there are many; invoke a result with invoke_function (or its tool_name).',
  inputSchema: {
    type: 'object',
    properties: {
      query: { type: 'string', minLength: 1, maxLength: 500, description: 'What the function should do.' },
      limit: { type: 'integer', minimum: 1, maximum: MAX_SEARCH_RESULTS, default: 10 },
    },
    required: ['query'],
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: {
      query: { type: 'string' },
      functions: { type: 'array', items: { type: 'object' } },
      total_count: { type: 'integer' },
    },
    required: ['query', 'functions', 'total_count'],
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

export interface FunctionSearch {
  /** Ranked functions among `visible` (the caller's), at most `limit`. */
  search(
    catalog: Catalog,
    query: string,
    limit: number,
    visible: (fn: FunctionInfo) => boolean,
  ): Array<{ fn: FunctionInfo; score: number; matched: Record<string, string[]> }>;
}

/**
 * A search over the current catalog; `schemaOf` gives the input schema of a function when it is
 * already known (a built tool), so property names and descriptions are searched too.
 */
export function createFunctionSearch(
  schemaOf: (fn: FunctionInfo) => JsonSchema | undefined = () => undefined,
): FunctionSearch {
  let cached: { catalog: Catalog; index: FunctionIndex } | undefined;
  return {
    search(catalog, query, limit, visible) {
      if (!cached || cached.catalog.fingerprint !== catalog.fingerprint) {
        cached = {
          catalog,
          index: createFunctionIndex(
            catalog.functions.map((fn) => {
              const inputSchema = schemaOf(fn);
              return inputSchema ? { fn, inputSchema } : { fn };
            }),
          ),
        };
      }
      return cached.index.search(query, { limit, filter: visible });
    },
  };
}

/** One search hit as sent: what list_functions shows, plus the score and what matched. */
export function searchHitValue(
  hit: { fn: FunctionInfo; score: number; matched: Record<string, string[]> },
  toolName: string | undefined,
): JsonObject {
  const fn = hit.fn;
  return {
    name: fn.name,
    ...(fn.qualifier ? { qualifier: fn.qualifier } : {}),
    description: fn.description ?? '',
    ...(toolName ? { tool_name: toolName } : {}),
    ...(fn.runtime ? { runtime: fn.runtime } : {}),
    score: hit.score,
    matched: hit.matched,
  };
}
