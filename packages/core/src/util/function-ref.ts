import { LambdaMcpError } from '../errors.js';

/**
 * Lambda's own limits (API reference, FunctionName / Qualifier): a bare name has 1-64 characters
 * of `[A-Za-z0-9_-]`, a qualifier 1-128 of `[A-Za-z0-9$_-]`, and the whole FunctionName parameter
 * (full ARN with qualifier) at most 170 characters.
 */
export const MAX_FUNCTION_NAME_LENGTH = 64;
export const MAX_QUALIFIER_LENGTH = 128;
export const MAX_FUNCTION_REFERENCE_LENGTH = 170;

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const QUALIFIER = /^(?:\$LATEST|[A-Za-z0-9_-]{1,128})$/;
const ACCOUNT = /^\d{12}$/;
// Lenient on purpose (local backends use their own region names); ARNs are compared exactly anyway.
const REGION = /^[a-z][a-z0-9-]{0,31}$/;
const PARTITION = /^aws(?:-[a-z]+)*$/;

export type FunctionReferenceKind = 'name' | 'arn' | 'partial-arn';

/** A function reference as a caller may spell it, parsed. Lambda names are case-sensitive. */
export interface FunctionReference {
  kind: FunctionReferenceKind;
  name: string;
  qualifier?: string;
  partition?: string;
  region?: string;
  accountId?: string;
}

function invalid(input: string, why: string): LambdaMcpError {
  return new LambdaMcpError(
    'INVALID_REQUEST',
    `Invalid function name ${JSON.stringify(truncate(input))}: ${why}. Accepted: a function name ` +
      '(1-64 characters of A-Z a-z 0-9 _ -), name:qualifier, a full ARN ' +
      '(arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]) or a partial ARN ' +
      '(<account>:function:<name>[:<qualifier>]).',
    { details: { field: 'functionName' } },
  );
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

/** Checks a qualifier (alias, version or `$LATEST`); throws INVALID_REQUEST naming what is accepted. */
export function assertQualifier(qualifier: string, field = 'qualifier'): string {
  if (typeof qualifier !== 'string' || !QUALIFIER.test(qualifier)) {
    const tooLong =
      typeof qualifier === 'string' && qualifier.length > MAX_QUALIFIER_LENGTH
        ? `it is ${qualifier.length} characters long (at most ${MAX_QUALIFIER_LENGTH}); `
        : '';
    throw new LambdaMcpError(
      'INVALID_REQUEST',
      `Invalid ${field} ${JSON.stringify(truncate(String(qualifier)))}: ${tooLong}expected $LATEST, a version number or ` +
        'an alias name (1-128 characters of A-Z a-z 0-9 _ -).',
      { details: { field } },
    );
  }
  return qualifier;
}

/**
 * Parses a name, `name:qualifier`, a full ARN or a partial ARN, strictly: no surrounding spaces,
 * ASCII only (so Unicode look-alikes never match), Lambda's length limits. Throws INVALID_REQUEST.
 */
export function parseFunctionReference(input: string): FunctionReference {
  if (typeof input !== 'string') throw invalid(String(input), 'not a string');
  if (input.length === 0) throw invalid(input, 'it is empty');
  if (input.trim() !== input) throw invalid(input, 'it has leading or trailing whitespace');
  if (input.length > MAX_FUNCTION_REFERENCE_LENGTH) {
    throw invalid(input, `it is ${input.length} characters long (at most ${MAX_FUNCTION_REFERENCE_LENGTH})`);
  }
  if (/[^\x21-\x7e]/.test(input)) {
    throw invalid(
      input,
      'it contains characters other than printable ASCII (look-alike or hidden characters)',
    );
  }
  const parts = input.split(':');
  let ref: FunctionReference;
  if (parts[0] === 'arn') {
    // arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]
    if (parts.length !== 7 && parts.length !== 8) throw invalid(input, 'it is not a Lambda function ARN');
    const [, partition, service, region, accountId, resource, name, qualifier] = parts as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string | undefined,
    ];
    if (!PARTITION.test(partition)) throw invalid(input, `unknown partition "${partition}"`);
    if (service !== 'lambda') throw invalid(input, `the ARN is for service "${service}", not lambda`);
    if (!REGION.test(region)) throw invalid(input, `"${region}" is not a region`);
    if (!ACCOUNT.test(accountId)) throw invalid(input, `"${accountId}" is not a 12-digit account id`);
    if (resource !== 'function') throw invalid(input, `the ARN names a "${resource}", not a function`);
    ref = { kind: 'arn', name, partition, region, accountId };
    if (qualifier !== undefined) ref.qualifier = qualifier;
  } else if (parts.length >= 3 && parts[1] === 'function') {
    // <account>:function:<name>[:<qualifier>]
    if (parts.length > 4) throw invalid(input, 'too many ":" separated parts');
    const [accountId, , name, qualifier] = parts as [string, string, string, string | undefined];
    if (!ACCOUNT.test(accountId)) throw invalid(input, `"${accountId}" is not a 12-digit account id`);
    ref = { kind: 'partial-arn', name, accountId };
    if (qualifier !== undefined) ref.qualifier = qualifier;
  } else {
    if (parts.length > 2) throw invalid(input, 'too many ":" separated parts');
    const [name, qualifier] = parts as [string, string | undefined];
    ref = { kind: 'name', name };
    if (qualifier !== undefined) ref.qualifier = qualifier;
  }
  if (ref.name.length > MAX_FUNCTION_NAME_LENGTH) {
    throw invalid(
      input,
      `the name is ${ref.name.length} characters long (at most ${MAX_FUNCTION_NAME_LENGTH})`,
    );
  }
  if (!NAME.test(ref.name)) throw invalid(input, 'the name may only contain A-Z a-z 0-9 _ -');
  if (ref.qualifier !== undefined) {
    if (ref.qualifier.length > MAX_QUALIFIER_LENGTH) {
      throw invalid(input, `the qualifier is longer than ${MAX_QUALIFIER_LENGTH} characters`);
    }
    if (!QUALIFIER.test(ref.qualifier)) {
      throw invalid(input, 'the qualifier must be $LATEST, a version number or an alias (A-Z a-z 0-9 _ -)');
    }
  }
  return ref;
}

/** Parses an unqualified or qualified function ARN without throwing; undefined when it is not one. */
export function parseFunctionArn(
  arn: string,
): { partition: string; region: string; accountId: string; name: string; qualifier?: string } | undefined {
  const parts = arn.split(':');
  if (parts[0] !== 'arn' || parts[2] !== 'lambda' || parts[5] !== 'function') return undefined;
  if (parts.length !== 7 && parts.length !== 8) return undefined;
  const out: { partition: string; region: string; accountId: string; name: string; qualifier?: string } = {
    partition: parts[1] ?? '',
    region: parts[3] ?? '',
    accountId: parts[4] ?? '',
    name: parts[6] ?? '',
  };
  if (parts[7] !== undefined) out.qualifier = parts[7];
  return out;
}

/** `name` or `name:qualifier`. */
export function formatFunctionKey(name: string, qualifier?: string): string {
  return qualifier ? `${name}:${qualifier}` : name;
}
