import type { Backend } from '../backend.js';
import type { Config } from '../config/schema.js';
import { isErrorCode, LambdaMcpError, toLambdaMcpError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { InvocationResult, InvocationType, LogType } from '../types.js';
import { abortError, throwIfAborted } from '../util/abort.js';
import { mapWithConcurrency } from '../util/concurrency.js';
import { assertQualifier } from '../util/function-ref.js';
import {
  ASYNC_PAYLOAD_LIMIT_BYTES,
  CLIENT_CONTEXT_LIMIT_BYTES,
  SYNC_PAYLOAD_LIMIT_BYTES,
} from '../util/lambda-limits.js';
import { decodeLogTail } from '../util/log-tail.js';
import { decodePayload, encodePayload, toFunctionErrorInfo } from '../util/payload.js';
import { findReport } from '../util/report-line.js';
import { unknownQualifier } from './discovery-service.js';
import { formatFieldErrors } from './schema-validator.js';
import type {
  AuthorizedCallOptions,
  DiscoveryService,
  InvocationService,
  InvokeOutcome,
  InvokeRequest,
  ResolveOptions,
  SchemaService,
} from './types.js';

/**
 * Added to the function's timeout for the client-side deadline (network, cold start): the default
 * of `config.invokeTimeoutMarginMs` (LAMBDA_MCP_INVOKE_TIMEOUT_MARGIN_MS).
 */
export const INVOKE_TIMEOUT_MARGIN_MS = 10_000;
/** Event and DryRun answer at once; their deadline does not follow the function's timeout. */
export const QUICK_INVOKE_TIMEOUT_MS = 30_000;

const INVOCATION_TYPES: readonly InvocationType[] = ['RequestResponse', 'Event', 'DryRun'];
const LOG_TYPES: readonly LogType[] = ['None', 'Tail'];
const MAX_LOGGED_PAYLOAD = 4_096;

export interface InvocationServiceOptions {
  backend: Backend;
  config: Config;
  logger: Logger;
  discovery: DiscoveryService;
  schemas: SchemaService;
}

function formatBytes(n: number): string {
  return n.toLocaleString('en-US');
}

function clip(text: string): string {
  return text.length > MAX_LOGGED_PAYLOAD
    ? `${text.slice(0, MAX_LOGGED_PAYLOAD)}...(${text.length} chars)`
    : text;
}

export function createInvocationService(options: InvocationServiceOptions): InvocationService {
  const { backend, config, discovery, schemas } = options;
  const audit = options.logger.child({ component: 'audit' });

  async function invokeBackend(
    request: Parameters<typeof backend.invoke>[0],
    callOptions: Parameters<typeof backend.invoke>[1],
    name: string,
    hidden: boolean,
  ): ReturnType<typeof backend.invoke> {
    // A version or alias the caller may not use: refused here, where the backend refuses one that
    // does not exist, with the same error (nothing reaches the backend).
    if (hidden && request.qualifier) throw unknownQualifier(name, request.qualifier);
    try {
      return await backend.invoke(request, callOptions);
    } catch (error) {
      if (request.qualifier && isErrorCode(error, 'FUNCTION_NOT_FOUND'))
        throw unknownQualifier(name, request.qualifier, error);
      throw error;
    }
  }

  async function invoke(request: InvokeRequest, opts: AuthorizedCallOptions = {}): Promise<InvocationResult> {
    const started = performance.now();
    const invocationType = request?.invocationType ?? 'RequestResponse';
    let resolvedName: string | undefined;
    let qualifier: string | undefined;
    let payloadBytes: Uint8Array | undefined;
    try {
      if (typeof request !== 'object' || request === null) {
        throw new LambdaMcpError('INVALID_REQUEST', 'The invocation request must be an object.');
      }
      if (!INVOCATION_TYPES.includes(invocationType)) {
        throw new LambdaMcpError(
          'INVALID_REQUEST',
          `Invalid invocation type ${JSON.stringify(invocationType)}: expected RequestResponse, Event or DryRun.`,
          { details: { field: 'invocationType' } },
        );
      }
      const requestedLogType = request.logType ?? 'None';
      if (!LOG_TYPES.includes(requestedLogType)) {
        throw new LambdaMcpError(
          'INVALID_REQUEST',
          `Invalid log type ${JSON.stringify(requestedLogType)}: expected None or Tail.`,
          { details: { field: 'logType' } },
        );
      }
      if (request.qualifier !== undefined && request.qualifier !== '') assertQualifier(request.qualifier);
      throwIfAborted(opts.signal);

      // 1. The allowlist.
      const resolveOptions: ResolveOptions = { deferHiddenQualifier: true };
      if (opts.signal) resolveOptions.signal = opts.signal;
      if (opts.authorize) resolveOptions.authorize = opts.authorize;
      if (request.qualifier) resolveOptions.qualifier = request.qualifier;
      const resolved = await discovery.resolve(request.functionName, resolveOptions);
      const fn = resolved.function;
      resolvedName = fn.name;
      qualifier = resolved.qualifier;

      // 2. The payload, and validation against the function's input schema.
      payloadBytes = encodePayload(request.payload, request.rawPayload);
      // An absent or empty payload reaches the function as {}.
      let value: unknown = request.payload === undefined ? {} : request.payload;
      if (request.rawPayload !== undefined) value = {};
      if (request.rawPayload !== undefined && payloadBytes.byteLength > 0) {
        const decoded = decodePayload(payloadBytes);
        if (decoded.kind !== 'json') {
          throw new LambdaMcpError(
            'INVALID_INPUT',
            'The raw payload is not JSON: Lambda accepts a JSON document as the payload.',
            { details: { field: 'payload' } },
          );
        }
        value = decoded.value;
      }
      if (request.validate !== false) {
        const found = await schemas.getSchemas(fn, opts);
        const input = found.input;
        if (input && input.source.kind !== 'none') {
          const subject = input.wrappedProperty ? { [input.wrappedProperty]: value } : value;
          const result = schemas.validate(input, subject);
          if (!result.valid) {
            const errors = input.wrappedProperty
              ? result.errors.map((e) => ({
                  ...e,
                  path: e.path.replace(new RegExp(`^/${input.wrappedProperty}(?=/|$)`), ''),
                }))
              : result.errors;
            throw new LambdaMcpError(
              'INVALID_INPUT',
              `The payload does not match the input schema of ${fn.name}: ${formatFieldErrors(errors)}.`,
              { details: { errors } },
            );
          }
        }
      }

      // 3. Lambda's size limits, before anything is sent.
      const limit = invocationType === 'Event' ? ASYNC_PAYLOAD_LIMIT_BYTES : SYNC_PAYLOAD_LIMIT_BYTES;
      if (payloadBytes.byteLength > limit) {
        throw new LambdaMcpError(
          'PAYLOAD_TOO_LARGE',
          `The payload is ${formatBytes(payloadBytes.byteLength)} bytes; Lambda accepts at most ${formatBytes(limit)} bytes (${
            invocationType === 'Event' ? '1 MB' : '6 MB'
          }) for ${invocationType === 'Event' ? 'an asynchronous (Event)' : `a ${invocationType === 'DryRun' ? 'DryRun' : 'synchronous (RequestResponse)'}`} invocation.`,
          { details: { sizeBytes: payloadBytes.byteLength, limitBytes: limit, invocationType } },
        );
      }
      let clientContext: string | undefined;
      if (request.clientContext !== undefined && invocationType === 'RequestResponse') {
        if (
          typeof request.clientContext !== 'object' ||
          request.clientContext === null ||
          Array.isArray(request.clientContext)
        ) {
          throw new LambdaMcpError('INVALID_REQUEST', 'The client context must be a JSON object.', {
            details: { field: 'clientContext' },
          });
        }
        clientContext = Buffer.from(JSON.stringify(request.clientContext), 'utf8').toString('base64');
        if (clientContext.length > CLIENT_CONTEXT_LIMIT_BYTES) {
          throw new LambdaMcpError(
            'PAYLOAD_TOO_LARGE',
            `The client context is ${clientContext.length} bytes in base64; Lambda accepts at most ${CLIENT_CONTEXT_LIMIT_BYTES}.`,
            {
              details: {
                field: 'clientContext',
                sizeBytes: clientContext.length,
                limitBytes: CLIENT_CONTEXT_LIMIT_BYTES,
              },
            },
          );
        }
      }

      // 4. The backend.
      const logType: LogType = invocationType === 'RequestResponse' ? requestedLogType : 'None';
      throwIfAborted(opts.signal);
      const raw = await invokeBackend(
        {
          functionName: fn.name,
          ...(qualifier ? { qualifier } : {}),
          invocationType,
          logType,
          payload: payloadBytes,
          ...(clientContext ? { clientContext } : {}),
          timeoutMs:
            invocationType === 'RequestResponse'
              ? fn.timeoutSeconds * 1000 + (config.invokeTimeoutMarginMs ?? INVOKE_TIMEOUT_MARGIN_MS)
              : QUICK_INVOKE_TIMEOUT_MS,
        },
        opts.signal ? { signal: opts.signal } : {},
        fn.name,
        resolved.hidden === true,
      );

      // 5. Decoding.
      const payload = decodePayload(raw.payload);
      const result: InvocationResult = {
        functionName: fn.name,
        invocationType,
        statusCode: raw.statusCode,
        payload,
        elapsedMs: performance.now() - started,
      };
      if (qualifier) result.qualifier = qualifier;
      if (raw.requestId) result.requestId = raw.requestId;
      if (raw.executedVersion) result.executedVersion = raw.executedVersion;
      if (raw.functionError) result.functionError = toFunctionErrorInfo(raw.functionError, payload);
      if (raw.logResult) {
        result.logs = decodeLogTail(raw.logResult);
        const report = findReport(result.logs);
        if (report) result.report = report;
      }
      audit.info('invocation', {
        function: fn.name,
        qualifier,
        invocationType,
        outcome: result.functionError ? 'function-error' : 'success',
        ...(result.functionError ? { errorType: result.functionError.errorType } : {}),
        statusCode: raw.statusCode,
        durationMs: Math.round(result.elapsedMs),
        requestId: raw.requestId,
        ...(config.logPayloads
          ? {
              payload: clip(new TextDecoder().decode(payloadBytes)),
              response: clip(
                payload.kind === 'json' || payload.kind === 'text' ? payload.text : payload.kind,
              ),
            }
          : {}),
      });
      return result;
    } catch (error) {
      const err =
        opts.signal?.aborted && !isErrorCode(error, 'ABORTED')
          ? abortError(opts.signal)
          : toLambdaMcpError(error, 'INTERNAL');
      audit.info('invocation', {
        function:
          resolvedName ??
          (typeof request?.functionName === 'string' ? request.functionName.slice(0, 170) : undefined),
        qualifier: qualifier ?? request?.qualifier,
        invocationType,
        outcome: 'error',
        code: err.code,
        durationMs: Math.round(performance.now() - started),
        ...(config.logPayloads && payloadBytes
          ? { payload: clip(new TextDecoder().decode(payloadBytes)) }
          : {}),
      });
      throw err;
    }
  }

  return {
    invoke,
    async invokeMany(requests, opts = {}) {
      if (!Array.isArray(requests)) {
        throw new LambdaMcpError('INVALID_REQUEST', 'invokeMany expects an array of invocation requests.');
      }
      const concurrency = opts.concurrency ?? config.invokeConcurrency;
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 100) {
        throw new LambdaMcpError(
          'INVALID_REQUEST',
          `Invalid concurrency ${concurrency}: expected an integer from 1 to 100.`,
          { details: { field: 'concurrency' } },
        );
      }
      const callOptions: AuthorizedCallOptions = {
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.authorize ? { authorize: opts.authorize } : {}),
      };
      return mapWithConcurrency(requests, concurrency, async (request): Promise<InvokeOutcome> => {
        try {
          return { ok: true, request, result: await invoke(request, callOptions) };
        } catch (error) {
          return { ok: false, request, error: toLambdaMcpError(error) };
        }
      });
    },
  };
}
