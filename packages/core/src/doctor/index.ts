export type { RunDoctorOptions } from './checks.js';
export { defaultDoctorChecks, failure, failureFix, runDoctorChecks } from './checks.js';
export { grantFix, IAM_STATEMENTS, statementFor } from './iam.js';
export type {
  CheckOutcome,
  CheckResult,
  CheckStatus,
  DoctorCheck,
  DoctorContext,
  DoctorFacts,
  PolicyStatement,
} from './types.js';
