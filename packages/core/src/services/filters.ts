import type { Config } from '../config/schema.js';
import { isLambdaMcpError, LambdaMcpError } from '../errors.js';
import type { FunctionConfig, TagFilter, Tags } from '../types.js';
import {
  type FunctionReference,
  formatFunctionKey,
  parseFunctionArn,
  parseFunctionReference,
} from '../util/function-ref.js';
import { type FunctionPattern, findExclusion, parseFunctionPattern } from './function-policy.js';

/** The discovery filters, compiled once from the configuration. */
export interface CompiledFilters {
  prefixes: readonly string[];
  /** FUNCTION_LIST entries, parsed. */
  list: readonly FunctionReference[];
  tagFilters: readonly TagFilter[];
  runtimes: ReadonlySet<string>;
  /** LAMBDA_MCP_EXCLUDE, as function patterns (names, name:qualifier, ARNs, globs). */
  exclude: readonly FunctionPattern[];
}

export function compileFilters(config: Config): CompiledFilters {
  return {
    prefixes: config.functionPrefixes,
    list: config.functionList.map((entry) => {
      try {
        return parseFunctionReference(entry.trim());
      } catch (error) {
        throw new LambdaMcpError(
          'INVALID_CONFIG',
          `Invalid functionList entry ${JSON.stringify(entry)}: ${isLambdaMcpError(error) ? error.message : String(error)}`,
          { cause: error, details: { setting: 'functionList' } },
        );
      }
    }),
    tagFilters: config.tagFilters,
    runtimes: new Set(config.runtimes),
    exclude: config.exclude.map((entry) => {
      try {
        return parseFunctionPattern(entry);
      } catch (error) {
        throw new LambdaMcpError(
          'INVALID_CONFIG',
          `Invalid exclude entry (LAMBDA_MCP_EXCLUDE, --exclude): ${isLambdaMcpError(error) ? error.message : String(error)}`,
          { cause: error, details: { setting: 'exclude' } },
        );
      }
    }),
  };
}

/** Whether an explicit-list entry names this function (same name; same account/region when the entry says). */
export function listEntryMatches(entry: FunctionReference, fn: FunctionConfig): boolean {
  if (entry.name !== fn.name) return false;
  if (entry.kind === 'name') return true;
  const arn = parseFunctionArn(fn.arn);
  if (!arn) return false;
  if (entry.accountId !== undefined && entry.accountId !== arn.accountId) return false;
  if (entry.region !== undefined && entry.region !== arn.region) return false;
  if (entry.partition !== undefined && entry.partition !== arn.partition) return false;
  return true;
}

export function tagsMatch(tags: Tags, filters: readonly TagFilter[]): boolean {
  return filters.every((f) => tagFilterMatches(tags, f));
}

function tagFilterMatches(tags: Tags, filter: TagFilter): boolean {
  if (!Object.hasOwn(tags, filter.key)) return false;
  const value = tags[filter.key] as string;
  return !filter.values || filter.values.length === 0 || filter.values.includes(value);
}

const list = (items: readonly string[]) => `[${items.join(', ')}]`;

/**
 * Every rule a function fails, as text (empty: it passes). The name selection is prefixes (OR'ed)
 * or the explicit list, and with both set either one selects (the union, as the official Python
 * server does); then tag filters (AND, values OR'ed), runtimes and the exclude list must all hold. `qualifier` is the pinned qualifier of a FUNCTION_LIST entry, if any.
 */
export function evaluateFilters(
  filters: CompiledFilters,
  fn: FunctionConfig,
  tags: Tags,
  options: { qualifier?: string; skipTags?: boolean } = {},
): string[] {
  const reasons: string[] = [];
  const byPrefix = filters.prefixes.length > 0;
  const byList = filters.list.length > 0;
  const prefixOk = byPrefix && filters.prefixes.some((p) => fn.name.startsWith(p));
  let listReason: string | undefined;
  if (byList) {
    const entries = filters.list.filter((e) => listEntryMatches(e, fn));
    if (!entries.some((e) => e.qualifier === options.qualifier)) {
      const pinned = entries
        .filter((e) => e.qualifier !== undefined)
        .map((e) => formatFunctionKey(e.name, e.qualifier));
      listReason =
        pinned.length > 0 && options.qualifier === undefined
          ? `function list: only listed with a qualifier (${pinned.join(', ')})`
          : 'function list: not in FUNCTION_LIST';
    }
  }
  // The official server's rule (its validate_function_name): with both set, a function is selected
  // when its name starts with a prefix OR it is in the list (the union), not when both hold.
  if (byPrefix && byList) {
    const viaPrefix = prefixOk && options.qualifier === undefined;
    if (!viaPrefix && listReason) {
      reasons.push(
        `name: does not start with any of ${list(filters.prefixes)} and ${listReason.replace(/^function list: /, '')} (with FUNCTION_PREFIX and FUNCTION_LIST, either one selects a function)`,
      );
    }
  } else {
    if (byPrefix && !prefixOk) {
      reasons.push(`prefix: name does not start with any of ${list(filters.prefixes)}`);
    }
    if (listReason) reasons.push(listReason);
  }
  if (filters.runtimes.size > 0 && !(fn.runtime && filters.runtimes.has(fn.runtime))) {
    reasons.push(
      `runtime: ${fn.runtime ? `"${fn.runtime}"` : 'no runtime (container image)'} is not one of ${list([
        ...filters.runtimes,
      ])}`,
    );
  }
  for (const filter of options.skipTags ? [] : filters.tagFilters) {
    if (!tagFilterMatches(tags, filter)) {
      const wanted =
        filter.values && filter.values.length > 0 ? `${filter.key}=${filter.values.join('|')}` : filter.key;
      const has = Object.hasOwn(tags, filter.key)
        ? `has ${filter.key}=${tags[filter.key]}`
        : `no tag ${filter.key}`;
      reasons.push(`tag: needs ${wanted} (${has})`);
    }
  }
  const excluded = findExclusion(filters.exclude, {
    name: fn.name,
    arn: fn.arn,
    ...(options.qualifier ? { qualifier: options.qualifier } : {}),
  });
  if (excluded) reasons.push(`exclude: matches "${excluded.source}"`);
  return reasons;
}
