import type { Context } from '../context.js';
import type { ExitCode } from '../exit-codes.js';
import { runDoctor } from './doctor.js';
import { runFunctions } from './functions.js';
import { runInvoke } from './invoke.js';
import { runLogs } from './logs.js';
import { runMonitor } from './monitor.js';
import { runSchema } from './schema.js';
import { runTools } from './tools.js';

export type CommandHandler = (ctx: Context) => Promise<ExitCode>;

export const COMMAND_HANDLERS: Record<string, CommandHandler> = {
  functions: runFunctions,
  invoke: runInvoke,
  schema: runSchema,
  monitor: runMonitor,
  logs: runLogs,
  tools: runTools,
  doctor: runDoctor,
};
