/**
 * Function-name patterns for function-level authorization: `*` matches any run of characters, `?`
 * one character, everything else literally (case-sensitive, as Lambda names are). A pattern
 * starting with `!` excludes what it matches, and exclusions win over inclusions.
 */
export interface FunctionMatcher {
  /** Whether a function with this name may be seen and invoked. */
  (functionName: string): boolean;
  /** The patterns, for logs (never secrets). */
  readonly patterns: readonly string[];
}

function toRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function validatePattern(pattern: string): string | undefined {
  const body = pattern.startsWith('!') ? pattern.slice(1) : pattern;
  if (!body) return 'an empty pattern matches nothing';
  if (!/^[A-Za-z0-9_\-*?.:]+$/.test(body)) {
    return 'patterns may use letters, digits, "-", "_", ".", ":" and the wildcards "*" and "?"';
  }
  return undefined;
}

export function createFunctionMatcher(patterns: readonly string[]): FunctionMatcher {
  const include: RegExp[] = [];
  const exclude: RegExp[] = [];
  for (const p of patterns) {
    if (p.startsWith('!')) exclude.push(toRegExp(p.slice(1)));
    else include.push(toRegExp(p));
  }
  const matcher = ((name: string) => {
    if (!include.some((r) => r.test(name))) return false;
    return !exclude.some((r) => r.test(name));
  }) as FunctionMatcher;
  Object.defineProperty(matcher, 'patterns', { value: [...patterns] });
  return matcher;
}

export const ALLOW_ALL: FunctionMatcher = createFunctionMatcher(['*']);
