/**
 * The CLI's exit codes. Scripts rely on them: they are part of the public surface (README, tests).
 * 70 is EX_SOFTWARE from sysexits.h; 130 is the shell's code for "ended by SIGINT".
 */
export const EXIT = {
  /** The command did what was asked. */
  OK: 0,
  /** A function or an operation failed (function error, throttled, denied, a doctor check failed). */
  FAILURE: 1,
  /** The command line or its input was wrong (unknown command/flag, bad JSON, unknown function...). Nothing ran. */
  USAGE: 2,
  /** A bug in lambda-mcp. */
  INTERNAL: 70,
  /** Interrupted by Ctrl-C (SIGINT) before it finished. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
