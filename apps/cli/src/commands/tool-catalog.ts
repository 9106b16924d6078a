import type { Services } from '@lambda-mcp/core';

export interface ToolListing {
  /** As `tools/list` returns them. */
  tools: Array<{
    name: string;
    title?: string;
    description: string;
    inputSchema: Record<string, unknown>;
    outputSchema?: Record<string, unknown>;
    annotations?: Record<string, unknown>;
  }>;
  /** Things a person should know (tool cap reached, discovery failed). */
  notes: string[];
}

/** The MCP tool catalog for these services, from @lambda-mcp/mcp-server (the same code the servers run). */
export async function listTools(_services: Services, _signal: AbortSignal): Promise<ToolListing> {
  throw new Error('the tool catalog is not wired yet');
}
