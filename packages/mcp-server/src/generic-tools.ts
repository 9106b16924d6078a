import { metricNamesAccepted } from '@lambda-mcp/core';
import { SEARCH_FUNCTIONS_TOOL } from './tools/search-functions.js';
import type { ToolDefinition } from './types.js';

/**
 * The generic tools: hand-written JSON Schemas (plain keywords that every client's validator
 * understands), with descriptions written for a model.
 */
export const GENERIC_TOOL_NAMES = [
  'get_function_schema',
  'invoke_function',
  'invoke_functions',
  'list_functions',
  'monitor_executions',
  'search_functions',
] as const;
export type GenericToolName = (typeof GENERIC_TOOL_NAMES)[number];

export const MAX_BATCH_INVOCATIONS = 50;

const invocationTypeSchema = {
  type: 'string',
  enum: ['RequestResponse', 'Event', 'DryRun'],
  default: 'RequestResponse',
  description:
    'RequestResponse waits for the result; Event runs it asynchronously; DryRun only checks access.',
};
const logTypeSchema = {
  type: 'string',
  enum: ['None', 'Tail'],
  default: 'None',
  description: 'Tail: also return the last 4 KB of the log and the duration/memory figures.',
};
const functionNameSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 256,
  description: 'Function name, ARN, or name:qualifier.',
};
const qualifierSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  description: 'Version or alias.',
};

const executionResultSchema = {
  type: 'object',
  properties: {
    function_name: { type: 'string' },
    invocation_type: { type: 'string' },
    status_code: { type: 'integer' },
    payload: {},
    payload_format: { type: 'string', enum: ['json', 'text', 'binary', 'empty'] },
    function_error: {
      type: 'object',
      description: 'Present when the function failed: type, message, trace.',
    },
    logs: { type: 'array', items: { type: 'string' } },
  },
  required: ['function_name', 'invocation_type', 'status_code', 'payload_format'],
};

const errorSchema = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    retryable: { type: 'boolean' },
  },
  required: ['code', 'message'],
};

const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const invoking = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true };

export const GENERIC_TOOLS: Readonly<Record<GenericToolName, ToolDefinition>> = {
  list_functions: {
    name: 'list_functions',
    title: 'List Lambda functions',
    description:
      'Lists the Lambda functions you can use, with their tool names; filter by tags or runtime, or rank by a plain-language query. ' +
      'With many functions, prefer search_functions.',
    inputSchema: {
      type: 'object',
      properties: {
        include_metadata: {
          type: 'boolean',
          default: false,
          description: 'Add runtime, timeout, memory, tags, schema ARN.',
        },
        filter_by_tags: {
          type: 'object',
          additionalProperties: { type: 'string' },
          description: 'Required tags; "*" matches any value.',
        },
        runtime_filter: { type: 'string', description: 'Runtime prefix, e.g. "python3".' },
        query: {
          type: 'string',
          minLength: 1,
          maxLength: 500,
          description: 'Rank by relevance to this request, best first.',
        },
      },
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: {
        functions: { type: 'array', items: { type: 'object' } },
        total_count: { type: 'integer' },
        filtered_count: { type: 'integer' },
      },
      required: ['functions', 'total_count', 'filtered_count'],
    },
    annotations: { title: 'List Lambda functions', ...readOnly },
  },

  invoke_function: {
    name: 'invoke_function',
    title: 'Invoke a Lambda function',
    description:
      'Invokes any function you can use by name with a JSON payload and returns its result, error and (log_type Tail) logs. ' +
      'Use it for functions without their own tool, versions or aliases, async (Event) or DryRun calls. It runs real code.',
    inputSchema: {
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
    outputSchema: {
      type: 'object',
      properties: { execution_result: executionResultSchema },
      required: ['execution_result'],
    },
    annotations: { title: 'Invoke a Lambda function', ...invoking },
  },

  invoke_functions: {
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
  },

  get_function_schema: {
    name: 'get_function_schema',
    title: "Get a function's input schema",
    description:
      "Returns a function's input JSON Schema (schema, version) with example payloads that validate, plus its output schema and source. " +
      'Use it before invoking a function whose input you are not sure of.',
    inputSchema: {
      type: 'object',
      properties: {
        function_name: functionNameSchema,
        schema_version: { type: 'string', minLength: 1, description: 'Registry version (default latest).' },
        include_examples: { type: 'boolean', default: true },
      },
      required: ['function_name'],
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: {
        function_name: { type: 'string' },
        schema: { type: ['object', 'null'], description: 'null when no input schema is known.' },
        version: { type: ['string', 'null'] },
        examples: {
          type: 'array',
          items: {
            type: 'object',
            properties: { description: { type: 'string' }, payload: {} },
            required: ['description', 'payload'],
          },
        },
        input_mode: { type: 'string', enum: ['flat', 'wrapped', 'open'] },
        problems: { type: 'array', items: { type: 'string' } },
      },
      required: ['function_name', 'schema', 'version', 'problems'],
    },
    annotations: { title: "Get a function's input schema", ...readOnly },
  },

  monitor_executions: {
    name: 'monitor_executions',
    title: 'Monitor function executions',
    description:
      'Reports how a function ran over a time range: invocations, errors, throttles, duration percentiles, concurrency, async and stream metrics, cold starts, and recent errors grouped by type. ' +
      'Use it to debug failures or slowness.',
    inputSchema: {
      type: 'object',
      properties: {
        function_name: functionNameSchema,
        qualifier: qualifierSchema,
        time_range: {
          type: 'object',
          properties: {
            start: { type: 'string', description: 'ISO 8601 or relative ("1h" ago). Default "1h".' },
            end: { type: 'string', description: 'ISO 8601, relative or "now" (default).' },
          },
          additionalProperties: false,
        },
        include_errors: { type: 'boolean', default: false, description: 'Add recent errors from the logs.' },
        include_raw_errors: {
          type: 'boolean',
          default: false,
          description: "Add each error's raw log line.",
        },
        metric_types: {
          type: 'array',
          items: { type: 'string', minLength: 1, maxLength: 64 },
          uniqueItems: true,
          description: `Any case: ${metricNamesAccepted()
            .filter((_, i) => i % 2 === 1)
            .join(', ')} (default the first five).`,
        },
      },
      required: ['function_name'],
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: {
        function_name: { type: 'string' },
        start: { type: 'string' },
        end: { type: 'string' },
        period_seconds: { type: 'integer' },
        series: { type: 'object', description: 'Points per metric; a failed one is {error}.' },
        summary: { type: 'object' },
        recent_errors: { type: 'array', items: { type: 'object' } },
      },
      required: ['function_name', 'start', 'end', 'period_seconds', 'series', 'summary'],
    },
    annotations: { title: 'Monitor function executions', ...readOnly },
  },

  search_functions: SEARCH_FUNCTIONS_TOOL,
};

export function isGenericToolName(name: string): name is GenericToolName {
  return (GENERIC_TOOL_NAMES as readonly string[]).includes(name);
}
