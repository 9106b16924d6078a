/** What the generic tools share: their context (services, the caller's view) and result shapes. */
import {
  type FunctionInfo,
  formatFunctionKey,
  type InvocationResult,
  type InvocationType,
  type InvokeRequest,
  LambdaMcpError,
  type Logger,
  type LogType,
  type ResolvedSchema,
  type ResolveOptions,
  type Services,
} from '@lambda-mcp/core';
import type { ResolvedCatalogOptions } from '../catalog-options.js';
import { redact } from '../errors.js';
import { byteLength, previewJson } from '../result.js';
import {
  type FailureMapper,
  type FailureTarget,
  type ItemFailure,
  isNotAvailable,
  type ToolOutcome,
} from '../tool-failure.js';
import { createFunctionSearch, type FunctionSearch } from '../tools/search-functions.js';
import { didYouMean, suggestNames } from '../tools/suggest.js';
import type { FunctionAuthorizer, JsonObject, ToolCallContext } from '../types.js';

export type GenericHandlerResult = ToolOutcome;

export interface GenericHandlerDeps {
  services: Services;
  options: ResolvedCatalogOptions;
  logger: Logger;
  /** Whether the caller may see this catalog function. */
  allowed(authorize: FunctionAuthorizer | undefined, fn: FunctionInfo): boolean;
  discoveryProblem(): string | undefined;
  /** The one error-to-tool-result mapper (tool-failure.ts), and its form for a batch item. */
  failure: FailureMapper;
  itemFailure(error: unknown, target: FailureTarget): ItemFailure;
  toolNameFor(
    fn: Pick<FunctionInfo, 'name' | 'qualifier'>,
    authorize?: FunctionAuthorizer,
  ): string | undefined;
  /** The input schema of a function whose tool is built already (searched by search_functions). */
  knownInputSchema?(fn: FunctionInfo): JsonObject | undefined;
}

/**
 * How a tool's resolution treats a qualifier (core's ResolveOptions): an invoking tool defers a
 * denied one to the invocation service, which refuses it where a missing one is refused; a tool
 * that does not invoke has a qualifier's existence checked. Either way both get the same answer.
 */
export type ResolveCheck = Pick<ResolveOptions, 'deferHiddenQualifier' | 'verifyQualifier'>;

export type Resolved =
  | { ok: true; fn: FunctionInfo; qualifier?: string }
  | { ok: false; handled: GenericHandlerResult };

/** What every generic tool's handler gets. */
export interface GenericContext {
  deps: GenericHandlerDeps;
  services: Services;
  /** The result size cap (bytes). */
  max: number;
  /** The full-text index of list_functions' query and search_functions. */
  search: FunctionSearch;
  notAvailable(name: string, suggestion?: string): GenericHandlerResult;
  failed(error: LambdaMcpError, fn?: string, qualifier?: string): GenericHandlerResult;
  /** The one mapper (tool-failure.ts), with "did you mean" for a function that is not available. */
  failure(error: unknown, target: FailureTarget, context: ToolCallContext): Promise<GenericHandlerResult>;
  itemFailure(error: unknown, target: FailureTarget, context: ToolCallContext): Promise<ItemFailure>;
  /**
   * For tools that read about a function (schema, metrics): the DiscoveryService's allowlist and
   * this caller's authorization. Invocations leave this to the InvocationService.
   */
  resolveFor(
    name: string,
    qualifier: string | undefined,
    context: ToolCallContext,
    check?: ResolveCheck,
  ): Promise<Resolved>;
}

export function createGenericContext(deps: GenericHandlerDeps): GenericContext {
  const { services } = deps;
  const search = createFunctionSearch((fn) => deps.knownInputSchema?.(fn));

  /** Close names among the functions this caller may see (never a hidden one). */
  async function suggestionsFor(name: string, context: ToolCallContext): Promise<string> {
    try {
      const catalog = await services.discovery.getCatalog(
        context.signal ? { signal: context.signal } : undefined,
      );
      const visible = catalog.functions
        .filter((fn) => deps.allowed(context.authorize, fn))
        .map((fn) => fn.name);
      return didYouMean(suggestNames(name, visible));
    } catch {
      return '';
    }
  }

  function notAvailable(name: string, suggestion = ''): GenericHandlerResult {
    return deps.failure(new LambdaMcpError('FUNCTION_NOT_ALLOWED', 'not available'), {
      tool: name,
      function: name,
      suggestion,
    });
  }

  function failed(error: LambdaMcpError, fn?: string, qualifier?: string): GenericHandlerResult {
    return deps.failure(error, {
      tool: fn ?? '',
      ...(fn !== undefined ? { function: fn } : {}),
      ...(qualifier ? { qualifier } : {}),
    });
  }

  /** The target with the call's signal and, for a function not available, "did you mean". */
  async function fullTarget(
    error: unknown,
    target: FailureTarget,
    context: ToolCallContext,
  ): Promise<FailureTarget> {
    const suggestion =
      isNotAvailable(error) && target.function ? await suggestionsFor(target.function, context) : '';
    return {
      ...target,
      ...(suggestion ? { suggestion } : {}),
      ...(context.signal ? { signal: context.signal } : {}),
    };
  }

  async function failure(error: unknown, target: FailureTarget, context: ToolCallContext) {
    return deps.failure(error, await fullTarget(error, target, context));
  }

  async function itemFailure(error: unknown, target: FailureTarget, context: ToolCallContext) {
    return deps.itemFailure(error, await fullTarget(error, target, context));
  }

  /** The allowlist, then this caller's authorization; the same answer for "missing" and "not yours". */
  async function resolveFor(
    name: string,
    qualifier: string | undefined,
    context: ToolCallContext,
    check: ResolveCheck = {},
  ): Promise<Resolved> {
    try {
      const r = await services.discovery.resolve(name, {
        ...check,
        ...(qualifier ? { qualifier } : {}),
        ...(context.signal ? { signal: context.signal } : {}),
        ...(context.authorize ? { authorize: context.authorize } : {}),
      });
      return { ok: true, fn: r.function, ...(r.qualifier ? { qualifier: r.qualifier } : {}) };
    } catch (error) {
      return { ok: false, handled: await failure(error, { tool: name, function: name }, context) };
    }
  }

  return {
    deps,
    services,
    max: deps.options.maxResultBytes,
    search,
    notAvailable,
    failed,
    failure,
    itemFailure,
    resolveFor,
  };
}

const LOG_TAIL_BUDGET = 4_096;
const TRACE_LINES = 30;

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function snakeSource(schema: ResolvedSchema | undefined): JsonObject {
  const source = schema?.source;
  if (!source || source.kind === 'none') return { kind: 'none' };
  return {
    kind: 'registry',
    arn: source.arn,
    registry_name: source.registryName,
    schema_name: source.schemaName,
    ...(source.version ? { version: source.version } : {}),
    type: source.type,
  };
}

/** The `execution_result` of invoke_function(s): Lambda's answer in snake_case. */
export function executionResult(r: InvocationResult): JsonObject {
  const p = r.payload;
  // A function error's payload is the error itself: function_error carries it once.
  const payload = r.functionError
    ? null
    : p.kind === 'json'
      ? p.value
      : p.kind === 'text'
        ? p.text
        : p.kind === 'binary'
          ? p.base64
          : null;
  const report = r.report;
  return {
    function_name: r.functionName,
    ...(r.qualifier ? { qualifier: r.qualifier } : {}),
    invocation_type: r.invocationType,
    status_code: r.statusCode,
    ...(r.requestId ? { request_id: r.requestId } : {}),
    ...(r.executedVersion ? { executed_version: r.executedVersion } : {}),
    payload,
    payload_format: p.kind,
    ...(r.functionError
      ? {
          function_error: {
            kind: r.functionError.kind,
            type: r.functionError.errorType,
            message: redact(r.functionError.errorMessage),
            trace: r.functionError.trace.map(redact),
          },
        }
      : {}),
    ...(r.logs ? { logs: r.logs } : {}),
    ...(report
      ? {
          duration_ms: report.durationMs,
          billed_duration_ms: report.billedDurationMs,
          memory_size_mb: report.memorySizeMb,
          memory_used_mb: report.maxMemoryUsedMb,
          ...(report.initDurationMs !== undefined ? { init_duration_ms: report.initDurationMs } : {}),
        }
      : {}),
    elapsed_ms: Math.round(r.elapsedMs * 1000) / 1000,
  };
}

/** Cuts an execution result to `budget` bytes of JSON: logs to their tail, trace, then the payload. */
export function shrinkExecution(exec: JsonObject, budget: number): JsonObject {
  const out: JsonObject = { ...exec };
  if (Array.isArray(out.logs)) {
    const kept: string[] = [];
    let size = 0;
    for (const line of [...(out.logs as string[])].reverse()) {
      size += byteLength(line) + 4;
      if (size > LOG_TAIL_BUDGET) break;
      kept.unshift(line);
    }
    if (kept.length < (out.logs as string[]).length) {
      out.logs = kept;
      out.logs_truncated = true;
    }
  }
  const fe = out.function_error as JsonObject | undefined;
  if (fe && Array.isArray(fe.trace) && fe.trace.length > TRACE_LINES) {
    out.function_error = { ...fe, trace: (fe.trace as string[]).slice(0, TRACE_LINES) };
  }
  const rest = byteLength(JSON.stringify({ ...out, payload: null }));
  const preview = previewJson(out.payload, Math.max(0, budget - rest - 96));
  out.payload = preview.value;
  if (preview.truncated) out.payload_truncated = preview.truncated;
  return out;
}

export function summaryLine(r: InvocationResult): string {
  const target = formatFunctionKey(r.functionName, r.qualifier);
  if (r.functionError) {
    return `${target} failed (${r.functionError.kind}): ${r.functionError.errorType}: ${redact(r.functionError.errorMessage)}`;
  }
  if (r.invocationType === 'Event')
    return `${target}: accepted for asynchronous execution (status ${r.statusCode}).`;
  if (r.invocationType === 'DryRun')
    return `${target}: dry run passed, the invocation would be allowed (status ${r.statusCode}).`;
  const took = r.report ? `${r.report.durationMs} ms` : `${Math.round(r.elapsedMs)} ms`;
  return `${target} returned status ${r.statusCode} in ${took} (payload: ${r.payload.kind}).`;
}

/** The InvokeRequest of an invoke_function(s) item: the function as the caller named it. */
export function requestFrom(item: JsonObject): InvokeRequest {
  const qualifier = str(item.qualifier);
  return {
    functionName: String(item.function_name),
    ...(qualifier ? { qualifier } : {}),
    payload: item.payload === undefined ? {} : item.payload,
    invocationType: (str(item.invocation_type) ?? 'RequestResponse') as InvocationType,
    logType: (str(item.log_type) ?? 'None') as LogType,
  };
}
