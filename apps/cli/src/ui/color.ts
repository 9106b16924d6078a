import { styleText } from 'node:util';

/** ANSI styles that collapse to identity when colour is off, so callers never branch on it. */
export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  blue(text: string): string;
  magenta(text: string): string;
  cyan(text: string): string;
  gray(text: string): string;
}

const FORMATS = ['bold', 'dim', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'gray'] as const;

/**
 * The escape codes come from Node's own `styleText`; whether to colour at all is decided once, by
 * `colorEnabled` (./io.ts: --no-color, NO_COLOR, FORCE_COLOR, a terminal), for the stream the
 * text goes to. So `styleText` must not judge by `process.stdout` itself (`validateStream`, which
 * Node 22.13+ turns on by default; Node 20 ignores the option and never checks).
 */
export function createStyle(enabled: boolean): Style {
  const wrap =
    (format: (typeof FORMATS)[number]) =>
    (text: string): string =>
      enabled && text !== '' ? styleText(format, text, { validateStream: false }) : text;
  return {
    enabled,
    bold: wrap('bold'),
    dim: wrap('dim'),
    red: wrap('red'),
    green: wrap('green'),
    yellow: wrap('yellow'),
    blue: wrap('blue'),
    magenta: wrap('magenta'),
    cyan: wrap('cyan'),
    gray: wrap('gray'),
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escape sequences is the point
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Columns a string occupies (ANSI codes take none; astral characters count once). */
export function visibleWidth(text: string): number {
  let width = 0;
  for (const _ of stripAnsi(text)) width += 1;
  return width;
}

/** Cuts to `width` columns with an ellipsis; drops colour from a cut string (simpler and safe). */
export function truncate(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  if (width <= 1) return '…'.slice(0, width);
  const chars = [...stripAnsi(text)];
  return `${chars.slice(0, width - 1).join('')}…`;
}

export function padEnd(text: string, width: number): string {
  const gap = width - visibleWidth(text);
  return gap > 0 ? text + ' '.repeat(gap) : text;
}

export function padStart(text: string, width: number): string {
  const gap = width - visibleWidth(text);
  return gap > 0 ? ' '.repeat(gap) + text : text;
}
