/** Synthetic functions (no code, config and tags only): invoking one runs its JS callback or echoes the event. */
import type { CatalogEntry, SyntheticContext } from './catalog.js';
import type { Answer, Invocation, InvocationLog } from './invocation-log.js';
import { logStreamName, startLine } from './log-format.js';
import type { WorkerErrorPayload } from './protocol.js';
import { LOCAL_LIMITS } from './requests.js';
import { platformFailure, race } from './runner.js';
import type { FunctionState } from './scheduler.js';

function errorPayload(error: unknown): WorkerErrorPayload {
  if (error instanceof Error) {
    return { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

export async function runSynthetic(
  entry: CatalogEntry,
  s: FunctionState,
  inv: Invocation,
  event: string,
  invokedArn: string,
  log: InvocationLog,
  streams: Map<string, string>,
  signal?: AbortSignal,
): Promise<Answer> {
  const spec = entry.spec;
  const requestId = inv.record.requestId;
  const stream = streams.get(spec.name) ?? logStreamName();
  streams.set(spec.name, stream);
  inv.record.logStreamName = stream;
  inv.inTail = true;
  log.appendLog(inv, Date.now(), startLine(requestId), true);
  s.executions++;
  const timeoutMs = spec.timeoutSeconds * 1000;
  const t0 = performance.now();
  const deadline = Date.now() + timeoutMs;
  const invoke = entry.synthetic?.invoke;
  const context: SyntheticContext = {
    functionName: spec.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: invokedArn,
    memoryLimitInMB: String(spec.memorySizeMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${spec.name}`,
    logStreamName: stream,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    log: (message: string) =>
      log.appendLog(inv, Date.now(), `${new Date().toISOString()}\t${requestId}\tINFO\t${message}\n`),
  };
  const work = (async () => (invoke ? await invoke(JSON.parse(event), context) : JSON.parse(event)))();
  const outcome = await race(
    work.then(
      (value) => ({ kind: 'value' as const, value }),
      (error: unknown) => ({ kind: 'error' as const, error }),
    ),
    timeoutMs,
    signal,
  );
  const durationMs = performance.now() - t0;
  if (outcome.kind === 'value') {
    let body: string;
    try {
      body = JSON.stringify(outcome.value === undefined ? null : outcome.value) ?? 'null';
    } catch (error) {
      return { durationMs, error: errorPayload(error), maxMemoryUsedMb: 0 };
    }
    if (Buffer.byteLength(body) > LOCAL_LIMITS.responseBytes) {
      return {
        durationMs,
        maxMemoryUsedMb: 0,
        error: {
          errorType: 'Function.ResponseSizeTooLarge',
          errorMessage: `Response payload size exceeded maximum allowed payload size (${LOCAL_LIMITS.responseBytes} bytes).`,
        },
      };
    }
    return { durationMs, body, maxMemoryUsedMb: 0 };
  }
  if (outcome.kind === 'error') {
    const payload = errorPayload(outcome.error);
    log.appendLog(
      inv,
      Date.now(),
      `${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify({ errorType: payload.errorType, errorMessage: payload.errorMessage, stack: payload.trace })}\n`,
    );
    return { durationMs, error: payload, maxMemoryUsedMb: 0 };
  }
  if (outcome.kind === 'aborted') return { durationMs, aborted: true, maxMemoryUsedMb: 0 };
  return {
    ...platformFailure(requestId, { kind: 'timeout' }, spec.timeoutSeconds, spec.memorySizeMb, 0),
    durationMs,
  };
}
