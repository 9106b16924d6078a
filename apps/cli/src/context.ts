import type { Logger, LogLevel, Services } from '@lambda-mcp/core';
import type { OptionValues } from './args.js';
import { createStyle, type Style } from './ui/color.js';
import { colorEnabled, type Io } from './ui/io.js';
import { createSpinner, type Spinner } from './ui/spinner.js';

export interface GlobalFlags {
  local?: string;
  region?: string;
  profile?: string;
  config?: string;
  json: boolean;
  logLevel?: LogLevel;
  noColor: boolean;
  debug: boolean;
}

/** Everything a command needs; commands print through it and never touch `process` directly. */
export interface Context {
  io: Io;
  flags: GlobalFlags;
  values: OptionValues;
  positionals: string[];
  /** Styles for stdout and stderr (each on only when that stream is a colour terminal). */
  out: Style;
  err: Style;
  /** Terminal width of stdout, or undefined when piped (no truncation: stable output). */
  width: number | undefined;
  /** Whether stdout is a terminal (human layout) and not --json. */
  interactive: boolean;
  spinner: Spinner;
  signal: AbortSignal;
  logger: Logger;
  /** Built on first use, closed by the runner. */
  services(): Promise<Services>;
  /** Writes a line (or lines) to stdout. */
  print(text?: string): void;
  /** Writes a line to stderr. */
  note(text?: string): void;
  /** The one JSON document of a --json run. */
  printJson(value: unknown): void;
}

export interface ContextInit {
  io: Io;
  flags: GlobalFlags;
  values: OptionValues;
  positionals: string[];
  signal: AbortSignal;
  logger: Logger;
  services(): Promise<Services>;
}

export function createContext(init: ContextInit): Context {
  const { io, flags } = init;
  const out = createStyle(!flags.json && colorEnabled(io.stdout, io.env, flags.noColor));
  const err = createStyle(colorEnabled(io.stderr, io.env, flags.noColor));
  const spinnerOn = Boolean(io.stderr.isTTY) && io.env.TERM !== 'dumb';
  return {
    ...init,
    out,
    err,
    width: io.stdout.isTTY ? terminalWidth(io.stdout.columns) : undefined,
    interactive: Boolean(io.stdout.isTTY) && !flags.json,
    spinner: createSpinner(io.stderr, { enabled: spinnerOn, style: err }),
    print(text = '') {
      io.stdout.write(`${text}\n`);
    },
    note(text = '') {
      io.stderr.write(`${text}\n`);
    },
    printJson(value) {
      io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
  };
}

/** A pty may report 0 columns before its size is set. */
function terminalWidth(columns: number | undefined): number {
  return columns !== undefined && columns > 0 ? columns : 80;
}

/** Runs `work` with the spinner showing `text` (only on a TTY, and only if it takes a moment). */
export async function withSpinner<T>(ctx: Context, text: string, work: () => Promise<T>): Promise<T> {
  ctx.spinner.start(text);
  try {
    return await work();
  } finally {
    ctx.spinner.stop();
  }
}
