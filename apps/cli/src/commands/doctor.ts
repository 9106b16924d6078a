import {
  type Backend,
  type FunctionInfo,
  isLambdaMcpError,
  LambdaMcpError,
  type Services,
} from '@lambda-mcp/core';
import type { AwsBackend } from '@lambda-mcp/core/aws';
import { classifyError } from '../classify.js';
import { type Context, withSpinner } from '../context.js';
import { firstLine } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { padEnd } from '../ui/color.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  message: string;
  /** How to fix it (fail and warn). */
  fix?: string;
  /** Supporting lines: excluded functions by rule, functions whose dry run failed... */
  details?: string[];
  /** The IAM action the check exercises, when there is one. */
  action?: string;
}

const MAX_DRY_RUNS = 25;

function errorText(error: unknown): string {
  return classifyError(error).message;
}

function codeOf(error: unknown): string | undefined {
  return isLambdaMcpError(error) ? error.code : undefined;
}

function grantFix(action: string, who: string): string {
  return `Allow ${action} for ${who}: add {"Effect":"Allow","Action":"${action}","Resource":"*"} to its IAM policy (narrow Resource to your functions if you like).`;
}

function failureFix(error: unknown, action: string | undefined, who: string): string {
  const code = codeOf(error);
  if (code === 'ACCESS_DENIED' && action) return grantFix(action, who);
  if (code === 'CREDENTIALS_MISSING')
    return 'Provide AWS credentials: set AWS_PROFILE (or --profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws sso login`.';
  if (code === 'BACKEND_UNAVAILABLE')
    return 'Check the network, the region and any AWS_ENDPOINT_URL setting; then run doctor again.';
  if (code === 'THROTTLED') return 'AWS throttled the check; run doctor again in a minute.';
  return classifyError(error).hint ?? 'Run doctor again with --debug for the full error.';
}

interface IdentityInfo {
  /** The access key id, masked (never the secret). */
  accessKey?: string;
  /** Where the credentials came from, as far as the configuration tells. */
  source: string;
  endpoints: Record<string, string>;
  /** From STS GetCallerIdentity. */
  arn?: string;
  account?: string;
  /** Why STS could not say who this is (network, endpoint), when it could not. */
  identityProblem?: string;
}

function maskKey(id: string): string {
  return id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : '****';
}

function credentialSource(services: Services, env: Record<string, string | undefined>): string {
  const c = services.config;
  const base = c.profile
    ? `profile ${c.profile}`
    : env.AWS_PROFILE
      ? `profile ${env.AWS_PROFILE} (AWS_PROFILE)`
      : env.AWS_ACCESS_KEY_ID
        ? 'environment (AWS_ACCESS_KEY_ID)'
        : 'the default credential chain';
  return c.roleArn ? `${base}, assuming ${c.roleArn}` : base;
}

const REJECTED =
  /InvalidClientTokenId|ExpiredToken|SignatureDoesNotMatch|UnrecognizedClient|InvalidAccessKeyId|AuthFailure/;

function bounded<T>(work: Promise<T>, ms: number, what: string, signal: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Who the AWS backend calls as: its credentials resolved (the key id masked), then STS
 * GetCallerIdentity (which needs no permission) for the ARN and account.
 */
async function identityOf(
  services: Services,
  env: Record<string, string | undefined>,
  signal: AbortSignal,
): Promise<IdentityInfo> {
  const backend = services.backend as Backend & Partial<Pick<AwsBackend, 'clients' | 'endpoints'>>;
  const source = credentialSource(services, env);
  const endpoints = { ...(backend.endpoints ?? {}) };
  const provider = backend.clients?.lambda.config.credentials;
  if (!provider) return { source, endpoints };
  let accessKey: string;
  try {
    const creds = await bounded(provider(), 15_000, 'resolving credentials', signal);
    accessKey = maskKey(creds.accessKeyId);
  } catch (error) {
    if (signal.aborted) throw error;
    throw new LambdaMcpError(
      'CREDENTIALS_MISSING',
      `no AWS credentials found (${source}): ${firstLine(error instanceof Error ? error.message : String(error))}`,
      { cause: error },
    );
  }
  const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const endpoint = endpoints.sts ?? endpoints.all;
  const sts = new STSClient({
    region: backend.region,
    credentials: provider,
    maxAttempts: 2,
    ...(endpoint ? { endpoint } : {}),
  });
  try {
    const who = await bounded(
      sts.send(new GetCallerIdentityCommand({}), { abortSignal: signal }),
      15_000,
      'STS GetCallerIdentity',
      signal,
    );
    return {
      accessKey,
      source,
      endpoints,
      ...(who.Arn ? { arn: who.Arn } : {}),
      ...(who.Account ? { account: who.Account } : {}),
    };
  } catch (error) {
    if (signal.aborted) throw error;
    const name = error instanceof Error ? error.name : '';
    const message = firstLine(error instanceof Error ? error.message : String(error));
    if (REJECTED.test(name)) {
      throw new LambdaMcpError(
        'ACCESS_DENIED',
        `AWS rejected the credentials (key ${accessKey}, ${source}): ${name}: ${message}`,
        {
          cause: error,
        },
      );
    }
    return { accessKey, source, endpoints, identityProblem: `${name || 'Error'}: ${message}` };
  } finally {
    sts.destroy();
  }
}

async function mapLimit<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  });
  await Promise.all(runners);
  return results;
}

const label = (fn: FunctionInfo) => (fn.qualifier ? `${fn.name}:${fn.qualifier}` : fn.name);

/** Runs every check; never throws for a failed check (that is a result), only when aborted. */
export async function runChecks(
  services: Services,
  signal: AbortSignal,
  env: Record<string, string | undefined> = process.env,
): Promise<CheckResult[]> {
  const { backend, config } = services;
  const options = { signal };
  const checks: CheckResult[] = [];
  const isLocal = backend.kind === 'local';
  let who = 'the credentials in use';
  let credentials: CheckResult | undefined;
  const rethrowAbort = (error: unknown) => {
    if (signal.aborted || codeOf(error) === 'ABORTED') throw error;
  };

  // ---- credentials: which identity, which region
  if (isLocal) {
    checks.push({
      id: 'credentials',
      title: 'credentials',
      status: 'pass',
      message: `local backend (${config.localDir ?? 'functions'}): no AWS credentials needed`,
    });
  } else {
    try {
      const identity = await identityOf(services, env, signal);
      if (identity.arn) who = identity.arn;
      credentials = {
        id: 'credentials',
        title: 'credentials',
        status: identity.identityProblem ? 'warn' : 'pass',
        message: [
          identity.arn ? `identity ${identity.arn}` : undefined,
          identity.accessKey ? `access key ${identity.accessKey}` : undefined,
          `from ${identity.source}`,
          `region ${backend.region}`,
          ...Object.entries(identity.endpoints).map(
            ([svc, url]) => `endpoint ${svc === 'all' ? '' : `${svc} `}${url}`,
          ),
        ]
          .filter(Boolean)
          .join(', '),
        ...(identity.identityProblem
          ? {
              details: [`STS GetCallerIdentity failed: ${identity.identityProblem}`],
              fix: 'The credentials resolved, but STS could not say whose they are: check the network and any AWS_ENDPOINT_URL_STS setting.',
            }
          : {}),
        action: 'sts:GetCallerIdentity',
      };
    } catch (error) {
      rethrowAbort(error);
      credentials = {
        id: 'credentials',
        title: 'credentials',
        status: 'fail',
        message: `${errorText(error)} (region ${backend.region})`,
        fix:
          codeOf(error) === 'ACCESS_DENIED'
            ? 'Replace the credentials: the key is unknown, expired or its secret is wrong (aws configure, aws sso login, or new environment variables).'
            : failureFix(error, undefined, who),
      };
    }
    checks.push(credentials);
  }

  // ---- list
  let all: Awaited<ReturnType<Backend['listFunctions']>> | undefined;
  try {
    all = await backend.listFunctions(options);
    const account = all[0]?.arn.split(':')[4];
    if (credentials?.status === 'pass' && account)
      credentials.message += `, account ${account} (from function ARNs)`;
    checks.push({
      id: 'list',
      title: 'list functions',
      status: all.length > 0 ? 'pass' : 'warn',
      message:
        all.length > 0
          ? `${all.length} function${all.length === 1 ? '' : 's'} found${isLocal ? '' : ` in ${backend.region}`}`
          : `no functions found${isLocal ? ` in ${config.localDir}` : ` in ${backend.region}`}`,
      ...(all.length > 0
        ? {}
        : {
            fix: isLocal
              ? 'Add a folder per function with a manifest and a handler, or point --local at the right directory.'
              : 'Check the region (--region or AWS_REGION): Lambda functions are regional.',
          }),
      action: 'lambda:ListFunctions',
    });
  } catch (error) {
    rethrowAbort(error);
    checks.push({
      id: 'list',
      title: 'list functions',
      status: 'fail',
      message: errorText(error),
      fix: failureFix(error, 'lambda:ListFunctions', who),
      action: 'lambda:ListFunctions',
    });
  }

  // ---- local folders whose manifest is wrong (not loaded, so not in the list above)
  if (backend.unusableFunctions) {
    try {
      const unusable = await backend.unusableFunctions(options);
      checks.push({
        id: 'manifests',
        title: 'local manifests',
        status: unusable.length === 0 ? 'pass' : 'fail',
        message:
          unusable.length === 0
            ? 'every function folder loaded'
            : `${unusable.length} function folder${unusable.length === 1 ? ' is' : 's are'} not loaded: the manifest is wrong`,
        ...(unusable.length === 0
          ? {}
          : {
              fix: "Fix each folder's function.json (the problem is named on each line below).",
              details: unusable.map((u) => `${u.name} (${u.location}): ${u.problem}`),
            }),
      });
    } catch (error) {
      rethrowAbort(error);
      checks.push({ id: 'manifests', title: 'local manifests', status: 'fail', message: errorText(error) });
    }
  }

  // ---- tags
  if (all && all.length > 0) {
    const arns = all.slice(0, 100).map((f) => f.arn);
    try {
      const tags = await backend.getTags({ arns, tagFilters: config.tagFilters }, options);
      checks.push({
        id: 'tags',
        title: 'read tags',
        status: 'pass',
        message: `tags read for ${tags.size} of ${arns.length} function${arns.length === 1 ? '' : 's'} checked`,
        action: 'tag:GetResources',
      });
    } catch (error) {
      rethrowAbort(error);
      checks.push({
        id: 'tags',
        title: 'read tags',
        status: 'fail',
        message: errorText(error),
        fix: failureFix(error, 'tag:GetResources', who).replace(
          /\.$/,
          ' (or lambda:ListTags, which is used when the Tagging API is denied).',
        ),
        action: 'tag:GetResources',
      });
    }
  } else {
    checks.push({ id: 'tags', title: 'read tags', status: 'skip', message: 'no functions to read tags of' });
  }

  // ---- filters: how many matched, which were excluded by which rule
  let included: FunctionInfo[] = [];
  try {
    const explained = await services.discovery.explain(options);
    included = explained.included;
    const byReason = new Map<string, string[]>();
    for (const e of explained.excluded) {
      const names = byReason.get(e.reason) ?? [];
      names.push(e.function.name);
      byReason.set(e.reason, names);
    }
    const details = [...byReason.entries()]
      .sort((a, b) => b[1].length - a[1].length)
      .map(([reason, names]) => {
        const shown =
          names.slice(0, 5).join(', ') + (names.length > 5 ? `, … (${names.length - 5} more)` : '');
        return `excluded by ${reason}: ${names.length} (${shown})`;
      });
    const total = included.length + explained.excluded.length;
    const filters = describeFilters(services);
    checks.push({
      id: 'filters',
      title: 'filters',
      status: included.length > 0 ? 'pass' : 'fail',
      message: `${included.length} of ${total} function${total === 1 ? '' : 's'} match ${filters}`,
      ...(included.length > 0
        ? {}
        : {
            fix:
              total === 0
                ? 'There are no functions to match: see the list check above.'
                : 'Loosen the filters (FUNCTION_PREFIX, FUNCTION_LIST, FUNCTION_TAG_KEY/FUNCTION_TAG_VALUE, LAMBDA_MCP_RUNTIMES, LAMBDA_MCP_EXCLUDE) so at least one function matches; the reasons are listed below.',
          }),
      ...(details.length ? { details } : {}),
    });
  } catch (error) {
    rethrowAbort(error);
    checks.push({
      id: 'filters',
      title: 'filters',
      status: 'fail',
      message: errorText(error),
      fix: failureFix(error, undefined, who),
    });
  }

  // ---- invoke by dry run
  if (included.length > 0) {
    const targets = included.slice(0, MAX_DRY_RUNS);
    const outcomes = await mapLimit(targets, 4, async (fn) => {
      try {
        await services.invocation.invoke(
          {
            functionName: fn.name,
            ...(fn.qualifier ? { qualifier: fn.qualifier } : {}),
            invocationType: 'DryRun',
            payload: {},
            validate: false,
          },
          options,
        );
        return { fn, error: undefined as unknown };
      } catch (error) {
        rethrowAbort(error);
        return { fn, error };
      }
    });
    const failed = outcomes.filter((o) => o.error !== undefined);
    const more = included.length > targets.length ? ` (first ${targets.length} of ${included.length})` : '';
    checks.push({
      id: 'invoke',
      title: 'invoke (dry run)',
      status: failed.length === 0 ? 'pass' : 'fail',
      message:
        failed.length === 0
          ? `dry run allowed for ${targets.length} function${targets.length === 1 ? '' : 's'}${more}`
          : `dry run failed for ${failed.length} of ${targets.length} function${targets.length === 1 ? '' : 's'}${more}`,
      ...(failed.length > 0
        ? {
            fix: failureFix(failed[0]?.error, 'lambda:InvokeFunction', who),
            details: failed.map((o) => `${label(o.fn)}: ${errorText(o.error)}`),
          }
        : {}),
      action: 'lambda:InvokeFunction',
    });
  } else {
    checks.push({
      id: 'invoke',
      title: 'invoke (dry run)',
      status: 'skip',
      message: 'no matching function to try',
    });
  }

  // ---- schemas: every schema tag points to a schema that exists and compiles
  const tagged = included.filter((fn) => fn.inputSchemaArn || fn.outputSchemaArn);
  if (tagged.length === 0) {
    checks.push({
      id: 'schemas',
      title: 'schemas',
      status: 'skip',
      message: `no matching function has a schema tag (${config.inputSchemaArnTagKey}); their tools accept any JSON object`,
      fix: `To give a tool a real input schema, tag the function with ${config.inputSchemaArnTagKey}=<schema ARN> (EventBridge Schema Registry).`,
      action: 'schemas:DescribeSchema',
    });
  } else {
    const problems: string[] = [];
    let firstError: unknown;
    await mapLimit(tagged, 4, async (fn) => {
      try {
        const found = await services.schemas.getSchemas(fn, options);
        for (const p of found.problems) problems.push(`${label(fn)}: ${p}`);
      } catch (error) {
        rethrowAbort(error);
        firstError ??= error;
        problems.push(`${label(fn)}: ${errorText(error)}`);
      }
    });
    const denied = codeOf(firstError) === 'ACCESS_DENIED';
    checks.push({
      id: 'schemas',
      title: 'schemas',
      status: problems.length === 0 ? 'pass' : 'fail',
      message:
        problems.length === 0
          ? `${tagged.length} schema tag${tagged.length === 1 ? '' : 's'} checked: every schema exists and compiles`
          : `${problems.length} schema problem${problems.length === 1 ? '' : 's'} in ${tagged.length} tagged function${tagged.length === 1 ? '' : 's'}`,
      ...(problems.length > 0
        ? {
            fix: denied
              ? grantFix('schemas:DescribeSchema', who)
              : `Fix the tag ${config.inputSchemaArnTagKey} (or ${config.outputSchemaArnTagKey}) to name an existing schema ARN, or create the schema in the registry.`,
            details: problems,
          }
        : {}),
      action: 'schemas:DescribeSchema',
    });
  }

  // ---- metrics
  const probe =
    included[0] ?? (all && all.length > 0 ? ({ ...all[0], tags: {} } as FunctionInfo) : undefined);
  const now = new Date();
  try {
    await backend.getMetricData(
      {
        queries: [
          {
            id: 'invocations',
            namespace: 'AWS/Lambda',
            metricName: 'Invocations',
            stat: 'Sum',
            dimensions: probe ? { FunctionName: probe.name } : {},
          },
        ],
        start: new Date(now.getTime() - 15 * 60_000),
        end: now,
        periodSeconds: 300,
      },
      options,
    );
    checks.push({
      id: 'metrics',
      title: 'metrics',
      status: 'pass',
      message: `metric data readable${probe ? ` (${probe.name})` : ''}`,
      action: 'cloudwatch:GetMetricData',
    });
  } catch (error) {
    rethrowAbort(error);
    checks.push({
      id: 'metrics',
      title: 'metrics',
      status: 'fail',
      message: errorText(error),
      fix: failureFix(error, 'cloudwatch:GetMetricData', who),
      action: 'cloudwatch:GetMetricData',
    });
  }

  // ---- logs
  if (probe) {
    const logGroupName = probe.logGroup ?? `/aws/lambda/${probe.name}`;
    try {
      await backend.filterLogEvents(
        { logGroupName, start: new Date(now.getTime() - 3_600_000), limit: 1 },
        options,
      );
      checks.push({
        id: 'logs',
        title: 'logs',
        status: 'pass',
        message: `log events readable (${logGroupName})`,
        action: 'logs:FilterLogEvents',
      });
    } catch (error) {
      rethrowAbort(error);
      const missing = isLogGroupMissing(error);
      checks.push({
        id: 'logs',
        title: 'logs',
        status: missing ? 'warn' : 'fail',
        message: missing ? `log group ${logGroupName} does not exist yet` : errorText(error),
        fix: missing
          ? 'The function has not logged anything yet (it creates its log group on first run); invoke it once and run doctor again.'
          : failureFix(error, 'logs:FilterLogEvents', who),
        action: 'logs:FilterLogEvents',
      });
    }
  } else {
    checks.push({ id: 'logs', title: 'logs', status: 'skip', message: 'no function whose logs to read' });
  }
  return checks;
}

function isLogGroupMissing(error: unknown): boolean {
  if (!isLambdaMcpError(error)) return false;
  const e = error as LambdaMcpError;
  return e.code !== 'ACCESS_DENIED' && (e.code.endsWith('NOT_FOUND') || /log group/i.test(e.message));
}

function describeFilters(services: Services): string {
  const c = services.config;
  const parts: string[] = [];
  if (c.functionPrefixes.length) parts.push(`prefix ${c.functionPrefixes.join('|')}`);
  if (c.functionList.length)
    parts.push(`list ${c.functionList.length} name${c.functionList.length === 1 ? '' : 's'}`);
  if (c.tagFilters.length)
    parts.push(
      `tags ${c.tagFilters.map((t) => (t.values?.length ? `${t.key}=${t.values.join('|')}` : t.key)).join(',')}`,
    );
  if (c.runtimes.length) parts.push(`runtime ${c.runtimes.join('|')}`);
  if (c.exclude.length) parts.push(`exclude ${c.exclude.join(',')}`);
  return parts.length ? `the filters (${parts.join('; ')})` : 'the filters (none configured: every function)';
}

const MARK: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

export async function runDoctor(ctx: Context): Promise<ExitCode> {
  let checks: CheckResult[];
  let services: Services | undefined;
  try {
    services = await withSpinner(ctx, 'Loading configuration…', () => ctx.services());
  } catch (error) {
    const c = classifyError(error);
    if (c.code === 'ABORTED' || c.exitCode === EXIT.INTERNAL) throw error;
    checks = [
      {
        id: 'configuration',
        title: 'configuration',
        status: 'fail',
        message: c.message,
        fix: c.hint ?? 'Correct the setting named above (flag, environment variable or config file key).',
      },
    ];
  }
  if (services) {
    const s = services;
    checks = await withSpinner(ctx, 'Running checks…', () => runChecks(s, ctx.signal, ctx.io.env));
    checks.unshift({
      id: 'configuration',
      title: 'configuration',
      status: 'pass',
      message: `backend ${s.backend.kind}${s.backend.kind === 'local' ? ` (${s.config.localDir})` : `, region ${s.backend.region}`}`,
    });
  }
  checks ??= [];
  const summary = {
    passed: checks.filter((c) => c.status === 'pass').length,
    warnings: checks.filter((c) => c.status === 'warn').length,
    failed: checks.filter((c) => c.status === 'fail').length,
    skipped: checks.filter((c) => c.status === 'skip').length,
  };
  const ok = summary.failed === 0;
  if (ctx.flags.json) {
    ctx.printJson({
      ok,
      ...(services ? { backend: services.backend.kind, region: services.backend.region } : {}),
      checks,
      summary,
    });
    return ok ? EXIT.OK : EXIT.FAILURE;
  }
  const { out } = ctx;
  const colour = { pass: out.green, warn: out.yellow, fail: out.red, skip: out.dim } as const;
  const titleWidth = Math.max(...checks.map((c) => c.title.length)) + 2;
  for (const check of checks) {
    ctx.print(
      `${colour[check.status](MARK[check.status])}  ${out.bold(padEnd(check.title, titleWidth))}${check.message}`,
    );
    const indent = ' '.repeat(6);
    for (const line of check.details ?? []) ctx.print(`${indent}${out.dim('-')} ${line}`);
    if (check.fix && check.status !== 'pass') ctx.print(`${indent}${out.cyan('fix:')} ${check.fix}`);
  }
  ctx.print();
  const line = `${summary.passed} passed, ${summary.warnings} warning${summary.warnings === 1 ? '' : 's'}, ${summary.failed} failed, ${summary.skipped} skipped`;
  ctx.print(ok ? out.green(line) : out.red(line));
  return ok ? EXIT.OK : EXIT.FAILURE;
}
