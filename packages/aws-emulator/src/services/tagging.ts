/**
 * Resource Groups Tagging API (awsJson1_1): GetResources over the functions' tags. TagFilters are
 * ANDed across keys and ORed within values; only tagged functions appear; 100 per page at most;
 * `"PaginationToken": ""` on the last page, as real AWS answers.
 */
import type { FunctionConfig, Tags } from '@lambda-mcp/core';
import { type EmulatorState, functionArn, listAll } from '../state.js';
import {
  type Handled,
  jsonBody,
  jsonTargetOperation,
  parseJsonBody,
  unknownOperation,
  WireError,
  type WireRequest,
} from '../wire.js';

const TARGET_PREFIX = 'ResourceGroupsTaggingAPI_20170126.';

export function routeTagging(req: Pick<WireRequest, 'headers'>): string {
  return jsonTargetOperation(req, TARGET_PREFIX);
}

function invalid(message: string): WireError {
  return new WireError(400, 'InvalidParameterException', message, { messageKey: 'Message' });
}

interface TagFilterInput {
  Key?: unknown;
  Values?: unknown;
}

function matches(tags: Tags, filters: Array<{ key: string; values: string[] }>): boolean {
  return filters.every(
    (f) => f.key in tags && (f.values.length === 0 || f.values.includes(tags[f.key] as string)),
  );
}

/** The tagged functions among `candidates` that match the filters, sorted by ARN. */
async function taggedFunctions(
  state: EmulatorState,
  candidates: FunctionConfig[],
  filters: Array<{ key: string; values: string[] }>,
): Promise<Array<{ arn: string; tags: Tags }>> {
  // Backends that list functions with their tags (the local one) need no second read.
  const arns = candidates.filter((f) => f.tags === undefined).map((f) => functionArn(state, f.name));
  const tagMap = arns.length
    ? await state.backend.getTags({ arns, tagFilters: filters })
    : new Map<string, Tags>();
  const tagged: Array<{ arn: string; tags: Tags }> = [];
  for (const f of candidates) {
    const arn = functionArn(state, f.name);
    const tags = f.tags ?? tagMap.get(arn) ?? tagMap.get(f.arn) ?? {};
    // Only tagged resources are known to the Tagging API.
    if (Object.keys(tags).length === 0) continue;
    if (matches(tags, filters)) tagged.push({ arn, tags });
  }
  return tagged.sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
}

export async function handleTagging(
  req: WireRequest,
  state: EmulatorState,
  operation: string,
): Promise<Handled> {
  if (operation !== 'GetResources') {
    throw unknownOperation(operation, { messageKey: 'Message' });
  }
  const input = parseJsonBody(req, { messageKey: 'Message' });
  const perPage = input.ResourcesPerPage === undefined ? 100 : Number(input.ResourcesPerPage);
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
    throw invalid('ResourcesPerPage must be between 1 and 100.');
  }
  const rawFilters = (input.TagFilters ?? []) as TagFilterInput[];
  if (!Array.isArray(rawFilters) || rawFilters.length > 50)
    throw invalid('TagFilters may hold at most 50 filters.');
  const filters = rawFilters.map((f) => {
    if (typeof f.Key !== 'string' || f.Key.length === 0) throw invalid('Each TagFilter needs a Key.');
    const values = Array.isArray(f.Values)
      ? (f.Values as unknown[]).filter((v): v is string => typeof v === 'string')
      : [];
    if (values.length > 20) throw invalid(`TagFilter ${f.Key} may hold at most 20 values.`);
    return { key: f.Key, values };
  });
  const arnList = input.ResourceARNList;
  if (arnList !== undefined && (rawFilters.length > 0 || input.PaginationToken)) {
    throw invalid('ResourceARNList cannot be combined with TagFilters or PaginationToken.');
  }
  const types = (input.ResourceTypeFilters ?? []) as unknown[];
  const wantsLambda =
    !Array.isArray(types) ||
    types.length === 0 ||
    types.some((t) => t === 'lambda' || t === 'lambda:function');

  let offset = 0;
  if (typeof input.PaginationToken === 'string' && input.PaginationToken !== '') {
    const decoded = Number(Buffer.from(input.PaginationToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0) {
      throw new WireError(
        400,
        'PaginationTokenExpiredException',
        'The specified pagination token is invalid or has expired.',
        {
          messageKey: 'Message',
        },
      );
    }
    offset = decoded;
  }

  const all = wantsLambda ? await listAll(state) : [];
  let tagged: Array<{ arn: string; tags: Tags }>;
  if (Array.isArray(arnList)) {
    const wanted = new Set((arnList as unknown[]).filter((a): a is string => typeof a === 'string'));
    if (wanted.size > 100) throw invalid('ResourceARNList may hold at most 100 ARNs.');
    tagged = await taggedFunctions(
      state,
      all.filter((f) => wanted.has(functionArn(state, f.name))),
      filters,
    );
  } else {
    // Pages of one listing share one reading of the tags (10,000 functions, 100 a page).
    const at = state.listCache?.at ?? 0;
    if (!state.taggedCache || state.taggedCache.at !== at) state.taggedCache = { at, byFilter: new Map() };
    const key = `${wantsLambda}:${JSON.stringify(filters)}`;
    let cached = state.taggedCache.byFilter.get(key);
    if (!cached) {
      cached = await taggedFunctions(state, all, filters);
      state.taggedCache.byFilter.set(key, cached);
    }
    tagged = cached;
  }
  const page = tagged.slice(offset, offset + perPage);
  const nextOffset = offset + page.length;
  const body = {
    PaginationToken:
      nextOffset < tagged.length ? Buffer.from(String(nextOffset), 'utf8').toString('base64url') : '',
    ResourceTagMappingList: page.map((r) => ({
      ResourceARN: r.arn,
      Tags: Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })),
    })),
  };
  return {
    status: 200,
    operation: 'GetResources',
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: jsonBody(body),
  };
}
