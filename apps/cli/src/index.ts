// Programmatic entry: run the CLI in-process (embedders, tests). The bin is dist/cli.js.
export type { CheckResult, CheckStatus } from './commands/doctor.js';
export { runChecks } from './commands/doctor.js';
export { EXIT, type ExitCode } from './exit-codes.js';
export { cliVersion, type RunOptions, runCli } from './main.js';
export { COMMANDS, GLOBAL_OPTIONS } from './spec.js';
export type { Io, OutputStream } from './ui/io.js';
