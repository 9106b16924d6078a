import { setMaxListeners } from 'node:events';
import type { Backend } from '../backend.js';
import type { Config } from '../config/schema.js';
import { isErrorCode, LambdaMcpError, toLambdaMcpError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { CallOptions, FunctionConfig, FunctionInfo, Tags } from '../types.js';
import { abortError, raceSignal, throwIfAborted } from '../util/abort.js';
import { mapWithConcurrency } from '../util/concurrency.js';
import { fingerprint, fingerprintList } from '../util/fingerprint.js';
import {
  assertQualifier,
  type FunctionReference,
  formatFunctionKey,
  parseFunctionArn,
  parseFunctionReference,
} from '../util/function-ref.js';
import { type CompiledFilters, compileFilters, evaluateFilters, listEntryMatches } from './filters.js';
import { type FunctionTarget, findExclusion, isAuthorized } from './function-policy.js';
import type {
  Catalog,
  CatalogCacheStore,
  DiscoveryRunEvent,
  DiscoveryService,
  DiscoveryStatus,
  ExcludedFunction,
  ResolvedFunction,
  ResolveOptions,
} from './types.js';

/** A catalog loaded from the disk cache is re-read this long after it was loaded (ms). */
export const CACHE_REVALIDATE_DELAY_MS = 300;

/** Waits before retrying a failed discovery (ms): backoff with jitter, the last one repeated. */
export const DISCOVERY_RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000] as const;

export interface DiscoveryServiceOptions {
  backend: Backend;
  config: Config;
  logger: Logger;
  catalogCache?: CatalogCacheStore;
  /** Clock in ms (tests). */
  now?: () => number;
  /** Delays before retrying a failed discovery (default DISCOVERY_RETRY_DELAYS_MS); [] turns retries off. */
  retryDelaysMs?: readonly number[];
}

interface Computed {
  included: FunctionInfo[];
  excluded: ExcludedFunction[];
  problems: string[];
}

/** Fingerprint of a catalog's content: sorted entries, no timestamps. */
export function catalogFingerprint(functions: readonly FunctionInfo[]): string {
  return fingerprintList(functions);
}

/**
 * A catalog whose `fingerprint` is computed when first read (then kept): hashing every function's
 * stable JSON took 15 ms for 1,000 functions on a cold start here, and the first tools/list does not
 * need it (the log line, the disk cache and the change checks read it after). An own, enumerable
 * property, so spreading or cloning the catalog copies the value.
 */
function withLazyFingerprint(catalog: Omit<Catalog, 'fingerprint'>): Catalog {
  let value: string | undefined;
  return Object.defineProperty(catalog, 'fingerprint', {
    get: () => {
      value ??= catalogFingerprint(catalog.functions);
      return value;
    },
    enumerable: true,
    configurable: true,
  }) as Catalog;
}

function compareEntries(a: FunctionInfo, b: FunctionInfo): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  const qa = a.qualifier ?? '';
  const qb = b.qualifier ?? '';
  return qa === qb ? 0 : qa < qb ? -1 : 1;
}

function notAllowed(input: string, why?: string): LambdaMcpError {
  return new LambdaMcpError(
    'FUNCTION_NOT_ALLOWED',
    `Function ${JSON.stringify(input)} is not available: ${
      why ?? 'it is not in the catalog of allowed functions (names are case-sensitive)'
    }. Use list_functions to see which functions are available.`,
    { details: { functionName: input } },
  );
}

/**
 * A version or alias of a function the caller may see that does not exist, or that the caller may
 * not use: one answer for both, so a denied alias cannot be told from a missing one.
 */
export function unknownQualifier(name: string, qualifier: string, cause?: unknown): LambdaMcpError {
  return new LambdaMcpError(
    'INVALID_REQUEST',
    `Function '${name}' has no version or alias '${qualifier}'. Accepted: a version number or alias that exists for ${name}, or no qualifier for $LATEST.`,
    {
      ...(cause === undefined ? {} : { cause }),
      details: { field: 'qualifier', qualifier, unknownQualifier: true },
    },
  );
}

export function createDiscoveryService(options: DiscoveryServiceOptions): DiscoveryService {
  const { backend, config, catalogCache } = options;
  const logger = options.logger.child({ component: 'discovery' });
  const now = options.now ?? Date.now;
  const filters: CompiledFilters = compileFilters(config);
  // A disk-cached catalog is only valid for the same backend scope and the same filters.
  const cacheScope = `${backend.scope}#${fingerprint({
    prefixes: config.functionPrefixes,
    list: config.functionList,
    tags: config.tagFilters,
    runtimes: config.runtimes,
    exclude: config.exclude,
    input: config.inputSchemaArnTagKey,
    output: config.outputSchemaArnTagKey,
  })}`;

  let current: Catalog | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let inflight: Promise<Catalog> | undefined;
  let lastError: LambdaMcpError | undefined;
  let failedBefore = false;
  let cacheLoad: Promise<void> | undefined;
  let savedFingerprint: string | undefined;
  let saving: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let revalidateTimer: NodeJS.Timeout | undefined;
  let cacheLoadedAt: number | undefined;
  let nextRetryAt: number | undefined;
  let consecutiveFailures = 0;
  let lastSuccessAt: number | undefined;
  let refreshStartedAt: number | undefined;
  let closed = false;
  const timeoutMs = (config.discoveryTimeoutSeconds ?? 120) * 1000;
  const retryDelays = options.retryDelaysMs ?? DISCOVERY_RETRY_DELAYS_MS;
  const internal = new AbortController();
  const listeners = new Set<(catalog: Catalog, previous: Catalog | undefined) => void>();
  const runListeners = new Set<(event: DiscoveryRunEvent) => void>();
  const emitRun = (event: DiscoveryRunEvent) => {
    for (const l of runListeners) {
      try {
        l(event);
      } catch (error) {
        logger.warn('discovery run listener failed', { error: toLambdaMcpError(error).message });
      }
    }
  };
  const indexes = new WeakMap<Catalog, Map<string, FunctionInfo[]>>();

  function toInfo(fn: FunctionConfig, tags: Tags, qualifier?: string): FunctionInfo {
    const info: FunctionInfo = { ...fn, tags };
    if (qualifier !== undefined) info.qualifier = qualifier;
    const input = tags[config.inputSchemaArnTagKey];
    const output = tags[config.outputSchemaArnTagKey];
    if (input) info.inputSchemaArn = input;
    if (output) info.outputSchemaArn = output;
    return info;
  }

  async function compute(signal: AbortSignal, forExplain: boolean): Promise<Computed> {
    const started = now();
    const all = await backend.listFunctions({ signal });
    // Explicit-list discovery says why a listed function was not read (missing, access denied).
    const unread = backend.listProblems?.();
    const problems: string[] = [];
    type Candidate = { fn: FunctionConfig; qualifier?: string; pre: string[] };
    const candidates: Candidate[] = all.map((fn) => ({
      fn,
      pre: evaluateFilters(filters, fn, {}, { skipTags: true }),
    }));

    // FUNCTION_LIST entries with a qualifier: that version or alias, read with getFunction.
    const pinned = filters.list.filter(
      (e): e is FunctionReference & { qualifier: string } => e.qualifier !== undefined,
    );
    const pinnedCandidates = await mapWithConcurrency(
      pinned,
      4,
      async (entry): Promise<Candidate | undefined> => {
        const label = formatFunctionKey(entry.name, entry.qualifier);
        const base = all.find((fn) => listEntryMatches(entry, fn));
        if (!base) {
          problems.push(`FUNCTION_LIST entry "${label}": ${unread?.get(entry.name) ?? 'no such function'}`);
          return undefined;
        }
        const pre = evaluateFilters(filters, base, {}, { skipTags: true, qualifier: entry.qualifier });
        if (pre.length > 0) return { fn: base, qualifier: entry.qualifier, pre };
        try {
          const fn = await backend.getFunction(entry.name, entry.qualifier, { signal });
          // Keep the unqualified identity (tags and the allowlist work on it).
          const merged: FunctionConfig = { ...fn, name: base.name, arn: base.arn };
          if (fn.tags === undefined && base.tags !== undefined) merged.tags = base.tags;
          return {
            fn: merged,
            qualifier: entry.qualifier,
            pre: evaluateFilters(filters, merged, {}, { skipTags: true, qualifier: entry.qualifier }),
          };
        } catch (error) {
          if (isErrorCode(error, 'FUNCTION_NOT_FOUND')) {
            problems.push(`FUNCTION_LIST entry "${label}": qualifier "${entry.qualifier}" does not exist`);
            return undefined;
          }
          throw error;
        }
      },
    );
    for (const c of pinnedCandidates) if (c) candidates.push(c);
    for (const entry of filters.list) {
      if (entry.qualifier === undefined && !all.some((fn) => listEntryMatches(entry, fn))) {
        problems.push(
          `FUNCTION_LIST entry "${entry.name}": ${unread?.get(entry.name) ?? 'no such function'}`,
        );
      }
    }

    // Tags for the functions that passed the cheap filters (all of them for explain()).
    const needTags = candidates.filter((c) => c.fn.tags === undefined && (forExplain || c.pre.length === 0));
    const arns = [...new Set(needTags.map((c) => c.fn.arn))];
    let tagMap = new Map<string, Tags>();
    if (arns.length > 0) {
      try {
        tagMap = await backend.getTags(
          !forExplain && filters.tagFilters.length > 0
            ? { arns, tagFilters: [...filters.tagFilters] }
            : { arns },
          { signal },
        );
      } catch (error) {
        const err = toLambdaMcpError(error, 'BACKEND_UNAVAILABLE');
        if (filters.tagFilters.length > 0 || err.code === 'ABORTED') throw err;
        problems.push(
          `tags could not be read (${err.code}: ${err.message}); schema tags are ignored until they can`,
        );
      }
    }

    const included: FunctionInfo[] = [];
    const excluded: ExcludedFunction[] = [];
    for (const c of candidates) {
      const tags = c.fn.tags ?? tagMap.get(c.fn.arn) ?? {};
      const info = toInfo(c.fn, tags, c.qualifier);
      const reasons =
        c.pre.length > 0 ? [...c.pre] : evaluateFilters(filters, c.fn, tags, { qualifier: c.qualifier });
      if (c.pre.length > 0 && forExplain) {
        // Report every rule, tags included, for explain().
        for (const r of evaluateFilters(filters, c.fn, tags, { qualifier: c.qualifier })) {
          if (!reasons.includes(r)) reasons.push(r);
        }
      }
      if (reasons.length === 0) included.push(info);
      else excluded.push({ function: info, reason: reasons.join('; ') });
    }
    included.sort(compareEntries);
    excluded.sort((a, b) => compareEntries(a.function, b.function));
    logger.debug('discovery computed', {
      functions: all.length,
      included: included.length,
      durationMs: Math.round(now() - started),
    });
    return { included, excluded, problems };
  }

  function emit(catalog: Catalog, previous: Catalog | undefined): void {
    for (const listener of [...listeners]) {
      try {
        listener(catalog, previous);
      } catch (error) {
        logger.warn('catalog change listener failed', { error: toLambdaMcpError(error).message });
      }
    }
  }

  /**
   * Logs a refreshed catalog and saves it to the disk cache, one turn of the event loop after it was
   * handed over: both read its fingerprint, which the first tools/list answer need not wait for.
   * One at a time, in order; close() waits for the last one.
   */
  function afterRefresh(catalog: Catalog): void {
    saving = (saving ?? Promise.resolve())
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => {
        logger.info('catalog refreshed', {
          functions: catalog.functions.length,
          fingerprint: catalog.fingerprint,
        });
        if (!catalogCache || savedFingerprint === catalog.fingerprint) return;
        savedFingerprint = catalog.fingerprint;
        return catalogCache.save(cacheScope, catalog).catch((error: unknown) => {
          savedFingerprint = undefined;
          logger.warn('could not save the catalog cache', { error: toLambdaMcpError(error).message });
        });
      });
  }

  function startRefresh(): Promise<Catalog> {
    if (closed) return Promise.reject(new LambdaMcpError('INTERNAL', 'The discovery service is closed.'));
    if (inflight) return inflight;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = undefined;
    nextRetryAt = undefined;
    refreshStartedAt = now();
    const run = (async () => {
      const deadline = withDeadline(internal.signal);
      const runStarted = performance.now();
      try {
        const computed = await deadline.run((signal) => compute(signal, false));
        const next = withLazyFingerprint({
          functions: computed.included,
          generatedAt: new Date(now()),
          source: 'live',
        });
        if (computed.problems.length > 0) {
          next.problems = computed.problems;
          // Said once, not at every periodic refresh.
          const said = new Set(current?.problems ?? []);
          for (const problem of computed.problems)
            if (!said.has(problem)) logger.warn('discovery problem', { problem });
        }
        const previous = current;
        current = next;
        lastError = undefined;
        consecutiveFailures = 0;
        lastSuccessAt = now();
        const changed = previous ? previous.fingerprint !== next.fingerprint : failedBefore;
        failedBefore = false;
        if (changed) emit(next, previous);
        afterRefresh(next);
        emitRun({
          outcome: 'success',
          durationMs: performance.now() - runStarted,
          functions: next.functions.length,
        });
        return next;
      } catch (error) {
        const err = closed
          ? new LambdaMcpError('ABORTED', 'The discovery service was closed during a refresh.', {
              cause: error,
            })
          : deadline.expired()
            ? deadline.timedOut(error)
            : toLambdaMcpError(error, 'BACKEND_UNAVAILABLE');
        lastError = err;
        failedBefore = true;
        consecutiveFailures += 1;
        if (!closed) {
          logger.warn('catalog refresh failed', { code: err.code, error: err.message });
          scheduleRetry(err);
          emitRun({ outcome: 'error', durationMs: performance.now() - runStarted, code: err.code });
        }
        throw err;
      } finally {
        deadline.clear();
        checkedAt = now();
        inflight = undefined;
        refreshStartedAt = undefined;
      }
    })();
    inflight = run;
    return run;
  }

  /**
   * One discovery's deadline: the work gets a signal that aborts when the deadline passes (so the
   * AWS requests in flight are abandoned), and the wait for it ends then too, even if the backend
   * ignores the signal.
   */
  function withDeadline(parent: AbortSignal) {
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(new Error('discovery deadline')), timeoutMs);
    timeout.unref?.();
    const signal = AbortSignal.any([parent, controller.signal]);
    // Every request of the discovery in flight listens to it (up to 16 GetFunction requests of a
    // FUNCTION_LIST at once, tag and schema reads beside them): more than Node.js's default of 10
    // listeners is expected here, not a leak (each request removes its own when it ends).
    setMaxListeners(0, signal);
    return {
      run: <T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> => raceSignal(work(signal), signal),
      expired: () => controller.signal.aborted && !parent.aborted,
      timedOut: (cause: unknown) =>
        new LambdaMcpError(
          'TIMED_OUT',
          `Function discovery did not finish within ${timeoutMs / 1000} s (LAMBDA_MCP_DISCOVERY_TIMEOUT): ` +
            'the AWS endpoint is slow or not answering. It is retried in the background; try again shortly.',
          { cause, retryable: true, details: { timeoutSeconds: timeoutMs / 1000 } },
        ),
      clear: () => clearTimeout(timeout),
    };
  }

  /** After a failure that may pass (timeouts, throttles, an unreachable or failing endpoint). */
  function scheduleRetry(err: LambdaMcpError): void {
    if (closed || retryTimer || retryDelays.length === 0) return;
    if (
      !err.retryable &&
      !['TIMED_OUT', 'BACKEND_UNAVAILABLE', 'SERVICE_ERROR', 'THROTTLED'].includes(err.code)
    )
      return;
    const base = retryDelays[Math.min(consecutiveFailures - 1, retryDelays.length - 1)] ?? 60_000;
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    nextRetryAt = now() + delay;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      nextRetryAt = undefined;
      backgroundRefresh();
    }, delay);
    retryTimer.unref?.();
  }

  function status(): DiscoveryStatus {
    const out: DiscoveryStatus = {
      state: lastError ? 'failing' : lastSuccessAt !== undefined ? 'ok' : 'starting',
      live: current?.source === 'live',
      functions: current?.functions.length ?? 0,
      timeoutSeconds: timeoutMs / 1000,
      consecutiveFailures,
    };
    if (current) out.catalogSource = current.source === 'cache' ? 'cache' : 'live';
    if (lastSuccessAt !== undefined) out.lastSuccessAt = new Date(lastSuccessAt).toISOString();
    if (refreshStartedAt !== undefined)
      out.refreshingForMs = Math.max(0, Math.round(now() - refreshStartedAt));
    if (lastError)
      out.lastError = { code: lastError.code, message: lastError.message, retryable: lastError.retryable };
    if (nextRetryAt !== undefined) out.nextRetryAt = new Date(nextRetryAt).toISOString();
    return out;
  }

  function backgroundRefresh(): void {
    startRefresh().catch(() => {
      // recorded in lastError and logged
    });
  }

  /**
   * Re-reads a catalog served from the disk cache, a moment after it was loaded: the first read
   * loads the AWS SDK and builds its clients (synchronous work), which would otherwise delay the
   * very answers the cache is there for. The allowlist (every invocation) needs the live catalog
   * and starts the read at once anyway.
   */
  function revalidateCached(): void {
    if (inflight || revalidateTimer || closed) return;
    const wait = (cacheLoadedAt ?? Number.NEGATIVE_INFINITY) + CACHE_REVALIDATE_DELAY_MS - now();
    if (wait <= 0) {
      backgroundRefresh();
      return;
    }
    revalidateTimer = setTimeout(() => {
      revalidateTimer = undefined;
      if (!closed && current?.source === 'cache' && !inflight) backgroundRefresh();
    }, wait);
    revalidateTimer.unref?.();
  }

  function loadCacheOnce(): Promise<void> {
    if (!catalogCache) return Promise.resolve();
    cacheLoad ??= (async () => {
      try {
        const cached = await catalogCache.load(cacheScope);
        if (cached && !current) {
          current = { ...cached, source: 'cache' };
          savedFingerprint = cached.fingerprint;
          logger.info('catalog loaded from the disk cache', { functions: cached.functions.length });
          cacheLoadedAt = now();
          revalidateCached();
        }
      } catch (error) {
        logger.warn('could not read the catalog cache', { error: toLambdaMcpError(error).message });
      }
    })();
    return cacheLoad;
  }

  const isFresh = () => now() - checkedAt < config.cacheTtlSeconds * 1000;

  async function getCatalog(opts: CallOptions & { refresh?: boolean } = {}): Promise<Catalog> {
    throwIfAborted(opts.signal);
    await raceSignal(loadCacheOnce(), opts.signal);
    if (opts.refresh) return raceSignal(startRefresh(), opts.signal);
    if (current?.source === 'cache') {
      // Stale-while-revalidate: the cached catalog is shown while a live one is read.
      if (!inflight && !isFresh()) revalidateCached();
      return current;
    }
    if (current && isFresh()) return current;
    if (current) {
      // Stale-while-revalidate for a live catalog too: callers (every invocation goes through the
      // allowlist) never wait for a re-discovery, which takes seconds on a large account.
      if (!inflight) backgroundRefresh();
      return current;
    }
    return raceSignal(startRefresh(), opts.signal);
  }

  /** The catalog the allowlist trusts: live (a disk-cached catalog is only shown, never trusted). */
  async function trustedCatalog(opts: CallOptions): Promise<Catalog> {
    const catalog = await getCatalog(opts);
    if (catalog.source === 'live') return catalog;
    const live = current?.source === 'live' ? current : await raceSignal(startRefresh(), opts.signal);
    return live;
  }

  function indexOf(catalog: Catalog): Map<string, FunctionInfo[]> {
    let index = indexes.get(catalog);
    if (!index) {
      index = new Map();
      for (const fn of catalog.functions) {
        const list = index.get(fn.name);
        if (list) list.push(fn);
        else index.set(fn.name, [fn]);
      }
      indexes.set(catalog, index);
    }
    return index;
  }

  /**
   * Whether a version or alias of `fn` exists, asked of the backend with a DryRun Invoke (it checks
   * existence and permission and runs nothing; it needs only lambda:InvokeFunction). A missing one
   * is refused as a denied one is; any other answer (throttling, a permission the role lacks) leaves
   * the call to go on, as it would without the check.
   */
  async function assertQualifierExists(fn: FunctionInfo, qualifier: string, signal?: AbortSignal) {
    if (qualifier === '$LATEST') return;
    try {
      await backend.invoke(
        {
          functionName: fn.name,
          qualifier,
          invocationType: 'DryRun',
          logType: 'None',
          payload: new Uint8Array(0),
        },
        signal ? { signal } : {},
      );
    } catch (error) {
      if (isErrorCode(error, 'FUNCTION_NOT_FOUND')) throw unknownQualifier(fn.name, qualifier, error);
      if (isErrorCode(error, 'ABORTED')) throw error;
      logger.debug('qualifier check inconclusive', { function: fn.name, qualifier, error: String(error) });
    }
  }

  async function resolve(nameOrArn: string, opts: ResolveOptions = {}): Promise<ResolvedFunction> {
    if (typeof nameOrArn !== 'string') {
      throw new LambdaMcpError('INVALID_REQUEST', 'The function name must be a string.', {
        details: { field: 'functionName' },
      });
    }
    const ref = parseFunctionReference(nameOrArn);
    let qualifier = ref.qualifier;
    if (opts.qualifier !== undefined && opts.qualifier !== '') {
      assertQualifier(opts.qualifier);
      if (qualifier !== undefined && qualifier !== opts.qualifier) {
        throw new LambdaMcpError(
          'INVALID_REQUEST',
          `The qualifier in the function name ("${qualifier}") does not match the qualifier given ("${opts.qualifier}").`,
          { details: { field: 'qualifier' } },
        );
      }
      qualifier = opts.qualifier;
    }
    // Authorization first: the operator's exclusions and the caller's policy, for the function and
    // the qualifier the call would use. Everything below sees only what passes, so no answer
    // tells a hidden function from a missing one.
    const permits = (fn: FunctionInfo, q: string | undefined): boolean => {
      const target: FunctionTarget = { name: fn.name, arn: fn.arn, ...(q ? { qualifier: q } : {}) };
      return findExclusion(filters.exclude, target) === undefined && isAuthorized(opts.authorize, target);
    };
    const visible = (c: Catalog) =>
      (indexOf(c).get(ref.name) ?? []).filter((fn) => permits(fn, fn.qualifier));
    let catalog = await trustedCatalog(opts);
    let entries = visible(catalog);
    if (entries.length === 0 && inflight) {
      // A refresh is under way (the catalog had gone stale): a function that appeared since is in it.
      const pending = inflight;
      catalog = await raceSignal(pending, opts.signal).catch((error: unknown) => {
        if (isErrorCode(error, 'ABORTED')) throw error;
        return catalog;
      });
      entries = visible(catalog);
    }
    if (entries.length === 0) throw notAllowed(nameOrArn);
    const matching = entries.filter((fn) => listEntryMatches(ref, fn));
    if (matching.length === 0) {
      const arn = parseFunctionArn(entries[0]?.arn ?? '');
      throw notAllowed(
        nameOrArn,
        arn
          ? `this server serves account ${arn.accountId} in region ${arn.region} only, and the ARN names another`
          : 'the ARN does not match the function this server knows',
      );
    }
    const unqualified = matching.find((fn) => fn.qualifier === undefined);
    if (qualifier !== undefined) {
      const pinned = matching.find((fn) => fn.qualifier === qualifier);
      if (pinned) return { function: pinned, qualifier };
      if (unqualified) {
        // A denied version or alias of a function the caller may see: the answer a missing one
        // gets, at the step where it gets it (the backend's "not found" after validation, for an
        // invocation).
        if (!permits(unqualified, qualifier)) {
          if (opts.deferHiddenQualifier) return { function: unqualified, qualifier, hidden: true };
          throw unknownQualifier(unqualified.name, qualifier);
        }
        if (opts.verifyQualifier) await assertQualifierExists(unqualified, qualifier, opts.signal);
        return { function: unqualified, qualifier };
      }
      const allowed = matching.map((fn) => fn.qualifier).join(', ');
      throw notAllowed(
        nameOrArn,
        `only qualifier(s) ${allowed} of "${ref.name}" are configured (FUNCTION_LIST)`,
      );
    }
    if (unqualified) return { function: unqualified };
    const only = matching.length === 1 ? matching[0] : undefined;
    if (only)
      return only.qualifier === undefined
        ? { function: only }
        : { function: only, qualifier: only.qualifier };
    throw new LambdaMcpError(
      'INVALID_REQUEST',
      `Function "${ref.name}" is configured with several qualifiers (${matching
        .map((fn) => fn.qualifier)
        .join(', ')}): name one, e.g. "${ref.name}:${matching[0]?.qualifier}".`,
      { details: { field: 'qualifier' } },
    );
  }

  return {
    getCatalog,
    refresh: (opts: CallOptions = {}) => {
      throwIfAborted(opts.signal);
      return raceSignal(startRefresh(), opts.signal);
    },
    resolve,
    async explain(opts: CallOptions = {}) {
      throwIfAborted(opts.signal);
      if (closed) throw new LambdaMcpError('INTERNAL', 'The discovery service is closed.');
      const signal = opts.signal ? AbortSignal.any([opts.signal, internal.signal]) : internal.signal;
      const deadline = withDeadline(signal);
      try {
        const { included, excluded } = await deadline.run((bounded) => compute(bounded, true));
        return { included, excluded };
      } catch (error) {
        if (deadline.expired()) throw deadline.timedOut(error);
        if (signal.aborted) throw abortError(signal);
        throw toLambdaMcpError(error, 'BACKEND_UNAVAILABLE');
      } finally {
        deadline.clear();
      }
    },
    onRun(listener) {
      runListeners.add(listener);
      return () => {
        runListeners.delete(listener);
      };
    },
    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    get lastError() {
      return lastError;
    },
    status,
    setRefreshInterval(seconds: number) {
      if (!Number.isFinite(seconds) || seconds < 0) {
        throw new LambdaMcpError(
          'INVALID_REQUEST',
          `Invalid refresh interval ${seconds}: expected seconds >= 0.`,
        );
      }
      if (timer) clearInterval(timer);
      timer = undefined;
      if (seconds > 0 && !closed) {
        timer = setInterval(backgroundRefresh, seconds * 1000);
        timer.unref();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      if (revalidateTimer) clearTimeout(revalidateTimer);
      revalidateTimer = undefined;
      internal.abort();
      listeners.clear();
      await inflight?.catch(() => undefined);
      await saving;
    },
  };
}
