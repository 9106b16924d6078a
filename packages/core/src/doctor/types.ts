import type { LambdaMcpError } from '../errors.js';
import type { Services } from '../services/types.js';
import type { FunctionConfig, FunctionInfo } from '../types.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** An IAM policy statement, as `lambda-mcp doctor` proposes to add it. */
export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string | string[];
  Resource: string | string[];
}

/** One finding of `lambda-mcp doctor`. Plain data: the CLI renders it, `--json` prints it. */
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
  /** The IAM action that was denied, when one was. */
  missingAction?: string;
  /** The statement to add to the identity policy, when an action was denied. */
  statement?: PolicyStatement;
}

/** What a check returns; id and title come from the check itself. */
export type CheckOutcome = Omit<CheckResult, 'id' | 'title'>;

/** Facts the checks share, filled in as they run (in order). */
export interface DoctorFacts {
  /** The principal in use, for fix texts ("Allow X for <who>"). */
  who: string;
  /** Account of the principal (STS) or of the function ARNs. */
  account?: string;
  /** What listFunctions returned (undefined: it failed or did not run). */
  all?: FunctionConfig[];
  /** Functions that passed the filters. */
  included: FunctionInfo[];
  /** Results so far, by check id (a later check may amend an earlier one's message). */
  results: Map<string, CheckResult>;
}

export interface DoctorContext {
  services: Services;
  signal: AbortSignal;
  env: Record<string, string | undefined>;
  facts: DoctorFacts;
}

/**
 * A doctor check as data. `run` never throws for a failed check (that is an outcome), only when
 * aborted. `fix` is the default fix shown when the outcome is warn or fail and brings none.
 * To add checks (for example about one function), build a list with `defaultDoctorChecks()` and
 * your own entries and give it to `runDoctorChecks`.
 */
export interface DoctorCheck {
  id: string;
  title: string;
  run(ctx: DoctorContext): Promise<CheckOutcome>;
  fix?: string;
  /** When given and false, the check is left out of the results (e.g. local-only checks on AWS). */
  applies?(ctx: DoctorContext): boolean;
}

export type { LambdaMcpError };
