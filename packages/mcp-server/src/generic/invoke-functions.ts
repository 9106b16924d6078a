/** The invoke_functions tool: its schema and its handler. */
import { structuredResult } from '../result.js';
import type { JsonObject, ToolCallContext, ToolCallOutcome, ToolDefinition } from '../types.js';
import { errorSchema, invocationSchema, invoking } from './schemas.js';
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
        items: invocationSchema,
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
  // One invokeMany: the InvocationService resolves, authorizes, validates and limits each item.
  const outcomes = await g.services.invocation.invokeMany(items.map(requestFrom), {
    concurrency,
    ...(context.signal ? { signal: context.signal } : {}),
    ...(context.authorize ? { authorize: context.authorize } : {}),
  });
  const results: JsonObject[] = [];
  const auditItems: NonNullable<GenericHandlerResult['audit']['items']> = [];
  for (const [index, item] of items.entries()) {
    const given = String(item.function_name);
    const outcome = outcomes[index];
    if (!outcome) {
      results.push({
        index,
        function_name: given,
        status: 'error',
        error: { code: 'INTERNAL', message: 'No result was reported for this invocation.' },
      });
      auditItems.push({ function: given, outcome: 'error', errorCode: 'INTERNAL' });
      continue;
    }
    if (outcome.ok) {
      const r = outcome.result;
      const qualifier = r.qualifier;
      const status = r.functionError ? 'function_error' : 'success';
      results.push({
        index,
        function_name: r.functionName,
        ...(qualifier ? { qualifier } : {}),
        status,
        execution_result: executionResult(r),
      });
      auditItems.push({
        function: r.functionName,
        ...(qualifier ? { qualifier } : {}),
        outcome: status === 'success' ? 'success' : 'function_error',
      });
      continue;
    }
    const qualifier = str(item.qualifier);
    const failed = await g.itemFailure(
      outcome.error,
      {
        tool: 'invoke_functions',
        function: given,
        ...(qualifier ? { qualifier } : {}),
        payloadPath: '/payload',
      },
      context,
    );
    results.push({
      index,
      function_name: given,
      ...(qualifier ? { qualifier } : {}),
      status: 'error',
      error: {
        code: failed.code,
        message: failed.message,
        ...(failed.retryable !== undefined ? { retryable: failed.retryable } : {}),
      },
    });
    auditItems.push({
      function: given,
      ...(qualifier ? { qualifier } : {}),
      outcome: failed.outcome,
      errorCode: failed.code,
    });
  }
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
