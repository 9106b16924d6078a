/**
 * The checks of `lambda-mcp doctor`, as data: credentials, discovery, tags, filters, invoke (dry
 * run), schemas, metrics, logs. Each says which IAM action it exercises and, when that action is
 * denied, which statement of the documented minimal policies (docs/iam) to add. The CLI renders.
 */
import { isLambdaMcpError, type LambdaMcpError, toLambdaMcpError } from '../errors.js';
import { compileFilters, evaluateFilters } from '../services/filters.js';
import type { Services } from '../services/types.js';
import type { FunctionInfo } from '../types.js';
import { mapWithConcurrency } from '../util/concurrency.js';
import { formatFunctionKey } from '../util/function-ref.js';
import { grantFix, statementFor } from './iam.js';
import { manifestsCheck } from './manifests-check.js';
import type { CheckOutcome, CheckResult, DoctorCheck, DoctorContext, DoctorFacts } from './types.js';

const MAX_DRY_RUNS = 25;

function codeOf(error: unknown): string | undefined {
  return isLambdaMcpError(error) ? error.code : undefined;
}

function errorText(error: unknown): string {
  const message = toLambdaMcpError(error, 'SERVICE_ERROR').message;
  return message.split('\n', 1)[0] ?? message;
}

function deniedOf(error: unknown): { action?: string; resource?: string } {
  if (!isLambdaMcpError(error) || error.code !== 'ACCESS_DENIED') return {};
  const d = (error as LambdaMcpError).details ?? {};
  return {
    ...(typeof d.deniedAction === 'string' ? { action: d.deniedAction } : {}),
    ...(typeof d.deniedResource === 'string' ? { resource: d.deniedResource } : {}),
  };
}

/** The fix for a failure; for a denied action, the statement to add. */
export function failureFix(error: unknown, action: string | undefined, who: string): string {
  const code = codeOf(error);
  const denied = deniedOf(error);
  if (code === 'ACCESS_DENIED' && (denied.action ?? action))
    return grantFix((denied.action ?? action) as string, who, denied.resource);
  if (code === 'CREDENTIALS_MISSING')
    return 'Provide AWS credentials: set AWS_PROFILE (or --profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws sso login`.';
  if (code === 'BACKEND_UNAVAILABLE')
    return 'Check the network, the region and any AWS_ENDPOINT_URL setting; then run doctor again.';
  if (code === 'THROTTLED') return 'AWS throttled the check; run doctor again in a minute.';
  return 'Run doctor again with --debug for the full error.';
}

/** A failed outcome for `error`, naming the missing action and the statement when it was denied. */
export function failure(
  error: unknown,
  action: string | undefined,
  facts: DoctorFacts,
  /** The action to propose instead of the denied one (a fallback's action was the one refused). */
  propose?: string,
): CheckOutcome {
  const denied = propose ? {} : deniedOf(error);
  const missing = codeOf(error) === 'ACCESS_DENIED' ? (propose ?? denied.action ?? action) : undefined;
  return {
    status: 'fail',
    message: errorText(error),
    fix: missing ? grantFix(missing, facts.who, denied.resource) : failureFix(error, action, facts.who),
    ...(action ? { action } : {}),
    ...(missing ? { missingAction: missing, statement: statementFor(missing, denied.resource) } : {}),
  };
}

function rethrowAbort(ctx: DoctorContext, error: unknown): void {
  if (ctx.signal.aborted || codeOf(error) === 'ABORTED') throw error;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const label = (fn: FunctionInfo) => formatFunctionKey(fn.name, fn.qualifier);

const credentialsCheck: DoctorCheck = {
  id: 'credentials',
  title: 'credentials',
  async run(ctx) {
    const { backend, config } = ctx.services;
    if (backend.kind === 'local') {
      return {
        status: 'pass',
        message: `local backend (${config.localDir ?? 'functions'}): no AWS credentials needed`,
      };
    }
    if (!backend.identity) {
      return { status: 'skip', message: `the ${backend.kind} backend cannot say who it calls as` };
    }
    try {
      const identity = await backend.identity({ signal: ctx.signal });
      if (identity.principal) ctx.facts.who = identity.principal;
      if (identity.account) ctx.facts.account = identity.account;
      const endpoints = Object.entries(identity.endpoints ?? {});
      return {
        status: identity.problem ? 'warn' : 'pass',
        message: [
          identity.principal ? `identity ${identity.principal}` : undefined,
          identity.accessKey ? `access key ${identity.accessKey}` : undefined,
          `from ${identity.source}`,
          `region ${backend.region}`,
          ...endpoints.map(([svc, url]) => `endpoint ${svc === 'all' ? '' : `${svc} `}${url}`),
        ]
          .filter(Boolean)
          .join(', '),
        ...(identity.problem
          ? {
              details: [`STS GetCallerIdentity failed: ${identity.problem}`],
              fix: 'The credentials resolved, but STS could not say whose they are: check the network and any AWS_ENDPOINT_URL_STS setting.',
            }
          : {}),
        action: 'sts:GetCallerIdentity',
      };
    } catch (error) {
      rethrowAbort(ctx, error);
      const rejected =
        isLambdaMcpError(error) && (error as LambdaMcpError).details?.rejectedCredentials === true;
      if (!rejected && codeOf(error) === 'ACCESS_DENIED') {
        // Assuming the configured role was refused.
        return failure(error, config.roleArn ? 'sts:AssumeRole' : undefined, ctx.facts);
      }
      return {
        status: 'fail',
        message: `${errorText(error)} (region ${backend.region})`,
        fix: rejected
          ? 'Replace the credentials: the key is unknown, expired or its secret is wrong (aws configure, aws sso login, or new environment variables).'
          : failureFix(error, undefined, ctx.facts.who),
      };
    }
  },
};

const listCheck: DoctorCheck = {
  id: 'list',
  title: 'list functions',
  async run(ctx) {
    const { backend, config } = ctx.services;
    const isLocal = backend.kind === 'local';
    const mode = backend.discoveryMode ?? 'list-all';
    const action =
      mode === 'explicit-list'
        ? 'lambda:GetFunction'
        : mode === 'list-all' && !isLocal
          ? 'lambda:ListFunctions'
          : undefined;
    try {
      const all = await backend.listFunctions({ signal: ctx.signal });
      ctx.facts.all = all;
      const account = all[0]?.arn.split(':')[4];
      const credentials = ctx.facts.results.get('credentials');
      if (credentials?.status === 'pass' && account && !ctx.facts.account) {
        ctx.facts.account = account;
        credentials.message += `, account ${account} (from function ARNs)`;
      }
      const unread = [...(backend.listProblems?.() ?? new Map<string, string>()).entries()];
      const where = isLocal ? '' : ` in ${backend.region}`;
      const how =
        mode === 'explicit-list'
          ? ' (each listed function read with GetFunction; no ListFunctions)'
          : mode === 'trusted-list'
            ? ' (FUNCTION_LIST trusted as given; nothing read)'
            : '';
      if (unread.length > 0) {
        const firstDenied = unread.find(([, why]) => /denied|not authorized/i.test(why));
        return {
          status: all.length > 0 ? 'warn' : 'fail',
          message: `${plural(all.length, 'function')} read${where}; ${unread.length} of FUNCTION_LIST could not be read${how}`,
          details: unread.map(([name, why]) => `${name}: ${why}`),
          fix: firstDenied
            ? grantFix(action ?? 'lambda:GetFunction', ctx.facts.who)
            : 'Correct or remove the FUNCTION_LIST entries named above (names are case-sensitive; check the region).',
          ...(action ? { action } : {}),
          ...(firstDenied && action ? { missingAction: action, statement: statementFor(action) } : {}),
        };
      }
      return {
        status: all.length > 0 ? 'pass' : 'warn',
        message:
          all.length > 0
            ? `${plural(all.length, 'function')} found${where}${how}`
            : `no functions found${isLocal ? ` in ${config.localDir}` : where}`,
        ...(all.length > 0
          ? {}
          : {
              fix: isLocal
                ? 'Add a folder per function with a manifest and a handler, or point --local at the right directory.'
                : 'Check the region (--region or AWS_REGION): Lambda functions are regional.',
            }),
        ...(action ? { action } : {}),
      };
    } catch (error) {
      rethrowAbort(ctx, error);
      return failure(error, action, ctx.facts);
    }
  },
};

const tagsCheck: DoctorCheck = {
  id: 'tags',
  title: 'read tags',
  async run(ctx) {
    const { backend, config } = ctx.services;
    const all = ctx.facts.all;
    if (!all || all.length === 0) return { status: 'skip', message: 'no functions to read tags of' };
    const mode = backend.discoveryMode ?? 'list-all';
    if (mode === 'trusted-list')
      return { status: 'skip', message: 'FUNCTION_LIST is trusted as given: tags are not read' };
    // The functions discovery reads tags of: those that pass the filters other than tags.
    const filters = compileFilters(config);
    const wanted = all.filter((f) => evaluateFilters(filters, f, {}, { skipTags: true }).length === 0);
    const withTags = wanted.filter((f) => f.tags !== undefined).length;
    const arns = wanted
      .filter((f) => f.tags === undefined)
      .slice(0, 100)
      .map((f) => f.arn);
    if (arns.length === 0) {
      return {
        status: 'pass',
        message: `tags read with each function (${plural(withTags, 'function')})`,
        ...(mode === 'explicit-list' ? { action: 'lambda:ListTags' } : {}),
      };
    }
    const bulk = mode === 'list-all' && backend.kind === 'aws';
    const action = bulk ? 'tag:GetResources' : 'lambda:ListTags';
    try {
      const tags = await backend.getTags(
        { arns, ...(config.tagFilters.length ? { tagFilters: config.tagFilters } : {}) },
        { signal: ctx.signal },
      );
      const degraded = (backend as { taggingDenied?: boolean }).taggingDenied === true;
      if (bulk && degraded) {
        return {
          status: 'warn',
          message: `tag:GetResources is denied: tags read with lambda:ListTags, one call per function (${tags.size} of ${arns.length} checked)`,
          fix: grantFix('tag:GetResources', ctx.facts.who),
          action,
          missingAction: 'tag:GetResources',
          statement: statementFor('tag:GetResources'),
        };
      }
      return {
        status: 'pass',
        message: `tags read for ${tags.size} of ${plural(arns.length, 'function')} checked`,
        action,
      };
    } catch (error) {
      rethrowAbort(ctx, error);
      const degraded = (backend as { taggingDenied?: boolean }).taggingDenied === true;
      // The Tagging API was denied, then its fallback too: the bulk action is the one to add.
      const outcome = failure(error, action, ctx.facts, bulk && degraded ? 'tag:GetResources' : undefined);
      if (bulk && outcome.fix)
        outcome.fix = outcome.fix.replace(
          /\.$/,
          ' (or lambda:ListTags, used when the Tagging API is denied).',
        );
      if (config.tagFilters.length === 0) {
        // Without tag filters discovery still works: schema tags are ignored until tags can be read.
        outcome.message += ' (discovery works without tags; schema tags are ignored)';
      }
      return outcome;
    }
  },
};

function describeFilters(services: Services): string {
  const c = services.config;
  const parts: string[] = [];
  if (c.functionPrefixes.length) parts.push(`prefix ${c.functionPrefixes.join('|')}`);
  if (c.functionList.length) parts.push(`list ${plural(c.functionList.length, 'name')}`);
  if (c.tagFilters.length)
    parts.push(
      `tags ${c.tagFilters.map((t) => (t.values?.length ? `${t.key}=${t.values.join('|')}` : t.key)).join(',')}`,
    );
  if (c.runtimes.length) parts.push(`runtime ${c.runtimes.join('|')}`);
  if (c.exclude.length) parts.push(`exclude ${c.exclude.join(',')}`);
  return parts.length ? `the filters (${parts.join('; ')})` : 'the filters (none configured: every function)';
}

const filtersCheck: DoctorCheck = {
  id: 'filters',
  title: 'filters',
  async run(ctx) {
    try {
      const explained = await ctx.services.discovery.explain({ signal: ctx.signal });
      ctx.facts.included = explained.included;
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
      const included = explained.included;
      const total = included.length + explained.excluded.length;
      return {
        status: included.length > 0 ? 'pass' : 'fail',
        message: `${included.length} of ${plural(total, 'function')} match ${describeFilters(ctx.services)}`,
        ...(included.length > 0
          ? {}
          : {
              fix:
                total === 0
                  ? 'There are no functions to match: see the list check above.'
                  : 'Loosen the filters (FUNCTION_PREFIX, FUNCTION_LIST, FUNCTION_TAG_KEY/FUNCTION_TAG_VALUE, LAMBDA_MCP_RUNTIMES, LAMBDA_MCP_EXCLUDE) so at least one function matches; the reasons are listed below.',
            }),
        ...(details.length ? { details } : {}),
      };
    } catch (error) {
      rethrowAbort(ctx, error);
      return failure(error, undefined, ctx.facts);
    }
  },
};

const invokeCheck: DoctorCheck = {
  id: 'invoke',
  title: 'invoke (dry run)',
  async run(ctx) {
    const included = ctx.facts.included;
    if (included.length === 0) return { status: 'skip', message: 'no matching function to try' };
    const targets = included.slice(0, MAX_DRY_RUNS);
    const outcomes = await mapWithConcurrency(targets, 4, async (fn) => {
      try {
        await ctx.services.invocation.invoke(
          {
            functionName: fn.name,
            ...(fn.qualifier ? { qualifier: fn.qualifier } : {}),
            invocationType: 'DryRun',
            payload: {},
            validate: false,
          },
          { signal: ctx.signal },
        );
        return { fn, error: undefined as unknown };
      } catch (error) {
        rethrowAbort(ctx, error);
        return { fn, error };
      }
    });
    const failed = outcomes.filter((o) => o.error !== undefined);
    const more = included.length > targets.length ? ` (first ${targets.length} of ${included.length})` : '';
    const action = 'lambda:InvokeFunction';
    if (failed.length === 0) {
      return {
        status: 'pass',
        message: `dry run allowed for ${plural(targets.length, 'function')}${more}`,
        action,
      };
    }
    const first = failure(failed[0]?.error, action, ctx.facts);
    return {
      ...first,
      message: `dry run failed for ${failed.length} of ${plural(targets.length, 'function')}${more}`,
      details: failed.map((o) => `${label(o.fn)}: ${errorText(o.error)}`),
    };
  },
};

const schemasCheck: DoctorCheck = {
  id: 'schemas',
  title: 'schemas',
  async run(ctx) {
    const { config } = ctx.services;
    const action = 'schemas:DescribeSchema';
    const tagged = ctx.facts.included.filter((fn) => fn.inputSchemaArn || fn.outputSchemaArn);
    if (tagged.length === 0) {
      return {
        status: 'skip',
        message: `no matching function has a schema tag (${config.inputSchemaArnTagKey}); their tools accept any JSON object`,
        fix: `To give a tool a real input schema, tag the function with ${config.inputSchemaArnTagKey}=<schema ARN> (EventBridge Schema Registry).`,
        action,
      };
    }
    const problems: string[] = [];
    let firstError: unknown;
    await mapWithConcurrency(tagged, 4, async (fn) => {
      try {
        const found = await ctx.services.schemas.getSchemas(fn, { signal: ctx.signal });
        for (const p of found.problems) problems.push(`${label(fn)}: ${p}`);
      } catch (error) {
        rethrowAbort(ctx, error);
        firstError ??= error;
        problems.push(`${label(fn)}: ${errorText(error)}`);
      }
    });
    if (problems.length === 0) {
      return {
        status: 'pass',
        message: `${plural(tagged.length, 'schema tag')} checked: every schema exists and compiles`,
        action,
      };
    }
    const denied = codeOf(firstError) === 'ACCESS_DENIED' || problems.some((p) => /access denied/i.test(p));
    const message = `${plural(problems.length, 'schema problem')} in ${plural(tagged.length, 'tagged function')}`;
    if (denied) {
      const resource = deniedOf(firstError).resource;
      return {
        status: 'fail',
        message,
        fix: grantFix(action, ctx.facts.who, resource),
        action,
        missingAction: action,
        statement: statementFor(action, resource),
        details: problems,
      };
    }
    return {
      status: 'fail',
      message,
      fix: `Fix the tag ${config.inputSchemaArnTagKey} (or ${config.outputSchemaArnTagKey}) to name an existing schema ARN, or create the schema in the registry.`,
      details: problems,
      action,
    };
  },
};

function probeFunction(facts: DoctorFacts): FunctionInfo | undefined {
  return facts.included[0] ?? (facts.all?.[0] ? ({ ...facts.all[0], tags: {} } as FunctionInfo) : undefined);
}

const metricsCheck: DoctorCheck = {
  id: 'metrics',
  title: 'metrics',
  async run(ctx) {
    const probe = probeFunction(ctx.facts);
    const now = new Date();
    const action = 'cloudwatch:GetMetricData';
    try {
      await ctx.services.backend.getMetricData(
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
        { signal: ctx.signal },
      );
      return { status: 'pass', message: `metric data readable${probe ? ` (${probe.name})` : ''}`, action };
    } catch (error) {
      rethrowAbort(ctx, error);
      return failure(error, action, ctx.facts);
    }
  },
};

function isLogGroupMissing(error: unknown): boolean {
  if (!isLambdaMcpError(error)) return false;
  const e = error as LambdaMcpError;
  return e.code !== 'ACCESS_DENIED' && (e.code.endsWith('NOT_FOUND') || /log group/i.test(e.message));
}

const logsCheck: DoctorCheck = {
  id: 'logs',
  title: 'logs',
  async run(ctx) {
    const probe = probeFunction(ctx.facts);
    if (!probe) return { status: 'skip', message: 'no function whose logs to read' };
    const logGroupName = probe.logGroup ?? `/aws/lambda/${probe.name}`;
    const action = 'logs:FilterLogEvents';
    try {
      await ctx.services.backend.filterLogEvents(
        { logGroupName, start: new Date(Date.now() - 3_600_000), limit: 1 },
        { signal: ctx.signal },
      );
      return { status: 'pass', message: `log events readable (${logGroupName})`, action };
    } catch (error) {
      rethrowAbort(ctx, error);
      if (isLogGroupMissing(error)) {
        return {
          status: 'warn',
          message: `log group ${logGroupName} does not exist yet`,
          fix: 'The function has not logged anything yet (it creates its log group on first run); invoke it once and run doctor again.',
          action,
        };
      }
      const outcome = failure(error, action, ctx.facts);
      if (outcome.missingAction) {
        // Monitoring still works without logs: only the recent error details are missing.
        outcome.message += ' (monitoring works, without recent error details; `lambda-mcp logs` does not)';
      }
      return outcome;
    }
  },
};

/** The doctor's checks in order. Copy and extend the list to add your own. */
export function defaultDoctorChecks(): DoctorCheck[] {
  return [
    credentialsCheck,
    listCheck,
    manifestsCheck,
    tagsCheck,
    filtersCheck,
    invokeCheck,
    schemasCheck,
    metricsCheck,
    logsCheck,
  ];
}

export interface RunDoctorOptions {
  signal: AbortSignal;
  env?: Record<string, string | undefined>;
  /** The checks to run (default `defaultDoctorChecks()`). */
  checks?: readonly DoctorCheck[];
  /** Facts from an earlier run to start from (extensions that run after the default checks). */
  facts?: DoctorFacts;
}

/**
 * Runs checks in order; never throws for a failed check (that is a result), only when aborted.
 * A check that throws anything else is reported as failed with its message.
 */
export async function runDoctorChecks(
  services: Services,
  options: RunDoctorOptions,
): Promise<{ results: CheckResult[]; facts: DoctorFacts }> {
  const facts: DoctorFacts = options.facts ?? {
    who: 'the credentials in use',
    included: [],
    results: new Map(),
  };
  const ctx: DoctorContext = { services, signal: options.signal, env: options.env ?? {}, facts };
  const results: CheckResult[] = [];
  for (const check of options.checks ?? defaultDoctorChecks()) {
    if (check.applies && !check.applies(ctx)) continue;
    let outcome: CheckOutcome;
    try {
      outcome = await check.run(ctx);
    } catch (error) {
      rethrowAbort(ctx, error);
      outcome = { status: 'fail', message: errorText(error) };
    }
    const result: CheckResult = { id: check.id, title: check.title, ...outcome };
    if (!result.fix && check.fix && (result.status === 'fail' || result.status === 'warn'))
      result.fix = check.fix;
    facts.results.set(check.id, result);
    results.push(result);
  }
  return { results, facts };
}
