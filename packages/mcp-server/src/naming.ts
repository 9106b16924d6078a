import { createHash } from 'node:crypto';
import { formatFunctionKey } from '@lambda-mcp/core';

/** Tool names we emit: 1..64 characters from [A-Za-z0-9_-] (safe for every model API we know). */
export const MAX_TOOL_NAME_LENGTH = 64;
const HASH_LENGTH = 6;

/** A function as the naming rules see it. */
export interface NamingInput {
  name: string;
  qualifier?: string;
}

/**
 * The official Python server's rule (awslabs lambda-tool-mcp-server `sanitize_tool_name`): the
 * configured prefix stripped, every character outside [A-Za-z0-9_] mapped to `_`, and a `_` put in
 * front of a leading digit. With several prefixes the longest matching one is stripped; a prefix
 * that is the whole name is not stripped (the tool would have no name). A qualifier
 * (`name:alias`) becomes `_alias`.
 */
export function baseToolName(fn: NamingInput, prefixes: readonly string[] = []): string {
  let name = stripPrefix(fn.name, prefixes);
  if (fn.qualifier) name = `${name}_${fn.qualifier}`;
  name = name.replace(/[^a-zA-Z0-9_]/g, '_');
  const first = name.charCodeAt(0);
  if (first >= 48 && first <= 57) name = `_${name}`;
  return name;
}

/** A short, stable hash of a function's identity (`name` or `name:qualifier`). */
export function shortHash(value: string, length = HASH_LENGTH): string {
  return createHash('sha256').update(value).digest('hex').slice(0, length);
}

function identity(fn: NamingInput): string {
  return formatFunctionKey(fn.name, fn.qualifier);
}

function withSuffix(base: string, suffix: string): string {
  const room = MAX_TOOL_NAME_LENGTH - suffix.length - 1;
  return `${base.slice(0, room)}_${suffix}`;
}

/**
 * Assigns every function a unique tool name, deterministically:
 * - the base name is `baseToolName` (Python-compatible);
 * - a base longer than 64 characters is cut and suffixed with `_<hash>` of the function's identity;
 * - when several functions share a base name (or take a reserved name such as a generic tool's),
 *   the one whose name needed no character mapping keeps the plain name (ties: the smallest
 *   identity), and every other one gets `_<hash>`, so a name never depends on discovery order;
 * - a suffixed name that still clashes gets a longer hash.
 * Returns a map from identity (`name` or `name:qualifier`) to tool name.
 */
export function assignToolNames(
  functions: readonly NamingInput[],
  options: { prefixes?: readonly string[]; reserved?: Iterable<string> } = {},
): Map<string, string> {
  const names = toolNamesInOrder(functions, options);
  const result = new Map<string, string>();
  for (let i = 0; i < functions.length; i++)
    result.set(identity(functions[i] as NamingInput), names[i] as string);
  return result;
}

/**
 * `assignToolNames` as an array: the tool name of `functions[i]` at `[i]`. Builds no map or set of
 * every function (it runs for every function of a catalog at each start, 10,000 or more).
 */
export function toolNamesInOrder(
  functions: readonly NamingInput[],
  options: { prefixes?: readonly string[]; reserved?: Iterable<string> } = {},
): string[] {
  return toolNamesWithOrder(functions, options).names;
}

/**
 * `toolNamesInOrder`, and whether those names are already in ascending order (each one below the
 * next, so also all different): a catalog listed by name usually is, and then nothing needs to
 * sort or group it. Otherwise the base names are grouped through one sorted copy of them, and only
 * the bases that clash or are not valid tool names as they stand get a map entry; when none of them
 * needed a suffix, that copy is returned as `ordered`, the names in ascending order.
 */
export function toolNamesWithOrder(
  functions: readonly NamingInput[],
  options: { prefixes?: readonly string[]; reserved?: Iterable<string> } = {},
): { names: string[]; sorted: boolean; ordered?: string[] } {
  const prefixes = options.prefixes ?? [];
  const reserved = new Set(options.reserved ?? []);
  const count = functions.length;
  const names = new Array<string>(count);
  for (let i = 0; i < count; i++) names[i] = baseToolName(functions[i] as NamingInput, prefixes);
  // A base name is taken as it is by its group's first function when it is a valid, free name.
  const plain = (base: string) =>
    base.length <= MAX_TOOL_NAME_LENGTH && base.length > 0 && !reserved.has(base);
  let sorted = true;
  let allPlain = true;
  for (let i = 0; i < count; i++) {
    const base = names[i] as string;
    if (i > 0 && !((names[i - 1] as string) < base)) sorted = false;
    if (!plain(base)) allPlain = false;
  }
  if (sorted && allPlain) return { names, sorted };

  // The bases more than one function has (found next to each other in a sorted copy)...
  const clashing = new Set<string>();
  let ordered: string[] | undefined;
  if (!sorted) {
    ordered = names.slice().sort();
    for (let i = 1; i < ordered.length; i++)
      if (ordered[i] === ordered[i - 1]) clashing.add(ordered[i] as string);
  }
  // ...and those that are not valid or free as they stand: positions by base, in function order.
  const groups = new Map<string, number[]>();
  for (let i = 0; i < count; i++) {
    const base = names[i] as string;
    if (!clashing.has(base) && plain(base)) continue;
    const group = groups.get(base);
    if (group) group.push(i);
    else groups.set(base, [i]);
  }
  // The others get a suffix, in the order of their base names, then of their rank in their group:
  // the same order whatever order the functions came in.
  const pending: Array<{ at: number; base: string; rank: number }> = [];
  for (const [base, group] of groups) {
    const members = group.sort((x, y) => {
      const a = functions[x] as NamingInput;
      const b = functions[y] as NamingInput;
      const ea = isExact(a, prefixes) ? 0 : 1;
      const eb = isExact(b, prefixes) ? 0 : 1;
      if (ea !== eb) return ea - eb;
      return identity(a) < identity(b) ? -1 : identity(a) > identity(b) ? 1 : 0;
    });
    members.forEach((at, rank) => {
      if (rank > 0 || !plain(base)) pending.push({ at, base, rank });
    });
  }
  // No name changed: the sorted copy is the names in order (makeView need not sort them again).
  if (pending.length === 0) return { names, sorted: false, ...(ordered ? { ordered } : {}) };
  pending.sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : a.rank - b.rank));
  // Taken: the reserved names, every plain name (a base that is valid and free) and each suffixed
  // name given so far.
  const bases = new Set(names);
  const suffixed = new Set<string>();
  const taken = (name: string) =>
    reserved.has(name) || suffixed.has(name) || (bases.has(name) && plain(name));
  for (const { at, base } of pending) {
    const id = identity(functions[at] as NamingInput);
    let length = HASH_LENGTH;
    let name = withSuffix(base, shortHash(id, length));
    while (taken(name) && length < 64) {
      length += 2;
      name = withSuffix(base, shortHash(id, length));
    }
    names[at] = name;
    suffixed.add(name);
  }
  // Suffixed names may fall anywhere in the order.
  return { names, sorted: false };
}

/** Whether the function's (prefix-stripped) name was already a valid tool name as it stands. */
function isExact(fn: NamingInput, prefixes: readonly string[]): boolean {
  const mapped = baseToolName(fn, prefixes);
  const raw = baseToolName({ name: fn.name }, prefixes);
  const rawUnmapped = stripPrefix(fn.name, prefixes);
  return raw === rawUnmapped && !fn.qualifier && mapped === raw;
}

/** The name without the longest configured prefix it starts with (never the whole name). */
function stripPrefix(name: string, prefixes: readonly string[]): string {
  // A loop, not filter/sort: it runs for every function of a catalog, 10,000 or more at start-up.
  let longest = 0;
  for (const p of prefixes) {
    if (p.length > longest && name.length > p.length && name.startsWith(p)) longest = p.length;
  }
  return longest > 0 ? name.slice(longest) : name;
}

/** The key a function has in naming maps and configuration (`name` or `name:qualifier`). */
export function functionKey(fn: NamingInput): string {
  return identity(fn);
}

export function isValidToolName(name: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(name);
}
