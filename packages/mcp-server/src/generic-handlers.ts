import {
  type FunctionInfo,
  type InvocationResult,
  type InvocationType,
  type InvokeRequest,
  isLambdaMcpError,
  type LambdaMcpError,
  type Logger,
  type LogType,
  type MetricsReport,
  parseTimeRange,
  type ResolvedSchema,
  type Services,
  toLambdaMcpError,
} from '@lambda-mcp/core';
import type { ResolvedCatalogOptions } from './catalog.js';
import {
  errorResult,
  fieldErrorsOf,
  formatFieldErrors,
  invalidArgumentsResult,
  notAvailableText,
  redact,
} from './errors.js';
import { GENERIC_TOOLS, type GenericToolName, MAX_BATCH_INVOCATIONS } from './generic-tools.js';
import { byteLength, previewJson, structuredResult, truncateUtf8 } from './result.js';
import { isOpenFallback, toToolInput } from './tool-schema.js';
import { metricsToolValue, schemaToolValue } from './tools/model-shapes.js';
import { createFunctionSearch, MAX_SEARCH_RESULTS, searchHitValue } from './tools/search-functions.js';
import { didYouMean, suggestNames } from './tools/suggest.js';
import type {
  FunctionAuthorizer,
  JsonObject,
  ToolCallContext,
  ToolCallEvent,
  ToolCallOutcome,
  ToolResult,
} from './types.js';

export interface GenericHandlerResult {
  result: ToolResult;
  audit: Omit<ToolCallEvent, 'time' | 'tool' | 'family' | 'durationMs' | 'requestId'>;
}

export interface GenericHandlerDeps {
  services: Services;
  options: ResolvedCatalogOptions;
  logger: Logger;
  allowed(authorize: FunctionAuthorizer | undefined, fn: FunctionInfo): boolean;
  discoveryProblem(): string | undefined;
  toolNameFor(
    fn: Pick<FunctionInfo, 'name' | 'qualifier'>,
    authorize?: FunctionAuthorizer,
  ): string | undefined;
  /** The input schema of a function whose tool is built already (searched by search_functions). */
  knownInputSchema?(fn: FunctionInfo): JsonObject | undefined;
}

type Resolved =
  | { ok: true; fn: FunctionInfo; qualifier?: string }
  | { ok: false; handled: GenericHandlerResult };

const LOG_TAIL_BUDGET = 4_096;
const TRACE_LINES = 30;

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function snakeSource(schema: ResolvedSchema | undefined): JsonObject {
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

function summaryLine(r: InvocationResult): string {
  const target = r.qualifier ? `${r.functionName}:${r.qualifier}` : r.functionName;
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

export function createGenericHandlers(deps: GenericHandlerDeps) {
  const { services, options, logger } = deps;
  const max = options.maxResultBytes;
  const search = createFunctionSearch((fn) => deps.knownInputSchema?.(fn));

  // One ResolvedSchema object per tool, so the SchemaService compiles each validator once.
  const argSchemas = new Map<GenericToolName, ResolvedSchema>(
    (Object.keys(GENERIC_TOOLS) as GenericToolName[]).map((name) => [
      name,
      { schema: GENERIC_TOOLS[name].inputSchema, dialect: '2020-12', source: { kind: 'none' } },
    ]),
  );

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
    const text = notAvailableText(name, deps.discoveryProblem());
    return {
      result: {
        isError: true,
        content: [
          {
            type: 'text',
            text: suggestion
              ? text.replace('[FUNCTION_NOT_ALLOWED].', `[FUNCTION_NOT_ALLOWED].${suggestion}`)
              : text,
          },
        ],
      },
      audit: { function: name, outcome: 'not_available', errorCode: 'FUNCTION_NOT_ALLOWED' },
    };
  }

  function failed(error: LambdaMcpError, fn?: string, qualifier?: string): GenericHandlerResult {
    const outcome: ToolCallOutcome = error.code === 'ABORTED' ? 'cancelled' : 'error';
    return {
      result: errorResult(error),
      audit: {
        ...(fn ? { function: fn } : {}),
        ...(qualifier ? { qualifier } : {}),
        outcome,
        errorCode: error.code,
      },
    };
  }

  /** The allowlist, then this caller's authorization; the same answer for "missing" and "not yours". */
  async function resolveFor(
    name: string,
    qualifier: string | undefined,
    context: ToolCallContext,
  ): Promise<Resolved> {
    try {
      const r = await services.discovery.resolve(name, {
        ...(qualifier ? { qualifier } : {}),
        ...(context.signal ? { signal: context.signal } : {}),
        ...(context.authorize ? { authorize: context.authorize } : {}),
      });
      return { ok: true, fn: r.function, ...(r.qualifier ? { qualifier: r.qualifier } : {}) };
    } catch (error) {
      const e = toLambdaMcpError(error);
      if (e.code === 'FUNCTION_NOT_ALLOWED' || e.code === 'FUNCTION_NOT_FOUND') {
        return { ok: false, handled: notAvailable(name, await suggestionsFor(name, context)) };
      }
      return { ok: false, handled: failed(e, name) };
    }
  }

  function checkArgs(name: GenericToolName, args: unknown): GenericHandlerResult | undefined {
    const schema = argSchemas.get(name);
    if (!schema) return undefined;
    const r = services.schemas.validate(schema, args ?? {});
    if (r.valid) return undefined;
    return { result: invalidArgumentsResult(name, r.errors), audit: { outcome: 'invalid_arguments' } };
  }

  function invalidPayload(error: LambdaMcpError, tool: string, prefix: string): ToolResult {
    const fields = fieldErrorsOf(error);
    if (!fields) return errorResult(error, 'Invalid payload');
    return invalidArgumentsResult(
      tool,
      fields.map((f) => ({ ...f, path: `${prefix}${f.path}` })),
    );
  }

  async function listFunctions(args: JsonObject, context: ToolCallContext): Promise<GenericHandlerResult> {
    let functions: FunctionInfo[];
    let source: 'live' | 'cache' | undefined;
    let catalog: Awaited<ReturnType<Services['discovery']['getCatalog']>>;
    try {
      catalog = await services.discovery.getCatalog(context.signal ? { signal: context.signal } : undefined);
      functions = catalog.functions;
      source = catalog.source;
    } catch (error) {
      const e = toLambdaMcpError(error, 'BACKEND_UNAVAILABLE');
      return {
        result: errorResult(
          e,
          'Function discovery failed, so the function list is not available (the other tools report the same until it recovers)',
        ),
        audit: { outcome: 'error', errorCode: e.code },
      };
    }
    const visible = functions.filter((fn) => deps.allowed(context.authorize, fn));
    const tagFilter = (args.filter_by_tags ?? {}) as Record<string, string>;
    const runtime = str(args.runtime_filter)?.trim().toLowerCase();
    const filtered = visible.filter((fn) => {
      for (const [key, value] of Object.entries(tagFilter)) {
        const actual = fn.tags?.[key];
        if (actual === undefined) return false;
        if (value !== '*' && actual !== value) return false;
      }
      if (runtime && !(fn.runtime ?? '').toLowerCase().startsWith(runtime)) return false;
      return true;
    });
    const withMetadata = args.include_metadata === true;
    const query = str(args.query)?.trim();
    let ranked = filtered;
    if (query) {
      const keep = new Set(filtered);
      ranked = search
        .search(catalog, query, Math.max(1, filtered.length), (fn) => keep.has(fn))
        .map((h) => h.fn);
    }
    const items = ranked.map((fn) => {
      const toolName = deps.toolNameFor(fn, context.authorize);
      return {
        name: fn.name,
        ...(fn.qualifier ? { qualifier: fn.qualifier } : {}),
        arn: fn.arn,
        description: fn.description ?? '',
        ...(toolName ? { tool_name: toolName } : {}),
        ...(withMetadata
          ? {
              ...(fn.runtime ? { runtime: fn.runtime } : {}),
              timeout: fn.timeoutSeconds,
              memory_size: fn.memorySizeMb,
              tags: fn.tags ?? {},
              ...(fn.inputSchemaArn ? { schema_arn: fn.inputSchemaArn } : {}),
              ...(fn.outputSchemaArn ? { output_schema_arn: fn.outputSchemaArn } : {}),
              ...(fn.lastModified ? { last_modified: fn.lastModified } : {}),
            }
          : {}),
      };
    });
    const problem = deps.discoveryProblem();
    // The per-function tool cap: how many of the caller's functions have no tool of their own.
    const perFunction = deps.options.toolFamilies !== 'generic';
    const withoutOwnTool =
      perFunction && visible.length > deps.options.maxFunctionTools
        ? visible.filter((fn) => !deps.toolNameFor(fn, context.authorize)).length
        : 0;
    const value: JsonObject = {
      functions: items,
      total_count: visible.length,
      filtered_count: ranked.length,
      ...(withoutOwnTool > 0
        ? {
            without_own_tool_count: withoutOwnTool,
            note:
              `${withoutOwnTool} of these ${visible.length} functions have no tool of their own ` +
              `(the server's limit is ${deps.options.maxFunctionTools} per-function tools): ` +
              'call them with invoke_function.',
          }
        : {}),
      ...(source ? { catalog_source: source } : {}),
      ...(problem ? { warning: problem } : {}),
    };
    const result = structuredResult(value, {
      maxResultBytes: max,
      summary: `${ranked.length} of ${visible.length} functions${query ? ` matching ${JSON.stringify(query)}, best first` : ''}${problem ? ` (warning: ${problem})` : ''}.`,
      shrink: (v, budget) => {
        const all = v.functions as unknown[];
        let lo = 0;
        let hi = all.length;
        const sized = (n: number) =>
          byteLength(
            JSON.stringify({ ...v, functions: all.slice(0, n), returned_count: n, truncated: true }),
          );
        while (lo < hi) {
          const mid = Math.ceil((lo + hi) / 2);
          if (sized(mid) <= budget) lo = mid;
          else hi = mid - 1;
        }
        return { ...v, functions: all.slice(0, lo), returned_count: lo, truncated: true };
      },
    });
    return { result, audit: { outcome: 'success' } };
  }

  function requestFrom(item: JsonObject, fn: FunctionInfo, qualifier: string | undefined): InvokeRequest {
    return {
      functionName: fn.name,
      ...(qualifier ? { qualifier } : {}),
      payload: item.payload === undefined ? {} : item.payload,
      invocationType: (str(item.invocation_type) ?? 'RequestResponse') as InvocationType,
      logType: (str(item.log_type) ?? 'None') as LogType,
    };
  }

  async function invokeFunction(args: JsonObject, context: ToolCallContext): Promise<GenericHandlerResult> {
    const name = String(args.function_name);
    const r = await resolveFor(name, str(args.qualifier), context);
    if (!r.ok) return r.handled;
    const audit = { function: r.fn.name, ...(r.qualifier ? { qualifier: r.qualifier } : {}) };
    let result: InvocationResult;
    try {
      result = await services.invocation.invoke(requestFrom(args, r.fn, r.qualifier), {
        ...(context.signal ? { signal: context.signal } : {}),
        ...(context.authorize ? { authorize: context.authorize } : {}),
      });
    } catch (error) {
      const e = toLambdaMcpError(error);
      if (e.code === 'INVALID_INPUT') {
        return {
          result: invalidPayload(e, 'invoke_function', '/payload'),
          audit: { ...audit, outcome: 'invalid_arguments', errorCode: e.code },
        };
      }
      if (e.code === 'FUNCTION_NOT_ALLOWED' || e.code === 'FUNCTION_NOT_FOUND') return notAvailable(name);
      return failed(e, r.fn.name, r.qualifier);
    }
    const shaped = structuredResult(
      { execution_result: executionResult(result) },
      {
        maxResultBytes: max,
        isError: result.functionError !== undefined,
        summary: summaryLine(result),
        shrink: (v, budget) => ({
          execution_result: shrinkExecution(v.execution_result as JsonObject, budget - 24),
        }),
      },
    );
    return {
      result: shaped,
      audit: { ...audit, outcome: result.functionError ? 'function_error' : 'success' },
    };
  }

  async function invokeFunctions(args: JsonObject, context: ToolCallContext): Promise<GenericHandlerResult> {
    const items = (args.invocations as JsonObject[]).slice(0, MAX_BATCH_INVOCATIONS);
    const concurrency = Math.max(
      1,
      Math.min(
        typeof args.concurrency === 'number' ? args.concurrency : options.invokeConcurrency,
        options.invokeConcurrency,
      ),
    );
    const resolved = await Promise.all(
      items.map((item) => resolveFor(String(item.function_name), str(item.qualifier), context)),
    );
    const runnable: Array<{ index: number; request: InvokeRequest }> = [];
    resolved.forEach((r, index) => {
      if (r.ok) runnable.push({ index, request: requestFrom(items[index] as JsonObject, r.fn, r.qualifier) });
    });
    const outcomes =
      runnable.length > 0
        ? await services.invocation.invokeMany(
            runnable.map((x) => x.request),
            {
              concurrency,
              ...(context.signal ? { signal: context.signal } : {}),
              ...(context.authorize ? { authorize: context.authorize } : {}),
            },
          )
        : [];
    const results: JsonObject[] = [];
    const auditItems: NonNullable<GenericHandlerResult['audit']['items']> = [];
    const byIndex = new Map(runnable.map((x, i) => [x.index, outcomes[i]]));
    items.forEach((item, index) => {
      const given = String(item.function_name);
      const r = resolved[index];
      if (!r?.ok) {
        const audit = r && !r.ok ? r.handled.audit : { outcome: 'error' as const };
        const text = r && !r.ok ? (r.handled.result.content[0]?.text ?? 'Not available.') : 'Not available.';
        results.push({
          index,
          function_name: given,
          status: 'error',
          error: { code: audit.errorCode ?? 'FUNCTION_NOT_ALLOWED', message: text },
        });
        auditItems.push({
          function: given,
          outcome: audit.outcome,
          ...(audit.errorCode ? { errorCode: audit.errorCode } : {}),
        });
        return;
      }
      const outcome = byIndex.get(index);
      const qualifier = r.qualifier;
      if (!outcome) {
        results.push({
          index,
          function_name: r.fn.name,
          ...(qualifier ? { qualifier } : {}),
          status: 'error',
          error: { code: 'INTERNAL', message: 'No result was reported for this invocation.' },
        });
        auditItems.push({ function: r.fn.name, outcome: 'error', errorCode: 'INTERNAL' });
        return;
      }
      if (outcome.ok) {
        const exec = executionResult(outcome.result);
        const status = outcome.result.functionError ? 'function_error' : 'success';
        results.push({
          index,
          function_name: r.fn.name,
          ...(qualifier ? { qualifier } : {}),
          status,
          execution_result: exec,
        });
        auditItems.push({
          function: r.fn.name,
          ...(qualifier ? { qualifier } : {}),
          outcome: status === 'success' ? 'success' : 'function_error',
        });
        return;
      }
      const e = outcome.error;
      const message =
        e.code === 'INVALID_INPUT' && fieldErrorsOf(e)
          ? `Invalid payload:\n${formatFieldErrors(fieldErrorsOf(e)!.map((f) => ({ ...f, path: `/payload${f.path}` })))}`
          : e.code === 'FUNCTION_NOT_ALLOWED' || e.code === 'FUNCTION_NOT_FOUND'
            ? notAvailableText(given)
            : redact(e.message);
      results.push({
        index,
        function_name: r.fn.name,
        ...(qualifier ? { qualifier } : {}),
        status: 'error',
        error: { code: e.code, message, retryable: e.retryable },
      });
      auditItems.push({
        function: r.fn.name,
        ...(qualifier ? { qualifier } : {}),
        outcome:
          e.code === 'INVALID_INPUT' ? 'invalid_arguments' : e.code === 'ABORTED' ? 'cancelled' : 'error',
        errorCode: e.code,
      });
    });
    const succeeded = results.filter((x) => x.status === 'success').length;
    const functionErrors = results.filter((x) => x.status === 'function_error').length;
    const failedCount = results.filter((x) => x.status === 'error').length;
    const value: JsonObject = {
      results,
      total: results.length,
      succeeded,
      function_errors: functionErrors,
      failed: failedCount,
    };
    const allFailed = failedCount === results.length;
    const shaped = structuredResult(value, {
      maxResultBytes: max,
      isError: allFailed,
      summary: `${results.length} invocations: ${succeeded} succeeded, ${functionErrors} function errors, ${failedCount} failed.`,
      shrink: (v, budget) => {
        const list = v.results as JsonObject[];
        const each = Math.floor((budget - 200) / Math.max(1, list.length));
        return {
          ...v,
          results: list.map((x) =>
            x.execution_result
              ? { ...x, execution_result: shrinkExecution(x.execution_result as JsonObject, each - 120) }
              : x,
          ),
        };
      },
    });
    const outcome: ToolCallOutcome = allFailed ? 'error' : 'success';
    return { result: shaped, audit: { outcome, items: auditItems } };
  }

  async function getFunctionSchema(
    args: JsonObject,
    context: ToolCallContext,
  ): Promise<GenericHandlerResult> {
    const name = String(args.function_name);
    const r = await resolveFor(name, undefined, context);
    if (!r.ok) return r.handled;
    const audit = { function: r.fn.name, ...(r.qualifier ? { qualifier: r.qualifier } : {}) };
    const version = str(args.schema_version);
    let schemas: Awaited<ReturnType<Services['schemas']['getSchemas']>>;
    try {
      schemas = await services.schemas.getSchemas(r.fn, {
        ...(version ? { version } : {}),
        ...(context.signal ? { signal: context.signal } : {}),
      });
    } catch (error) {
      return failed(toLambdaMcpError(error), r.fn.name, r.qualifier);
    }
    const input = isOpenFallback(schemas.input) ? undefined : schemas.input;
    const toolInput = toToolInput(input, services.schemas);
    const problems = [...schemas.problems, ...toolInput.problems];
    let examples: Array<{ description: string; payload: unknown }> | undefined;
    if (args.include_examples !== false) {
      if (input) {
        try {
          examples = services.schemas.describedExamples(input, 3);
        } catch (error) {
          problems.push(`Examples could not be generated: ${toLambdaMcpError(error).message}`);
          examples = [];
        }
      } else {
        examples = [];
        problems.push('No input schema is known, so there are no generated examples.');
      }
    }
    const toolName = deps.toolNameFor(r.fn, context.authorize);
    const value: JsonObject = schemaToolValue({
      functionName: r.fn.name,
      ...(r.qualifier ? { qualifier: r.qualifier } : {}),
      ...(toolName ? { toolName } : {}),
      schema: input?.schema ?? null,
      version: input?.source.kind === 'registry' ? (input.source.version ?? null) : null,
      ...(examples ? { examples } : {}),
      extras: {
        input_schema: input?.schema ?? null,
        ...(input ? { dialect: input.dialect } : {}),
        source: snakeSource(input),
        output_schema: schemas.output?.schema ?? null,
        // The tool's inputSchema only when it differs from the function's schema (wrapped or open).
        ...(JSON.stringify(toolInput.schema) !== JSON.stringify(input?.schema)
          ? { tool_input_schema: toolInput.schema }
          : {}),
        input_mode: toolInput.mode,
        problems,
      },
    });
    const summary = input
      ? `Input schema of ${r.fn.name} (${input.dialect}, from ${input.source.kind === 'registry' ? input.source.arn : 'the function'}).`
      : `${r.fn.name} has no known input schema; its tool accepts any JSON object.`;
    return {
      result: structuredResult(value, {
        maxResultBytes: max,
        summary,
        shrink: (v) => {
          const { examples: _examples, output_schema: _output, input_schema: _input, ...rest } = v;
          return {
            ...rest,
            output_schema: null,
            ...(v.examples ? { examples: [] } : {}),
            problems: [
              ...(v.problems as string[]),
              'Examples and the output schema were left out to fit the size limit.',
            ],
          };
        },
      }),
      audit: { ...audit, outcome: 'success' },
    };
  }

  async function monitorExecutions(
    args: JsonObject,
    context: ToolCallContext,
  ): Promise<GenericHandlerResult> {
    const name = String(args.function_name);
    const r = await resolveFor(name, str(args.qualifier), context);
    if (!r.ok) return r.handled;
    const audit = { function: r.fn.name, ...(r.qualifier ? { qualifier: r.qualifier } : {}) };
    const range = (args.time_range ?? {}) as JsonObject;
    let start: Date;
    let end: Date;
    try {
      ({ start, end } = parseTimeRange(
        { start: str(range.start), end: str(range.end) },
        { names: { start: 'time_range.start', end: 'time_range.end' } },
      ));
    } catch (error) {
      const e = toLambdaMcpError(error, 'INVALID_REQUEST');
      return {
        result: invalidArgumentsResult('monitor_executions', [
          {
            path: `/time_range/${String(e.details?.field ?? 'start').replace(/^time_range\./, '')}`,
            message: e.message,
            keyword: 'format',
          },
        ]),
        audit: { ...audit, outcome: 'invalid_arguments', errorCode: e.code },
      };
    }
    let report: MetricsReport;
    try {
      report = await services.metrics.getMetrics(
        {
          functionName: r.fn.name,
          ...(r.qualifier ? { qualifier: r.qualifier } : {}),
          start,
          end,
          ...(Array.isArray(args.metric_types) ? { metrics: args.metric_types as string[] } : {}),
          includeErrors: args.include_errors === true,
        },
        context.signal ? { signal: context.signal } : undefined,
      );
    } catch (error) {
      const e = toLambdaMcpError(error);
      if (e.code === 'INVALID_REQUEST' && e.details?.field === 'metrics') {
        return {
          result: invalidArgumentsResult('monitor_executions', [
            { path: '/metric_types', message: e.message, keyword: 'enum' },
          ]),
          audit: { ...audit, outcome: 'invalid_arguments', errorCode: e.code },
        };
      }
      return failed(e, r.fn.name, r.qualifier);
    }
    const value = metricsToolValue(report, { includeRaw: args.include_raw_errors === true });
    const s = report.summary;
    const summary =
      `${r.fn.name} from ${report.start} to ${report.end}: ${s.invocations} invocations, ${s.errors} errors ` +
      `(${(s.errorRate * 100).toFixed(1)}%), ${s.throttles} throttles` +
      (s.averageDurationMs !== undefined ? `, average duration ${s.averageDurationMs.toFixed(1)} ms` : '') +
      '.';
    return {
      result: structuredResult(value, {
        maxResultBytes: max,
        summary,
        shrink: (v, budget) => shrinkMetrics(v, budget),
      }),
      audit: { ...audit, outcome: 'success' },
    };
  }

  async function searchFunctions(args: JsonObject, context: ToolCallContext): Promise<GenericHandlerResult> {
    let catalog: Awaited<ReturnType<Services['discovery']['getCatalog']>>;
    try {
      catalog = await services.discovery.getCatalog(context.signal ? { signal: context.signal } : undefined);
    } catch (error) {
      const e = toLambdaMcpError(error, 'BACKEND_UNAVAILABLE');
      return {
        result: errorResult(e, 'Function discovery failed, so there is nothing to search yet'),
        audit: { outcome: 'error', errorCode: e.code },
      };
    }
    const query = String(args.query);
    const limit = Math.min(MAX_SEARCH_RESULTS, typeof args.limit === 'number' ? args.limit : 10);
    const visible = (fn: FunctionInfo) => deps.allowed(context.authorize, fn);
    const hits = search.search(catalog, query, limit, visible);
    const value: JsonObject = {
      query,
      functions: hits.map((h) => searchHitValue(h, deps.toolNameFor(h.fn, context.authorize))),
      total_count: catalog.functions.filter(visible).length,
    };
    const best = hits[0]?.fn.name;
    return {
      result: structuredResult(value, {
        maxResultBytes: max,
        summary: best
          ? `${hits.length} functions match ${JSON.stringify(query)}; best: ${best}. Invoke with invoke_function (function_name) or its tool_name.`
          : `No function matches ${JSON.stringify(query)}; try other words or list_functions.`,
      }),
      audit: { outcome: 'success' },
    };
  }

  const handlers: Record<
    GenericToolName,
    (args: JsonObject, context: ToolCallContext) => Promise<GenericHandlerResult>
  > = {
    list_functions: listFunctions,
    invoke_function: invokeFunction,
    invoke_functions: invokeFunctions,
    get_function_schema: getFunctionSchema,
    monitor_executions: monitorExecutions,
    search_functions: searchFunctions,
  };

  return {
    async call(
      name: GenericToolName,
      args: unknown,
      context: ToolCallContext,
    ): Promise<GenericHandlerResult> {
      const invalid = checkArgs(name, args);
      if (invalid) return invalid;
      try {
        return await handlers[name]((args ?? {}) as JsonObject, context);
      } catch (error) {
        if (!isLambdaMcpError(error)) throw error;
        logger.debug('A generic tool failed', { tool: name, code: error.code });
        return failed(error, str((args as JsonObject | undefined)?.function_name));
      }
    },
  };
}

/** Keeps the most recent points of every series so the report fits `budget` bytes. */
function shrinkMetrics(value: JsonObject, budget: number): JsonObject | undefined {
  const cut = (points: unknown, n: number) => (Array.isArray(points) ? points.slice(-n) : points);
  const series = value.series as JsonObject;
  for (let n = 512; n >= 1; n = Math.floor(n / 2)) {
    const duration = series.duration as JsonObject | undefined;
    const next: JsonObject = {
      ...value,
      series: {
        ...Object.fromEntries(Object.entries(series).map(([k, v]) => [k, k === 'duration' ? v : cut(v, n)])),
        ...(duration
          ? { duration: Object.fromEntries(Object.entries(duration).map(([k, v]) => [k, cut(v, n)])) }
          : {}),
      },
      ...(Array.isArray(value.recent_errors)
        ? {
            recent_errors: (value.recent_errors as JsonObject[]).slice(0, 10).map((e) => ({
              ...e,
              message: truncateUtf8(String(e.message), 500),
            })),
          }
        : {}),
      series_truncated: true,
    };
    if (byteLength(JSON.stringify(next)) <= budget) return next;
  }
  return undefined;
}
