/** Schema fragments the generic tools share (plain keywords every client's validator knows). */

export const invocationTypeSchema = {
  type: 'string',
  enum: ['RequestResponse', 'Event', 'DryRun'],
  default: 'RequestResponse',
  description:
    'RequestResponse (default): run and wait for the result. Event: queue an asynchronous run and return at once (no result). DryRun: only check that the call would be allowed.',
};
export const logTypeSchema = {
  type: 'string',
  enum: ['None', 'Tail'],
  default: 'None',
  description:
    'Tail: also return the last 4 KB of the execution log and the REPORT figures (duration, memory).',
};
export const functionNameSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 256,
  description: 'The function name (as list_functions shows it), a full or partial ARN, or name:qualifier.',
};
export const qualifierSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  description: 'A version number or alias name (optional).',
};

export const executionResultSchema = {
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

export const errorSchema = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    retryable: { type: 'boolean' },
  },
  required: ['code', 'message'],
};

export const dataPoints = {
  type: 'array',
  items: {
    type: 'object',
    properties: { timestamp: { type: 'string' }, value: { type: 'number' } },
    required: ['timestamp', 'value'],
  },
};

export const readOnly = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
export const invoking = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: true,
};
