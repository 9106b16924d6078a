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
  /** All functions, sorted by tool name; definitions built lazily beyond the default view. */
  entries: Entry[];
  byName: Map<string, Entry>;
  byKey: Map<string, Entry>;
  discoveryError?: LambdaMcpError;
  catalogSource?: 'live' | 'cache';
  fingerprint: string;
}

interface Entry {
  /** Position in the catalog's entries (sorted by tool name). */
  index: number;
  key: string;
  name: string;
  fn: FunctionInfo;
  tool?: FunctionTool;
  building?: Promise<FunctionTool>;
}

const SCHEMA_CONCURRENCY = 8;

function hash(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

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

/** Description for a per-function tool: the function's own, or a generated one that says what it takes. */
export function describeFunctionTool(fn: FunctionInfo, input: ToolInput, backendKind: string): string {
  const what = backendKind === 'aws' ? 'AWS Lambda function' : 'Lambda function';
  const facts = [fn.runtime, `${fn.memorySizeMb} MB`, `timeout ${fn.timeoutSeconds} s`]
    .filter(Boolean)
    .join(', ');
  let inputHint: string;
  if (input.mode === 'flat') {
    const fields = summarizeFields(input.schema);
    inputHint = fields
      ? `Arguments are the function's event fields: ${fields}.`
      : "Arguments are the function's event (a JSON object matching the input schema).";
  } else if (input.mode === 'wrapped') {
    const property = input.property ?? 'payload';
    const inner = (input.schema.properties as Record<string, JsonObject> | undefined)?.[property];
    inputHint = `Pass the function's event in "${property}" (a JSON ${String(inner?.type ?? 'value')}).`;
  } else {
    inputHint =
      'No input schema is known: pass the event fields as a JSON object (get_function_schema may show examples).';
  }
  const own = fn.description?.trim();
  if (own) return `${own}\n\nInvokes the ${what} "${label(fn)}" (${facts}). ${inputHint}`;
  return `Invokes the ${what} "${label(fn)}" (${facts}) and returns its response. ${inputHint}`;
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

  let state: CatalogState = {
    loaded: false,
    functions: [],
    entries: [],
    byName: new Map(),
    byKey: new Map(),
    fingerprint: '',
  };
  let isReady = false;
  let closed = false;
  let listedBeforeReady = false;
  const listeners = new Set<() => void>();
  let retryTimer: NodeJS.Timeout | undefined;
  let retryAttempt = 0;

  async function buildTool(entry: Entry): Promise<FunctionTool> {
    if (entry.tool) return entry.tool;
    if (entry.building) return entry.building;
    entry.building = (async () => {
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
      entry.tool = tool;
      return tool;
    })();
    try {
      return await entry.building;
    } finally {
      entry.building = undefined;
    }
  }

  /** The entries this caller gets tools for: authorized, then capped. */
  function viewEntries(
    s: CatalogState,
    authorize?: FunctionAuthorizer,
  ): { entries: Entry[]; visible: number } {
    if (!perFunction)
      return { entries: [], visible: s.entries.filter((e) => allowed(authorize, e.fn)).length };
    const visibleEntries = authorize ? s.entries.filter((e) => allowed(authorize, e.fn)) : s.entries;
    return { entries: visibleEntries.slice(0, resolved.maxFunctionTools), visible: visibleEntries.length };
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
      return { ...state, discoveryError, fingerprint: hash(`error:${discoveryError?.code}`) };
    }
    const lastError = services.discovery.lastError;
    const functions = catalog.functions;
    const names = assignToolNames(functions, {
      prefixes: resolved.functionPrefixes,
      reserved: GENERIC_TOOL_NAMES,
    });
    const previous = state.byKey;
    const entries: Entry[] = functions
      .map((fn) => {
        const key = functionKey(fn);
        const name = names.get(key) ?? key;
        const old = previous.get(key);
        // Reuse a built tool only if nothing it was built from changed.
        const reuse = old?.tool && old.name === name && JSON.stringify(old.fn) === JSON.stringify(fn);
        return { index: 0, key, name, fn, ...(reuse ? { tool: old.tool } : {}) } as Entry;
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    entries.forEach((e, i) => {
      e.index = i;
    });
    const next: CatalogState = {
      loaded: true,
      functions,
      entries,
      byName: new Map(entries.map((e) => [e.name, e])),
      byKey: new Map(entries.map((e) => [e.key, e])),
      ...(lastError ? { discoveryError: lastError } : {}),
      catalogSource: catalog.source,
      fingerprint: '',
    };
    const { entries: shown } = viewEntries(next);
    const tools = await mapLimit(shown, SCHEMA_CONCURRENCY, buildTool);
    next.fingerprint = hash(
      JSON.stringify([
        tools.map((t) => t.definition),
        entries.map((e) => [e.key, e.name, e.fn]),
        generic,
        perFunction,
      ]),
    );
    if (entries.length === 0) {
      logger.warn(
        'Discovery found no function that matches the configured filters: only the generic tools are listed, and they have nothing to invoke',
        { catalogSource: catalog.source },
      );
    }
    if (perFunction && entries.length > resolved.maxFunctionTools) {
      logger.warn(
        `${entries.length} functions matched but only ${resolved.maxFunctionTools} get their own tool (maxFunctionTools); the others are reachable through list_functions and invoke_function`,
        { functions: entries.length, maxFunctionTools: resolved.maxFunctionTools },
      );
    }
    return next;
  }

  let building: Promise<boolean> | undefined;
  let dirty = false;

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
            logger.info('The tool list changed', { functions: state.entries.length });
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
    if (closed || retryTimer || state.loaded || resolved.refreshIntervalSeconds > 0) return;
    const delays = resolved.discoveryRetryDelaysMs;
    if (delays.length === 0) return;
    const delay = delays[Math.min(retryAttempt, delays.length - 1)] ?? 60_000;
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

  async function listTools(opts: { authorize?: FunctionAuthorizer } = {}): Promise<ToolDefinition[]> {
    await waitForFirstCatalog();
    const s = state;
    const { entries } = viewEntries(s, opts.authorize);
    const functionTools = await mapLimit(entries, SCHEMA_CONCURRENCY, buildTool);
    const tools: ToolDefinition[] = [
      ...(generic ? GENERIC_TOOL_NAMES.map((n) => GENERIC_TOOLS[n]) : []),
      ...functionTools.map((t) => t.definition),
    ];
    return tools.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  function findFunctionEntry(name: string, authorize?: FunctionAuthorizer): Entry | undefined {
    if (!perFunction) return undefined;
    const entry = state.byName.get(name);
    if (!entry || !allowed(authorize, entry.fn)) return undefined;
    // Within the cap for this caller? (Its rank among the functions this caller may see.)
    const index = entry.index;
    if (!authorize) return index < resolved.maxFunctionTools ? entry : undefined;
    let rank = 0;
    for (let i = 0; i < index; i++) {
      const e = state.entries[i];
      if (e && allowed(authorize, e.fn)) rank += 1;
      if (rank >= resolved.maxFunctionTools) return undefined;
    }
    return entry;
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
    toolNameFor: (fn, authorize) => {
      const entry = state.byKey.get(functionKey(fn));
      if (!entry) return undefined;
      return findFunctionEntry(entry.name, authorize) ? entry.name : undefined;
    },
    toolFor: async (fn) => {
      const entry = state.byKey.get(functionKey(fn));
      return entry ? buildTool(entry) : undefined;
    },
    catalogSource: () => state.catalogSource,
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
      const entry = state.byKey.get(functionKey(fn));
      if (!entry) return undefined;
      return findFunctionEntry(entry.name, opts.authorize) ? entry.tool : undefined;
    },
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
