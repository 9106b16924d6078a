/**
 * Least privilege, end to end: the services and `doctor` over the AWS backend, over the emulator
 * enforcing the minimal IAM policies of docs/iam (the same files the docs show). Each way of
 * running works under exactly its policy; removing one statement at a time degrades as documented
 * and `doctor` names the missing action and the statement to add.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsServices } from '../../core/src/aws/index.js';
import type { ConfigInput } from '../../core/src/config/schema.js';
import { IAM_STATEMENTS, runDoctorChecks } from '../../core/src/doctor/index.js';
import type { CheckResult } from '../../core/src/doctor/types.js';
import { type Emulator, type PolicyDocument, startEmulator, syntheticCatalog } from '../src/index.js';
import { CREDENTIALS, FUNCTIONS_DIR, HERE, REGION } from './helpers.js';

const IAM_DIR = join(HERE, '..', '..', '..', 'docs', 'iam');
const ROLE_ARN = 'arn:aws:iam::000000000000:role/lambda-mcp';

function policyFile(name: string): PolicyDocument {
  return JSON.parse(readFileSync(join(IAM_DIR, name), 'utf8')) as PolicyDocument;
}
type Statement = { Sid: string; Effect: 'Allow'; Action: string; Resource: string | string[] };
const statements = (doc: PolicyDocument) => doc.Statement as Statement[];
/** Several documented files as one policy. */
function combine(...names: string[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: names.flatMap((n) => statements(policyFile(n))) };
}
function without(doc: PolicyDocument, sid: string): PolicyDocument {
  const kept = statements(doc).filter((s) => s.Sid !== sid);
  expect(kept.length, `statement ${sid} exists`).toBe(statements(doc).length - 1);
  return { ...doc, Statement: kept };
}

describe('IAM policies of docs/iam over the emulator', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    // The fixture functions plus 30 synthetic ones (sets over 20 read tags in bulk).
    emulator = await startEmulator({
      functionsDir: FUNCTIONS_DIR,
      synthetic: syntheticCatalog({ count: 30, matching: 10, prefix: 'bulk-' }),
    });
  });
  afterAll(async () => {
    await emulator.close();
  });

  async function open(config: ConfigInput) {
    return createAwsServices(
      { region: REGION, diskCache: false, ...config },
      { backendOptions: { endpoint: emulator.url, credentials: CREDENTIALS } },
    );
  }

  async function doctor(config: ConfigInput): Promise<Record<string, CheckResult>> {
    const services = await open(config);
    try {
      const { results } = await runDoctorChecks(services, { signal: new AbortController().signal });
      return Object.fromEntries(results.map((r) => [r.id, r]));
    } finally {
      await services.close();
    }
  }

  function expectMissing(check: CheckResult | undefined, action: string) {
    const documented = IAM_STATEMENTS[action];
    expect(check?.missingAction, JSON.stringify(check)).toBe(action);
    expect(check?.statement).toMatchObject({ Sid: documented?.sid, Effect: 'Allow', Action: action });
    expect(check?.fix).toContain(`Allow ${action}`);
    expect(check?.fix).toContain(`"Sid":"${documented?.sid}"`);
    expect(check?.fix).toContain(`docs/iam/${documented?.file}`);
  }

  const operations = () => emulator.requests.map((r) => r.operation);

  it('the table the doctor proposes statements from agrees with the files', () => {
    for (const [action, entry] of Object.entries(IAM_STATEMENTS)) {
      const st = statements(policyFile(entry.file)).find((s) => s.Sid === entry.sid);
      expect(st, `${entry.file} ${entry.sid}`).toBeDefined();
      expect(st?.Action).toBe(action);
    }
  });

  it('AccessDenied is answered as AWS does: 403, AccessDeniedException, principal, action and resource', async () => {
    emulator.setPolicy(policyFile('logs.json'));
    try {
      const res = await fetch(`${emulator.url}/2015-03-31/functions/`, {
        headers: {
          authorization: `AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/20260101/${REGION}/lambda/aws4_request, SignedHeaders=host, Signature=0a1b`,
        },
      });
      expect(res.status).toBe(403);
      expect(res.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
      expect(await res.json()).toEqual({
        Message:
          'User: arn:aws:iam::000000000000:user/emulator is not authorized to perform: lambda:ListFunctions on resource: * because no identity-based policy allows the lambda:ListFunctions action',
      });
      // An explicit deny wins over an allow, and says so.
      emulator.setPolicy({
        Statement: [
          { Effect: 'Allow', Action: 'lambda:*', Resource: '*' },
          { Effect: 'Deny', Action: 'lambda:List*', Resource: '*' },
        ],
      });
      const denied = await fetch(`${emulator.url}/2015-03-31/functions/`, {
        headers: {
          authorization: `AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/20260101/${REGION}/lambda/aws4_request, SignedHeaders=host, Signature=0a1b`,
        },
      });
      expect(((await denied.json()) as { Message: string }).Message).toMatch(
        /lambda:ListFunctions on resource: \* with an explicit deny in an identity-based policy$/,
      );
      expect(() =>
        emulator.setPolicy({ Statement: [{ Effect: 'Allow', NotAction: 'x', Resource: '*' }] } as never),
      ).toThrow(/NotAction/);
    } finally {
      emulator.setPolicy(undefined);
    }
  });

  describe('prefix discovery (prefix-discovery.json)', () => {
    const config = { functionPrefixes: ['echo', 'bulk-'] };
    const policy = () => policyFile('prefix-discovery.json');

    it('works under exactly its policy', async () => {
      emulator.setPolicy(policy());
      const services = await open(config);
      try {
        const catalog = await services.discovery.getCatalog();
        expect(catalog.functions.map((f) => f.name)).toContain('echo');
        expect(catalog.functions).toHaveLength(31);
        expect(catalog.problems).toBeUndefined();
        const result = await services.invocation.invoke({ functionName: 'echo', payload: { message: 'hi' } });
        expect(result.functionError).toBeUndefined();
      } finally {
        await services.close();
      }
      const checks = await doctor(config);
      for (const id of ['credentials', 'list', 'tags', 'filters', 'invoke'])
        expect(checks[id]?.status, id).toBe('pass');
    });

    it('without ListFunctions: discovery fails and doctor names lambda:ListFunctions', async () => {
      emulator.setPolicy(without(policy(), 'ListFunctions'));
      const services = await open(config);
      try {
        await expect(services.discovery.getCatalog()).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      } finally {
        await services.close();
      }
      const checks = await doctor(config);
      expect(checks.list?.status).toBe('fail');
      expectMissing(checks.list, 'lambda:ListFunctions');
    });

    it('without the Tagging API: tags are read with ListTags per function, and doctor warns', async () => {
      emulator.setPolicy(without(policy(), 'TagsInBulk'));
      emulator.clearRequests();
      const services = await open(config);
      try {
        const catalog = await services.discovery.getCatalog();
        expect(catalog.functions).toHaveLength(31);
        expect(catalog.problems).toBeUndefined();
        expect(catalog.functions.find((f) => f.name === 'echo')?.inputSchemaArn).toBeDefined();
        expect(operations().filter((o) => o === 'ListTags').length).toBeGreaterThanOrEqual(31);
      } finally {
        await services.close();
      }
      const checks = await doctor(config);
      expect(checks.tags?.status).toBe('warn');
      expectMissing(checks.tags, 'tag:GetResources');
    });

    it('without ListTags: tags still come in bulk from the Tagging API (ListTags is its fallback)', async () => {
      const small = { functionPrefixes: ['echo'] };
      emulator.setPolicy(without(policy(), 'ReadTags'));
      const services = await open(small);
      try {
        const catalog = await services.discovery.getCatalog();
        expect(catalog.functions.map((f) => f.name)).toEqual(['echo']);
        expect(catalog.functions[0]?.inputSchemaArn).toBeDefined();
        expect(catalog.problems).toBeUndefined();
      } finally {
        await services.close();
      }
      expect((await doctor(small)).tags?.status).toBe('pass');
    });

    it('without both bulk tags and ListTags: functions are found, schema tags ignored, doctor names the action', async () => {
      const small = { functionPrefixes: ['echo'] };
      emulator.setPolicy(without(without(policy(), 'ReadTags'), 'TagsInBulk'));
      const services = await open(small);
      try {
        const catalog = await services.discovery.getCatalog();
        expect(catalog.functions.map((f) => f.name)).toEqual(['echo']);
        expect(catalog.problems?.join('\n')).toMatch(/tags could not be read \(ACCESS_DENIED/);
      } finally {
        await services.close();
      }
      const checks = await doctor(small);
      expect(checks.tags?.status).toBe('fail');
      expect(['tag:GetResources', 'lambda:ListTags']).toContain(checks.tags?.missingAction);
    });

    it('without Invoke: the call is refused and doctor names lambda:InvokeFunction', async () => {
      emulator.setPolicy(without(policy(), 'Invoke'));
      const services = await open(config);
      try {
        await expect(
          services.invocation.invoke({ functionName: 'echo', payload: { message: 'hi' } }),
        ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      } finally {
        await services.close();
      }
      const checks = await doctor(config);
      expect(checks.invoke?.status).toBe('fail');
      expectMissing(checks.invoke, 'lambda:InvokeFunction');
      expect(checks.invoke?.statement?.Resource).toMatch(/^arn:aws:lambda:us-east-1:000000000000:function:/);
    });
  });

  describe('tag discovery (tag-discovery.json)', () => {
    const config = { tagFilters: [{ key: 'MCPEnabled', values: ['true'] }] };
    const policy = () => policyFile('tag-discovery.json');

    it('works under exactly its policy, with no ListTags', async () => {
      emulator.setPolicy(policy());
      emulator.clearRequests();
      const services = await open(config);
      try {
        const catalog = await services.discovery.getCatalog();
        expect(catalog.functions.map((f) => f.name)).toEqual(
          expect.arrayContaining(['analytics', 'echo', 'fail']),
        );
        expect(catalog.functions).toHaveLength(13);
        expect(operations()).not.toContain('ListTags');
      } finally {
        await services.close();
      }
    });

    it('without the Tagging API: discovery fails and doctor names tag:GetResources', async () => {
      emulator.setPolicy(without(policy(), 'TagsInBulk'));
      const services = await open(config);
      try {
        await expect(services.discovery.getCatalog()).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      } finally {
        await services.close();
      }
      const checks = await doctor(config);
      expect(checks.tags?.status).toBe('fail');
      expect(checks.tags?.fix).toContain('tag:GetResources');
    });
  });

  describe('explicit list (explicit-list.json)', () => {
    const config = { functionList: ['echo', 'slow'] };
    const policy = () => policyFile('explicit-list.json');

    it('works under exactly its policy: GetFunction per listed function, never ListFunctions or GetResources', async () => {
      emulator.setPolicy(policy());
      emulator.clearRequests();
      const services = await open(config);
      try {
        const catalog = await services.discovery.getCatalog();
        expect(catalog.functions.map((f) => f.name)).toEqual(['echo', 'slow']);
        expect(catalog.problems).toBeUndefined();
        expect(catalog.functions[0]?.inputSchemaArn).toBeDefined();
        expect(catalog.functions[1]?.tags).toEqual({ team: 'reports' });
        const result = await services.invocation.invoke({ functionName: 'echo', payload: { message: 'hi' } });
        expect(result.functionError).toBeUndefined();
        expect(operations()).not.toContain('ListFunctions');
        expect(operations()).not.toContain('GetResources');
        expect(operations().filter((o) => o === 'GetFunction')).toHaveLength(2);
      } finally {
        await services.close();
      }
      const checks = await doctor(config);
      for (const id of ['credentials', 'list', 'tags', 'filters', 'invoke'])
        expect(checks[id]?.status, id).toBe('pass');
      expect(checks.list?.action).toBe('lambda:GetFunction');
    });

    it('a listed function that does not exist or cannot be read is reported by name; the others work', async () => {
      // GetFunction allowed on a function that does not exist (AWS checks IAM first), not on "fail".
      const doc = policy();
      const read = statements(doc).find((st) => st.Sid === 'ReadListedFunctions')!;
      read.Resource = [...(read.Resource as string[]), 'arn:aws:lambda:*:*:function:no-such-function'];
      emulator.setPolicy(doc);
      const listed = { functionList: ['echo', 'no-such-function', 'fail'] };
      const services = await open(listed);
      try {
        const catalog = await services.discovery.getCatalog();
        expect(catalog.functions.map((f) => f.name)).toEqual(['echo']);
        const problems = catalog.problems?.join('\n') ?? '';
        expect(problems).toContain('FUNCTION_LIST entry "no-such-function": no such function');
        expect(problems).toMatch(
          /FUNCTION_LIST entry "fail": cannot be read: Access denied .*lambda:GetFunction/,
        );
        await services.invocation.invoke({ functionName: 'echo', payload: { message: 'hi' } });
      } finally {
        await services.close();
      }
      const checks = await doctor(listed);
      expect(checks.list?.status).toBe('warn');
      expect(checks.list?.details?.join('\n')).toMatch(/no-such-function: no such function/);
      expect(checks.list?.details?.join('\n')).toMatch(/fail: cannot be read/);
      expectMissing(checks.list, 'lambda:GetFunction');
    });

    it('without GetFunction: every listed function is reported and doctor names lambda:GetFunction', async () => {
      emulator.setPolicy(without(policy(), 'ReadListedFunctions'));
      const checks = await doctor(config);
      expect(checks.list?.status).toBe('fail');
      expectMissing(checks.list, 'lambda:GetFunction');
    });

    it('without ListTags: the functions work, their schema tags are ignored, doctor names lambda:ListTags', async () => {
      emulator.setPolicy(without(policy(), 'ReadTags'));
      const services = await open(config);
      try {
        const catalog = await services.discovery.getCatalog();
        expect(catalog.functions.map((f) => f.name)).toEqual(['echo', 'slow']);
        expect(catalog.functions[0]?.inputSchemaArn).toBeUndefined();
        expect(catalog.problems?.join('\n')).toMatch(/tags could not be read/);
      } finally {
        await services.close();
      }
      const checks = await doctor(config);
      expect(checks.tags?.status).toBe('fail');
      expectMissing(checks.tags, 'lambda:ListTags');
    });

    it('trusting the list reads nothing: an Invoke-only policy is enough', async () => {
      emulator.setPolicy({ Statement: statements(policy()).filter((s) => s.Sid === 'Invoke') });
      emulator.clearRequests();
      const services = await open({ ...config, trustFunctionList: true });
      try {
        const catalog = await services.discovery.getCatalog();
        expect(catalog.functions.map((f) => f.name)).toEqual(['echo', 'slow']);
        const result = await services.invocation.invoke({ functionName: 'echo', payload: { message: 'hi' } });
        expect(result.functionError).toBeUndefined();
        expect([...new Set(operations())]).toEqual(['Invoke']);
      } finally {
        await services.close();
      }
    });
  });

  describe('schemas, monitoring, logs', () => {
    const config = { functionPrefixes: ['echo'] };

    it('schemas.json: schemas are read; without it doctor names schemas:DescribeSchema', async () => {
      const full = combine('prefix-discovery.json', 'schemas.json');
      emulator.setPolicy(full);
      const services = await open(config);
      try {
        const [echo] = (await services.discovery.getCatalog()).functions;
        const schemas = await services.schemas.getSchemas(echo!);
        expect(schemas.input).toBeDefined();
        expect(schemas.problems).toEqual([]);
      } finally {
        await services.close();
      }
      expect((await doctor(config)).schemas?.status).toBe('pass');
      emulator.setPolicy(without(full, 'ReadSchemas'));
      const checks = await doctor(config);
      expect(checks.schemas?.status).toBe('fail');
      expectMissing(checks.schemas, 'schemas:DescribeSchema');
    });

    it('monitoring.json: metrics with error details; without ReadLogs, metrics without them', async () => {
      const full = combine('prefix-discovery.json', 'monitoring.json');
      emulator.setPolicy(full);
      const services = await open(config);
      try {
        const range = {
          functionName: 'echo',
          start: new Date(Date.now() - 3_600_000),
          end: new Date(),
          includeErrors: true,
        };
        const report = await services.metrics.getMetrics(range);
        expect(report.problems).toBeUndefined();
        emulator.setPolicy(without(full, 'ReadLogs'));
        const degraded = await services.metrics.getMetrics(range);
        expect(degraded.series.invocations).toBeDefined();
        expect(degraded.problems?.join('\n')).toMatch(/error details unavailable \(ACCESS_DENIED/);
      } finally {
        await services.close();
      }
      const checks = await doctor(config);
      expect(checks.metrics?.status).toBe('pass');
      expectMissing(checks.logs, 'logs:FilterLogEvents');
      expect(checks.logs?.message).toContain('monitoring works, without recent error details');
      emulator.setPolicy(without(full, 'Monitor'));
      expectMissing((await doctor(config)).metrics, 'cloudwatch:GetMetricData');
    });

    it('logs.json: log events are read; without it doctor names logs:FilterLogEvents', async () => {
      const full = combine('prefix-discovery.json', 'logs.json');
      emulator.setPolicy(full);
      expect((await doctor(config)).logs?.status).not.toBe('fail');
      emulator.setPolicy(without(full, 'ReadLogs'));
      expectMissing((await doctor(config)).logs, 'logs:FilterLogEvents');
    });
  });

  describe('assume role (assume-role.json)', () => {
    const config = { functionPrefixes: ['echo'], roleArn: ROLE_ARN };

    it('the base credentials may only assume the role; the role has the discovery policy', async () => {
      emulator.setPolicy(policyFile('assume-role.json'), { [ROLE_ARN]: policyFile('prefix-discovery.json') });
      const services = await open(config);
      try {
        const catalog = await services.discovery.getCatalog();
        expect(catalog.functions.map((f) => f.name)).toEqual(['echo']);
        await services.invocation.invoke({ functionName: 'echo', payload: { message: 'hi' } });
      } finally {
        await services.close();
      }
      const checks = await doctor(config);
      expect(checks.credentials?.status).toBe('pass');
      expect(checks.credentials?.message).toContain('assumed-role/lambda-mcp');
    });

    it('without AssumeRole: doctor names sts:AssumeRole', async () => {
      emulator.setPolicy({ Statement: [] } as never, { [ROLE_ARN]: policyFile('prefix-discovery.json') });
      const checks = await doctor(config);
      expect(checks.credentials?.status).toBe('fail');
      expectMissing(checks.credentials, 'sts:AssumeRole');
    });
  });
});
