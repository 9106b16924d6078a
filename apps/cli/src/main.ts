import { readFileSync } from 'node:fs';
import { createStreamLogger, LOG_LEVELS, type LogLevel, type Services } from '@lambda-mcp/core';
import { parseCommandLine, prescan, stringValue } from './args.js';
import { COMMAND_HANDLERS } from './commands/index.js';
import { type Context, createContext, type GlobalFlags } from './context.js';
import { classifyError, describeForDebug, usageError } from './errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { commandHelp, generalHelp } from './help.js';
import { createServicesFromFlags } from './services.js';
import { COMMANDS } from './spec.js';
import { createStyle } from './ui/color.js';
import { colorEnabled, type Io } from './ui/io.js';

export interface RunOptions {
  /** Aborted on Ctrl-C by the bin; commands pass it to every service call. */
  signal?: AbortSignal;
}

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

/** Runs one command line and returns the exit code. Never throws. */
export async function runCli(argv: string[], io: Io, options: RunOptions = {}): Promise<ExitCode> {
  const early = prescan(argv);
  const errStyle = createStyle(colorEnabled(io.stderr, io.env, early.noColor));
  const fail = (error: unknown, json: boolean, debug: boolean): ExitCode => {
    const c = classifyError(error);
    const prefix = errStyle.red(errStyle.bold('error:'));
    if (c.exitCode === EXIT.USAGE) {
      // Bad input: one line, what was wrong and what is accepted.
      io.stderr.write(`${prefix} ${c.message}${c.hint ? ` ${c.hint}` : ''}\n`);
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

  if (values.help) {
    io.stdout.write(`${command ? commandHelp(command, outStyle) : generalHelp(cliVersion(), outStyle)}\n`);
    return EXIT.OK;
  }
  if (values.version === true && command?.name !== 'schema') {
    io.stdout.write(`${cliVersion()}\n`);
    return EXIT.OK;
  }
  const json = values.json === true;
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
  const logger = createStreamLogger({
    level: flags.logLevel ?? (flags.debug ? 'debug' : 'warn'),
    format: 'pretty',
    write: (line) => io.stderr.write(line),
  });
  let services: Services | undefined;
  let building: Promise<Services> | undefined;
  const signal = options.signal ?? new AbortController().signal;
  const ctx: Context = createContext({
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
  try {
    const handler = COMMAND_HANDLERS[command.name];
    if (!handler) throw new Error(`no handler for command '${command.name}'`);
    return await handler(ctx);
  } catch (error) {
    ctx.spinner.stop();
    return fail(error, json, debug);
  } finally {
    ctx.spinner.stop();
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

function globalFlags(values: Record<string, string | boolean | undefined>): GlobalFlags {
  const logLevel = stringValue(values, 'log-level');
  if (logLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw usageError(`invalid --log-level '${logLevel}'. Accepted: ${LOG_LEVELS.join(', ')}.`);
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
