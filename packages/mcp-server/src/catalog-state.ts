/**
 * The catalog's state: the functions of the last discovery, the view each caller gets of them
 * (tool names assigned among the functions it may see) and the tools built so far.
 */
import { createHash } from 'node:crypto';
import type { FunctionInfo, LambdaMcpError } from '@lambda-mcp/core';
import type { FunctionTool } from './function-tools.js';
import { GENERIC_TOOL_NAMES } from './generic/index.js';
import { functionKey, toolNamesWithOrder } from './naming.js';
import type { FunctionAuthorizer } from './types.js';

export interface CatalogState {
  loaded: boolean;
  functions: FunctionInfo[];
  /** What a caller without restrictions sees. */
  full: View;
  /**
   * What each restricted caller sees, computed over the functions it may see only (tool names,
   * collision suffixes, counts, fingerprint), by authorizer (or by its policy's patterns).
   */
  views: Map<unknown, View>;
  /** Built tools by `key` NUL `tool name` (a function may have another name in another view). */
  tools: Map<string, FunctionTool>;
  building: Map<string, Promise<FunctionTool>>;
  discoveryError?: LambdaMcpError;
  catalogSource?: 'live' | 'cache';
  /** The full view's fingerprint. */
  fingerprint: string;
}

/** The functions one caller may see, sorted by tool name, with the tool names assigned among them. */
export interface View {
  entries: Entry[];
  byName: Map<string, Entry>;
  byKey: Map<string, Entry>;
  /** Changes exactly when this caller's tool list changes. */
  fingerprint: string;
}

export interface Entry {
  /** Position in the view's entries (sorted by tool name). */
  index: number;
  key: string;
  name: string;
  fn: FunctionInfo;
}

/** Views kept per catalog state (one per session or token); the oldest is dropped beyond this. */
const MAX_VIEWS = 256;

/** What a view's names and fingerprint depend on besides its functions. */
export interface ViewNaming {
  functionPrefixes: readonly string[];
  generic: boolean;
  perFunction: boolean;
}

export function hash(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** The key of a built tool: a function may have another name in another caller's view. */
export function toolId(entry: Pick<Entry, 'key' | 'name'>): string {
  return `${entry.key}\u0000${entry.name}`;
}

/**
 * The view of `functions`: tool names assigned among them, sorted, and a fingerprint that changes
 * exactly when the tool list does.
 *
 * `catalogFingerprint` is given only for the unrestricted view of a discovery catalog's whole list:
 * it is that catalog's fingerprint (a hash of every function's contents), or a function that reads
 * it, and the view's is derived from it instead of hashing every function again (about 55 ms of a
 * cold start with 10,000 functions). A restricted caller's view is always hashed over what it sees
 * (`viewFor`), so a function it cannot see never changes its fingerprint.
 *
 * A view's fingerprint is computed when first read (then kept): the first tools/list answer does
 * not need it, only the change checks that come after.
 */
export function makeView(
  functions: readonly FunctionInfo[],
  naming: ViewNaming,
  loaded: boolean,
  error?: LambdaMcpError,
  catalogFingerprint?: string | (() => string),
): View {
  const { names, sorted, ordered } = toolNamesWithOrder(functions, {
    prefixes: naming.functionPrefixes,
    reserved: GENERIC_TOOL_NAMES,
  });
  // Sorted by tool name (unique within a view). Names that came in order (a catalog listed by name)
  // are taken as they are; others are sorted as strings, then their entries looked up by name.
  let entries: Entry[];
  let byName: Map<string, Entry> | undefined;
  if (sorted) {
    entries = new Array<Entry>(functions.length);
    for (let i = 0; i < functions.length; i++) {
      const fn = functions[i] as FunctionInfo;
      entries[i] = { index: i, key: functionKey(fn), name: names[i] as string, fn };
    }
  } else {
    const map = new Map<string, Entry>();
    for (let i = 0; i < functions.length; i++) {
      const fn = functions[i] as FunctionInfo;
      const name = names[i] as string;
      map.set(name, { index: 0, key: functionKey(fn), name, fn });
    }
    entries = (ordered ?? [...map.keys()].sort()).map((name, index) => {
      const entry = map.get(name)!;
      entry.index = index;
      return entry;
    });
    byName = map;
  }
  const fromCatalog = typeof catalogFingerprint === 'string' ? () => catalogFingerprint : catalogFingerprint;
  return withLookups(entries, () => viewFingerprint(entries, naming, loaded, error, fromCatalog?.()), byName);
}

/** A function's value, computed on the first call and kept. */
function once(compute: () => string): () => string {
  let value: string | undefined;
  return () => {
    value ??= compute();
    return value;
  };
}

/**
 * A view whose lookup maps (by tool name, by function key) are built when first needed, or when
 * the thread is next idle: a start's first tools/list of a large catalog does not wait for them.
 */
function withLookups(
  entries: Entry[],
  computeFingerprint: () => string,
  byNameBuilt?: Map<string, Entry>,
): View {
  let byName = byNameBuilt;
  let byKey: Map<string, Entry> | undefined;
  const fingerprint = once(computeFingerprint);
  const view: View = {
    entries,
    get fingerprint() {
      return fingerprint();
    },
    get byName() {
      byName ??= indexBy(entries, 'name');
      return byName;
    },
    get byKey() {
      byKey ??= indexBy(entries, 'key');
      return byKey;
    },
  };
  if (entries.length > 0) {
    const idle = setImmediate(() => {
      void view.byName;
      void view.byKey;
    });
    idle.unref?.();
  }
  return view;
}

function viewFingerprint(
  entries: readonly Entry[],
  naming: ViewNaming,
  loaded: boolean,
  error?: LambdaMcpError,
  catalogFingerprint?: string,
): string {
  const digest = createHash('sha256').update(
    JSON.stringify([naming.generic, naming.perFunction, loaded ? '' : `error:${error?.code ?? ''}`]),
  );
  if (catalogFingerprint !== undefined) {
    // The names are a function of the functions, the prefixes and the reserved generic names.
    digest.update(JSON.stringify(['catalog', catalogFingerprint, naming.functionPrefixes]));
    return digest.digest('hex');
  }
  // Hashed in about 64 KB pieces (a hash of pieces is the hash of their concatenation): one string
  // of a 10,000-function catalog is several MB, and 10,000 small updates cost more than the hashing.
  let pending = '';
  for (const e of entries) {
    pending += JSON.stringify([e.key, e.name, e.fn]);
    if (pending.length > 65_536) {
      digest.update(pending);
      pending = '';
    }
  }
  digest.update(pending);
  return digest.digest('hex');
}

/** Entries by one of their fields (one map entry each, no array of pairs). */
function indexBy(entries: readonly Entry[], field: 'name' | 'key'): Map<string, Entry> {
  const map = new Map<string, Entry>();
  for (const e of entries) map.set(e[field], e);
  return map;
}

/** The same view (entries and lookups, shared) with another fingerprint (computed when first read). */
function withFingerprint(view: View, computeFingerprint: () => string): View {
  const fingerprint = once(computeFingerprint);
  return {
    entries: view.entries,
    get fingerprint() {
      return fingerprint();
    },
    get byName() {
      return view.byName;
    },
    get byKey() {
      return view.byKey;
    },
  };
}

export function emptyState(naming: ViewNaming): CatalogState {
  const full = makeView([], naming, false);
  return {
    loaded: false,
    functions: [],
    full,
    views: new Map(),
    tools: new Map(),
    building: new Map(),
    fingerprint: '',
  };
}

/** What this caller sees: the functions it may see, named among themselves. */
export function viewFor(
  s: CatalogState,
  naming: ViewNaming,
  allowed: (fn: FunctionInfo) => boolean,
  authorize?: FunctionAuthorizer,
): View {
  if (!authorize) return s.full;
  // A compiled policy is keyed by its patterns, so per-request authorizers share a view.
  const patterns = (authorize as { patterns?: unknown }).patterns;
  const cacheKey = Array.isArray(patterns) ? `patterns:${JSON.stringify(patterns)}` : authorize;
  let view = s.views.get(cacheKey);
  if (!view) {
    const functions = s.functions.filter(allowed);
    // A caller that may see everything gets the full view's names, with a fingerprint hashed over
    // what it sees, as any restricted caller's is: one computed from the whole catalog's would
    // change when a function it may not see came or went.
    view =
      functions.length === s.functions.length
        ? withFingerprint(s.full, () => viewFingerprint(s.full.entries, naming, s.loaded, s.discoveryError))
        : makeView(functions, naming, s.loaded, s.discoveryError);
    if (s.views.size >= MAX_VIEWS) s.views.delete(s.views.keys().next().value);
    s.views.set(cacheKey, view);
  }
  return view;
}
