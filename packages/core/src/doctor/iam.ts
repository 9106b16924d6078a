import type { PolicyStatement } from './types.js';

/**
 * The statements of the minimal IAM policies in docs/iam/*.json, by the action each allows. The
 * doctor proposes these (same Sid, same action) when an action is denied; a test checks that this
 * table and the files agree.
 */
export const IAM_STATEMENTS: Readonly<
  Record<string, { sid: string; file: string; resource: string; purpose: string }>
> = {
  'lambda:ListFunctions': {
    sid: 'ListFunctions',
    file: 'prefix-discovery.json',
    resource: '*',
    purpose: 'discovery by prefix or tags reads the account’s functions (IAM cannot scope it)',
  },
  'tag:GetResources': {
    sid: 'TagsInBulk',
    file: 'tag-discovery.json',
    resource: '*',
    purpose: 'reads the tags of up to 100 functions per call (IAM cannot scope it)',
  },
  'lambda:ListTags': {
    sid: 'ReadTags',
    file: 'explicit-list.json',
    resource: 'arn:aws:lambda:*:*:function:*',
    purpose: 'reads one function’s tags (schema tags, tag filters)',
  },
  'lambda:GetFunction': {
    sid: 'ReadListedFunctions',
    file: 'explicit-list.json',
    resource: 'arn:aws:lambda:*:*:function:*',
    purpose: 'reads each function of FUNCTION_LIST (no account-wide permission needed)',
  },
  'lambda:InvokeFunction': {
    sid: 'Invoke',
    file: 'explicit-list.json',
    resource: 'arn:aws:lambda:*:*:function:*',
    purpose: 'invokes the functions',
  },
  'schemas:DescribeSchema': {
    sid: 'ReadSchemas',
    file: 'schemas.json',
    resource: 'arn:aws:schemas:*:*:schema/*',
    purpose: 'reads input and output schemas named by the schema tags',
  },
  'cloudwatch:GetMetricData': {
    sid: 'Monitor',
    file: 'monitoring.json',
    resource: '*',
    purpose: 'reads invocation metrics (IAM cannot scope it)',
  },
  'logs:FilterLogEvents': {
    sid: 'ReadLogs',
    file: 'logs.json',
    resource: 'arn:aws:logs:*:*:log-group:/aws/lambda/*',
    purpose: 'reads log events (recent errors in monitoring, `lambda-mcp logs`)',
  },
  'sts:AssumeRole': {
    sid: 'AssumeRole',
    file: 'assume-role.json',
    resource: 'arn:aws:iam::*:role/lambda-mcp',
    purpose: 'assumes the role given with --role-arn',
  },
};

/** A function or log-group ARN narrowed to what was denied; `*` resources stay as documented. */
function resourceFor(action: string, denied: string | undefined, documented: string): string {
  if (!denied || documented === '*') return documented;
  if (action.startsWith('lambda:')) {
    // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>] -> the function and its qualifiers
    const parts = denied.split(':');
    if (parts.length >= 7 && parts[5] === 'function') return parts.slice(0, 7).join(':');
  }
  return denied.startsWith('arn:') ? denied : documented;
}

/** The statement to add for a denied action (the documented one, narrowed to what was denied). */
export function statementFor(action: string, deniedResource?: string): PolicyStatement {
  const known = IAM_STATEMENTS[action];
  const sid = known?.sid ?? action.replace(/[^A-Za-z0-9]/g, '');
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: action,
    Resource: resourceFor(action, deniedResource, known?.resource ?? '*'),
  };
}

/** "Allow X for who: add {...} (statement "Sid" of docs/iam/file.json)." */
export function grantFix(action: string, who: string, deniedResource?: string): string {
  const known = IAM_STATEMENTS[action];
  const statement = statementFor(action, deniedResource);
  return (
    `Allow ${action} for ${who}: add ${JSON.stringify(statement)} to its IAM policy` +
    (known ? ` (statement "${known.sid}" of docs/iam/${known.file}; ${known.purpose}).` : '.')
  );
}
