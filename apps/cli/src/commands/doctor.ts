/**
 * `lambda-mcp doctor`: renders the checks that core owns (`runDoctorChecks`, checks as data with
 * the IAM statement to add when an action is denied). This file only loads the configuration,
 * runs them and prints. Extra checks (for example about one function) plug in through
 * `doctorChecks` below.
 */
import {
  type CheckResult,
  type CheckStatus,
  type DoctorCheck,
  defaultDoctorChecks,
  runDoctorChecks,
  type Services,
} from '@lambda-mcp/core';
import { classifyError } from '../classify.js';
import { type Context, withSpinner } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { padEnd } from '../ui/color.js';
import { extendDoctorChecks } from './doctor-function.js';

export type { CheckResult, CheckStatus } from '@lambda-mcp/core';

/** Runs every default check; never throws for a failed check (that is a result), only when aborted. */
export async function runChecks(
  services: Services,
  signal: AbortSignal,
  env: Record<string, string | undefined> = process.env,
  checks: readonly DoctorCheck[] = defaultDoctorChecks(),
): Promise<CheckResult[]> {
  return (await runDoctorChecks(services, { signal, env, checks })).results;
}

/** The checks `doctor` runs for a command line (the extension point for per-function checks). */
export function doctorChecks(ctx: Context): DoctorCheck[] {
  return extendDoctorChecks(ctx, defaultDoctorChecks());
}

const MARK: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

export function renderChecks(ctx: Context, checks: readonly CheckResult[]): void {
  const { out } = ctx;
  const colour = { pass: out.green, warn: out.yellow, fail: out.red, skip: out.dim } as const;
  const titleWidth = Math.max(...checks.map((c) => c.title.length)) + 2;
  for (const check of checks) {
    ctx.print(
      `${colour[check.status](MARK[check.status])}  ${out.bold(padEnd(check.title, titleWidth))}${check.message}`,
    );
    const indent = ' '.repeat(6);
    for (const line of check.details ?? []) ctx.print(`${indent}${out.dim('-')} ${line}`);
    if (check.missingAction && check.status !== 'pass')
      ctx.print(`${indent}${out.cyan('missing:')} ${check.missingAction}`);
    if (check.fix && check.status !== 'pass') ctx.print(`${indent}${out.cyan('fix:')} ${check.fix}`);
  }
}

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
    checks = await withSpinner(ctx, 'Running checks…', () =>
      runChecks(s, ctx.signal, ctx.io.env, doctorChecks(ctx)),
    );
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
  renderChecks(ctx, checks);
  ctx.print();
  const { out } = ctx;
  const line = `${summary.passed} passed, ${summary.warnings} warning${summary.warnings === 1 ? '' : 's'}, ${summary.failed} failed, ${summary.skipped} skipped`;
  ctx.print(ok ? out.green(line) : out.red(line));
  return ok ? EXIT.OK : EXIT.FAILURE;
}
