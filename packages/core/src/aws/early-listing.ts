/**
 * Early listing: the stdio bin starts discovery's ListFunctions pages in its first lines, before
 * the server's bundle is loaded (about 55 ms) and configured, and the AWS backend takes those pages
 * instead of reading them again. The pages of a listing are sequential (each one needs the last
 * one's marker), so every millisecond before the first request is a millisecond added to the
 * first `tools/list` (bench/discovery-at-scale.mjs, mode by mode).
 *
 * It starts only where the server is sure to send the same requests: no flags, no config file
 * (named or in the working directory), the AWS backend with ListFunctions (not an explicit list),
 * default timeouts, no cached catalog on disk that would answer first, and lean reads to the same
 * target (./lean-read.ts decides, from the same environment, with the same rules). Anything else
 * starts nothing. Pages read for a target the backend does not end up with are dropped unused, and
 * they are bounded: at most EARLY_LOOKAHEAD pages ahead of the pages taken, and the listing is
 * dropped when 5 s pass without the backend taking a page (no page older than that is handed over).
 *
 * Node built-ins only (bundled into the bin's small first file).
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CATALOG_FILE, defaultCacheDir } from '../cache/cache-dir.js';
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
/** No page taken for this long (the first one included): the listing is dropped. */
const TAKE_WITHIN_MS = 5_000;

const FALSE_VALUES = new Set(['false', '0', 'no', 'off']);
const TRUE_VALUES = new Set(['true', '1', 'yes', 'on']);

export interface EarlyListingInput {
  env: Record<string, string | undefined>;
  /** The bin's arguments: any flag may change what is read, so there must be none. */
  argv: readonly string[];
  cwd: string;
}

/** Where an early listing would read (the lean target), or why none starts. */
export function earlyListingPlan(input: EarlyListingInput): { target: LeanTarget } | { why: string } {
  const { env, argv, cwd } = input;
  if (argv.length > 0) return { why: 'flags are given' };
  if (env.LAMBDA_MCP_CONFIG) return { why: 'a config file is named' };
  if (exists(join(cwd, 'lambda-mcp.config.json')))
    return { why: 'a config file is in the working directory' };
  if (env.LAMBDA_MCP_LOCAL_DIR) return { why: 'the local backend' };
  if (env.LAMBDA_MCP_BACKEND && env.LAMBDA_MCP_BACKEND.trim().toLowerCase() !== 'aws') {
    return { why: 'not the AWS backend' };
  }
  if (env.FUNCTION_LIST) return { why: 'an explicit function list' };
  if (env.LAMBDA_MCP_ROLE_ARN) return { why: 'a role is assumed' };
  if (env.LAMBDA_MCP_AWS_CONNECT_TIMEOUT_MS || env.LAMBDA_MCP_AWS_REQUEST_TIMEOUT_MS) {
    return { why: 'AWS timeouts are set' };
  }
  const region = env.AWS_REGION?.trim();
  if (!region) return { why: 'no AWS_REGION' };
  const diskCache = env.LAMBDA_MCP_DISK_CACHE?.trim().toLowerCase();
  if (diskCache && !FALSE_VALUES.has(diskCache) && !TRUE_VALUES.has(diskCache)) {
    return { why: 'LAMBDA_MCP_DISK_CACHE is not a boolean' };
  }
  if (!diskCache || TRUE_VALUES.has(diskCache)) {
    // A cached catalog (of any scope: which one is this server's is decided later) would answer
    // the first tools/list, and the listing would wait.
    const dir = env.LAMBDA_MCP_CACHE_DIR ? resolve(cwd, env.LAMBDA_MCP_CACHE_DIR) : defaultCacheDir(env);
    if (hasCatalogFile(dir)) return { why: 'a catalog is cached on disk' };
  }
  return leanReadTargetSync({ region, sharedConfigFilesEmpty: () => sharedConfigFilesEmptySync(env) }, env);
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
  const { target } = plan;
  let written = 0;
  let waiters: Array<() => void> = [];
  const wake = () => {
    const woken = waiters;
    waiters = [];
    for (const w of woken) w();
  };
  const onWritten = () => {
    written += 1;
    wake();
  };
  const reader =
    options.reader?.(target, onWritten) ??
    createLeanReader(
      target,
      {
        connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
        requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
        maxResponseBytes: DEFAULT_MAX_READ_RESPONSE_BYTES,
      },
      { onWritten },
    );
  const controller = new AbortController();
  const pages: Array<{ marker: string | undefined; page: Promise<EarlyPage> }> = [];
  let taken = 0;
  let inFlight = 0;
  /** The marker of the next page, held back by the lookahead. */
  let heldBack: { marker: string } | undefined;
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
      heldBack = { marker };
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

  let takeBound = setTimeout(stop, TAKE_WITHIN_MS);
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
      if (heldBack && pages.length - taken < EARLY_LOOKAHEAD) {
        const { marker: resume } = heldBack;
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
      return written > 0;
    },
    nextRequestWritten(boundMs) {
      if (stopped || written === 0 || inFlight === 0) return Promise.resolve();
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
