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

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
} as const;

export function createStyle(enabled: boolean): Style {
  const wrap =
    (open: number, close: number) =>
    (text: string): string =>
      enabled && text !== '' ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    enabled,
    bold: wrap(...CODES.bold),
    dim: wrap(...CODES.dim),
    red: wrap(...CODES.red),
    green: wrap(...CODES.green),
    yellow: wrap(...CODES.yellow),
    blue: wrap(...CODES.blue),
    magenta: wrap(...CODES.magenta),
    cyan: wrap(...CODES.cyan),
    gray: wrap(...CODES.gray),
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
