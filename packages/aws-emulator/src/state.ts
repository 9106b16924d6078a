import type { Backend, FunctionConfig, RawSchemaDocument } from '@lambda-mcp/core';

/** What every emulated service can see. */
export interface EmulatorState {
  backend: Backend;
  region: string;
  accountId: string;
  /** Extra registry schemas served by DescribeSchema, keyed `registry/name` (latest) and `registry/name@version`. */
  schemas: Map<string, RawSchemaDocument>;
  /** Executions per function name (RequestResponse and Event invocations handed to the backend). */
  executions: Map<string, number>;
  /** Roles assumed through STS, by the temporary access key id issued. */
  assumedRoles: Map<string, { roleArn: string; secretAccessKey: string; sessionToken: string }>;
  /** FilterLogEvents tokens handed out, mapped to the backend's own token. */
  logTokens: Map<string, string>;
  /** How long a list of functions read from the backend is reused by paginated calls (ms). */
  listCacheMs: number;
  listCache?: { at: number; functions: FunctionConfig[] };
  /** GetResources answers by filter, for the same read of the functions (pages of one listing). */
  taggedCache?: { at: number; byFilter: Map<string, Array<{ arn: string; tags: Record<string, string> }>> };
}

/** The backend's functions sorted by name; reused briefly so that paging 10,000 functions is cheap. */
export async function listAll(state: EmulatorState): Promise<FunctionConfig[]> {
  const now = Date.now();
  if (state.listCache && now - state.listCache.at < state.listCacheMs) return state.listCache.functions;
  const functions = (await state.backend.listFunctions())
    .slice()
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  state.listCache = { at: now, functions };
  return functions;
}

export function functionArn(state: EmulatorState, name: string): string {
  return `arn:aws:lambda:${state.region}:${state.accountId}:function:${name}`;
}
