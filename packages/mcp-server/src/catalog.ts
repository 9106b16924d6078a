import {
  type Catalog,
  type FunctionInfo,
  type LambdaMcpError,
  type Services,
  silentLogger,
  toLambdaMcpError,
} from '@lambda-mcp/core';
import { mapWithConcurrency } from '@lambda-mcp/core/internal';
import {
  type ResolvedCatalogOptions,
  resolveCatalogOptions,
  type ToolCatalogOptions,
  type ToolFamilies,
} from './catalog-options.js';
import {
  type CatalogState,
  type Entry,
  emptyState,
  makeView,
  viewFor as stateViewFor,
  toolId,
  type View,
  type ViewNaming,
} from './catalog-state.js';
import { buildFunctionTool, callFunctionTool, type FunctionTool } from './function-tools.js';
import { createGenericHandlers, GENERIC_TOOL_NAMES, GENERIC_TOOLS } from './generic/index.js';
import { functionKey } from './naming.js';
import { createToolCalls } from './tool-calls.js';
import { type FailureMapper, itemFailure, toolFailure } from './tool-failure.js';
import type { FunctionAuthorizer, ToolCallContext, ToolDefinition, ToolResult } from './types.js';

export type { ResolvedCatalogOptions, ToolCatalogOptions, ToolFamilies } from './catalog-options.js';
export { describeFunctionTool, type FunctionTool } from './function-tools.js';

export interface CatalogStatus {
  /** Whether the first catalog build has finished (with or without discovery). */
  ready: boolean;
  /** Whether a function catalog was ever obtained. */
  loaded: boolean;
  /** Functions in the catalog visible to this caller. */
  functionCount: number;
  /** Per-function tools exposed to this caller. */
  functionToolCount: number;
  /** Functions without their own tool because of the cap. */
  cappedCount: number;
  maxFunctionTools: number;
  toolFamilies: ToolFamilies;
  genericTools: readonly string[];
  catalogSource?: 'live' | 'cache';
  /** The current discovery failure, if any. */
  discoveryError?: { code: string; message: string };
  backend: { kind: string; region: string };
}

export interface RefreshResult {
  changed: boolean;
  toolCount: number;
  discoveryError?: { code: string; message: string };
}

export interface ToolCatalog {
  /** Settles when the first catalog build has finished (never rejects). */
  readonly ready: Promise<void>;
  listTools(options?: { authorize?: FunctionAuthorizer }): Promise<ToolDefinition[]>;
  /** Runs a tool. Throws UnknownToolError for a name it does not serve; everything else is a result. */
  callTool(name: string, args: unknown, context?: ToolCallContext): Promise<ToolResult>;
  /** Refreshes discovery now and rebuilds; listeners hear of it only if the tool list changed. */
  refresh(options?: { signal?: AbortSignal }): Promise<RefreshResult>;
  status(options?: { authorize?: FunctionAuthorizer }): CatalogStatus;
  /** Called when the tool list changed. Returns an unsubscribe. */
  onToolsChanged(listener: () => void): () => void;
  /** Tool calls running now. */
  activeCalls(): number;
  /** Resolves when no tool call is running (at once if none is). */
  whenIdle(): Promise<void>;
  /** Changes exactly when this caller's tool list changes (list_changed goes only to those). */
  fingerprint(options?: { authorize?: FunctionAuthorizer }): string;
  /** The per-function tool for a function, if it has one (for this caller). */
  toolFor(
    fn: Pick<FunctionInfo, 'name' | 'qualifier'>,
    options?: { authorize?: FunctionAuthorizer },
  ): FunctionTool | undefined;
  readonly options: Readonly<ResolvedCatalogOptions>;
  close(): void;
}

const SCHEMA_CONCURRENCY = 8;

function errorSummary(e: LambdaMcpError): { code: string; message: string } {
  return { code: e.code, message: e.message };
}

export function createToolCatalog(services: Services, options: ToolCatalogOptions = {}): ToolCatalog {
  const config = services.config;
  const logger = (options.logger ?? services.logger ?? silentLogger).child({ component: 'mcp-catalog' });
  const resolved: ResolvedCatalogOptions = resolveCatalogOptions(config, options);
  const perFunction = resolved.toolFamilies !== 'generic';
  const generic = resolved.toolFamilies !== 'per-function';
  const backend = { kind: services.backend?.kind ?? 'unknown', region: services.backend?.region ?? '' };

  const naming: ViewNaming = { functionPrefixes: resolved.functionPrefixes, generic, perFunction };

  let state: CatalogState = emptyState(naming);
  let isReady = false;
  let closed = false;
  let listedBeforeReady = false;
  const listeners = new Set<() => void>();
  let retryTimer: NodeJS.Timeout | undefined;
  let retryAttempt = 0;

  async function buildTool(entry: Entry, s: CatalogState = state): Promise<FunctionTool> {
    const id = toolId(entry);
    const built = s.tools.get(id);
    if (built) return built;
    const pending = s.building.get(id);
    if (pending) return pending;
    const building = buildFunctionTool(services, entry, {
      logger,
      backendKind: backend.kind,
      annotations: resolved.annotations,
    }).then((tool) => {
      s.tools.set(id, tool);
      return tool;
    });
    s.building.set(id, building);
    try {
      return await building;
    } finally {
      s.building.delete(id);
    }
  }

  /** What this caller sees: the functions it may see, named among themselves. */
  function viewFor(s: CatalogState, authorize?: FunctionAuthorizer): View {
    return stateViewFor(s, naming, (fn) => allowed(authorize, fn), authorize);
  }

  /** The entries this caller gets tools for: authorized, then capped. */
  function viewEntries(
    s: CatalogState,
    authorize?: FunctionAuthorizer,
  ): { entries: Entry[]; visible: number } {
    const view = viewFor(s, authorize);
    if (!perFunction) return { entries: [], visible: view.entries.length };
    return { entries: view.entries.slice(0, resolved.maxFunctionTools), visible: view.entries.length };
  }

  function allowed(authorize: FunctionAuthorizer | undefined, fn: FunctionInfo): boolean {
    if (!authorize) return true;
    try {
      return (
        authorize({ name: fn.name, arn: fn.arn, ...(fn.qualifier ? { qualifier: fn.qualifier } : {}) }) ===
        true
      );
    } catch (error) {
      logger.error('The authorize hook threw; denying', { error: toLambdaMcpError(error).message });
      return false;
    }
  }

  let firstCatalog = options.firstCatalog;
  async function build(): Promise<CatalogState> {
    let catalog: Catalog | undefined;
    let discoveryError: LambdaMcpError | undefined;
    const started = firstCatalog;
    firstCatalog = undefined;
    try {
      catalog = await (started ?? services.discovery.getCatalog());
    } catch (error) {
      discoveryError = toLambdaMcpError(error, 'BACKEND_UNAVAILABLE');
    }
    if (!catalog) {
      const kept = state.loaded ? state : undefined;
      if (kept) {
        logger.warn(
          'Function discovery failed; keeping the last known catalog',
          errorSummary(discoveryError!),
        );
        return { ...kept, discoveryError };
      }
      logger.error(
        'Function discovery failed: only the generic tools are available until it succeeds',
        errorSummary(discoveryError!),
      );
      const full = makeView([], naming, false, discoveryError);
      return { ...emptyState(naming), full, discoveryError, fingerprint: full.fingerprint };
    }
    const lastError = services.discovery.lastError;
    const functions = catalog.functions;
    // The catalog's fingerprint is read when the view's is (after the first tools/list answer).
    const full = makeView(functions, naming, true, undefined, () => catalog.fingerprint);
    // Reuse a built tool only if nothing it was built from changed.
    const tools = new Map<string, FunctionTool>();
    for (const entry of full.entries) {
      const id = toolId(entry);
      const old = state.tools.get(id);
      if (old && JSON.stringify(old.function) === JSON.stringify(entry.fn)) tools.set(id, old);
    }
    const next: CatalogState = {
      loaded: true,
      functions,
      full,
      views: new Map(),
      tools,
      building: new Map(),
      ...(lastError ? { discoveryError: lastError } : {}),
      catalogSource: catalog.source,
      get fingerprint() {
        return full.fingerprint;
      },
    };
    const { entries: shown } = viewEntries(next);
    await mapWithConcurrency(shown, SCHEMA_CONCURRENCY, (entry) => buildTool(entry, next));
    const entries = full.entries;
    if (entries.length === 0) {
      logger.warn(
        'Discovery found no function that matches the configured filters: only the generic tools are listed, and they have nothing to invoke',
        { catalogSource: catalog.source },
      );
    }
    if (perFunction && entries.length > resolved.maxFunctionTools) {
      // Once per distinct count, not on every refresh.
      if (cappedLogged !== entries.length) {
        cappedLogged = entries.length;
        logger.warn(
          `${entries.length} functions matched but only ${resolved.maxFunctionTools} get their own tool; ` +
            (generic
              ? 'the others are reachable through list_functions and invoke_function. '
              : 'the generic tools are off, so the others cannot be called. ') +
            'Raise the limit with --max-tools N or LAMBDA_MCP_MAX_TOOLS (maxFunctionTools in lambda-mcp.config.json)',
          {
            functions: entries.length,
            withoutOwnTool: entries.length - resolved.maxFunctionTools,
            maxFunctionTools: resolved.maxFunctionTools,
          },
        );
      }
    } else {
      cappedLogged = undefined;
    }
    return next;
  }

  let building: Promise<boolean> | undefined;
  let dirty = false;
  /** The function count the per-function tool cap was last logged for. */
  let cappedLogged: number | undefined;

  /** Rebuilds (coalescing overlapping requests); resolves to whether the tool list changed. */
  function rebuild(): Promise<boolean> {
    if (building) {
      dirty = true;
      return building;
    }
    building = (async () => {
      let changed = false;
      do {
        dirty = false;
        const previous = state;
        const next = await build();
        if (closed) return false;
        state = next;
        // A first catalog after none (or after a failure) always changes the list: the fingerprints
        // differ in the loaded mark, and the new one is not computed for the first answer.
        if ((!previous.loaded && next.loaded) || next.fingerprint !== previous.fingerprint) {
          changed = true;
          if (isReady || listedBeforeReady) {
            logger.info('The tool list changed', { functions: state.full.entries.length });
            emitChanged();
          }
        }
      } while (dirty);
      return changed;
    })().finally(() => {
      building = undefined;
    });
    return building;
  }

  function emitChanged(): void {
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch (error) {
        logger.error('A tools-changed listener threw', { error: toLambdaMcpError(error).message });
      }
    }
  }

  function scheduleRetry(): void {
    if (closed || retryTimer || state.loaded) return;
    const delays = resolved.discoveryRetryDelaysMs;
    if (delays.length === 0) return;
    const delay = delays[Math.min(retryAttempt, delays.length - 1)] ?? 60_000;
    // A periodic refresh that comes sooner retries anyway (the default one, every 5 minutes, does not).
    const interval = resolved.refreshIntervalSeconds * 1000;
    if (interval > 0 && interval <= delay) return;
    retryAttempt += 1;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void refresh().catch(() => {});
    }, delay);
    retryTimer.unref?.();
  }

  async function afterRebuild(): Promise<void> {
    if (!state.loaded) scheduleRetry();
    else retryAttempt = 0;
  }

  const ready: Promise<void> = rebuild()
    .then(() => {
      isReady = true;
      if (!state.loaded) scheduleRetry();
    })
    .catch((error) => {
      isReady = true;
      logger.error('Building the tool catalog failed', { error: toLambdaMcpError(error).message });
    });

  const unsubscribe = services.discovery.onChange(() => {
    if (closed) return;
    void rebuild()
      .then(afterRebuild)
      .catch((error) =>
        logger.error('Rebuilding the tool catalog failed', { error: toLambdaMcpError(error).message }),
      );
  });
  // createServices already starts the configured interval; set it here only when told to.
  let startedInterval = false;
  if (options.refreshIntervalSeconds !== undefined && options.refreshIntervalSeconds > 0) {
    services.discovery.setRefreshInterval(options.refreshIntervalSeconds);
    startedInterval = true;
  }

  async function refresh(opts: { signal?: AbortSignal } = {}): Promise<RefreshResult> {
    try {
      await services.discovery.refresh(opts.signal ? { signal: opts.signal } : undefined);
    } catch (error) {
      // Recorded by the rebuild below (getCatalog fails too, or serves the last catalog).
      logger.debug('Discovery refresh failed', { error: toLambdaMcpError(error).message });
    }
    const changed = await rebuild();
    await afterRebuild();
    const { entries } = viewEntries(state);
    return {
      changed,
      toolCount: entries.length + (generic ? GENERIC_TOOL_NAMES.length : 0),
      ...(state.discoveryError ? { discoveryError: errorSummary(state.discoveryError) } : {}),
    };
  }

  async function waitForFirstCatalog(): Promise<void> {
    if (isReady) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, resolved.firstListWaitMs);
      timer.unref?.();
    });
    await Promise.race([ready, timeout]);
    if (timer) clearTimeout(timer);
    if (!isReady) listedBeforeReady = true;
  }

  /** invoke_function's description, when the per-function tool cap left functions without a tool. */
  function withCapNote(tool: ToolDefinition, capped: number): ToolDefinition {
    return {
      ...tool,
      description:
        `${tool.description}\n\n${capped} of the functions you can use have no tool of their own ` +
        `(this server gives at most ${resolved.maxFunctionTools} functions their own tool): ` +
        'find them with list_functions and call them here by name.',
    };
  }

  async function listTools(opts: { authorize?: FunctionAuthorizer } = {}): Promise<ToolDefinition[]> {
    await waitForFirstCatalog();
    const s = state;
    const { entries, visible } = viewEntries(s, opts.authorize);
    const functionTools = await mapWithConcurrency(entries, SCHEMA_CONCURRENCY, (entry) => buildTool(entry));
    const capped = perFunction ? visible - entries.length : 0;
    const tools: ToolDefinition[] = [
      ...(generic
        ? GENERIC_TOOL_NAMES.map((n) =>
            n === 'invoke_function' && capped > 0 ? withCapNote(GENERIC_TOOLS[n], capped) : GENERIC_TOOLS[n],
          )
        : []),
      ...functionTools.map((t) => t.definition),
    ];
    return tools.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** This caller's per-function tool of that name, within the cap of its own view. */
  function findFunctionEntry(name: string, authorize?: FunctionAuthorizer): Entry | undefined {
    if (!perFunction) return undefined;
    const entry = viewFor(state, authorize).byName.get(name);
    return entry && entry.index < resolved.maxFunctionTools ? entry : undefined;
  }

  function entryFor(fn: Pick<FunctionInfo, 'name' | 'qualifier'>, authorize?: FunctionAuthorizer) {
    if (!perFunction) return undefined;
    const entry = viewFor(state, authorize).byKey.get(functionKey(fn));
    return entry && entry.index < resolved.maxFunctionTools ? entry : undefined;
  }

  function discoveryProblem(): string | undefined {
    const e = state.discoveryError;
    if (!e) return undefined;
    return state.loaded
      ? `function discovery is failing (${e.code}: ${e.message}); the function list may be out of date.`
      : `function discovery has failed (${e.code}: ${e.message}), so no function is available until it succeeds.`;
  }

  const generics = createGenericHandlers({
    services,
    options: resolved,
    logger,
    allowed,
    discoveryProblem,
    failure: (error, target) => failure(error, target),
    itemFailure: (error, target) => itemFailure(error, target, { logger, discoveryProblem }),
    toolNameFor: (fn, authorize) => entryFor(fn, authorize)?.name,
    knownInputSchema: (fn) => {
      const entry = state.full.byKey.get(functionKey(fn));
      return entry ? state.tools.get(toolId(entry))?.input.schema : undefined;
    },
  });

  const failure: FailureMapper = (error, target) => toolFailure(error, target, { logger, discoveryProblem });

  const calls = createToolCalls({
    logger,
    progressIntervalMs: resolved.progressIntervalMs,
    generic,
    generics,
    failure,
    isReady: () => isReady,
    waitForFirstCatalog,
    findFunctionTool: async (name: string, authorize?: FunctionAuthorizer) => {
      const entry = findFunctionEntry(name, authorize);
      return entry ? buildTool(entry) : undefined;
    },
    callFunctionTool: (tool: FunctionTool, args: unknown, context: ToolCallContext) =>
      callFunctionTool(services, tool, args, context, { maxResultBytes: resolved.maxResultBytes, failure }),
  });

  function status(opts: { authorize?: FunctionAuthorizer } = {}): CatalogStatus {
    const s = state;
    const { entries, visible } = viewEntries(s, opts.authorize);
    return {
      ready: isReady,
      loaded: s.loaded,
      functionCount: visible,
      functionToolCount: entries.length,
      cappedCount: perFunction ? Math.max(0, visible - entries.length) : 0,
      maxFunctionTools: resolved.maxFunctionTools,
      toolFamilies: resolved.toolFamilies,
      genericTools: generic ? GENERIC_TOOL_NAMES : [],
      ...(s.catalogSource ? { catalogSource: s.catalogSource } : {}),
      ...(s.discoveryError ? { discoveryError: errorSummary(s.discoveryError) } : {}),
      backend,
    };
  }

  return {
    ready,
    listTools,
    callTool: (name: string, args: unknown, context?: ToolCallContext): Promise<ToolResult> =>
      calls.callTool(name, args, context),
    refresh,
    status,
    onToolsChanged(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    activeCalls: calls.activeCalls,
    whenIdle: calls.whenIdle,
    toolFor(fn, opts = {}) {
      const entry = entryFor(fn, opts.authorize);
      return entry ? state.tools.get(`${entry.key}\u0000${entry.name}`) : undefined;
    },
    fingerprint: (opts = {}) => viewFor(state, opts.authorize).fingerprint,
    options: resolved,
    close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      listeners.clear();
      if (retryTimer) clearTimeout(retryTimer);
      if (startedInterval) services.discovery.setRefreshInterval(0);
    },
  };
}
