/**
 * `doctor FUNCTION` and `doctor --all` (issue 14.6): the per-function checks from core, with the
 * MCP layer's tool naming (cap, renames) supplied here. doctor.ts calls `extendDoctorChecks`.
 */
import {
  allFunctionsCheck,
  type DoctorCheck,
  type FunctionInfo,
  formatFunctionKey,
  functionDoctorChecks,
  type Services,
  type ToolPlan,
} from '@lambda-mcp/core';
import { assignToolNames, baseToolName, GENERIC_TOOL_NAMES } from '@lambda-mcp/mcp-server';
import type { Context } from '../context.js';

/** The generic tools' names, which per-function tools must not take (the MCP server's own list). */
const GENERIC: readonly string[] = GENERIC_TOOL_NAMES;

/** The tool names, cap and renames the MCP server would give these functions (same rules). */
export function toolPlanFor(services: Services, included: readonly FunctionInfo[]): ToolPlan {
  const config = services.config;
  const prefixes = config.functionPrefixes ?? [];
  const names = assignToolNames(included, { prefixes, reserved: GENERIC });
  const cap = config.maxFunctionTools ?? 100;
  const sorted = [...names.entries()].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const capped = new Set(sorted.slice(cap).map(([k]) => k));
  const renamed = new Map<string, string>();
  for (const fn of included) {
    const k = formatFunctionKey(fn.name, fn.qualifier);
    const plain = baseToolName(fn, prefixes);
    const given = names.get(k);
    if (given && given !== plain) {
      renamed.set(
        k,
        GENERIC.includes(plain)
          ? `renamed to ${given}: "${plain}" is a generic tool's name`
          : `renamed to ${given}: another function also maps to "${plain}"`,
      );
    }
  }
  return { names, cap, capped, renamed, perFunction: config.toolFamilies !== 'generic' };
}

/** The default checks plus, with a FUNCTION argument, its explanation, and with --all, every function. */
export function extendDoctorChecks(ctx: Context, base: DoctorCheck[]): DoctorCheck[] {
  let services: Services | undefined;
  const toolPlan = (included: readonly FunctionInfo[]) => {
    if (!services) throw new Error('services not ready');
    return toolPlanFor(services, included);
  };
  const wrap = (check: DoctorCheck): DoctorCheck => ({
    ...check,
    run(c) {
      services = c.services;
      return check.run(c);
    },
  });
  const name = ctx.positionals[0];
  const extra: DoctorCheck[] = [];
  if (ctx.values.all === true) extra.push(wrap(allFunctionsCheck({ toolPlan })));
  if (name) extra.push(...functionDoctorChecks(name, { toolPlan }).map(wrap));
  return [...base, ...extra];
}
