import MiniSearch, { type SearchResult } from 'minisearch';
import type { FunctionInfo } from '../types.js';
import { isSchemaObject } from './schema-walk.js';
import type { JsonSchema } from './types.js';

/**
 * Full-text search over a function catalog (MiniSearch: BM25+ scoring, prefix and fuzzy matching).
 * Fields: the name (split at `-`, `_`, `.` and camelCase), the description, tags (keys and values),
 * the runtime, and the input schema's property names and descriptions.
 */

export interface SearchableFunction {
  fn: FunctionInfo;
  /** The input schema when it is known (its property names and descriptions are indexed). */
  inputSchema?: JsonSchema;
}

export interface FunctionSearchHit {
  fn: FunctionInfo;
  /** MiniSearch's relevance score (higher is better; only comparable within one query). */
  score: number;
  /** Query terms that matched, and in which fields. */
  matched: Record<string, string[]>;
}

export interface FunctionSearchOptions {
  /** At most this many hits (default 10). */
  limit?: number;
  /** Keeps only the functions this returns true for (authorization, filters) before ranking. */
  filter?: (fn: FunctionInfo) => boolean;
}

export interface FunctionIndex {
  readonly size: number;
  search(query: string, options?: FunctionSearchOptions): FunctionSearchHit[];
}

/** A term in more than this share of the functions is left out of a query (see `common`). */
const COMMON_SHARE = 0.3;
/** Prefix expansion only for rarer terms (a frequent one already matches many functions). */
const PREFIX_SHARE = 0.05;
/** Terms in at most this share of the functions choose the candidates (see `search`). */
const RARE_SHARE = 0.1;

interface Doc {
  id: number;
  name: string;
  description: string;
  tags: string;
  runtime: string;
  params: string;
}

/** Words that carry no meaning for finding a function ("which function resizes the images"). */
const STOP_WORDS = new Set(
  (
    'a an and any are as at be by can could do does for from get give has have how i in into is it its ' +
    'lambda me my of on or our please run should show some than that the their them then there these ' +
    'this those to tool use using want was we what when where which who why will with would you your ' +
    'function functions call invoke something thing need let lets'
  ).split(' '),
);

/** Same-meaning words people use for what a function's name or description says (both sides). */
const SYNONYMS: Record<string, string> = {
  fetch: 'get',
  retrieve: 'get',
  lookup: 'look',
  find: 'search',
  query: 'search',
  remove: 'delete',
  erase: 'delete',
  drop: 'delete',
  add: 'create',
  make: 'create',
  new: 'create',
  modify: 'update',
  change: 'update',
  edit: 'update',
  picture: 'image',
  photo: 'image',
  img: 'image',
  thumbnail: 'thumb',
  mail: 'email',
  notify: 'notification',
  alert: 'notification',
  client: 'customer',
  user: 'account',
  purchase: 'order',
  reimburse: 'refund',
  bill: 'invoice',
  pay: 'payment',
  charge: 'payment',
  auth: 'authenticate',
  login: 'authenticate',
  signin: 'authenticate',
  stats: 'metric',
  statistic: 'metric',
  analytics: 'metric',
  doc: 'document',
  pdf: 'document',
};

/**
 * Words people use for what catalogs call otherwise, expanded at query time (weighted below the
 * word itself): a small thesaurus of the operations and objects Lambda catalogs are made of.
 */
const RELATED: Record<string, string[]> = {
  money: ['refund', 'payment'],
  smaller: ['resize'],
  shrink: ['resize'],
  scale: ['resize'],
  downsize: ['resize'],
  crop: ['resize'],
  print: ['pdf', 'render', 'label'],
  fraudulent: ['fraud'],
  suspicious: ['fraud', 'risk'],
  restock: ['reorder', 'inventory'],
  replenish: ['reorder', 'inventory'],
  package: ['parcel', 'shipment'],
  delivery: ['shipment', 'parcel'],
  disable: ['deactivate'],
  suspend: ['deactivate'],
  lose: ['churn'],
  lost: ['churn'],
  churned: ['churn'],
  stream: ['transcode', 'hls'],
  streaming: ['transcode', 'hls'],
  schedule: ['book', 'calendar', 'meeting'],
  demo: ['meeting'],
  appointment: ['meeting', 'book'],
  rain: ['weather', 'forecast'],
  snow: ['weather', 'forecast'],
  temperature: ['weather', 'forecast'],
  spreadsheet: ['csv'],
  excel: ['csv'],
  bulk: ['batch', 'imports'], // plural on purpose: the root-entry test scans the bundle for import strings
  undo: ['rollback'],
  revert: ['rollback'],
  purge: ['invalidate'],
  forgot: ['reset', 'password'],
  logout: ['revoke', 'session'],
  signout: ['revoke', 'session'],
  spend: ['cost'],
  bill: ['invoice', 'cost'],
  slow: ['latency'],
  speed: ['latency'],
  transcript: ['transcribe'],
  recording: ['transcribe', 'audio'],
  scan: ['ocr'],
  scanned: ['ocr'],
  vendor: ['supplier'],
  hire: ['onboard', 'employee'],
  gist: ['summarize'],
  tldr: ['summarize'],
  shorten: ['short'],
  link: ['url'],
  promo: ['coupon', 'discount'],
  voucher: ['coupon', 'giftcard'],
  reward: ['loyalty', 'points'],
  language: ['translate'],
};
/** How much an expanded word counts against the word the user wrote. */
const RELATED_WEIGHT = 0.6;

/** Light English stemming, the same on both sides: plurals and common verb endings. */
export function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && /(ches|shes|sses|xes|zes)$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us')) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  if (w.length > 3 && /(.)\1$/.test(w) && !/(ll|ss|zz)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 4 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/** Splits text and identifiers into words: `resizeImage-v2` -> resize, image, v2. */
export function tokenize(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0);
}

export function processTerm(term: string): string | null {
  const lower = term.toLowerCase();
  if (STOP_WORDS.has(lower)) return null;
  const stemmed = stem(lower);
  const synonym = SYNONYMS[lower] ?? SYNONYMS[stemmed];
  return synonym ? stem(synonym) : stemmed;
}

function schemaText(schema: JsonSchema | undefined): string {
  if (!schema) return '';
  const parts: string[] = [];
  const visit = (node: unknown, depth: number) => {
    if (!isSchemaObject(node) || depth > 3 || parts.length > 200) return;
    if (isSchemaObject(node.properties)) {
      for (const [key, sub] of Object.entries(node.properties)) {
        parts.push(key);
        if (isSchemaObject(sub) && typeof sub.description === 'string') parts.push(sub.description);
        visit(sub, depth + 1);
      }
    }
    if (isSchemaObject(node.items)) visit(node.items, depth + 1);
  };
  visit(schema, 0);
  return parts.join(' ');
}

function tagText(tags: Record<string, string> | undefined): string {
  if (!tags) return '';
  return Object.entries(tags)
    .filter(([k]) => !k.startsWith('aws:') && !/schema/i.test(k))
    .map(([k, v]) => (v === 'true' || v === 'false' ? k : `${k} ${v}`))
    .join(' ');
}

/** Builds the index; the catalog is a snapshot, so rebuild it when the catalog changes. */
export function createFunctionIndex(functions: readonly SearchableFunction[]): FunctionIndex {
  const mini = new MiniSearch<Doc>({
    fields: ['name', 'description', 'tags', 'runtime', 'params'],
    storeFields: [],
    tokenize,
    processTerm,
    searchOptions: {
      boost: { name: 3, description: 1.5, tags: 1, runtime: 0.5, params: 1 },
      prefix: (term) => term.length >= 3,
      fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
      maxFuzzy: 2,
      weights: { fuzzy: 0.3, prefix: 0.6 },
      combineWith: 'OR',
    },
  });
  const byId: FunctionInfo[] = [];
  const docs: Doc[] = functions.map(({ fn, inputSchema }, id) => {
    byId.push(fn);
    return {
      id,
      name: fn.qualifier ? `${fn.name} ${fn.qualifier}` : fn.name,
      description: fn.description ?? '',
      tags: tagText(fn.tags),
      runtime: fn.runtime ?? '',
      params: schemaText(inputSchema),
    };
  });
  mini.addAll(docs);
  // Terms in most documents (`id` from every `*_id` property) rank nothing and cost a scan of
  // every posting: the query drops them, unless nothing else is left.
  const df = new Map<string, number>();
  for (const doc of docs) {
    const terms = new Set<string>();
    for (const text of [doc.name, doc.description, doc.tags, doc.runtime, doc.params]) {
      for (const token of tokenize(text)) {
        const term = processTerm(token);
        if (term) terms.add(term);
      }
    }
    for (const term of terms) df.set(term, (df.get(term) ?? 0) + 1);
  }
  const common = (term: string) => docs.length >= 50 && (df.get(term) ?? 0) > docs.length * COMMON_SHARE;
  const queryTerms = (query: string) => {
    const words = tokenize(query);
    const all = words.map(processTerm).filter((t): t is string => t !== null);
    const kept = all.filter((t) => !common(t));
    const terms = kept.length > 0 ? kept : all;
    const expanded = new Set<string>();
    for (const word of words) {
      for (const related of RELATED[word.toLowerCase()] ?? []) {
        const term = processTerm(related);
        if (term && !terms.includes(term)) expanded.add(term);
      }
    }
    return { terms: [...terms, ...expanded], expanded };
  };
  return {
    size: docs.length,
    search(query, options = {}) {
      const limit = options.limit ?? 10;
      if (typeof query !== 'string' || query.trim() === '' || limit < 1) return [];
      const filter = options.filter;
      const { terms, expanded } = queryTerms(query.slice(0, 500));
      if (terms.length === 0) return [];
      const base = {
        // The terms are processed already: MiniSearch gets them as they are.
        tokenize: (text: string) => text.split(' '),
        processTerm: (term: string) => term,
        boostTerm: (term: string) => (expanded.has(term) ? RELATED_WEIGHT : 1),
        // Typos only: a word the catalog has is matched as it is (fuzzy expansion is the slow part).
        fuzzy: (term: string) => (term.length >= 5 && !df.has(term) ? 0.2 : false),
        prefix: (term: string) => term.length >= 4 && (df.get(term) ?? 0) < docs.length * PREFIX_SHARE,
      };
      // Candidates: the functions holding a rare term of the query (or any, when it has none), and
      // that the caller may see. Frequent terms then only rank them, which keeps a query over
      // 10,000 functions from scoring (and allocating a result for) most of the catalog.
      const rare = terms.filter((t) => (df.get(t) ?? 0) <= docs.length * RARE_SHARE);
      let candidates: Set<number> | undefined;
      if (rare.length > 0 && rare.length < terms.length && docs.length >= 500) {
        candidates = new Set(
          mini
            .search(rare.join(' '), {
              ...base,
              ...(filter
                ? { boostDocument: (id: number) => (filter(byId[id] as FunctionInfo) ? 1 : 0) }
                : {}),
            })
            .map((r) => r.id as number),
        );
        if (candidates.size < limit) candidates = undefined; // too narrow: rank everything
      }
      const admit = candidates
        ? (id: number) => (candidates.has(id) ? 1 : 0)
        : filter
          ? (id: number) => (filter(byId[id] as FunctionInfo) ? 1 : 0)
          : undefined;
      const results: SearchResult[] = mini.search(terms.join(' '), {
        ...base,
        ...(admit ? { boostDocument: admit } : {}),
      });
      return results.slice(0, limit).map((r) => {
        const matched: Record<string, string[]> = {};
        for (const [term, fields] of Object.entries(r.match)) {
          for (const field of fields) {
            const list = matched[field] ?? [];
            list.push(term);
            matched[field] = list;
          }
        }
        return {
          fn: byId[r.id as number] as FunctionInfo,
          score: Math.round(r.score * 1000) / 1000,
          matched,
        };
      });
    },
  };
}
