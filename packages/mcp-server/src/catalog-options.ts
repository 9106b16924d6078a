import type { AnnotationOverride, Catalog, Config, Logger } from '@lambda-mcp/core';

export type ToolFamilies = 'both' | 'per-function' | 'generic';

export interface ToolCatalogOptions {
  logger?: Logger;
  /** Which tools are exposed (default: config.toolFamilies, `both`). */
  toolFamilies?: ToolFamilies;
  /** At most this many per-function tools per caller (default: config.maxFunctionTools, 100). */
  maxFunctionTools?: number;
  /** Result text cap in bytes (default: config.maxResultBytes, 65536). */
  maxResultBytes?: number;
  /** Progress heartbeat interval (default: config.progressIntervalMs, 2000). */
  progressIntervalMs?: number;
  /** Annotation overrides by function name, `name:qualifier`, tool name or glob (default: config.annotations). */
  annotations?: Record<string, AnnotationOverride>;
  /** Prefixes stripped from tool names (default: config.functionPrefixes). */
  functionPrefixes?: string[];
  /** invoke_functions concurrency cap (default: config.invokeConcurrency). */
  invokeConcurrency?: number;
  /** Periodic refresh in seconds (default: config.refreshIntervalSeconds; 0 = off). */
  refreshIntervalSeconds?: number;
  /** How long tools/list waits for the first catalog before answering with what it has (ms, default 10000). */
  firstListWaitMs?: number;
  /** Retry delays after a failed first discovery (ms); default 5 s, 15 s, 30 s, 60 s, then every 120 s. */
  discoveryRetryDelaysMs?: number[];
  /**
   * A first catalog already asked of `services.discovery.getCatalog()` by the caller (the stdio bin
   * starts discovery before it loads this package, so the first requests overlap the loading): the
   * first build takes its result, or its error, instead of asking again.
   */
  firstCatalog?: Promise<Catalog>;
  now?: () => Date;
}

export interface ResolvedCatalogOptions {
  toolFamilies: ToolFamilies;
  maxFunctionTools: number;
  maxResultBytes: number;
  progressIntervalMs: number;
  annotations: Record<string, AnnotationOverride>;
  functionPrefixes: string[];
  invokeConcurrency: number;
  refreshIntervalSeconds: number;
  firstListWaitMs: number;
  discoveryRetryDelaysMs: number[];
}

/** The catalog's options: the given ones, then the configuration's, then the defaults. */
export function resolveCatalogOptions(
  config: Config | undefined,
  options: ToolCatalogOptions = {},
): ResolvedCatalogOptions {
  return {
    toolFamilies: options.toolFamilies ?? config?.toolFamilies ?? 'both',
    maxFunctionTools: options.maxFunctionTools ?? config?.maxFunctionTools ?? 100,
    maxResultBytes: options.maxResultBytes ?? config?.maxResultBytes ?? 65_536,
    progressIntervalMs: options.progressIntervalMs ?? config?.progressIntervalMs ?? 2_000,
    annotations: options.annotations ?? config?.annotations ?? {},
    functionPrefixes: options.functionPrefixes ?? config?.functionPrefixes ?? [],
    invokeConcurrency: options.invokeConcurrency ?? config?.invokeConcurrency ?? 8,
    refreshIntervalSeconds: options.refreshIntervalSeconds ?? config?.refreshIntervalSeconds ?? 0,
    firstListWaitMs: options.firstListWaitMs ?? 10_000,
    discoveryRetryDelaysMs: options.discoveryRetryDelaysMs ?? [5_000, 15_000, 30_000, 60_000, 120_000],
  };
}
