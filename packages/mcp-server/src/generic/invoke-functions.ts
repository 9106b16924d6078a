/** The invoke_functions tool: its schema and its handler. */
import type { InvokeRequest } from '@lambda-mcp/core';
import { fieldErrorsOf, formatFieldErrors, notAvailableText, redact } from '../errors.js';
import { structuredResult } from '../result.js';
import type { JsonObject, ToolCallContext, ToolCallOutcome, ToolDefinition } from '../types.js';
import {
  errorSchema,
  functionNameSchema,
  invocationTypeSchema,
  invoking,
  logTypeSchema,
  qualifierSchema,
} from './schemas.js';
import {
  executionResult,
  type GenericContext,
  type GenericHandlerResult,
  requestFrom,
  shrinkExecution,
  str,
} from './shared.js';

/** At most this many invocations in one invoke_functions call. */
export const MAX_BATCH_INVOCATIONS = 50;

export const invokeFunctionsTool: ToolDefinition = {
  name: 'invoke_functions',
  title: 'Invoke several Lambda functions',
  description: `Runs up to ${MAX_BATCH_INVOCATIONS} invocations in parallel; each item gets its own result or error, in order.`,
  inputSchema: {
    type: 'object',
    properties: {
      invocations: {
        type: 'array',
        minItems: 1,
        maxItems: MAX_BATCH_INVOCATIONS,
        items: {
          type: 'object',
          properties: {
            function_name: functionNameSchema,
            payload: { description: 'The event (any JSON); default {}.' },
            invocation_type: invocationTypeSchema,
            log_type: logTypeSchema,
            qualifier: qualifierSchema,
          },
          required: ['function_name'],
          additionalProperties: false,
        },
      },
      concurrency: {
        type: 'integer',
        minimum: 1,
        maximum: 100,
        description: 'How many at once (capped by the server).',
      },
    },
    required: ['invocations'],
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: {
      results: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            index: { type: 'integer' },
            function_name: { type: 'string' },
            qualifier: { type: 'string' },
            status: { type: 'string', enum: ['success', 'function_error', 'error'] },
            execution_result: { type: 'object' },
            error: errorSchema,
          },
          required: ['index', 'function_name', 'status'],
        },
      },
      total: { type: 'integer' },
      succeeded: { type: 'integer' },
      function_errors: { type: 'integer' },
      failed: { type: 'integer' },
    },
    required: ['results', 'total', 'succeeded', 'function_errors', 'failed'],
  },
  annotations: { title: 'Invoke several Lambda functions', ...invoking },
};

export async function invokeFunctions(
  g: GenericContext,
  args: JsonObject,
  context: ToolCallContext,
): Promise<GenericHandlerResult> {
  const items = (args.invocations as JsonObject[]).slice(0, MAX_BATCH_INVOCATIONS);
  const concurrency = Math.max(
    1,
    Math.min(
      typeof args.concurrency === 'number' ? args.concurrency : g.deps.options.invokeConcurrency,
      g.deps.options.invokeConcurrency,
    ),
  );
  const resolved = await Promise.all(
    items.map((item) =>
      g.resolveFor(String(item.function_name), str(item.qualifier), context, { deferHiddenQualifier: true }),
    ),
  );
  const runnable: Array<{ index: number; request: InvokeRequest }> = [];
  resolved.forEach((r, index) => {
    if (r.ok) runnable.push({ index, request: requestFrom(items[index] as JsonObject, r.fn, r.qualifier) });
  });
  const outcomes =
    runnable.length > 0
      ? await g.services.invocation.invokeMany(
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
    maxResultBytes: g.max,
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
