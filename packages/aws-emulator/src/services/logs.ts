/** CloudWatch Logs (awsJson1_1): FilterLogEvents on the functions' log groups. */
import { createHash, randomUUID } from 'node:crypto';
import { isLambdaMcpError } from '@lambda-mcp/core';
import { type EmulatorState, listAll } from '../state.js';
import {
  type Handled,
  jsonBody,
  jsonTargetOperation,
  parseJsonBody,
  unknownOperation,
  WireError,
  type WireRequest,
} from '../wire.js';

const TARGET_PREFIX = 'Logs_20140328.';
const MAX_TOKENS = 10_000;

export function routeLogs(req: Pick<WireRequest, 'headers'>): string {
  return jsonTargetOperation(req, TARGET_PREFIX);
}

function invalid(message: string): WireError {
  return new WireError(400, 'InvalidParameterException', message, { messageKey: 'message' });
}

function optionalNumber(input: Record<string, unknown>, key: string): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw invalid(`Value for ${key} must be a number.`);
  return value;
}

/** AWS never answers without a stream name: when the backend has none, a stable Lambda-shaped one. */
function fallbackStream(functionName: string, at: Date): string {
  const day = at.toISOString().slice(0, 10).replace(/-/g, '/');
  return `${day}/[$LATEST]${createHash('md5').update(functionName).digest('hex')}`;
}

export async function handleLogs(
  req: WireRequest,
  state: EmulatorState,
  operation: string,
): Promise<Handled> {
  if (operation !== 'FilterLogEvents') {
    throw unknownOperation(operation, { messageKey: 'message' });
  }
  const input = parseJsonBody(req, { messageKey: 'message' });
  const limit = optionalNumber(input, 'limit');
  if (limit !== undefined && limit > 10_000) {
    throw invalid(
      `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000`,
    );
  }
  if (limit !== undefined && limit < 1) {
    throw invalid(
      `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`,
    );
  }
  if (input.logGroupName !== undefined && input.logGroupIdentifier !== undefined) {
    throw invalid('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  }
  if (input.logStreamNames !== undefined && input.logStreamNamePrefix !== undefined) {
    throw invalid('logStreamNames and logStreamNamePrefix are mutually exclusive parameters.');
  }
  let group = (input.logGroupName ?? input.logGroupIdentifier) as unknown;
  if (typeof group !== 'string' || group.length === 0) {
    throw invalid(
      "1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null",
    );
  }
  // logGroupIdentifier may be an ARN: arn:aws:logs:r:acct:log-group:NAME[:*]
  const arn = /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:(.+?)(:\*)?$/.exec(group);
  if (arn) group = arn[1] as string;
  const groupName = group as string;
  const functions = await listAll(state);
  const owner = functions.find((f) => (f.logGroup ?? `/aws/lambda/${f.name}`) === groupName);
  if (!owner) {
    throw new WireError(400, 'ResourceNotFoundException', 'The specified log group does not exist.', {
      messageKey: 'message',
    });
  }
  let backendToken: string | undefined;
  if (input.nextToken !== undefined) {
    backendToken = typeof input.nextToken === 'string' ? state.logTokens.get(input.nextToken) : undefined;
    if (backendToken === undefined) throw invalid('The specified nextToken is invalid.');
  }
  const startTime = optionalNumber(input, 'startTime');
  const endTime = optionalNumber(input, 'endTime');
  const prefix = typeof input.logStreamNamePrefix === 'string' ? input.logStreamNamePrefix : undefined;
  const streams = Array.isArray(input.logStreamNames) ? new Set(input.logStreamNames as string[]) : undefined;
  let page: Awaited<ReturnType<typeof state.backend.filterLogEvents>>;
  try {
    page = await state.backend.filterLogEvents({
      logGroupName: groupName,
      ...(startTime !== undefined ? { start: new Date(startTime) } : {}),
      ...(endTime !== undefined ? { end: new Date(endTime) } : {}),
      ...(typeof input.filterPattern === 'string' && input.filterPattern
        ? { filterPattern: input.filterPattern }
        : {}),
      ...(prefix ? { logStreamNamePrefix: prefix } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(backendToken ? { nextToken: backendToken } : {}),
    });
  } catch (error) {
    if (isLambdaMcpError(error) && error.code === 'INVALID_REQUEST') throw invalid(error.message);
    throw error;
  }
  const events = page.events
    .filter((e) => !streams || (e.logStreamName !== undefined && streams.has(e.logStreamName)))
    .map((e, i) => ({
      logStreamName: e.logStreamName || fallbackStream(owner.name, e.timestamp),
      timestamp: e.timestamp.getTime(),
      message: e.message,
      ingestionTime: (e.ingestionTime ?? e.timestamp).getTime(),
      eventId: e.eventId ?? `${e.timestamp.getTime()}${String(i).padStart(20, '0')}`,
    }));
  const body: Record<string, unknown> = { events, searchedLogStreams: [] };
  if (page.nextToken) {
    const token = randomUUID().replace(/-/g, '');
    if (state.logTokens.size >= MAX_TOKENS) state.logTokens.clear();
    state.logTokens.set(token, page.nextToken);
    body.nextToken = token;
  }
  return {
    status: 200,
    operation: 'FilterLogEvents',
    functionName: owner.name,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: jsonBody(body),
  };
}
