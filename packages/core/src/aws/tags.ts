/**
 * Tags for many functions at once. The Resource Groups Tagging API answers 100 tagged functions
 * per call (and only the ones matching the tag filters), instead of one ListTags per function.
 * Where GetResources is denied, ListTags per function with bounded concurrency.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type {
  GetResourcesCommandInput,
  GetResourcesCommandOutput,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import type { Logger } from '../logger.js';
import type { CallOptions, TagFilter, Tags } from '../types.js';
import { isAccessDeniedError, isResourceNotFoundError, mapAwsError } from './errors.js';
import type { LeanReader } from './lean-read.js';
import { tagListToTags, unqualifyArn } from './mappers.js';
import { sdk } from './sdk.js';

/** A prefetch older than this is not used (the catalog would mix two points in time). */
const PREFETCH_MAX_AGE_MS = 60_000;

export interface TagReaderOptions {
  /** Read at call time (the clients are built on first use). */
  clients: { readonly lambda: LambdaClient; readonly tagging: ResourceGroupsTaggingAPIClient };
  logger: Logger;
  /** Concurrent ListTags calls in the fallback (default 10). */
  fallbackConcurrency?: number;
  /**
   * Without tag filters, at most this many functions are read with ListTags rather than paging
   * through every tagged function of the account (default 20).
   */
  smallSetThreshold?: number;
  /** GetResources pages read without the SDK while `on()` (./lean-read.ts); a failure goes to the SDK. */
  lean?: LeanReads;
}

/** The backend's lean reads, shared by its listing and its tag reader. */
export interface LeanReads {
  reader: LeanReader;
  on(): boolean;
  /** A lean read failed (not aborted): said once, and lean reads stop. */
  failed(operation: string, error: unknown): void;
}

export interface TagReader {
  getTags(
    request: { arns: string[]; tagFilters?: TagFilter[] },
    options?: CallOptions,
  ): Promise<Map<string, Tags>>;
  /**
   * Starts reading the functions that match these filters now (GetResources pages run while
   * ListFunctions pages are read); the next getTags with the same filters uses the result.
   */
  prefetch(tagFilters: TagFilter[]): void;
  /**
   * Starts reading the tags of every tagged function now (GetResources without filters, 100 a
   * page: half as many pages as ListFunctions, so done by the time the listing is); the next
   * getTags without filters uses the result instead of reading after the listing.
   */
  prefetchAll(): void;

  /** Set once GetResources was denied; later calls go straight to ListTags. */
  readonly taggingDenied: boolean;
}

/** Runs `worker` over items with at most `limit` in flight; stops at the first failure. */
export async function mapBounded<T>(
  items: readonly T[],
  limit: number,
  worker: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failed: unknown;
  const run = async () => {
    while (failed === undefined && next < items.length) {
      signal?.throwIfAborted();
      const item = items[next++] as T;
      try {
        await worker(item);
      } catch (error) {
        failed ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, run));
  if (failed !== undefined) throw failed;
}

export function createTagReader(options: TagReaderOptions): TagReader {
  const concurrency = options.fallbackConcurrency ?? 10;
  const threshold = options.smallSetThreshold ?? 20;
  let denied = false;

  /** `wanted` undefined: every function that matches (the prefetch). */
  async function viaTaggingApi(
    wanted: Set<string> | undefined,
    tagFilters: TagFilter[] | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Map<string, Tags>> {
    const out = new Map<string, Tags>();
    const input: GetResourcesCommandInput = {
      ResourceTypeFilters: ['lambda:function'],
      ResourcesPerPage: 100,
      ...(tagFilters?.length
        ? {
            TagFilters: tagFilters.map((f) => ({
              Key: f.key,
              ...(f.values?.length ? { Values: [...f.values] } : {}),
            })),
          }
        : {}),
    };
    let token: string | undefined;
    // Bounded: a token that never ends cannot loop forever (100,000 pages = 10M functions).
    for (let page = 0; page < 100_000; page++) {
      let response: Pick<GetResourcesCommandOutput, 'ResourceTagMappingList' | 'PaginationToken'> | undefined;
      const lean = options.lean;
      if (lean?.on() && !signal?.aborted) {
        try {
          const answer = await lean.reader.getResourcesPage(
            {
              ...(input.TagFilters
                ? { tagFilters: input.TagFilters as Array<{ Key: string; Values?: string[] }> }
                : {}),
              ...(token ? { token } : {}),
            },
            signal,
          );
          response = {
            ResourceTagMappingList: answer.mappings.map((m) => ({ ResourceARN: m.arn, Tags: m.tags })),
            ...(answer.token ? { PaginationToken: answer.token } : {}),
          };
        } catch (error) {
          // The SDK reads this page again (and reports an abort, a denial or a throttle as it does).
          if (!signal?.aborted) lean.failed('GetResources', error);
        }
      }
      response ??= await options.clients.tagging.send(
        new (sdk.tagging().GetResourcesCommand)({ ...input, ...(token ? { PaginationToken: token } : {}) }),
        { abortSignal: signal },
      );
      for (const mapping of response.ResourceTagMappingList ?? []) {
        if (!mapping.ResourceARN) continue;
        const arn = unqualifyArn(mapping.ResourceARN);
        if (!wanted || wanted.has(arn)) out.set(arn, tagListToTags(mapping.Tags));
      }
      token = response.PaginationToken;
      // Real AWS ends with "PaginationToken": "" (falsy), others omit it.
      if (!token) break;
    }
    return out;
  }

  async function viaListTags(arns: string[], signal: AbortSignal | undefined): Promise<Map<string, Tags>> {
    const out = new Map<string, Tags>();
    await mapBounded(
      arns,
      concurrency,
      async (arn) => {
        try {
          const response = await options.clients.lambda.send(
            new (sdk.lambda().ListTagsCommand)({ Resource: arn }),
            {
              abortSignal: signal,
            },
          );
          out.set(arn, { ...(response.Tags ?? {}) });
        } catch (error) {
          // Deleted between listing and now: it has no tags to report.
          if (isResourceNotFoundError(error)) return;
          throw error;
        }
      },
      signal,
    );
    return out;
  }

  const filterKey = (filters: TagFilter[]) =>
    filters.length === 0
      ? 'all'
      : JSON.stringify(filters.map((f) => [f.key, [...(f.values ?? [])].sort()]).sort());
  let prefetched: { key: string; at: number; result: Promise<Map<string, Tags>> } | undefined;

  const onDenied = (functions: number) => {
    if (denied) return;
    denied = true;
    options.logger.warn(
      'tag:GetResources is denied; reading tags with lambda:ListTags per function instead (slower). ' +
        'Allow tag:GetResources for faster discovery.',
      { functions, concurrency },
    );
  };

  /** The prefetched answer for these filters, restricted to `wanted`; undefined when unusable. */
  async function fromPrefetch(
    filters: TagFilter[],
    wanted: Set<string>,
  ): Promise<Map<string, Tags> | undefined> {
    const entry = prefetched;
    if (!entry || entry.key !== filterKey(filters) || Date.now() - entry.at > PREFETCH_MAX_AGE_MS)
      return undefined;
    prefetched = undefined;
    try {
      const all = await entry.result;
      const out = new Map<string, Tags>();
      for (const [arn, tags] of all) if (wanted.has(arn)) out.set(arn, tags);
      return out;
    } catch (error) {
      if (isAccessDeniedError(error)) onDenied(wanted.size);
      return undefined;
    }
  }

  return {
    get taggingDenied() {
      return denied;
    },
    prefetch(tagFilters) {
      const filters = tagFilters.filter((f) => f.key);
      if (denied || filters.length === 0) return;
      const result = viaTaggingApi(undefined, filters, undefined);
      // Whoever uses it handles its failure; an unused failed prefetch must not go unhandled.
      result.catch(() => undefined);
      prefetched = { key: filterKey(filters), at: Date.now(), result };
    },
    prefetchAll() {
      if (denied) return;
      const result = viaTaggingApi(undefined, undefined, undefined);
      result.catch(() => undefined);
      prefetched = { key: 'all', at: Date.now(), result };
    },
    async getTags(request, callOptions = {}) {
      const signal = callOptions.signal;
      const arns = [...new Set(request.arns.map(unqualifyArn))];
      if (arns.length === 0) return new Map();
      const filters = request.tagFilters?.filter((f) => f.key) ?? [];
      if (!denied && prefetched) {
        const early = await fromPrefetch(filters, new Set(arns));
        if (early) return early;
      }
      if (!denied && (filters.length > 0 || arns.length > threshold)) {
        try {
          return await viaTaggingApi(new Set(arns), filters, signal);
        } catch (error) {
          if (!isAccessDeniedError(error)) {
            throw mapAwsError(error, { service: 'tagging', operation: 'GetResources' });
          }
          onDenied(arns.length);
        }
      }
      try {
        return await viaListTags(arns, signal);
      } catch (error) {
        throw mapAwsError(error, { service: 'lambda', operation: 'ListTags' });
      }
    },
  };
}
