import { readFileSync } from 'node:fs';
import type { LogLevel, Services } from '@lambda-mcp/core';
import { type OptionValues, parseCommandLine, prescan, stringValue } from './args.js';
import { type Context, createContext, type GlobalFlags } from './context.js';
import {
  type ClassifiedError,
  classifyCliError,
  describeForDebug,
  isCliError,
  usageError,
} from './errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { commandHelp, generalHelp } from './help.js';
import { COMMANDS } from './spec.js';
import { createStyle } from './ui/color.js';
import { colorEnabled, type Io } from './ui/io.js';

export interface RunOptions {
  /** Aborted on Ctrl-C by the bin; commands pass it to every service call. */
  signal?: AbortSignal;
}

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

let cachedVersion: string | undefined;

/** The version from this package's package.json (dist/ sits next to it). */
export function cliVersion(): string {
  if (cachedVersion === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    cachedVersion = pkg.version;
  }
  return cachedVersion;
}

/**
 * Runs one command line and resolves to the exit code; never throws. Help, version and usage
 * errors load nothing but the parser, so they answer at once; core and the commands load after.
 */
export async function runCli(argv: string[], io: Io, options: RunOptions = {}): Promise<ExitCode> {
  const signal = options.signal ?? new AbortController().signal;
  const early = prescan(argv);
  const errStyle = createStyle(colorEnabled(io.stderr, io.env, early.noColor));

  const fail = async (error: unknown, json: boolean, debug: boolean): Promise<ExitCode> => {
    let c: ClassifiedError;
    if (signal.aborted) c = { exitCode: EXIT.INTERRUPTED, code: 'ABORTED', message: 'interrupted' };
    else if (isCliError(error)) c = classifyCliError(error);
    else c = (await import('./classify.js')).classifyError(error);
    const prefix = errStyle.red(errStyle.bold('error:'));
    if (c.exitCode === EXIT.USAGE) {
      // Bad input: one line, what was wrong and what is accepted.
      const joined = c.hint ? `${c.message}${/[.!?)]$/.test(c.message) ? '' : '.'} ${c.hint}` : c.message;
      io.stderr.write(`${prefix} ${joined}\n`);
    } else if (c.exitCode === EXIT.INTERRUPTED) {
      io.stderr.write(`${errStyle.yellow('interrupted')}\n`);
    } else {
      io.stderr.write(`${prefix} ${c.message}\n`);
      if (c.hint) io.stderr.write(`${errStyle.dim(`hint: ${c.hint}`)}\n`);
    }
    if (debug) io.stderr.write(`${errStyle.dim(describeForDebug(error))}\n`);
    if (json) {
      const body = {
        error: {
          code: c.code,
          message: c.message,
          exitCode: c.exitCode,
          ...(c.hint ? { hint: c.hint } : {}),
          ...(c.details ? { details: c.details } : {}),
          ...(c.retryable === undefined ? {} : { retryable: c.retryable }),
        },
      };
      io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    }
    return c.exitCode;
  };

  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    return fail(error, early.json, early.debug);
  }
  const { command, values, positionals } = parsed;
  const outStyle = createStyle(colorEnabled(io.stdout, io.env, values['no-color'] === true));

  const json = values.json === true;
  if (values.help) {
    const text = command
      ? commandHelp(command, createStyle(false))
      : generalHelp(cliVersion(), createStyle(false));
    if (json) io.stdout.write(`${JSON.stringify({ command: command?.name ?? null, help: text }, null, 2)}\n`);
    else
      io.stdout.write(`${command ? commandHelp(command, outStyle) : generalHelp(cliVersion(), outStyle)}\n`);
    return EXIT.OK;
  }
  if (values.version === true && command?.name !== 'schema') {
    io.stdout.write(json ? `${JSON.stringify({ version: cliVersion() })}\n` : `${cliVersion()}\n`);
    return EXIT.OK;
  }
  const debug = values.debug === true;
  if (!command) {
    return fail(
      usageError(
        `missing command. Accepted: ${COMMANDS.map((c) => c.name).join(', ')} (see lambda-mcp --help).`,
      ),
      json,
      debug,
    );
  }
  let flags: GlobalFlags;
  try {
    flags = globalFlags(values);
  } catch (error) {
    return fail(error, json, debug);
  }

  let services: Services | undefined;
  let ctx: Context | undefined;
  try {
    const [{ createStreamLogger }, { COMMAND_HANDLERS }, { createServicesFromFlags }] = await Promise.all([
      import('@lambda-mcp/core'),
      import('./commands/index.js'),
      import('./services.js'),
    ]);
    const logger = createStreamLogger({
      // Errors reach the user as the command's own message; service logs are opt-in (--log-level).
      level: flags.logLevel ?? (flags.debug ? 'debug' : 'error'),
      format: 'pretty',
      write: (line) => io.stderr.write(line),
    });
    let building: Promise<Services> | undefined;
    ctx = createContext({
      io,
      flags,
      values,
      positionals,
      signal,
      logger,
      services: () => {
        building ??= createServicesFromFlags(flags, io, logger).then((s) => {
          services = s;
          return s;
        });
        return building;
      },
    });
    const handler = COMMAND_HANDLERS[command.name];
    if (!handler) throw new Error(`no handler for command '${command.name}'`);
    return await handler(ctx);
  } catch (error) {
    ctx?.spinner.stop();
    return await fail(error, json, debug);
  } finally {
    ctx?.spinner.stop();
    if (services) await closeQuietly(services, debug ? io : undefined);
  }
}

async function closeQuietly(services: Services, io: Io | undefined): Promise<void> {
  try {
    await services.close();
  } catch (error) {
    io?.stderr.write(`debug: closing services failed: ${String(error)}\n`);
  }
}

function globalFlags(values: OptionValues): GlobalFlags {
  const logLevel = stringValue(values, 'log-level');
  if (logLevel !== undefined && !(LEVELS as readonly string[]).includes(logLevel)) {
    throw usageError(`invalid --log-level '${logLevel}'. Accepted: ${LEVELS.join(', ')}.`);
  }
  const local = stringValue(values, 'local');
  const region = stringValue(values, 'region');
  const profile = stringValue(values, 'profile');
  const config = stringValue(values, 'config');
  return {
    json: values.json === true,
    noColor: values['no-color'] === true,
    debug: values.debug === true,
    ...(logLevel === undefined ? {} : { logLevel: logLevel as LogLevel }),
    ...(local === undefined ? {} : { local }),
    ...(region === undefined ? {} : { region }),
    ...(profile === undefined ? {} : { profile }),
    ...(config === undefined ? {} : { config }),
  };
}
