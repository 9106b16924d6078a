/** Schema fragments the generic tools share (plain keywords every client's validator knows). */

export const invocationTypeSchema = {
  type: 'string',
  enum: ['RequestResponse', 'Event', 'DryRun'],
  default: 'RequestResponse',
  description:
    'RequestResponse waits for the result; Event runs it asynchronously; DryRun only checks access.',
};
export const logTypeSchema = {
  type: 'string',
  enum: ['None', 'Tail'],
  default: 'None',
  description: 'Tail: also return the last 4 KB of the log and the duration/memory figures.',
};
export const functionNameSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 256,
  description: 'Function name, ARN, or name:qualifier.',
};
export const qualifierSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  description: 'Version or alias.',
};

/** One invocation as invoke_function takes it, and each item of invoke_functions. */
export const invocationSchema = {
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
};

export const executionResultSchema = {
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

export const errorSchema = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    retryable: { type: 'boolean' },
  },
  required: ['code', 'message'],
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
