import type { Style } from './color.js';
import { padEnd, padStart, truncate, visibleWidth } from './color.js';

export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** Shrinks (with an ellipsis) when the table is wider than the terminal. */
  flex?: boolean;
  /** The narrowest a flex column gets. */
  minWidth?: number;
}

export interface TableOptions {
  style: Style;
  /** Terminal width; no limit when undefined (piped output stays complete and stable). */
  maxWidth?: number;
  gap?: number;
}

/**
 * A borderless table, columns separated by two spaces, header in bold. Plain text when colour is
 * off, so `lambda-mcp functions | awk` works.
 */
export function renderTable(columns: Column[], rows: string[][], options: TableOptions): string {
  const gap = options.gap ?? 2;
  const widths = columns.map((column, i) =>
    Math.max(visibleWidth(column.header), ...rows.map((row) => visibleWidth(row[i] ?? ''))),
  );
  if (options.maxWidth !== undefined) fitWidths(columns, widths, options.maxWidth, gap);
  const line = (cells: string[], header: boolean) =>
    columns
      .map((column, i) => {
        const width = widths[i] ?? 0;
        let cell = truncate(cells[i] ?? '', width);
        if (header) cell = options.style.bold(cell);
        const last = i === columns.length - 1;
        if (column.align === 'right') return padStart(cell, width);
        return last ? cell : padEnd(cell, width);
      })
      .join(' '.repeat(gap))
      .trimEnd();
  return [
    line(
      columns.map((c) => c.header),
      true,
    ),
    ...rows.map((row) => line(row, false)),
  ].join('\n');
}

function fitWidths(columns: Column[], widths: number[], maxWidth: number, gap: number): void {
  const total = () => widths.reduce((sum, w) => sum + w, 0) + gap * (columns.length - 1);
  let excess = total() - maxWidth;
  if (excess <= 0) return;
  // Shrink the widest flex column first, one column at a time, down to its minimum.
  const flex = columns.map((c, i) => (c.flex ? i : -1)).filter((i) => i >= 0);
  while (excess > 0) {
    let widest = -1;
    for (const i of flex) {
      const min = Math.max(columns[i]?.minWidth ?? 8, visibleWidth(columns[i]?.header ?? ''));
      if ((widths[i] ?? 0) > min && (widest < 0 || (widths[i] ?? 0) > (widths[widest] ?? 0))) widest = i;
    }
    if (widest < 0) return;
    widths[widest] = (widths[widest] ?? 0) - 1;
    excess -= 1;
  }
}
