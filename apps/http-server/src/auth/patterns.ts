import { compileFunctionPolicy, type FunctionPolicy, parseFunctionPattern } from '@lambda-mcp/core/internal';

/**
 * Function-level authorization patterns: core's function policy language (names, `name:qualifier`,
 * full and partial ARNs, `*` and `?` in any part; a leading `!` denies, and denials win). A
 * pattern that cannot name a function is refused when the auth policy is loaded.
 */
export type FunctionMatcher = FunctionPolicy;

/** Why a pattern cannot be used (one line), or undefined when it can. */
export function validatePattern(pattern: string): string | undefined {
  try {
    parseFunctionPattern(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^bad function pattern "[^"]*": /, '');
  }
}

export function createFunctionMatcher(patterns: readonly string[]): FunctionMatcher {
  return compileFunctionPolicy(patterns);
}

export const ALLOW_ALL: FunctionMatcher = createFunctionMatcher(['*']);
