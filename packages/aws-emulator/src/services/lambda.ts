/**
 * Lambda (restJson1): ListFunctions, GetFunction, GetFunctionConfiguration, ListTags, Invoke.
 * Bodies, statuses, headers and error shapes follow the recordings in fixtures/aws (at the repository root).
 */
import { createHash } from 'node:crypto';
import type { FunctionConfig, InvocationType, LogType } from '@lambda-mcp/core';
import { isLambdaMcpError } from '@lambda-mcp/core';
import { LAMBDA_LIMITS } from '@lambda-mcp/core/internal';
import { type EmulatorState, functionArn, listAll } from '../state.js';
import { type Handled, header, jsonBody, toLambdaTime, WireError, type WireRequest } from '../wire.js';

const SYNC_PAYLOAD_LIMIT = LAMBDA_LIMITS.syncPayloadBytes;
const ASYNC_PAYLOAD_LIMIT = LAMBDA_LIMITS.asyncPayloadBytes;
const CLIENT_CONTEXT_LIMIT = LAMBDA_LIMITS.clientContextBytes;
const MAX_PAGE = 50;

const FUNCTION_NAME_PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?';
const QUALIFIER_PATTERN = '\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+';
const TAG_RESOURCE_PATTERN =
  'arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)';

export type LambdaOperation =
  | 'ListFunctions'
  | 'GetFunction'
  | 'GetFunctionConfiguration'
  | 'ListTags'
  | 'Invoke'
  | 'Unknown';

export const LAMBDA_IAM_ACTIONS: Record<LambdaOperation, string> = {
  ListFunctions: 'lambda:ListFunctions',
  GetFunction: 'lambda:GetFunction',
  GetFunctionConfiguration: 'lambda:GetFunctionConfiguration',
  ListTags: 'lambda:ListTags',
  Invoke: 'lambda:InvokeFunction',
  Unknown: 'lambda:Unknown',
};

interface Route {
  operation: LambdaOperation;
  /** The raw `{FunctionName}` or `{Resource}` label, decoded. */
  label?: string;
}

const ROUTES: Array<{ method: string; pattern: RegExp; operation: LambdaOperation }> = [
  { method: 'GET', pattern: /\/2015-03-31\/functions\/?$/, operation: 'ListFunctions' },
  {
    method: 'GET',
    pattern: /\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/,
    operation: 'GetFunctionConfiguration',
  },
  { method: 'POST', pattern: /\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/, operation: 'Invoke' },
  { method: 'GET', pattern: /\/2015-03-31\/functions\/([^/]+)\/?$/, operation: 'GetFunction' },
  { method: 'GET', pattern: /\/2017-03-31\/tags\/([^/]+)\/?$/, operation: 'ListTags' },
];

export function routeLambda(req: Pick<WireRequest, 'method' | 'rawPath'>): Route {
  for (const r of ROUTES) {
    if (r.method !== req.method) continue;
    const m = r.pattern.exec(req.rawPath);
    if (!m) continue;
    let label: string | undefined;
    if (m[1] !== undefined) {
      try {
        label = decodeURIComponent(m[1]);
      } catch {
        label = m[1];
      }
    }
    return label === undefined ? { operation: r.operation } : { operation: r.operation, label };
  }
  return { operation: 'Unknown' };
}

/** The bare function name of any spelling Lambda accepts (for logs and the execution counter). */
export function bareFunctionName(label: string | undefined): string | undefined {
  if (!label) return undefined;
  const parts = label.split(':');
  if (label.startsWith('arn:')) return parts[6];
  if (/^\d{12}:function:/.test(label)) return parts[2];
  return parts[0];
}

/** The qualifier a function label carries (`name:q`, `123456789012:function:name:q`, an ARN with `:q`). */
export function labelQualifier(label: string | undefined): string | undefined {
  if (!label) return undefined;
  const parts = label.split(':');
  if (label.startsWith('arn:')) return parts[7];
  if (/^\d{12}:function:/.test(label)) return parts[3];
  return parts[1];
}

interface ParsedName {
  name: string;
  qualifier?: string;
  region?: string;
  accountId?: string;
}

/**
 * AWS's validation answer: every failed constraint, "N validation error(s) detected: …; …"
 * (400 ValidationException, as recorded in the fixtures' test_function_name_and_qualifier_validation).
 */
function validationErrors(errors: string[]): WireError {
  return new WireError(
    400,
    'ValidationException',
    `${errors.length} validation error${errors.length === 1 ? '' : 's'} detected: ${errors.join('; ')}`,
    { messageKey: 'message' },
  );
}

const patternError = (value: string, member: string, pattern: string) =>
  `Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern}`;
const lengthError = (value: string, member: string, max: number) =>
  `Value '${value}' at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`;

/**
 * Lambda API reference (Invoke, GetFunction, GetFunctionConfiguration): FunctionName has length
 * 1-170 (the ARN with a qualifier; a bare name is at most 64, which Lambda reports as not found
 * rather than invalid), Qualifier 1-128.
 */
const MAX_FUNCTION_NAME_PARAM = 170;
const MAX_QUALIFIER = 128;

function parseFunctionName(label: string, queryQualifier: string | null): ParsedName {
  const errors: string[] = [];
  if (label.length > MAX_FUNCTION_NAME_PARAM)
    errors.push(lengthError(label, 'functionName', MAX_FUNCTION_NAME_PARAM));
  if (!new RegExp(`^(?:${FUNCTION_NAME_PATTERN})$`).test(label))
    errors.push(patternError(label, 'functionName', FUNCTION_NAME_PATTERN));
  if (queryQualifier !== null) {
    if (queryQualifier.length > MAX_QUALIFIER)
      errors.push(lengthError(queryQualifier, 'qualifier', MAX_QUALIFIER));
    if (!new RegExp(`^(?:${QUALIFIER_PATTERN})$`).test(queryQualifier))
      errors.push(patternError(queryQualifier, 'qualifier', QUALIFIER_PATTERN));
  }
  if (errors.length > 0) throw validationErrors(errors);
  const parts = label.split(':');
  let parsed: ParsedName;
  if (label.startsWith('arn:')) {
    parsed = { name: parts[6] ?? '', region: parts[3] ?? '', accountId: parts[4] ?? '' };
    if (parts[7] !== undefined) parsed.qualifier = parts[7];
  } else if (/^\d{12}:function:/.test(label)) {
    parsed = { name: parts[2] ?? '', accountId: parts[0] ?? '' };
    if (parts[3] !== undefined) parsed.qualifier = parts[3];
  } else {
    parsed = { name: parts[0] ?? '' };
    if (parts[1] !== undefined) parsed.qualifier = parts[1];
  }
  if (queryQualifier !== null) {
    if (parsed.qualifier !== undefined && parsed.qualifier !== queryQualifier) {
      throw new WireError(
        400,
        'InvalidParameterValueException',
        'The derived qualifier from the function name does not match the specified qualifier.',
        { type: 'User', messageKey: 'message' },
      );
    }
    parsed.qualifier = queryQualifier;
  }
  return parsed;
}

function notFound(state: EmulatorState, parsed: ParsedName, suffix?: string): WireError {
  const arn = `arn:aws:lambda:${parsed.region ?? state.region}:${parsed.accountId ?? state.accountId}:function:${parsed.name}`;
  return new WireError(
    404,
    'ResourceNotFoundException',
    `Function not found: ${arn}${suffix ? `:${suffix}` : ''}`,
    {
      type: 'User',
      messageKey: 'Message',
    },
  );
}

/**
 * A function of another region: 404 ResourceNotFoundException "Functions from '<r>' are not
 * reachable in this region ('<here>')" (as AWS answers it). Another account's function, without a
 * resource policy granting it: 403 AccessDeniedException.
 */
function checkHome(
  state: EmulatorState,
  parsed: ParsedName,
  suffix?: string,
  action = 'lambda:GetFunction',
): void {
  if (parsed.region && parsed.region !== state.region) {
    throw new WireError(
      404,
      'ResourceNotFoundException',
      `Functions from '${parsed.region}' are not reachable in this region ('${state.region}')`,
      { type: 'User', messageKey: 'Message' },
    );
  }
  if (parsed.accountId && parsed.accountId !== state.accountId) {
    const resource = `arn:aws:lambda:${state.region}:${parsed.accountId}:function:${parsed.name}${suffix ? `:${suffix}` : ''}`;
    throw new WireError(
      403,
      'AccessDeniedException',
      `User: arn:aws:iam::${state.accountId}:user/emulator is not authorized to perform: ${action} on resource: ${resource} because no resource-based policy allows the ${action} action`,
      { messageKey: 'Message' },
    );
  }
}

function codeSha(config: FunctionConfig): string {
  return createHash('sha256')
    .update(`${config.name}:${config.lastModified ?? ''}`)
    .digest('base64');
}

function revisionId(config: FunctionConfig): string {
  const h = createHash('sha256')
    .update(`rev:${config.name}:${config.lastModified ?? ''}`)
    .digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** FunctionConfiguration as ListFunctions shows it (keys as in the recorded responses). */
export function toWireConfiguration(
  state: EmulatorState,
  config: FunctionConfig,
  options: { qualifiedArn?: string; detail?: boolean } = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Architectures: config.architectures?.length ? config.architectures : ['x86_64'],
    CodeSha256: codeSha(config),
    CodeSize: 0,
    Description: config.description ?? '',
    EphemeralStorage: { Size: 512 },
    FunctionArn: options.qualifiedArn ?? functionArn(state, config.name),
    FunctionName: config.name,
    Handler: config.handler ?? 'index.handler',
    LastModified: toLambdaTime(config.lastModified),
    LoggingConfig: {
      LogFormat: config.logFormat ?? 'Text',
      LogGroup: config.logGroup ?? `/aws/lambda/${config.name}`,
    },
    MemorySize: config.memorySizeMb,
    PackageType: config.packageType ?? 'Zip',
    RevisionId: revisionId(config),
    Role: `arn:aws:iam::${state.accountId}:role/lambda-mcp-emulator`,
    Runtime: config.runtime ?? 'nodejs20.x',
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    Timeout: config.timeoutSeconds,
    TracingConfig: { Mode: 'PassThrough' },
    Version: config.version ?? '$LATEST',
  };
  if (options.detail) {
    out.State = config.state ?? 'Active';
    if (config.stateReason) out.StateReason = config.stateReason;
    out.LastUpdateStatus = 'Successful';
    out.RuntimeVersionConfig = {
      RuntimeVersionArn: `arn:aws:lambda:${state.region}::runtime:${createHash('sha256')
        .update(out.Runtime as string)
        .digest('hex')}`,
    };
  }
  return out;
}

/** ListFunctions entries, built once per function read from the backend (pages of 10,000 repeat them). */
const listed = new WeakMap<EmulatorState, WeakMap<FunctionConfig, Record<string, unknown>>>();
function listedConfiguration(state: EmulatorState, config: FunctionConfig): Record<string, unknown> {
  let forState = listed.get(state);
  if (!forState) {
    forState = new WeakMap();
    listed.set(state, forState);
  }
  let wire = forState.get(config);
  if (!wire) {
    wire = toWireConfiguration(state, config);
    forState.set(config, wire);
  }
  return wire;
}

function json(operation: string, value: unknown, status = 200, functionName?: string): Handled {
  return {
    status,
    operation,
    body: jsonBody(value),
    headers: { 'content-type': 'application/json' },
    ...(functionName ? { functionName } : {}),
  };
}

async function listFunctions(req: WireRequest, state: EmulatorState): Promise<Handled> {
  const version = req.query.get('FunctionVersion');
  if (version !== null && version !== 'ALL') {
    throw new WireError(
      400,
      'ValidationException',
      `1 validation error detected: Value '${version}' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]`,
      { messageKey: 'message' },
    );
  }
  const maxItemsRaw = req.query.get('MaxItems');
  let maxItems = MAX_PAGE;
  if (maxItemsRaw !== null) {
    const n = Number(maxItemsRaw);
    if (!Number.isInteger(n) || n < 1 || n > 10_000) {
      throw new WireError(
        400,
        'ValidationException',
        `1 validation error detected: Value '${maxItemsRaw}' at 'maxItems' failed to satisfy constraint: Member must have value ${n < 1 ? 'greater than or equal to 1' : 'less than or equal to 10000'}`,
        { messageKey: 'message' },
      );
    }
    maxItems = Math.min(n, MAX_PAGE);
  }
  const all = await listAll(state);
  let start = 0;
  const marker = req.query.get('Marker');
  if (marker !== null) {
    const after = decodeMarker(marker);
    if (after === undefined) {
      throw new WireError(400, 'InvalidParameterValueException', 'Invalid pagination marker.', {
        type: 'User',
        messageKey: 'message',
      });
    }
    // The first function after the marker's name (stable when functions come and go).
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((all[mid] as FunctionConfig).name <= after) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const page = all.slice(start, start + maxItems);
  const functions = page.map((fc) =>
    version === 'ALL'
      ? toWireConfiguration(state, fc, { qualifiedArn: `${functionArn(state, fc.name)}:$LATEST` })
      : listedConfiguration(state, fc),
  );
  const body: Record<string, unknown> = { Functions: functions };
  if (start + maxItems < all.length && page.length > 0) {
    body.NextMarker = encodeMarker((page[page.length - 1] as FunctionConfig).name);
  }
  return json('ListFunctions', body);
}

function encodeMarker(name: string): string {
  return Buffer.from(JSON.stringify({ after: name }), 'utf8').toString('base64url');
}

function decodeMarker(marker: string): string | undefined {
  try {
    const value = JSON.parse(Buffer.from(marker, 'base64url').toString('utf8')) as { after?: unknown };
    return typeof value.after === 'string' ? value.after : undefined;
  } catch {
    return undefined;
  }
}

async function loadFunction(
  state: EmulatorState,
  parsed: ParsedName,
  notFoundSuffix?: string,
): Promise<FunctionConfig> {
  checkHome(state, parsed, notFoundSuffix);
  try {
    return await state.backend.getFunction(parsed.name, parsed.qualifier);
  } catch (error) {
    if (
      isLambdaMcpError(error) &&
      (error.code === 'FUNCTION_NOT_FOUND' || error.code === 'INVALID_REQUEST')
    ) {
      throw notFound(state, parsed, notFoundSuffix);
    }
    throw error;
  }
}

async function tagsOf(state: EmulatorState, config: FunctionConfig): Promise<Record<string, string>> {
  if (config.tags) return config.tags;
  const arn = functionArn(state, config.name);
  const map = await state.backend.getTags({ arns: [arn] });
  return map.get(arn) ?? map.get(config.arn) ?? {};
}

async function getFunction(
  req: WireRequest,
  state: EmulatorState,
  label: string,
  detailOnly: boolean,
): Promise<Handled> {
  const parsed = parseFunctionName(label, req.query.get('Qualifier'));
  const config = await loadFunction(state, parsed, parsed.qualifier);
  const qualifiedArn = parsed.qualifier
    ? `${functionArn(state, config.name)}:${parsed.qualifier}`
    : undefined;
  const configuration = toWireConfiguration(state, config, {
    ...(qualifiedArn ? { qualifiedArn } : {}),
    detail: true,
  });
  if (detailOnly) return json('GetFunctionConfiguration', configuration, 200, config.name);
  const body: Record<string, unknown> = {
    Code: {
      Location: `https://awslambda-${state.region}-tasks.s3.${state.region}.amazonaws.com/snapshots/${state.accountId}/${config.name}-${revisionId(config).slice(0, 8)}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=600`,
      RepositoryType: 'S3',
    },
    Configuration: configuration,
  };
  const tags = await tagsOf(state, config);
  if (Object.keys(tags).length > 0) body.Tags = tags;
  if (config.reservedConcurrency !== undefined) {
    body.Concurrency = { ReservedConcurrentExecutions: config.reservedConcurrency };
  }
  return json('GetFunction', body, 200, config.name);
}

async function listTags(state: EmulatorState, label: string): Promise<Handled> {
  if (!new RegExp(`^(?:${TAG_RESOURCE_PATTERN})$`).test(label)) {
    throw validationErrors([patternError(label, 'resource', TAG_RESOURCE_PATTERN)]);
  }
  const parts = label.split(':');
  if (parts[5] !== 'function') {
    throw new WireError(
      400,
      'InvalidParameterValueException',
      'Only function ARNs are supported by this emulator.',
      {
        type: 'User',
        messageKey: 'message',
      },
    );
  }
  if (parts.length > 7) {
    throw new WireError(
      400,
      'InvalidParameterValueException',
      'Tags on function aliases and versions are not supported. Please specify a function ARN.',
      { type: 'User', messageKey: 'message' },
    );
  }
  const parsed: ParsedName = { name: parts[6] ?? '', region: parts[3] ?? '', accountId: parts[4] ?? '' };
  const config = await loadFunction(state, parsed);
  return json('ListTags', { Tags: await tagsOf(state, config) }, 200, config.name);
}

function isJson(body: Buffer): { ok: true } | { ok: false; problem: string } {
  try {
    JSON.parse(body.toString('utf8'));
    return { ok: true };
  } catch (error) {
    return { ok: false, problem: error instanceof Error ? error.message : String(error) };
  }
}

async function invoke(req: WireRequest, state: EmulatorState, label: string): Promise<Handled> {
  const parsed = parseFunctionName(label, req.query.get('Qualifier'));
  const typeHeader = header(req.headers, 'x-amz-invocation-type') ?? 'RequestResponse';
  if (!['RequestResponse', 'Event', 'DryRun'].includes(typeHeader)) {
    throw new WireError(
      400,
      'ValidationException',
      `1 validation error detected: Value '${typeHeader}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
      { messageKey: 'message' },
    );
  }
  const invocationType = typeHeader as InvocationType;
  const logHeader = header(req.headers, 'x-amz-log-type') ?? 'None';
  if (!['None', 'Tail'].includes(logHeader)) {
    throw new WireError(
      400,
      'ValidationException',
      `1 validation error detected: Value '${logHeader}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [Tail, None]`,
      { messageKey: 'message' },
    );
  }
  const clientContext = header(req.headers, 'x-amz-client-context');
  if (clientContext !== undefined) {
    const decoded = Buffer.from(clientContext, 'base64');
    let valid = clientContext.length <= CLIENT_CONTEXT_LIMIT;
    try {
      const value = JSON.parse(decoded.toString('utf8')) as unknown;
      valid = valid && typeof value === 'object' && value !== null && !Array.isArray(value);
    } catch {
      valid = false;
    }
    if (!valid) {
      throw new WireError(
        400,
        'InvalidRequestContentException',
        'Client context must be a valid Base64-encoded JSON object.',
        {
          type: 'User',
          messageKey: 'message',
        },
      );
    }
  }
  const suffix = parsed.qualifier ?? '$LATEST';
  checkHome(state, parsed, parsed.qualifier, 'lambda:InvokeFunction');
  const size = req.body.length;
  if (invocationType === 'Event' && size > ASYNC_PAYLOAD_LIMIT) {
    throw new WireError(
      413,
      'RequestEntityTooLargeException',
      `${size} byte payload is too large for the Event invocation type (limit ${ASYNC_PAYLOAD_LIMIT} bytes)`,
      { type: 'User', messageKey: 'message' },
    );
  }
  if (size > SYNC_PAYLOAD_LIMIT) {
    throw new WireError(
      413,
      'RequestEntityTooLargeException',
      `Request must be smaller than ${SYNC_PAYLOAD_LIMIT} bytes for the InvokeFunction operation`,
      { type: 'User', messageKey: 'message' },
    );
  }
  if (size > 0) {
    const check = isJson(req.body);
    if (!check.ok) {
      throw new WireError(
        400,
        'InvalidRequestContentException',
        `Could not parse request body into json: Could not parse payload into json: ${check.problem}`,
        { type: 'User', messageKey: 'message' },
      );
    }
  }
  // Existence first: a missing function is a 404 whatever the invocation type.
  const config = await loadFunction(state, parsed, suffix);
  if (invocationType !== 'DryRun') {
    state.executions.set(config.name, (state.executions.get(config.name) ?? 0) + 1);
  }
  const result = await state.backend.invoke({
    functionName: config.name,
    ...(parsed.qualifier ? { qualifier: parsed.qualifier } : {}),
    invocationType,
    logType: invocationType === 'RequestResponse' ? (logHeader as LogType) : 'None',
    payload: new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.byteLength),
    ...(clientContext && invocationType === 'RequestResponse' ? { clientContext } : {}),
  });
  const status = invocationType === 'Event' ? 202 : invocationType === 'DryRun' ? 204 : 200;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (invocationType === 'RequestResponse') {
    headers['x-amz-executed-version'] = result.executedVersion ?? '$LATEST';
    if (result.functionError) headers['x-amz-function-error'] = result.functionError;
    if (logHeader === 'Tail' && result.logResult) headers['x-amz-log-result'] = result.logResult;
  }
  return {
    status,
    operation: 'Invoke',
    functionName: config.name,
    headers,
    body: status === 200 ? result.payload : '',
    ...(result.requestId ? { requestId: result.requestId } : {}),
  };
}

export async function handleLambda(req: WireRequest, state: EmulatorState, route: Route): Promise<Handled> {
  switch (route.operation) {
    case 'ListFunctions':
      return listFunctions(req, state);
    case 'GetFunction':
      return getFunction(req, state, route.label ?? '', false);
    case 'GetFunctionConfiguration':
      return getFunction(req, state, route.label ?? '', true);
    case 'ListTags':
      return listTags(state, route.label ?? '');
    case 'Invoke':
      return invoke(req, state, route.label ?? '');
    default:
      throw new WireError(
        404,
        'UnknownOperationException',
        `No Lambda operation for ${req.method} ${req.rawPath}`,
        {
          messageKey: 'message',
        },
      );
  }
}
