import { LambdaMcpError } from '../errors.js';
import { parseFunctionArn } from '../util/function-ref.js';
import { globToRegExp } from '../util/glob.js';

/**
 * Function policies: lists of patterns that say which functions a caller (or the whole server)
 * may see and invoke. One language for every policy: the HTTP server's per-token and per-scope
 * lists (`["*", "!name"]`) and the operator's LAMBDA_MCP_EXCLUDE.
 *
 * A pattern names functions in any of the ways a caller can name one, with `*` (any run of
 * characters) and `?` (one character) in any part:
 *
 * | pattern | matches |
 * | --- | --- |
 * | `name` | the function, every qualifier |
 * | `name:qualifier` | that qualifier (an unqualified call is `$LATEST`) |
 * | `<account>:function:name[:qualifier]` | partial ARN |
 * | `arn:<partition>:lambda:<region>:<account>:function:name[:qualifier]` | full ARN; `*` may span parts, as in IAM |
 *
 * A pattern is matched against the spellings of the same kind of the call's target: a name
 * pattern against the name, an ARN pattern against the function's ARN (unqualified, which names
 * every qualifier, and qualified). So `!data-processor:live` denies the `live` alias however it is
 * spelled, `!arn:aws:lambda:*:function:always-fails` denies that function in every region and
 * account, and an allow pattern such as `*east*` never matches by accident through an ARN.
 * A pattern that cannot name a function is refused when the policy is compiled.
 */

/** What a call is about: a catalog function, and the qualifier the call would use. */
export interface FunctionTarget {
  name: string;
  /** Absent: the unqualified function (Lambda runs `$LATEST`). */
  qualifier?: string;
  /** The function's ARN (qualified or not); ARN patterns need it. */
  arn?: string;
}

/** Decides whether a caller may see and use a target. */
export type FunctionAuthorizer = (target: FunctionTarget) => boolean;

export type FunctionPatternKind = 'name' | 'qualified' | 'partial-arn' | 'arn';

export interface FunctionPattern {
  /** As written, without the leading `!`. */
  source: string;
  kind: FunctionPatternKind;
  negated: boolean;
  re: RegExp;
}

/**
 * A compiled policy: an authorizer (a plain string is a bare, unqualified function name whose ARN
 * is unknown, so ARN patterns deny it), with its patterns for logs.
 */
export interface FunctionPolicy {
  (target: FunctionTarget | string): boolean;
  readonly patterns: readonly string[];
}

const ACCEPTED =
  'a function name, name:qualifier, <account>:function:<name>[:<qualifier>] or ' +
  'arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>], with * and ? in any part, ' +
  'and a leading ! to deny';

const NAME_PART = /^[A-Za-z0-9_*?-]{1,64}$/;
const QUALIFIER_PART = /^[A-Za-z0-9_$*?-]{1,128}$/;
const ACCOUNT_PART = /^(?:\d{12}|(?=.*[*?])[0-9*?]{1,12})$/;
const PARTITION_PART = /^[a-z*?-]{1,32}$/;
const REGION_PART = /^[a-z0-9*?-]{1,32}$/;

function refuse(pattern: string, why: string): LambdaMcpError {
  const shown = pattern.length > 120 ? `${pattern.slice(0, 117)}...` : pattern;
  return new LambdaMcpError('INVALID_CONFIG', `bad function pattern "${shown}": ${why}`, {
    details: { pattern: shown },
  });
}

function checkName(pattern: string, part: string | undefined): void {
  if (!part) throw refuse(pattern, 'the function name part is empty');
  if (!NAME_PART.test(part)) {
    throw refuse(
      pattern,
      `"${part}" cannot be a function name (1-64 of A-Z a-z 0-9 _ - and the wildcards * and ?)`,
    );
  }
}

function checkQualifier(pattern: string, part: string | undefined): void {
  if (part === undefined) return;
  // `$` only in `$LATEST` (or a glob that can match it).
  const dollar = part.includes('$') && !(part.startsWith('$') && globToRegExp(part).test('$LATEST'));
  if (dollar || !QUALIFIER_PART.test(part)) {
    throw refuse(
      pattern,
      `"${part}" cannot be a qualifier ($LATEST, a version or an alias: A-Z a-z 0-9 _ - and * ?)`,
    );
  }
}

/** Checks an ARN pattern part by part, up to the first part with a `*` (which may span parts). */
function checkArn(pattern: string, parts: string[]): void {
  const checks: Array<(part: string) => string | undefined> = [
    () => undefined,
    (p) => (PARTITION_PART.test(p) ? undefined : `"${p}" is not a partition (aws, aws-cn, aws-us-gov ...)`),
    (p) => (p === 'lambda' || p === '*' ? undefined : `the ARN is for service "${p}", not lambda`),
    (p) => (REGION_PART.test(p) ? undefined : `"${p}" is not a region`),
    (p) => (ACCOUNT_PART.test(p) ? undefined : `"${p}" is not a 12-digit account id`),
    (p) => (p === 'function' ? undefined : `the ARN names a "${p}", not a function`),
    (p) => (NAME_PART.test(p) ? undefined : `"${p}" cannot be a function name`),
    (p) => (QUALIFIER_PART.test(p) ? undefined : `"${p}" cannot be a qualifier`),
  ];
  const spans = parts.some((p) => p.includes('*'));
  if (!spans && parts.length !== 7 && parts.length !== 8) {
    throw refuse(pattern, 'an ARN has 7 parts, or 8 with a qualifier');
  }
  if (parts.length > 8) throw refuse(pattern, 'too many ":" separated parts for a function ARN');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (part.includes('*')) break;
    const problem = checks[i]?.(part);
    if (problem) throw refuse(pattern, problem);
  }
  // After a spanning `*`, what is left must still read as the end of a function ARN.
  const at = parts.lastIndexOf('function');
  if (at >= 0) {
    const rest = parts.length - at - 1;
    if (rest < 1 || rest > 2) throw refuse(pattern, 'expected function:<name>[:<qualifier>] at the end');
    checkName(pattern, parts[at + 1]);
    checkQualifier(pattern, parts[at + 2]);
  } else if (!(parts.at(-1) as string).endsWith('*')) {
    throw refuse(pattern, 'an ARN pattern must name functions (…:function:<name>) or end with *');
  }
  for (const part of parts) {
    if (/^(?:layer|role|event-source-mapping|code-signing-config)$/.test(part)) {
      throw refuse(pattern, `the ARN names a "${part}", not a function`);
    }
  }
}

/** Parses one policy entry; throws INVALID_CONFIG with one line saying why it cannot be used. */
export function parseFunctionPattern(input: string): FunctionPattern {
  if (typeof input !== 'string') throw refuse(String(input), 'not a string');
  const negated = input.startsWith('!');
  const source = negated ? input.slice(1) : input;
  if (source.length === 0) throw refuse(input, 'an empty pattern matches nothing');
  if (source.length > 256) throw refuse(input, 'longer than 256 characters');
  if (!/^[A-Za-z0-9_$*?:-]+$/.test(source)) {
    throw refuse(
      input,
      `patterns may use A-Z a-z 0-9 _ - (and $ in a qualifier), ":" between the parts of ${ACCEPTED}`,
    );
  }
  const parts = source.split(':');
  let kind: FunctionPatternKind;
  if (parts[0] === 'arn') {
    kind = 'arn';
    checkArn(input, parts);
  } else if (parts.length === 1) {
    kind = 'name';
    checkName(input, parts[0]);
  } else if (parts.length === 2) {
    kind = 'qualified';
    if (parts[0] === 'function') {
      throw refuse(
        input,
        `this reads as a partial ARN without its account: write <account>:function:${parts[1]} or *:function:${parts[1]}`,
      );
    }
    checkName(input, parts[0]);
    if (!parts[1]) throw refuse(input, 'the qualifier part is empty');
    checkQualifier(input, parts[1]);
  } else if (parts[1] === 'function' && (parts.length === 3 || parts.length === 4)) {
    kind = 'partial-arn';
    if (!ACCOUNT_PART.test(parts[0] as string)) {
      throw refuse(
        input,
        `"${parts[0]}" is not a 12-digit account id (a partial ARN is <account>:function:<name>)`,
      );
    }
    checkName(input, parts[2]);
    checkQualifier(input, parts[3]);
  } else {
    throw refuse(input, `expected ${ACCEPTED}`);
  }
  return { source, kind, negated, re: globToRegExp(source) };
}

function targetOf(target: FunctionTarget | string): FunctionTarget {
  return typeof target === 'string' ? { name: target } : target;
}

/**
 * Whether a pattern names the target. `unknown` when it cannot tell (an ARN pattern and a target
 * without an ARN): the policy then denies, whichever way the pattern points.
 */
export function matchFunctionPattern(
  pattern: FunctionPattern,
  input: FunctionTarget | string,
): boolean | 'unknown' {
  const target = targetOf(input);
  const q = target.qualifier || '$LATEST';
  switch (pattern.kind) {
    case 'name':
      return pattern.re.test(target.name);
    case 'qualified':
      return pattern.re.test(`${target.name}:${q}`);
    default: {
      const arn = target.arn ? parseFunctionArn(target.arn) : undefined;
      if (!arn) return 'unknown';
      const base =
        pattern.kind === 'arn'
          ? `arn:${arn.partition}:lambda:${arn.region}:${arn.accountId}:function:${target.name}`
          : `${arn.accountId}:function:${target.name}`;
      return pattern.re.test(base) || pattern.re.test(`${base}:${q}`);
    }
  }
}

/**
 * Compiles a policy: a target is allowed when an allow pattern names it and no `!` pattern does.
 * Throws INVALID_CONFIG (one line, naming `setting` when given) for a pattern that cannot name a
 * function.
 */
export function compileFunctionPolicy(
  patterns: readonly string[],
  options: { setting?: string } = {},
): FunctionPolicy {
  const compiled = patterns.map((p) => {
    try {
      return parseFunctionPattern(p);
    } catch (error) {
      if (options.setting && error instanceof LambdaMcpError) {
        throw new LambdaMcpError('INVALID_CONFIG', `Invalid ${options.setting}: ${error.message}`, {
          cause: error,
          details: { setting: options.setting },
        });
      }
      throw error;
    }
  });
  const allow = compiled.filter((p) => !p.negated);
  const deny = compiled.filter((p) => p.negated);
  const policy = ((target: FunctionTarget | string) => {
    if (!allow.some((p) => matchFunctionPattern(p, target) === true)) return false;
    return !deny.some((p) => matchFunctionPattern(p, target) !== false);
  }) as FunctionPolicy;
  Object.defineProperty(policy, 'patterns', { value: Object.freeze([...patterns]) });
  return policy;
}

/** The first deny pattern (of a list of exclusions) that names the target, if any. */
export function findExclusion(
  exclusions: readonly FunctionPattern[],
  target: FunctionTarget,
): FunctionPattern | undefined {
  return exclusions.find((p) => matchFunctionPattern(p, target) !== false);
}

/** Whether an authorizer allows a target; a throwing authorizer denies. */
export function isAuthorized(authorize: FunctionAuthorizer | undefined, target: FunctionTarget): boolean {
  if (!authorize) return true;
  try {
    return authorize(target) === true;
  } catch {
    return false;
  }
}
