/**
 * `lambda-mcp doctor FUNCTION` and `doctor --all`: why a function is (not) a tool. Checks as data
 * like the default ones; the tool naming (cap, renames) comes from the caller, which knows the
 * MCP layer's naming rules.
 */
import { isLambdaMcpError } from '../errors.js';
import type { ExcludedFunction } from '../services/types.js';
import type { FunctionInfo } from '../types.js';
import { formatFunctionKey } from '../util/function-ref.js';
import { failure } from './checks.js';
import type { CheckOutcome, DoctorCheck, DoctorContext } from './types.js';

/** How the MCP layer exposes the functions that passed the filters. */
export interface ToolPlan {
  /** Tool name by function key (`name` or `name:qualifier`), for every included function. */
  names: Map<string, string>;
  /** The per-function tool cap (maxFunctionTools). */
  cap: number;
  /** Function keys beyond the cap (reachable through the generic tools only). */
  capped: Set<string>;
  /** Function keys whose tool name is not their plain mapped name (a collision or a reserved name). */
  renamed: Map<string, string>;
  /** Whether per-function tools are exposed at all (toolFamilies). */
  perFunction: boolean;
}

export interface FunctionChecksOptions {
  /** Builds the tool plan for the included functions. */
  toolPlan?: (included: readonly FunctionInfo[]) => ToolPlan;
}

const key = (fn: FunctionInfo) => formatFunctionKey(fn.name, fn.qualifier);

interface Explained {
  included: FunctionInfo[];
  excluded: ExcludedFunction[];
}

async function explained(ctx: DoctorContext): Promise<Explained> {
  const cached = (ctx.facts as { explained?: Explained }).explained;
  if (cached) return cached;
  const e = await ctx.services.discovery.explain({ signal: ctx.signal });
  (ctx.facts as { explained?: Explained }).explained = e;
  return e;
}

function closest(name: string, names: string[]): string[] {
  const n = name.toLowerCase();
  return names
    .map((x) => {
      const l = x.toLowerCase();
      let common = 0;
      while (common < Math.min(n.length, l.length) && n[common] === l[common]) common++;
      return { x, score: common + (l.includes(n) || n.includes(l) ? n.length : 0) };
    })
    .filter((s) => s.score >= Math.min(4, n.length))
    .sort((a, b) => b.score - a.score)
    .slice(0, 3)
    .map((s) => s.x);
}

/** The checks explaining one function: filters, tool (cap, rename), schema, invoke permission. */
export function functionDoctorChecks(name: string, options: FunctionChecksOptions = {}): DoctorCheck[] {
  let target: FunctionInfo | undefined;
  const filterCheck: DoctorCheck = {
    id: 'function',
    title: `function ${name}`,
    async run(ctx): Promise<CheckOutcome> {
      try {
        const e = await explained(ctx);
        const inc = e.included.find((fn) => fn.name === name || key(fn) === name || fn.arn === name);
        if (inc) {
          target = inc;
          return { status: 'pass', message: 'kept: it passes every configured filter' };
        }
        const exc = e.excluded.find((x) => x.function.name === name || x.function.arn === name);
        if (exc) {
          return {
            status: 'fail',
            message: `dropped by ${exc.reason}`,
            fix: 'Change that filter (FUNCTION_PREFIX, FUNCTION_LIST, FUNCTION_TAG_KEY/VALUE, LAMBDA_MCP_RUNTIMES, LAMBDA_MCP_EXCLUDE) if it should be a tool.',
          };
        }
        const all = [...e.included.map((f) => f.name), ...e.excluded.map((x) => x.function.name)];
        const near = closest(name, all);
        return {
          status: 'fail',
          message: `no function named ${JSON.stringify(name)} was found${near.length ? `; did you mean ${near.join(', ')}?` : ''}`,
          fix: 'Check the name, the region and the account (the list check above shows what was read).',
        };
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        return failure(error, 'lambda:ListFunctions', ctx.facts);
      }
    },
  };
  const toolCheck: DoctorCheck = {
    id: 'function-tool',
    title: 'its tool',
    async run(ctx): Promise<CheckOutcome> {
      if (!target) return { status: 'skip', message: 'not a tool: see above' };
      if (!options.toolPlan) return { status: 'skip', message: 'tool naming not known here' };
      const plan = options.toolPlan((await explained(ctx)).included);
      const k = key(target);
      const tool = plan.names.get(k);
      if (!plan.perFunction) {
        return {
          status: 'pass',
          message:
            'no per-function tools are exposed (tool families: generic); reachable through invoke_function',
        };
      }
      const details: string[] = [];
      const renamed = plan.renamed.get(k);
      if (renamed) details.push(renamed);
      if (plan.capped.has(k)) {
        return {
          status: 'warn',
          message: `no tool of its own: the per-function tool cap is ${plan.cap} and ${tool ?? k} sorts after it; reachable through invoke_function`,
          fix: 'Raise maxFunctionTools (LAMBDA_MCP_MAX_FUNCTION_TOOLS) or narrow the filters.',
          ...(details.length ? { details } : {}),
        };
      }
      return {
        status: renamed ? 'warn' : 'pass',
        message: `exposed as tool ${tool}`,
        ...(details.length ? { details } : {}),
      };
    },
  };
  const schemaCheck: DoctorCheck = {
    id: 'function-schema',
    title: 'its input schema',
    async run(ctx): Promise<CheckOutcome> {
      if (!target) return { status: 'skip', message: 'not a tool: see above' };
      if (!target.inputSchemaArn) {
        return {
          status: 'warn',
          message: 'none: no schema ARN tag, so its tool takes any JSON object',
          fix: 'Tag the function with the schema ARN tag (lambda-mcp:input-schema-arn or the configured key) pointing at a registry schema.',
        };
      }
      try {
        const s = await ctx.services.schemas.getSchemas(target, { signal: ctx.signal });
        const input = s.input;
        if (input && input.source.kind === 'registry') {
          return {
            status: s.problems.length ? 'warn' : 'pass',
            message: `loaded from ${input.source.arn} (${input.dialect}${input.source.version ? `, version ${input.source.version}` : ''})`,
            ...(s.problems.length ? { details: s.problems } : {}),
          };
        }
        return {
          status: 'fail',
          message: `not loaded: ${s.problems[0] ?? 'unknown reason'}`,
          ...(s.problems.length > 1 ? { details: s.problems.slice(1) } : {}),
          fix: 'Fix the schema ARN tag or the registry schema named above; the tool takes any JSON object until then.',
        };
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        return failure(error, 'schemas:DescribeSchema', ctx.facts);
      }
    },
  };
  const invokeCheck: DoctorCheck = {
    id: 'function-invoke',
    title: 'invoke permission',
    async run(ctx): Promise<CheckOutcome> {
      if (!target) return { status: 'skip', message: 'not a tool: see above' };
      try {
        await ctx.services.invocation.invoke(
          {
            functionName: target.name,
            ...(target.qualifier ? { qualifier: target.qualifier } : {}),
            payload: {},
            invocationType: 'DryRun',
          },
          { signal: ctx.signal },
        );
        return { status: 'pass', message: 'a dry run is allowed', action: 'lambda:InvokeFunction' };
      } catch (error) {
        if (ctx.signal.aborted || (isLambdaMcpError(error) && error.code === 'ABORTED')) throw error;
        return failure(error, 'lambda:InvokeFunction', ctx.facts);
      }
    },
  };
  return [filterCheck, toolCheck, schemaCheck, invokeCheck];
}

/** `doctor --all`: every dropped function by reason (no sample), and the tool cap and renames. */
export function allFunctionsCheck(options: FunctionChecksOptions = {}): DoctorCheck {
  return {
    id: 'functions-all',
    title: 'every function',
    async run(ctx): Promise<CheckOutcome> {
      try {
        const e = await explained(ctx);
        const details: string[] = [];
        const byReason = new Map<string, string[]>();
        for (const x of e.excluded)
          byReason.set(x.reason, [...(byReason.get(x.reason) ?? []), key(x.function)]);
        for (const [reason, names] of [...byReason].sort((a, b) => b[1].length - a[1].length)) {
          details.push(`dropped by ${reason} (${names.length}): ${names.join(', ')}`);
        }
        let capNote = '';
        if (options.toolPlan) {
          const plan = options.toolPlan(e.included);
          if (plan.perFunction && plan.capped.size > 0) {
            capNote = `; ${plan.capped.size} over the tool cap of ${plan.cap}`;
            details.push(
              `no tool of their own (cap ${plan.cap}; invoke_function reaches them): ${[...plan.capped].join(', ')}`,
            );
          }
          for (const [k, why] of plan.renamed) details.push(`${k}: ${why}`);
        }
        return {
          status: e.included.length > 0 ? 'pass' : 'fail',
          message: `${e.included.length} kept, ${e.excluded.length} dropped${capNote}`,
          ...(details.length ? { details } : {}),
        };
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        return failure(error, 'lambda:ListFunctions', ctx.facts);
      }
    },
  };
}
