/**
 * Identity-policy evaluation, as IAM does it for one principal's identity-based policy: an explicit
 * Deny wins, then any Allow, else the implicit deny. Statements have Effect, Action (string or
 * list, `*` and `?` wildcards, case-insensitive) and Resource (string or list, wildcards,
 * case-sensitive). NotAction, NotResource, Condition and Principal are not supported (a policy
 * using them is refused when it is set, rather than misread).
 *
 * The refusal text is AWS's (IAM User Guide, "Troubleshoot access denied error messages", and the
 * Lambda Developer Guide, "Troubleshooting AWS Lambda identity and access"):
 *   User: <principal> is not authorized to perform: <action> on resource: <resource>
 *     because no identity-based policy allows the <action> action
 *   User: <principal> is not authorized to perform: <action> on resource: <resource>
 *     with an explicit deny in an identity-based policy
 */

export interface PolicyStatementDoc {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatementDoc | PolicyStatementDoc[];
}

export type PolicyDecision = { allowed: true } | { allowed: false; explicit: boolean };

const UNSUPPORTED = ['NotAction', 'NotResource', 'Condition', 'Principal', 'NotPrincipal'];

function globRegExp(pattern: string, flags: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

function asList<T>(v: T | T[]): T[] {
  return Array.isArray(v) ? v : [v];
}

/** Checks a policy document's shape; throws an Error naming what is wrong. */
export function parsePolicy(input: unknown): PolicyDocument {
  const doc = typeof input === 'string' ? (JSON.parse(input) as unknown) : input;
  if (typeof doc !== 'object' || doc === null || !('Statement' in doc))
    throw new Error('an IAM policy document needs a "Statement"');
  const statements: unknown[] = asList((doc as PolicyDocument).Statement);
  statements.forEach((s, i) => {
    if (typeof s !== 'object' || s === null) throw new Error(`Statement[${i}] is not an object`);
    const st = s as Record<string, unknown>;
    for (const key of UNSUPPORTED)
      if (key in st) throw new Error(`Statement[${i}] uses ${key}, which the emulator does not evaluate`);
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny')
      throw new Error(`Statement[${i}].Effect must be "Allow" or "Deny"`);
    for (const key of ['Action', 'Resource'] as const) {
      const v = st[key];
      if (!(typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))))
        throw new Error(`Statement[${i}].${key} must be a string or a list of strings`);
    }
  });
  return doc as PolicyDocument;
}

function statementMatches(st: PolicyStatementDoc, action: string, resource: string): boolean {
  return (
    asList(st.Action).some((a) => globRegExp(a, 'i').test(action)) &&
    asList(st.Resource).some((r) => globRegExp(r, '').test(resource))
  );
}

/** The decision for one request. */
export function evaluatePolicy(policy: PolicyDocument, action: string, resource: string): PolicyDecision {
  const statements = asList(policy.Statement);
  let allowed = false;
  for (const st of statements) {
    if (!statementMatches(st, action, resource)) continue;
    if (st.Effect === 'Deny') return { allowed: false, explicit: true };
    allowed = true;
  }
  return allowed ? { allowed: true } : { allowed: false, explicit: false };
}

/** AWS's message for a refused request. */
export function deniedMessage(
  principal: string,
  action: string,
  resource: string,
  explicit: boolean,
): string {
  return explicit
    ? `User: ${principal} is not authorized to perform: ${action} on resource: ${resource} with an explicit deny in an identity-based policy`
    : `User: ${principal} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;
}

/** Actions that need no permission (STS GetCallerIdentity works even under an explicit deny). */
export const ALWAYS_ALLOWED = new Set(['sts:GetCallerIdentity']);
