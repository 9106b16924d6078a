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
  const prefixes = options.prefixes ?? [];
  const reserved = new Set(options.reserved ?? []);
  const groups = new Map<string, NamingInput[]>();
  for (const fn of functions) {
    const base = baseToolName(fn, prefixes);
    const group = groups.get(base);
    if (group) group.push(fn);
    else groups.set(base, [fn]);
  }

  const result = new Map<string, string>();
  const taken = new Set<string>(reserved);
  const pending: Array<{ fn: NamingInput; base: string }> = [];
  for (const base of [...groups.keys()].sort()) {
    const group = groups.get(base) ?? [];
    const members = (group.length === 1 ? group : [...group]).sort((a, b) => {
      const ea = isExact(a, prefixes) ? 0 : 1;
      const eb = isExact(b, prefixes) ? 0 : 1;
      if (ea !== eb) return ea - eb;
      return identity(a) < identity(b) ? -1 : identity(a) > identity(b) ? 1 : 0;
    });
    members.forEach((fn, index) => {
      if (index === 0 && base.length <= MAX_TOOL_NAME_LENGTH && base.length > 0 && !reserved.has(base)) {
        result.set(identity(fn), base);
        taken.add(base);
      } else {
        pending.push({ fn, base });
      }
    });
  }
  for (const { fn, base } of pending) {
    const id = identity(fn);
    let length = HASH_LENGTH;
    let name = withSuffix(base, shortHash(id, length));
    while (taken.has(name) && length < 64) {
      length += 2;
      name = withSuffix(base, shortHash(id, length));
    }
    result.set(id, name);
    taken.add(name);
  }
  return result;
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
