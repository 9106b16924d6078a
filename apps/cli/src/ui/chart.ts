import { padStart } from './color.js';

const SPARKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const EIGHTHS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/**
 * Fits a series into `width` columns: each column takes the maximum of the points it covers, so a
 * spike never disappears when a long range is squeezed into a narrow terminal.
 */
export function resample(values: number[], width: number): number[] {
  if (width <= 0) return [];
  if (values.length <= width) return values.slice();
  const out: number[] = [];
  for (let col = 0; col < width; col++) {
    const from = Math.floor((col * values.length) / width);
    const to = Math.max(from + 1, Math.floor(((col + 1) * values.length) / width));
    // NaN marks "no data"; a column is a gap only when every point it covers is.
    let max = Number.NaN;
    for (let i = from; i < to; i++) {
      const v = values[i] ?? Number.NaN;
      if (!Number.isNaN(v)) max = Number.isNaN(max) ? v : Math.max(max, v);
    }
    out.push(max);
  }
  return out;
}

const finiteMax = (values: number[]): number => Math.max(0, ...values.filter((v) => !Number.isNaN(v)));

/**
 * One line of block characters; zero is the lowest bar, any positive value at least the second,
 * NaN (no data) a blank.
 */
export function sparkline(values: number[], width = values.length): string {
  const points = resample(values, width);
  const max = finiteMax(points);
  return points
    .map((v) => {
      if (Number.isNaN(v)) return ' ';
      if (!(v > 0) || max === 0) return SPARKS[0];
      const level = Math.max(1, Math.ceil((v / max) * (SPARKS.length - 1)));
      return SPARKS[Math.min(level, SPARKS.length - 1)];
    })
    .join('');
}

export interface ChartOptions {
  height?: number;
  width: number;
  /** Formats the y-axis labels (the maximum and zero). */
  format?: (value: number) => string;
  /** Labels under the first and last column, e.g. start and end times. */
  xLabels?: [string, string];
}

/**
 * A small column chart with a y axis: `height` rows, eighth-block resolution. Used by `monitor`
 * for the series that matter most (invocations, duration).
 */
export function columnChart(values: number[], options: ChartOptions): string {
  const height = Math.max(1, options.height ?? 6);
  const format = options.format ?? ((v: number) => String(v));
  const maxLabel = format(finiteMax(values));
  const zeroLabel = format(0);
  const axisWidth = Math.max(maxLabel.length, zeroLabel.length);
  const plotWidth = Math.max(1, options.width - axisWidth - 2);
  const points = resample(values, plotWidth);
  const max = finiteMax(points);
  const eighths = points.map((v) => (max > 0 && v > 0 ? Math.max(1, Math.round((v / max) * height * 8)) : 0));
  const lines: string[] = [];
  for (let row = 0; row < height; row++) {
    const floor = (height - row - 1) * 8;
    const cells = eighths.map((e) => EIGHTHS[Math.max(0, Math.min(8, e - floor))] ?? ' ').join('');
    const label = row === 0 ? maxLabel : row === height - 1 ? zeroLabel : '';
    lines.push(`${padStart(label, axisWidth)} ┤${cells}`.trimEnd());
  }
  lines.push(`${' '.repeat(axisWidth)} └${'─'.repeat(points.length)}`);
  if (options.xLabels) {
    const [left, right] = options.xLabels;
    const span = points.length + 1;
    const gap = Math.max(1, span - left.length - right.length);
    lines.push(`${' '.repeat(axisWidth + 1)}${left}${' '.repeat(gap)}${right}`);
  }
  return lines.join('\n');
}
