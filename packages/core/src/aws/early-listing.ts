/**
 * Early listing: the stdio bin starts discovery's ListFunctions pages in its first lines, before
 * the server's bundle is loaded (about 55 ms) and configured, and the AWS backend takes those pages
 * instead of reading them again. The pages of a listing are sequential (each one needs the last
 * one's marker), so every millisecond before the first request is a millisecond added to the
 * first `tools/list` (bench/discovery-at-scale.mjs, mode by mode).
 *
 * It starts only where the server is sure to send the same requests: no flags, no config file
 * (named or in the working directory), every setting of the environment valid by the
 * configuration's own rules (../config/environment.ts), the AWS backend with ListFunctions (not an
 * explicit list), no role, no cached catalog on disk that would answer first, and lean reads to the
 * same target (./lean-read.ts decides, from the same environment, with the same rules). Anything else
 * starts nothing. Pages read for a target the backend does not end up with are dropped unused, and
 * they are bounded: at most EARLY_LOOKAHEAD pages ahead of the pages taken, and the listing is
 * dropped when the backend takes no first page within 30 s, or no next page within 5 s of the last.
 *
 * It imports Node.js built-ins only (it is bundled into the bin's small first file).
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CATALOG_FILE, defaultCacheDir } from '../cache/cache-dir.js';
import { readEnvironmentSettings } from '../config/environment.js';
import { type ConfigKey, DEFAULT_CONFIG_FILE } from '../config/settings.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_READ_RESPONSE_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from './http-limits.js';
import {
  createLeanReader,
  LEAN_LIST_PAGE_SIZE,
  type LeanFunction,
  type LeanReader,
  type LeanTarget,
  leanReadTargetSync,
} from './lean-read.js';
import { sharedConfigFilesEmptySync } from './shared-files.js';

/** One ListFunctions page as a lean read gives it. */
export interface EarlyPage {
  functions: LeanFunction[];
  nextMarker?: string;
}

/** The pages of an early listing, handed to the backend that reads for the same target. */
export interface EarlyPages {
  /**
   * The page that starts at `marker` (undefined: the first) when it is the chain's next one, read
   * or still being read; undefined otherwise, and the listing stops (the backend reads it itself).
   * A page that failed rejects: the backend reads it again itself.
   */
  take(marker: string | undefined, signal?: AbortSignal): Promise<EarlyPage> | undefined;
  /** Pages handed over so far. */
  readonly taken: number;
}

export interface EarlyListing {
  /** Whether pages are being read; if not, why (for the server's debug log). */
  readonly started: boolean;
  readonly why?: string;
  /** Whether the first page's request has been written to its connection. */
  readonly firstRequestWritten: boolean;
  /**
   * Resolves when the page being read has been answered (its next page's request written, or the
   * listing ended), or after `boundMs`; at once when no written request is waiting for its answer.
   * The bin lets the event loop take an answer here before work that holds the thread.
   */
  nextRequestWritten(boundMs: number): Promise<void>;
  /**
   * The backend's lean-read target and page size: the pages when they were read for the same
   * target (same region, endpoint and credentials) and size; otherwise undefined, and they are
   * dropped. Once only.
   */
  adopt(target: LeanTarget, pageSize: number): EarlyPages | undefined;
  /** No more pages are read and those read are dropped (requests in flight are aborted). */
  abandon(): void;
}

/** Pages read ahead of the last one taken, at most. */
export const EARLY_LOOKAHEAD = 4;
/**
 * The first page not taken this long after the start (a server whose backend takes long to be
 * created), or a later one this long after the page before it: the listing is dropped. No page is
 * handed over older than that.
 */
const FIRST_TAKE_WITHIN_MS = 30_000;
const TAKE_WITHIN_MS = 5_000;

export interface EarlyListingInput {
  env: Record<string, string | undefined>;
  /** The bin's arguments: any flag may change what is read, so there must be none. */
  argv: readonly string[];
  cwd: string;
}

/** Where an early listing would read (the lean target, with the timeouts), or why none starts. */
export function earlyListingPlan(
  input: EarlyListingInput,
): { target: LeanTarget; limits: EarlyLimits } | { why: string } {
  const { env, argv, cwd } = input;
  if (argv.length > 0) return { why: 'flags are given' };
  if (env.LAMBDA_MCP_CONFIG) return { why: 'a config file is named' };
  if (exists(join(cwd, DEFAULT_CONFIG_FILE))) return { why: 'a config file is in the working directory' };
  // Every setting of the environment, parsed by the configuration's own rules: one the server would
  // refuse means it stops with a usage error, and nothing may be read for it.
  let settings: Partial<Record<ConfigKey, unknown>>;
  try {
    settings = readEnvironmentSettings(env).values;
  } catch {
    return { why: 'a setting of the environment is not valid (the server says which)' };
  }
  if (settings.backend === 'local' || settings.localDir !== undefined) return { why: 'the local backend' };
  if ((settings.functionList as string[] | undefined)?.length) return { why: 'an explicit function list' };
  if (settings.roleArn !== undefined) return { why: 'a role is assumed' };
  const region = settings.region as string | undefined;
  if (region === undefined) return { why: 'no AWS_REGION' };
  if (settings.diskCache !== false) {
    // A cached catalog (of any scope: which one is this server's is decided later) would answer
    // the first tools/list, and the listing would wait.
    const cacheDir = settings.cacheDir as string | undefined;
    const dir = cacheDir !== undefined ? resolve(cwd, cacheDir) : defaultCacheDir(env);
    if (hasCatalogFile(dir)) return { why: 'a catalog is cached on disk' };
  }
  const decision = leanReadTargetSync(
    {
      region,
      ...(typeof settings.profile === 'string' ? { profile: settings.profile } : {}),
      sharedConfigFilesEmpty: () => sharedConfigFilesEmptySync(env),
    },
    env,
  );
  if ('why' in decision) return decision;
  return {
    target: decision.target,
    limits: {
      connectTimeoutMs: (settings.awsConnectTimeoutMs as number | undefined) ?? DEFAULT_CONNECT_TIMEOUT_MS,
      requestTimeoutMs: (settings.awsRequestTimeoutMs as number | undefined) ?? DEFAULT_REQUEST_TIMEOUT_MS,
    },
  };
}

/** The lean reader's timeouts, as the backend's own (the configuration's AWS timeouts). */
export interface EarlyLimits {
  connectTimeoutMs: number;
  requestTimeoutMs: number;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (error) {
    // Present but not readable is present: the server decides about it.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

function hasCatalogFile(dir: string): boolean {
  try {
    return readdirSync(dir).some((name) => CATALOG_FILE.test(name));
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

function sameTarget(a: LeanTarget, b: LeanTarget): boolean {
  return (
    a.region === b.region &&
    a.endpoints.lambda.href === b.endpoints.lambda.href &&
    a.credentials.accessKeyId === b.credentials.accessKeyId &&
    a.credentials.secretAccessKey === b.credentials.secretAccessKey &&
    a.credentials.sessionToken === b.credentials.sessionToken
  );
}

const notStarted = (why: string): EarlyListing => ({
  started: false,
  why,
  firstRequestWritten: false,
  nextRequestWritten: () => Promise.resolve(),
  adopt: () => undefined,
  abandon() {},
});

/**
 * Starts an early listing where earlyListingPlan allows one. Never throws: a listing that cannot
 * start is one that did not start.
 */
export function startEarlyListing(
  input: EarlyListingInput,
  options: { reader?: (target: LeanTarget, onWritten: () => void) => LeanReader } = {},
): EarlyListing {
  let plan: ReturnType<typeof earlyListingPlan>;
  try {
    plan = earlyListingPlan(input);
  } catch (error) {
    return notStarted(`its plan failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if ('why' in plan) return notStarted(plan.why);
  const { target, limits } = plan;
  let written = false;
  let waiters: Array<() => void> = [];
  const wake = () => {
    const woken = waiters;
    waiters = [];
    for (const w of woken) w();
  };
  const onWritten = () => {
    written = true;
    wake();
  };
  const reader =
    options.reader?.(target, onWritten) ??
    createLeanReader(target, { ...limits, maxResponseBytes: DEFAULT_MAX_READ_RESPONSE_BYTES }, { onWritten });
  const controller = new AbortController();
  const pages: Array<{ marker: string | undefined; page: Promise<EarlyPage> }> = [];
  let taken = 0;
  let inFlight = 0;
  /** The marker of the next page, held back by the lookahead. */
  let heldBack: string | undefined;
  let chainDone = false;
  let stopped = false;
  let adopted = false;

  const closeWhenIdle = () => {
    if (inFlight === 0 && (stopped || (chainDone && taken === pages.length))) reader.close();
  };
  const stop = () => {
    if (stopped) return;
    stopped = true;
    heldBack = undefined;
    clearTimeout(takeBound);
    controller.abort();
    pages.length = 0;
    wake();
    closeWhenIdle();
  };

  const read = (marker: string | undefined) => {
    if (stopped) return;
    if (pages.length - taken >= EARLY_LOOKAHEAD && marker !== undefined) {
      heldBack = marker;
      return;
    }
    inFlight += 1;
    const page = reader.listFunctionsPage(marker, LEAN_LIST_PAGE_SIZE, controller.signal);
    pages.push({ marker, page });
    page.then(
      (answer) => {
        inFlight -= 1;
        if (answer.nextMarker && answer.nextMarker !== marker) read(answer.nextMarker);
        else chainDone = true;
        // Held back by the lookahead or ended: nothing more is written for now.
        if (inFlight === 0) wake();
        closeWhenIdle();
      },
      () => {
        // The backend that takes this page reads it again itself; the chain ends here.
        inFlight -= 1;
        chainDone = true;
        wake();
        closeWhenIdle();
      },
    );
  };

  let takeBound = setTimeout(stop, FIRST_TAKE_WITHIN_MS);
  takeBound.unref?.();
  try {
    read(undefined);
  } catch (error) {
    stop();
    return notStarted(`its first request failed: ${error instanceof Error ? error.message : String(error)}`);
  }

  const handed: EarlyPages = {
    take(marker, signal) {
      const next = stopped ? undefined : pages[taken];
      if (!next || next.marker !== marker) {
        stop();
        return undefined;
      }
      taken += 1;
      clearTimeout(takeBound);
      takeBound = setTimeout(stop, TAKE_WITHIN_MS);
      takeBound.unref?.();
      if (heldBack !== undefined && pages.length - taken < EARLY_LOOKAHEAD) {
        const resume = heldBack;
        heldBack = undefined;
        read(resume);
      }
      closeWhenIdle();
      return signal ? untilAborted(next.page, signal) : next.page;
    },
    get taken() {
      return taken;
    },
  };

  return {
    started: true,
    get firstRequestWritten() {
      return written;
    },
    nextRequestWritten(boundMs) {
      if (stopped || !written || inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolveWait) => {
        const timer = setTimeout(done, boundMs);
        function done() {
          clearTimeout(timer);
          resolveWait();
        }
        waiters.push(done);
      });
    },
    adopt(backendTarget, pageSize) {
      if (stopped || adopted || pageSize !== LEAN_LIST_PAGE_SIZE || !sameTarget(backendTarget, target)) {
        stop();
        return undefined;
      }
      adopted = true;
      return handed;
    },
    abandon: stop,
  };
}

/** `page`, or the signal's abort, whichever comes first. */
function untilAborted<T>(page: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolvePage, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    page.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolvePage(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
