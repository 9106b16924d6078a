/**
 * The local backend: a Lambda-like Backend over a directory of Node.js functions (and synthetic
 * ones). This file wires the parts together and answers the Backend calls; the parts are
 * requests.ts (request parsing and limits), scheduler.ts (concurrency, throttling, the Event
 * queue), runner.ts (instances, INIT, timeouts), instance.ts with runtime-process.ts and
 * worker.ts (one process per instance), invocation-log.ts (records, logs, history) and
 * projection.ts (the AWS-shaped answers). See docs/local-backend.md for the semantics.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { LambdaMcpError } from '../errors.js';
import { silentLogger } from '../logger.js';
import type {
  BackendInvokeRequest,
  BackendInvokeResult,
  CallOptions,
  FilterLogEventsPage,
  FilterLogEventsRequest,
  FunctionConfig,
  GetMetricDataRequest,
  MetricDataResult,
  RawSchemaDocument,
  SchemaRef,
  TagFilter,
  Tags,
} from '../types.js';
import { type CatalogEntry, LocalCatalog, type SyntheticFunctionSpec } from './catalog.js';
import { compileFilterPattern } from './filter-pattern.js';
import { createHistoryFile, type InvocationHistory } from './history.js';
import { type Answer, type Invocation, InvocationLog } from './invocation-log.js';
import type { LocalBackend, LocalBackendOptions, LocalFunctionStats } from './local-types.js';
import { notFound, parseTarget, type Target } from './names.js';
import { Projection, toResult } from './projection.js';
import { RecordStore } from './records.js';
import { parseClientContext, parseEvent } from './requests.js';
import { Runner } from './runner.js';
import { type EventJob, Scheduler } from './scheduler.js';

export type { LocalBackend, LocalBackendOptions, LocalFunctionStats } from './local-types.js';
export { LOCAL_LIMITS } from './requests.js';

const MIB = 1024 * 1024;

/**
 * Creates a Lambda-like backend over a directory of Node.js functions (and/or synthetic ones).
 * Each instance is a process of its own; see docs/local-backend.md for the semantics and limits.
 */
export function createLocalBackend(options: LocalBackendOptions = {}): LocalBackend {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const logger = options.logger ?? silentLogger;
  const maxConcurrency = options.maxConcurrency ?? 32;
  const maxQueuedEvents = options.maxQueuedEvents ?? 10_000;
  const dir = options.dir === undefined ? undefined : resolve(options.dir);
  const catalog = new LocalCatalog({
    ...(dir !== undefined ? { dir } : {}),
    synthetic: options.syntheticFunctions ?? [],
    logger,
    recheckMs: options.manifestRecheckMs ?? 1000,
  });
  const history: InvocationHistory | undefined =
    options.history ??
    (options.historyFile === undefined || options.historyFile === ''
      ? undefined
      : createHistoryFile({
          file: options.historyFile,
          instanceId: randomUUID(),
          logger,
          ...(options.historyMaxBytes !== undefined ? { maxBytes: options.historyMaxBytes } : {}),
        }));
  const log = new InvocationLog(new RecordStore(options.records), history);
  const store = log.store;
  const scheduler = new Scheduler(maxConcurrency);
  const runner = new Runner(
    {
      region,
      accountId,
      logger,
      idleTimeoutMs: options.idleTimeoutMs ?? 5 * 60_000,
      workerLogBudget: options.maxWorkerLogBytesPerInvocation ?? 6 * MIB,
      env: options.env,
      workerPath: options.workerPath,
      spareProcesses: options.spareProcesses ?? true,
    },
    scheduler,
    log,
  );
  const projection = new Projection({
    region,
    accountId,
    inputTagKey: options.inputSchemaArnTagKey ?? 'lambda-mcp:input-schema-arn',
    outputTagKey: options.outputSchemaArnTagKey ?? 'lambda-mcp:output-schema-arn',
  });
  const toConfig = (entry: CatalogEntry): FunctionConfig => projection.toConfig(entry);

  /** Finds a function for a request; FUNCTION_NOT_FOUND as AWS words it, INVALID_CONFIG for a bad folder. */
  async function lookup(target: Target, qualifiedMessage: boolean): Promise<CatalogEntry> {
    const found = await catalog.get(target.name);
    if (found === undefined) {
      throw notFound(
        region,
        accountId,
        target.name,
        target.qualifier ?? (qualifiedMessage ? '$LATEST' : undefined),
      );
    }
    if ('problem' in found) {
      throw new LambdaMcpError(
        'INVALID_CONFIG',
        `Local function ${JSON.stringify(target.name)} cannot be used: ${found.problem}`,
        { details: { functionName: target.name, problem: found.problem } },
      );
    }
    const q = target.qualifier;
    if (q !== undefined && q !== '$LATEST' && found.spec.aliases[q] === undefined) {
      throw notFound(region, accountId, target.name, q);
    }
    return found;
  }

  function checkOpen(signal?: AbortSignal): void {
    if (scheduler.closed) throw new LambdaMcpError('BACKEND_UNAVAILABLE', 'The local backend is closed.');
    if (signal?.aborted) {
      throw new LambdaMcpError('ABORTED', 'The operation was cancelled.', { cause: signal.reason });
    }
  }

  async function invoke(
    request: BackendInvokeRequest,
    callOptions: CallOptions = {},
  ): Promise<BackendInvokeResult> {
    const signal = callOptions.signal;
    checkOpen(signal);
    const target = parseTarget(request.functionName, request.qualifier, region, accountId);
    const entry = await lookup(target, true);
    checkOpen(signal);
    const event = parseEvent(request);
    const invocationType = request.invocationType;
    if (invocationType === 'DryRun') {
      return { statusCode: 204, payload: new Uint8Array(0), requestId: randomUUID() };
    }
    const s = scheduler.state(entry.spec.name);
    const requestId = randomUUID();

    if (invocationType === 'Event') {
      if (scheduler.queuedTotal() >= maxQueuedEvents) {
        throw new LambdaMcpError('THROTTLED', 'Rate Exceeded.', {
          details: {
            reason: 'ConcurrentInvocationLimitExceeded',
            retryAfterSeconds: 1,
            queuedEvents: maxQueuedEvents,
          },
          retryable: true,
        });
      }
      if (entry.spec.reservedConcurrency === 0) {
        // Lambda accepts the event, then throttles it until it is dropped.
        s.throttles++;
        log.throttle(entry, target, invocationType, s.running);
        logger.warn('event dropped: reserved concurrency is 0', { functionName: entry.spec.name, requestId });
        return { statusCode: 202, payload: new Uint8Array(0), requestId };
      }
      const job: EventJob = {
        run: () => {
          if (scheduler.throttleReason(entry, s) !== undefined) return;
          scheduler.acquire(s);
          runner
            .execute(entry, target, invocationType, event, undefined, requestId)
            .catch((error: unknown) => {
              logger.warn('event invocation failed to start', {
                functionName: entry.spec.name,
                requestId,
                error: (error as Error).message,
              });
            })
            .finally(() => scheduler.release(s));
        },
      };
      scheduler.enqueue(s, job);
      return { statusCode: 202, payload: new Uint8Array(0), requestId };
    }

    const clientContext = parseClientContext(request.clientContext);
    const reason = scheduler.throttleReason(entry, s);
    if (reason !== undefined) {
      s.throttles++;
      log.throttle(entry, target, invocationType, s.running);
      throw new LambdaMcpError('THROTTLED', 'Rate Exceeded.', {
        details: {
          reason,
          retryAfterSeconds: 1,
          functionName: entry.spec.name,
          ...(entry.spec.reservedConcurrency !== undefined
            ? { reservedConcurrency: entry.spec.reservedConcurrency }
            : { maxConcurrency }),
        },
        retryable: true,
      });
    }
    scheduler.acquire(s);
    const running = runner
      .execute(entry, target, invocationType, event, clientContext, requestId, signal)
      .finally(() => scheduler.release(s));
    let outcome: { inv: Invocation; answer: Answer };
    if (request.timeoutMs !== undefined && request.timeoutMs > 0) {
      // A client-side deadline: like an SDK timeout, the function itself keeps running.
      running.catch(() => {});
      const clientTimeout = request.timeoutMs;
      let timer: NodeJS.Timeout | undefined;
      const raced = await Promise.race([
        running,
        new Promise<'timeout'>((r) => {
          timer = setTimeout(() => r('timeout'), clientTimeout).unref();
        }),
      ]).finally(() => clearTimeout(timer));
      if (raced === 'timeout') {
        throw new LambdaMcpError(
          'TIMED_OUT',
          `No answer from ${entry.spec.name} within the client deadline of ${clientTimeout} ms; the invocation may still be running.`,
          { details: { functionName: entry.spec.name, requestId, timeoutMs: clientTimeout } },
        );
      }
      outcome = raced;
    } else {
      outcome = await running;
    }
    if (scheduler.closed)
      throw new LambdaMcpError('BACKEND_UNAVAILABLE', 'The local backend was closed during the invocation.');
    if (outcome.answer.aborted) {
      throw new LambdaMcpError('ABORTED', 'The invocation was cancelled.', {
        details: { functionName: entry.spec.name, requestId },
        cause: signal?.reason,
      });
    }
    return toResult(outcome.inv, outcome.answer, request);
  }

  const backend: LocalBackend = {
    kind: 'local',
    region,
    accountId,
    dir,
    scope: `local:${dir ?? '(synthetic)'}`,

    async listFunctions(callOptions?: CallOptions): Promise<FunctionConfig[]> {
      checkOpen(callOptions?.signal);
      return (await catalog.list()).map(toConfig);
    },

    async unusableFunctions(callOptions?: CallOptions) {
      checkOpen(callOptions?.signal);
      return catalog.unusable();
    },

    async getFunction(name: string, qualifier?: string, callOptions?: CallOptions): Promise<FunctionConfig> {
      checkOpen(callOptions?.signal);
      const target = parseTarget(name, qualifier, region, accountId);
      return toConfig(await lookup(target, false));
    },

    async getTags(request: { arns: string[]; tagFilters?: TagFilter[] }, callOptions?: CallOptions) {
      checkOpen(callOptions?.signal);
      const out = new Map<string, Tags>();
      for (const arn of request.arns) {
        let target: Target;
        try {
          target = parseTarget(arn, undefined, region, accountId);
        } catch {
          continue;
        }
        const found = await catalog.get(target.name);
        if (found && !('problem' in found)) out.set(arn, projection.tagsOf(found));
      }
      return out;
    },

    invoke,

    async describeSchema(ref: SchemaRef, callOptions?: CallOptions): Promise<RawSchemaDocument> {
      checkOpen(callOptions?.signal);
      return projection.describeSchema(ref, (name) => catalog.get(name));
    },

    async getMetricData(
      request: GetMetricDataRequest,
      callOptions?: CallOptions,
    ): Promise<MetricDataResult[]> {
      checkOpen(callOptions?.signal);
      await log.mergeHistory();
      return store.getMetricData(request);
    },

    async filterLogEvents(
      request: FilterLogEventsRequest,
      callOptions?: CallOptions,
    ): Promise<FilterLogEventsPage> {
      checkOpen(callOptions?.signal);
      await log.mergeHistory();
      const prefix = '/aws/lambda/';
      const name = request.logGroupName.startsWith(prefix)
        ? request.logGroupName.slice(prefix.length)
        : undefined;
      const known =
        name !== undefined && (store.records(name).length > 0 || (await catalog.get(name)) !== undefined);
      if (!known || name === undefined) {
        throw new LambdaMcpError('FUNCTION_NOT_FOUND', 'The specified log group does not exist.', {
          details: { logGroupName: request.logGroupName, resource: 'logGroup' },
        });
      }
      const limit = request.limit ?? 10_000;
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
        throw new LambdaMcpError(
          'INVALID_REQUEST',
          `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value ${limit < 1 ? 'greater than or equal to 1' : 'less than or equal to 10000'}`,
        );
      }
      const matcher = compileFilterPattern(request.filterPattern);
      return store.filterLogEvents(
        name,
        {
          ...(request.start ? { start: request.start } : {}),
          ...(request.end ? { end: request.end } : {}),
          ...(request.logStreamNamePrefix !== undefined
            ? { logStreamNamePrefix: request.logStreamNamePrefix }
            : {}),
          ...(request.nextToken !== undefined ? { nextToken: request.nextToken } : {}),
          limit,
        },
        matcher,
      );
    },

    async close(): Promise<void> {
      if (scheduler.closed) return;
      scheduler.closed = true;
      for (const st of scheduler.states.values()) st.queue.length = 0;
      await runner.close();
      scheduler.close();
    },

    stats(functionName: string): LocalFunctionStats {
      const s = scheduler.states.get(functionName);
      return {
        functionName,
        invocations: s?.invocations ?? 0,
        executions: s?.executions ?? 0,
        errors: s?.errors ?? 0,
        throttles: s?.throttles ?? 0,
        coldStarts: s?.coldStarts ?? 0,
        running: s?.running ?? 0,
        instances: s?.instances.length ?? 0,
        queuedEvents: s?.queue.length ?? 0,
      };
    },

    allStats(): LocalFunctionStats[] {
      return [...scheduler.states.keys()].sort().map((name) => backend.stats(name));
    },

    executionCount(functionName: string): number {
      return scheduler.states.get(functionName)?.executions ?? 0;
    },

    registerSyntheticFunction(spec: SyntheticFunctionSpec): void {
      catalog.addSynthetic(spec);
    },

    removeSyntheticFunction(name: string): boolean {
      return catalog.removeSynthetic(name);
    },

    async stopInstances(functionName?: string): Promise<void> {
      const states = scheduler.states;
      const targets = functionName === undefined ? [...states.values()] : [states.get(functionName)];
      const all: Promise<void>[] = [];
      for (const s of targets) {
        if (!s) continue;
        for (const inst of [...s.instances]) if (!inst.busy) all.push(runner.stopInstance(s, inst));
      }
      await Promise.all(all);
    },

    idle(idleOptions?: { timeoutMs?: number }): Promise<void> {
      return scheduler.idle(idleOptions?.timeoutMs);
    },
  };
  return backend;
}
