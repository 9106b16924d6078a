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
] as const;
export type GenericToolName = (typeof GENERIC_TOOL_NAMES)[number];

export const MAX_BATCH_INVOCATIONS = 50;

const invocationTypeSchema = {
  type: 'string',
  enum: ['RequestResponse', 'Event', 'DryRun'],
  default: 'RequestResponse',
  description:
    'RequestResponse (default): run and wait for the result. Event: queue an asynchronous run and return at once (no result). DryRun: only check that the call would be allowed.',
};
const logTypeSchema = {
  type: 'string',
  enum: ['None', 'Tail'],
  default: 'None',
  description:
    'Tail: also return the last 4 KB of the execution log and the REPORT figures (duration, memory).',
};
const functionNameSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 256,
  description: 'The function name (as list_functions shows it), a full or partial ARN, or name:qualifier.',
};
const qualifierSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  description: 'A version number or alias name (optional).',
};

const executionResultSchema = {
  type: 'object',
  description: 'What Lambda answered.',
  properties: {
    function_name: { type: 'string' },
    qualifier: { type: 'string' },
    invocation_type: { type: 'string', enum: ['RequestResponse', 'Event', 'DryRun'] },
    status_code: { type: 'integer', description: '200 RequestResponse, 202 Event, 204 DryRun.' },
    request_id: { type: 'string' },
    executed_version: { type: 'string' },
    payload: { description: "The function's response: JSON as is, text as a string, binary as base64." },
    payload_format: { type: 'string', enum: ['json', 'text', 'binary', 'empty'] },
    payload_truncated: {
      type: 'object',
      description:
        'Present when the payload was cut to fit the result size limit; payload is then a text preview.',
      properties: { total_bytes: { type: 'integer' }, shown_bytes: { type: 'integer' } },
    },
    function_error: {
      type: 'object',
      description: 'Present when the function itself failed.',
      properties: {
        kind: { type: 'string', description: 'Unhandled or Handled.' },
        type: { type: 'string' },
        message: { type: 'string' },
        trace: { type: 'array', items: { type: 'string' } },
      },
      required: ['type', 'message'],
    },
    logs: { type: 'array', items: { type: 'string' }, description: 'Log tail lines (log_type Tail).' },
    logs_truncated: { type: 'boolean' },
    duration_ms: { type: 'number' },
    billed_duration_ms: { type: 'number' },
    memory_size_mb: { type: 'number' },
    memory_used_mb: { type: 'number' },
    init_duration_ms: { type: 'number', description: 'Present on a cold start.' },
    elapsed_ms: { type: 'number', description: 'Wall-clock time seen by this server.' },
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

const dataPoints = {
  type: 'array',
  items: {
    type: 'object',
    properties: { timestamp: { type: 'string' }, value: { type: 'number' } },
    required: ['timestamp', 'value'],
  },
};

const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const invoking = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true };

export const GENERIC_TOOLS: Readonly<Record<GenericToolName, ToolDefinition>> = {
  list_functions: {
    name: 'list_functions',
    title: 'List Lambda functions',
    description:
      'Lists the Lambda functions this server exposes (only those that pass its configured filters). ' +
      'Use it to find the right function, its tool name and its metadata before invoking. ' +
      'Optional filters narrow the list by tags or runtime. Returns functions, total_count (all exposed functions) and filtered_count (after your filters).',
    inputSchema: {
      type: 'object',
      properties: {
        include_metadata: {
          type: 'boolean',
          default: false,
          description:
            'Also return runtime, timeout, memory_size, tags, schema_arn and last_modified for each function (default false: name, description, tool name).',
        },
        filter_by_tags: {
          type: 'object',
          additionalProperties: { type: 'string' },
          description: 'Only functions with all these tags. A value of "*" matches any value of that tag.',
        },
        runtime_filter: {
          type: 'string',
          description:
            'Only functions whose runtime starts with this text (case-insensitive), e.g. "nodejs" or "python3.12".',
        },
      },
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: {
        functions: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              qualifier: { type: 'string' },
              arn: { type: 'string' },
              description: { type: 'string' },
              tool_name: {
                type: 'string',
                description: 'The per-function tool that invokes it, when there is one.',
              },
              runtime: { type: 'string' },
              timeout: { type: 'number', description: 'Seconds.' },
              memory_size: { type: 'number', description: 'MB.' },
              tags: { type: 'object', additionalProperties: { type: 'string' } },
              schema_arn: { type: 'string' },
              output_schema_arn: { type: 'string' },
              last_modified: { type: 'string' },
            },
            required: ['name', 'arn'],
          },
        },
        total_count: { type: 'integer' },
        filtered_count: { type: 'integer' },
        returned_count: {
          type: 'integer',
          description: 'Present when the list was cut to fit the size limit.',
        },
        truncated: { type: 'boolean' },
        catalog_source: { type: 'string', enum: ['live', 'cache'] },
        warning: { type: 'string' },
      },
      required: ['functions', 'total_count', 'filtered_count'],
    },
    annotations: { title: 'List Lambda functions', ...readOnly },
  },

  invoke_function: {
    name: 'invoke_function',
    title: 'Invoke a Lambda function',
    description:
      'Invokes one Lambda function with a JSON payload and returns its execution result: status_code, payload, function_error (when the function failed), executed_version, and with log_type "Tail" the log lines plus duration_ms, billed_duration_ms, memory_used_mb and init_duration_ms. ' +
      'Use it for any function (also those without their own tool), for an alias or version (qualifier), for asynchronous (Event) or DryRun calls, or to see logs. ' +
      "The payload is checked against the function's input schema when it has one (see get_function_schema). Invocations run real code and may change data.",
    inputSchema: {
      type: 'object',
      properties: {
        function_name: functionNameSchema,
        payload: {
          description: "The function's event: any JSON value, usually an object. Defaults to {}.",
        },
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
    description:
      `Runs up to ${MAX_BATCH_INVOCATIONS} invocations in one call, in parallel under a concurrency cap. ` +
      'Every item gets its own result or error (status success, function_error or error), in the order given; one failure does not affect the others. ' +
      'Use it to fan out the same function over several payloads or to call several functions at once.',
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
              payload: { description: "The function's event (any JSON value). Defaults to {}." },
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
          description: "How many run at once (capped by the server's own limit).",
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
              execution_result: executionResultSchema,
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
      "Returns a function's input JSON Schema (and output schema, when known), where it comes from (e.g. the EventBridge Schema Registry), the exact inputSchema of its MCP tool, and with include_examples some example payloads that validate. " +
      'Use it before invoking a function whose input you are not sure of.',
    inputSchema: {
      type: 'object',
      properties: {
        function_name: functionNameSchema,
        schema_version: {
          type: 'string',
          minLength: 1,
          description: 'A registry schema version (default: latest).',
        },
        include_examples: { type: 'boolean', default: false, description: 'Also return example payloads.' },
      },
      required: ['function_name'],
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: {
        function_name: { type: 'string' },
        qualifier: { type: 'string' },
        tool_name: { type: 'string' },
        input_schema: {
          type: ['object', 'null'],
          description: 'null when the function has no known input schema.',
        },
        dialect: { type: 'string' },
        source: {
          type: 'object',
          properties: {
            kind: { type: 'string', enum: ['registry', 'none'] },
            arn: { type: 'string' },
            registry_name: { type: 'string' },
            schema_name: { type: 'string' },
            version: { type: 'string' },
            type: { type: 'string' },
          },
          required: ['kind'],
        },
        output_schema: { type: ['object', 'null'] },
        tool_input_schema: {
          type: 'object',
          description: "The inputSchema of this function's MCP tool, when it differs from input_schema.",
        },
        input_mode: {
          type: 'string',
          enum: ['flat', 'wrapped', 'open'],
          description:
            'flat: the arguments are the event; wrapped: the event goes in "payload"; open: any object.',
        },
        examples: { type: 'array' },
        problems: { type: 'array', items: { type: 'string' } },
      },
      required: ['function_name', 'input_schema', 'source', 'problems'],
    },
    annotations: { title: "Get a function's input schema", ...readOnly },
  },

  monitor_executions: {
    name: 'monitor_executions',
    title: 'Monitor function executions',
    description:
      'Reports how a function ran over a time range: series of invocations, errors, throttles, duration (average, p50, p90, p99, maximum) and concurrency, a summary (totals and error rate), and with include_errors the recent error details from its logs. ' +
      'time_range takes ISO 8601 times or relative forms such as "1h", "30m", "7d" (meaning that long ago) and "now"; the default is the last hour.',
    inputSchema: {
      type: 'object',
      properties: {
        function_name: functionNameSchema,
        qualifier: qualifierSchema,
        time_range: {
          type: 'object',
          properties: {
            start: {
              type: 'string',
              description: 'ISO 8601 time or relative ("1h" = one hour ago). Default "1h".',
            },
            end: { type: 'string', description: 'ISO 8601 time, relative, or "now" (default).' },
          },
          additionalProperties: false,
        },
        include_errors: { type: 'boolean', default: false, description: 'Also return recent error details.' },
        metric_types: {
          type: 'array',
          items: { type: 'string', enum: ['invocations', 'errors', 'throttles', 'duration', 'concurrency'] },
          uniqueItems: true,
          description: 'Which series to return (default: all).',
        },
      },
      required: ['function_name'],
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: {
        function_name: { type: 'string' },
        qualifier: { type: 'string' },
        start: { type: 'string' },
        end: { type: 'string' },
        period_seconds: { type: 'integer' },
        series: {
          type: 'object',
          properties: {
            invocations: dataPoints,
            errors: dataPoints,
            throttles: dataPoints,
            duration: {
              type: 'object',
              properties: {
                average: dataPoints,
                p50: dataPoints,
                p90: dataPoints,
                p99: dataPoints,
                maximum: dataPoints,
              },
            },
            concurrency: dataPoints,
          },
        },
        summary: {
          type: 'object',
          properties: {
            invocations: { type: 'number' },
            errors: { type: 'number' },
            throttles: { type: 'number' },
            error_rate: { type: 'number' },
            average_duration_ms: { type: 'number' },
            max_duration_ms: { type: 'number' },
            max_concurrency: { type: 'number' },
          },
          required: ['invocations', 'errors', 'throttles', 'error_rate'],
        },
        recent_errors: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              timestamp: { type: 'string' },
              request_id: { type: 'string' },
              kind: { type: 'string' },
              message: { type: 'string' },
              log_stream: { type: 'string' },
            },
            required: ['timestamp', 'kind', 'message'],
          },
        },
        series_truncated: { type: 'boolean' },
      },
      required: ['function_name', 'start', 'end', 'period_seconds', 'series', 'summary'],
    },
    annotations: { title: 'Monitor function executions', ...readOnly },
  },
};

export function isGenericToolName(name: string): name is GenericToolName {
  return (GENERIC_TOOL_NAMES as readonly string[]).includes(name);
}
