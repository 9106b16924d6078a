import { LambdaMcpError } from '../errors.js';
import { FUNCTION_NAME_PATTERN } from './manifest.js';

export interface Target {
  name: string;
  qualifier?: string;
}

const QUALIFIER_PATTERN = /^(\$LATEST|[a-zA-Z0-9_-]{1,128})$/;

export const functionArn = (region: string, accountId: string, name: string, qualifier?: string): string =>
  `arn:aws:lambda:${region}:${accountId}:function:${name}${qualifier ? `:${qualifier}` : ''}`;

export function notFound(
  region: string,
  accountId: string,
  name: string,
  qualifier?: string,
): LambdaMcpError {
  const arn = functionArn(region, accountId, name, qualifier);
  return new LambdaMcpError('FUNCTION_NOT_FOUND', `Function not found: ${arn}`, {
    details: { functionName: name, ...(qualifier ? { qualifier } : {}), arn },
  });
}

/**
 * Reads the spellings Lambda accepts: `name`, `name:qualifier`, a full ARN
 * (`arn:aws:lambda:<region>:<account>:function:name[:qualifier]`) and a partial one
 * (`<account>:function:name[:qualifier]`). An ARN of another region or account is not this
 * backend's function.
 */
export function parseTarget(
  nameOrArn: string,
  qualifier: string | undefined,
  region: string,
  accountId: string,
): Target {
  const input = nameOrArn;
  let name: string;
  let derived: string | undefined;
  const parts = input.split(':');
  if (input.startsWith('arn:')) {
    // arn:partition:lambda:region:account:function:name[:qualifier]
    if (parts.length < 7 || parts.length > 8 || parts[2] !== 'lambda' || parts[5] !== 'function') {
      throw invalidName(input);
    }
    name = parts[6] ?? '';
    derived = parts[7];
    if (parts[3] !== region || parts[4] !== accountId) {
      throw notFound(parts[3] ?? region, parts[4] ?? accountId, name, derived ?? qualifier ?? '$LATEST');
    }
  } else if (parts.length >= 3 && parts[1] === 'function') {
    if (parts.length > 4) throw invalidName(input);
    name = parts[2] ?? '';
    derived = parts[3];
    if (parts[0] !== accountId) throw notFound(region, parts[0] ?? accountId, name, derived ?? '$LATEST');
  } else if (parts.length <= 2) {
    name = parts[0] ?? '';
    derived = parts[1];
  } else {
    throw invalidName(input);
  }
  if (!FUNCTION_NAME_PATTERN.test(name)) throw invalidName(input);
  if (derived !== undefined && !QUALIFIER_PATTERN.test(derived)) throw invalidName(input);
  if (qualifier !== undefined && !QUALIFIER_PATTERN.test(qualifier)) {
    throw new LambdaMcpError(
      'INVALID_REQUEST',
      `Invalid qualifier ${JSON.stringify(qualifier)}: use $LATEST, a version number or an alias name (letters, digits, hyphens, underscores).`,
      { details: { qualifier } },
    );
  }
  if (derived !== undefined && qualifier !== undefined && derived !== qualifier) {
    throw new LambdaMcpError(
      'INVALID_REQUEST',
      'The derived qualifier from the function name does not match the specified qualifier.',
      { details: { functionName: input, qualifier } },
    );
  }
  const q = derived ?? qualifier;
  return q === undefined ? { name } : { name, qualifier: q };
}

function invalidName(input: string): LambdaMcpError {
  return new LambdaMcpError(
    'INVALID_REQUEST',
    `Invalid function name ${JSON.stringify(input.slice(0, 200))}: use a name (1-64 letters, digits, hyphens or underscores), name:qualifier, or a function ARN.`,
    { details: { functionName: input.slice(0, 200) } },
  );
}
