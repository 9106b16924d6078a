import { createHash } from 'node:crypto';
import {
  type AnnotationOverride,
  type Catalog,
  type FunctionInfo,
  isLambdaMcpError,
  type LambdaMcpError,
  type Logger,
  type Services,
  silentLogger,
  toLambdaMcpError,
} from '@lambda-mcp/core';
import { functionAnnotations } from './annotations.js';
import {
  errorResult,
  fieldErrorsOf,
  internalErrorResult,
  invalidArgumentsResult,
  isUnknownToolError,
  notAvailableText,
  outcomeOf,
  UnknownToolError,
} from './errors.js';
import { createGenericHandlers, type GenericHandlerResult } from './generic-handlers.js';
import {
  GENERIC_TOOL_NAMES,
  GENERIC_TOOLS,
  type GenericToolName,
  isGenericToolName,
} from './generic-tools.js';
import { assignToolNames, functionKey } from './naming.js';
import { withHeartbeats } from './progress.js';
import { shapeInvocationResult } from './result.js';
import {
  summarizeFields,
  type ToolInput,
  type ToolOutput,
  toToolInput,
  toToolOutput,
} from './tool-schema.js';
import type {
  FunctionAuthorizer,
  JsonObject,
  ToolCallContext,
  ToolCallEvent,
  ToolCallOutcome,
  ToolDefinition,
  ToolResult,
} from './types.js';

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
  now?: () => Date;
}

/** A per-function tool. */
export interface FunctionTool {
  key: string;
  function: FunctionInfo;
  name: string;
  definition: ToolDefinition;
  input: ToolInput;
  output?: ToolOutput;
  problems: string[];
}

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

interface CatalogState {
  loaded: boolean;
  functions: FunctionInfo[];
  /** What a caller without restrictions sees. */
  full: View;
  /**
   * What each restricted caller sees, computed over the functions it may see only (tool names,
   * collision suffixes, counts, fingerprint), by authorizer (or by its policy's patterns).
   */
  views: Map<unknown, View>;
  /** Built tools by `key` NUL `tool name` (a function may have another name in another view). */
  tools: Map<string, FunctionTool>;
  building: Map<string, Promise<FunctionTool>>;
  discoveryError?: LambdaMcpError;
  catalogSource?: 'live' | 'cache';
  /** The full view's fingerprint. */
  fingerprint: string;
}

/** The functions one caller may see, sorted by tool name, with the tool names assigned among them. */
interface View {
  entries: Entry[];
  byName: Map<string, Entry>;
  byKey: Map<string, Entry>;
  /** Changes exactly when this caller's tool list changes. */
  fingerprint: string;
}

interface Entry {
  /** Position in the view's entries (sorted by tool name). */
  index: number;
  key: string;
  name: string;
  fn: FunctionInfo;
}

/** Views kept per catalog state (one per session or token); the oldest is dropped beyond this. */
const MAX_VIEWS = 256;

const SCHEMA_CONCURRENCY = 8;

function errorSummary(e: LambdaMcpError): { code: string; message: string } {
  return { code: e.code, message: e.message };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(workers);
  return out;
}

function label(fn: Pick<FunctionInfo, 'name' | 'qualifier'>): string {
  return fn.qualifier ? `${fn.name}:${fn.qualifier}` : fn.name;
}

/**
 * Description for a per-function tool, lean (every tool's description is sent to the model on each
 * tools/list): the function's own description, or what it is; the arguments only when the schema
 * does not already say them (a wrapped payload, or no schema).
 */
export function describeFunctionTool(fn: FunctionInfo, input: ToolInput, backendKind: string): string {
  const what = backendKind === 'aws' ? 'AWS Lambda function' : 'Lambda function';
  let inputHint = '';
  if (input.mode === 'wrapped') {
    const property = input.property ?? 'payload';
    const inner = (input.schema.properties as Record<string, JsonObject> | undefined)?.[property];
    inputHint = ` Pass the event in "${property}" (a JSON ${String(inner?.type ?? 'value')}).`;
  } else if (input.mode !== 'flat') {
    inputHint = ' No input schema is known: pass the event as a JSON object.';
  }
  const own = fn.description?.trim();
  if (own) return `${own}${inputHint}`;
  return `Invokes the ${what} "${label(fn)}"${fn.runtime ? ` (${fn.runtime})` : ''}.${inputHint}`;
}

export function createToolCatalog(services: Services, options: ToolCatalogOptions = {}): ToolCatalog {
  const config = services.config;
  const logger = (options.logger ?? services.logger ?? silentLogger).child({ component: 'mcp-catalog' });
  const resolved: ResolvedCatalogOptions = {
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
  const perFunction = resolved.toolFamilies !== 'generic';
  const generic = resolved.toolFamilies !== 'per-function';
  const backend = { kind: services.backend?.kind ?? 'unknown', region: services.backend?.region ?? '' };

  function makeView(functions: readonly FunctionInfo[], loaded: boolean, error?: LambdaMcpError): View {
    const names = assignToolNames(functions, {
      prefixes: resolved.functionPrefixes,
      reserved: GENERIC_TOOL_NAMES,
    });
    const entries: Entry[] = functions
      .map((fn) => {
        const key = functionKey(fn);
        return { index: 0, key, name: names.get(key) ?? key, fn };
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    entries.forEach((e, i) => {
      e.index = i;
    });
    // Hashed entry by entry: one string of a 10,000-function catalog is several MB at once.
    const digest = createHash('sha256').update(
      JSON.stringify([generic, perFunction, loaded ? '' : `error:${error?.code ?? ''}`]),
    );
    for (const e of entries) digest.update(JSON.stringify([e.key, e.name, e.fn]));
    const fingerprint = digest.digest('hex');
    return {
      entries,
      byName: new Map(entries.map((e) => [e.name, e])),
      byKey: new Map(entries.map((e) => [e.key, e])),
      fingerprint,
    };
  }

  function emptyState(): CatalogState {
    const full = makeView([], false);
    return {
      loaded: false,
      functions: [],
      full,
      views: new Map(),
      tools: new Map(),
      building: new Map(),
      fingerprint: '',
    };
  }

  let state: CatalogState = emptyState();
  let isReady = false;
  let closed = false;
  let listedBeforeReady = false;
  const listeners = new Set<() => void>();
  let retryTimer: NodeJS.Timeout | undefined;
  let retryAttempt = 0;

  async function buildTool(entry: Entry, s: CatalogState = state): Promise<FunctionTool> {
    const id = `${entry.key}\u0000${entry.name}`;
    const built = s.tools.get(id);
    if (built) return built;
    const pending = s.building.get(id);
    if (pending) return pending;
    const building = (async () => {
      const fn = entry.fn;
      const problems: string[] = [];
      let schemas: Awaited<ReturnType<Services['schemas']['getSchemas']>> | undefined;
      try {
        schemas = await services.schemas.getSchemas(fn);
        problems.push(...schemas.problems);
      } catch (error) {
        const e = toLambdaMcpError(error);
        problems.push(
          `Its schema could not be loaded (${e.code}: ${e.message}); the tool accepts any object.`,
        );
        logger.warn('Could not load a function schema', {
          function: fn.name,
          code: e.code,
          error: e.message,
        });
      }
      const input = toToolInput(schemas?.input, services.schemas);
      const out = toToolOutput(schemas?.output, services.schemas);
      problems.push(...input.problems, ...out.problems);
      const title = label(fn);
      const definition: ToolDefinition = {
        name: entry.name,
        title,
        description: describeFunctionTool(fn, input, backend.kind),
        inputSchema: input.schema,
        ...(out.output ? { outputSchema: out.output.schema } : {}),
        annotations: functionAnnotations(fn, entry.name, resolved.annotations, title),
      };
      const tool: FunctionTool = {
        key: entry.key,
        function: fn,
        name: entry.name,
        definition,
        input,
        ...(out.output ? { output: out.output } : {}),
        problems,
      };
      s.tools.set(id, tool);
      return tool;
    })();
    s.building.set(id, building);
    try {
      return await building;
    } finally {
      s.building.delete(id);
    }
  }

  /** What this caller sees: the functions it may see, named among themselves. */
  function viewFor(s: CatalogState, authorize?: FunctionAuthorizer): View {
    if (!authorize) return s.full;
    // A compiled policy is keyed by its patterns, so per-request authorizers share a view.
    const patterns = (authorize as { patterns?: unknown }).patterns;
    const cacheKey = Array.isArray(patterns) ? `patterns:${JSON.stringify(patterns)}` : authorize;
    let view = s.views.get(cacheKey);
    if (!view) {
      const functions = s.functions.filter((fn) => allowed(authorize, fn));
      view =
        functions.length === s.functions.length ? s.full : makeView(functions, s.loaded, s.discoveryError);
      if (s.views.size >= MAX_VIEWS) s.views.delete(s.views.keys().next().value);
      s.views.set(cacheKey, view);
    }
    return view;
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

  async function build(): Promise<CatalogState> {
    let catalog: Catalog | undefined;
    let discoveryError: LambdaMcpError | undefined;
    try {
      catalog = await services.discovery.getCatalog();
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
      const full = makeView([], false, discoveryError);
      return { ...emptyState(), full, discoveryError, fingerprint: full.fingerprint };
    }
    const lastError = services.discovery.lastError;
    const functions = catalog.functions;
    const full = makeView(functions, true);
    // Reuse a built tool only if nothing it was built from changed.
    const tools = new Map<string, FunctionTool>();
    for (const entry of full.entries) {
      const id = `${entry.key}\u0000${entry.name}`;
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
      fingerprint: full.fingerprint,
    };
    const { entries: shown } = viewEntries(next);
    await mapLimit(shown, SCHEMA_CONCURRENCY, (entry) => buildTool(entry, next));
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
        const before = state.fingerprint;
        const next = await build();
        if (closed) return false;
        state = next;
        if (next.fingerprint !== before) {
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
    const functionTools = await mapLimit(entries, SCHEMA_CONCURRENCY, buildTool);
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
    toolNameFor: (fn, authorize) => entryFor(fn, authorize)?.name,
    knownInputSchema: (fn) => {
      const entry = state.full.byKey.get(functionKey(fn));
      return entry ? state.tools.get(`${entry.key}\u0000${entry.name}`)?.input.schema : undefined;
    },
  });

  async function callFunctionTool(
    tool: FunctionTool,
    args: unknown,
    context: ToolCallContext,
  ): Promise<GenericHandlerResult> {
    const fn = tool.function;
    const audit = { function: fn.name, ...(fn.qualifier ? { qualifier: fn.qualifier } : {}) };
    const argsObject = (args ?? {}) as JsonObject;
    const wrappedBy = tool.input.mode === 'wrapped' ? (tool.input.property ?? 'payload') : undefined;
    const payload: unknown = wrappedBy ? argsObject[wrappedBy] : argsObject;
    if (tool.input.resolved) {
      const whole = !wrappedBy || tool.input.validatesWrapped === true;
      const check = services.schemas.validate(tool.input.resolved, whole ? argsObject : payload);
      if (!check.valid) {
        const errors = whole
          ? check.errors
          : check.errors.map((e) => ({ ...e, path: `/${wrappedBy}${e.path}` }));
        return {
          result: invalidArgumentsResult(tool.name, errors),
          audit: { ...audit, outcome: 'invalid_arguments' },
        };
      }
    }
    try {
      const result = await services.invocation.invoke(
        {
          functionName: fn.name,
          ...(fn.qualifier ? { qualifier: fn.qualifier } : {}),
          payload,
          invocationType: 'RequestResponse',
          logType: 'None',
        },
        {
          ...(context.signal ? { signal: context.signal } : {}),
          ...(context.authorize ? { authorize: context.authorize } : {}),
        },
      );
      const shaped = shapeInvocationResult(label(fn), result, {
        maxResultBytes: resolved.maxResultBytes,
        ...(tool.output ? { output: tool.output.contract } : {}),
      });
      const outcome: ToolCallOutcome = result.functionError ? 'function_error' : 'success';
      return { result: shaped, audit: { ...audit, outcome } };
    } catch (error) {
      const f = failure(error, fn.name, context.signal);
      return { result: f.result, audit: { ...audit, ...f.audit } };
    }
  }

  function failure(
    error: unknown,
    name: string,
    signal?: AbortSignal,
  ): { result: ToolResult; audit: { outcome: ToolCallOutcome; errorCode?: string } } {
    const outcome = outcomeOf(error, signal);
    if (!isLambdaMcpError(error)) {
      logger.error('A tool call failed with an unexpected error', {
        error: error instanceof Error ? error.message : String(error),
        stack: error instanceof Error ? error.stack : undefined,
      });
      return { result: internalErrorResult(), audit: { outcome: 'error', errorCode: 'INTERNAL' } };
    }
    if (error.code === 'INVALID_INPUT') {
      const fields = fieldErrorsOf(error);
      return {
        result: fields ? invalidArgumentsResult(name, fields) : errorResult(error, 'Invalid arguments'),
        audit: { outcome, errorCode: error.code },
      };
    }
    if (error.code === 'FUNCTION_NOT_ALLOWED' || error.code === 'FUNCTION_NOT_FOUND') {
      return {
        result: {
          isError: true,
          content: [{ type: 'text', text: notAvailableText(name, discoveryProblem()) }],
        },
        audit: { outcome: 'not_available', errorCode: 'FUNCTION_NOT_ALLOWED' },
      };
    }
    if (outcome === 'cancelled') {
      return {
        result: { isError: true, content: [{ type: 'text', text: 'The call was cancelled [ABORTED].' }] },
        audit: { outcome, errorCode: 'ABORTED' },
      };
    }
    return { result: errorResult(error), audit: { outcome, errorCode: error.code } };
  }

  let active = 0;
  let idleWaiters: Array<() => void> = [];

  async function callTool(name: string, args: unknown, context: ToolCallContext = {}): Promise<ToolResult> {
    active += 1;
    try {
      return await runTool(name, args, context);
    } finally {
      active -= 1;
      if (active === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }

  async function runTool(name: string, args: unknown, context: ToolCallContext): Promise<ToolResult> {
    const started = performance.now();
    const emit = (
      family: ToolCallEvent['family'],
      audit: Omit<ToolCallEvent, 'time' | 'tool' | 'family' | 'durationMs' | 'requestId'>,
    ) => {
      if (!context.onToolCall) return;
      const event: ToolCallEvent = {
        time: new Date().toISOString(),
        tool: name,
        family,
        ...audit,
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        ...(context.requestId !== undefined ? { requestId: context.requestId } : {}),
      };
      try {
        context.onToolCall(event);
      } catch (error) {
        logger.error('The onToolCall hook threw', { error: toLambdaMcpError(error).message });
      }
    };
    try {
      if (generic && isGenericToolName(name)) {
        const out = await withHeartbeats(context, resolved.progressIntervalMs, name, () =>
          generics.call(name as GenericToolName, args, context).catch((error) => {
            const f = failure(error, describeTarget(args), context.signal);
            return { result: f.result, audit: f.audit } as GenericHandlerResult;
          }),
        );
        emit('generic', out.audit);
        return out.result;
      }
      if (!isReady) await waitForFirstCatalog();
      const entry = findFunctionEntry(name, context.authorize);
      if (!entry) throw new UnknownToolError(name);
      const tool = await buildTool(entry);
      const out = await withHeartbeats(context, resolved.progressIntervalMs, label(entry.fn), () =>
        callFunctionTool(tool, args, context),
      );
      emit('function', out.audit);
      return out.result;
    } catch (error) {
      if (isUnknownToolError(error)) {
        emit('unknown', { outcome: 'unknown_tool' });
        throw error;
      }
      const f = failure(error, name, context.signal);
      emit('unknown', f.audit);
      return f.result;
    }
  }

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
    callTool,
    refresh,
    status,
    onToolsChanged(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    activeCalls: () => active,
    whenIdle: () =>
      active === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            idleWaiters.push(resolve);
          }),
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

function describeTarget(args: unknown): string {
  if (typeof args === 'object' && args !== null && typeof (args as JsonObject).function_name === 'string') {
    return (args as JsonObject).function_name as string;
  }
  return '(unknown)';
}
