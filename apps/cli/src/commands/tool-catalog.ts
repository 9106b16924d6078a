import type { FunctionInfo, Services } from '@lambda-mcp/core';
import {
  createToolCatalog,
  type FunctionTool,
  type ToolCatalog,
  type ToolDefinition,
} from '@lambda-mcp/mcp-server';

export interface ToolListing {
  /** Exactly what `tools/list` returns to a client. */
  tools: ToolDefinition[];
  /** Things a person should know (tool cap reached, discovery failed). */
  notes: string[];
  /** Discovery failed: only the generic tools are listed (the first note says why). */
  discoveryFailed: boolean;
}

/** Builds the catalog the MCP servers build (same package, same options from the config), waits for it. */
async function withCatalog<T>(services: Services, work: (catalog: ToolCatalog) => Promise<T>): Promise<T> {
  const catalog = createToolCatalog(services, { logger: services.logger, refreshIntervalSeconds: 0 });
  try {
    await catalog.ready;
    return await work(catalog);
  } finally {
    catalog.close();
  }
}

/** The MCP tool catalog for these services, from @lambda-mcp/mcp-server (the code the servers run). */
export function listTools(services: Services): Promise<ToolListing> {
  return withCatalog(services, async (catalog) => {
    const tools = await catalog.listTools();
    const status = catalog.status();
    const notes: string[] = [];
    if (status.discoveryError) {
      notes.push(
        `discovery failed (${status.discoveryError.code}): ${status.discoveryError.message}; a client would see only the generic tools.`,
      );
    }
    if (status.cappedCount > 0) {
      notes.push(
        `${status.cappedCount} function${status.cappedCount === 1 ? '' : 's'} have no tool of their own (cap of ${status.maxFunctionTools} per-function tools, LAMBDA_MCP_MAX_TOOLS); they are reachable through invoke_function.`,
      );
    }
    return { tools, notes, discoveryFailed: status.discoveryError !== undefined };
  });
}

/** The per-function tool a client would see for `fn`, if it has one (none when capped or generic-only). */
export function toolForFunction(services: Services, fn: FunctionInfo): Promise<FunctionTool | undefined> {
  return withCatalog(services, async (catalog) => {
    // Tools are built lazily by listTools.
    await catalog.listTools();
    return catalog.toolFor(fn);
  });
}
