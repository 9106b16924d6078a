/**
 * STS (awsQuery: form body, XML answer): AssumeRole and GetCallerIdentity, enough for the AWS
 * backend's role option. Issued keys are remembered so requests signed with them can be traced to
 * the role (and verified in strict SigV4 mode).
 */
import { randomBytes } from 'node:crypto';
import type { EmulatorState } from '../state.js';
import { type Handled, WireError, type WireRequest } from '../wire.js';

function xmlEscape(value: string): string {
  return value.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string,
  );
}

export function routeSts(req: Pick<WireRequest, 'body' | 'query'>): string {
  const form = new URLSearchParams(req.body.toString('utf8'));
  return form.get('Action') ?? req.query.get('Action') ?? 'Unknown';
}

function randomKey(prefix: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = randomBytes(length);
  return prefix + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

function xml(operation: string, inner: string, requestId: string): Handled {
  return {
    status: 200,
    operation,
    headers: { 'content-type': 'text/xml' },
    body: `<${operation}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${operation}Result>${inner}</${operation}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`,
  };
}

export async function handleSts(req: WireRequest, state: EmulatorState, operation: string): Promise<Handled> {
  const form = new URLSearchParams(req.body.toString('utf8'));
  if (operation === 'GetCallerIdentity') {
    const assumed = req.accessKeyId ? state.assumedRoles.get(req.accessKeyId) : undefined;
    const arn = assumed
      ? assumed.roleArn.replace(':role/', ':assumed-role/').replace(/^arn:aws:iam:/, 'arn:aws:sts:') +
        '/lambda-mcp'
      : `arn:aws:iam::${state.accountId}:user/emulator`;
    return xml(
      'GetCallerIdentity',
      `<Arn>${xmlEscape(arn)}</Arn><UserId>AIDAEMULATOR</UserId><Account>${state.accountId}</Account>`,
      req.requestId,
    );
  }
  if (operation !== 'AssumeRole') {
    throw new WireError(
      400,
      'InvalidAction',
      `Could not find operation ${operation} for version 2011-06-15`,
      {
        queryFault: 'Sender',
      },
    );
  }
  const roleArn = form.get('RoleArn');
  const sessionName = form.get('RoleSessionName');
  if (!roleArn || !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(roleArn)) {
    throw new WireError(400, 'ValidationError', `${roleArn ?? 'null'} is invalid`, { queryFault: 'Sender' });
  }
  if (!sessionName) {
    throw new WireError(
      400,
      'ValidationError',
      "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null",
      { queryFault: 'Sender' },
    );
  }
  const accessKeyId = randomKey('ASIA', 16);
  const secretAccessKey = randomBytes(30).toString('base64');
  const sessionToken = randomBytes(64).toString('base64');
  state.assumedRoles.set(accessKeyId, { roleArn, secretAccessKey, sessionToken });
  const expiration = new Date(Date.now() + 3_600_000).toISOString();
  const assumedArn = `${roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/${sessionName}`;
  return xml(
    'AssumeRole',
    `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${xmlEscape(secretAccessKey)}</SecretAccessKey><SessionToken>${xmlEscape(sessionToken)}</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROAEMULATOR:${xmlEscape(sessionName)}</AssumedRoleId><Arn>${xmlEscape(assumedArn)}</Arn></AssumedRoleUser>`,
    req.requestId,
  );
}
