import { LambdaMcpError } from '../errors.js';

const UNIT_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const RELATIVE = /^-?(\d{1,7})\s*(s|m|h|d|w)(?:\s+ago)?$/i;
// ISO 8601 date or date-time; a time without an offset is taken as UTC.
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

const ACCEPTED =
  'an ISO 8601 time (e.g. 2025-05-01T12:00:00Z), "now", or a relative time before now such as 30s, 15m, 1h, 2d, 1w (also "-1h" or "1h ago")';

export interface TimeRangeInput {
  start?: string | Date | undefined;
  end?: string | Date | undefined;
}

export interface ParseTimeRangeOptions {
  now?: Date;
  /** Field names used in error messages (default `start` and `end`). */
  names?: { start?: string; end?: string };
  /** Length of the range when `start` is absent (default one hour). */
  defaultDurationMs?: number;
}

/** Parses one time value ("now", "15m", ISO 8601); throws INVALID_REQUEST naming `field`. */
export function parseTime(value: string | Date, field: string, now: Date = new Date()): Date {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw invalidTime(field, String(value));
    return value;
  }
  if (typeof value !== 'string') throw invalidTime(field, String(value));
  const text = value.trim();
  if (text.toLowerCase() === 'now') return new Date(now.getTime());
  const relative = RELATIVE.exec(text);
  if (relative) {
    const amount = Number(relative[1]);
    const unit = (relative[2] ?? 's').toLowerCase();
    return new Date(now.getTime() - amount * (UNIT_MS[unit] ?? 1_000));
  }
  if (ISO.test(text)) {
    const normalised = /^\d{4}-\d{2}-\d{2}$/.test(text)
      ? `${text}T00:00:00Z`
      : /(Z|[+-]\d{2}:?\d{2})$/i.test(text)
        ? text.replace(' ', 'T')
        : `${text.replace(' ', 'T')}Z`;
    const date = new Date(normalised);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw invalidTime(field, text);
}

function invalidTime(field: string, value: string): LambdaMcpError {
  const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return new LambdaMcpError(
    'INVALID_REQUEST',
    `Invalid ${field} ${JSON.stringify(shown)}: expected ${ACCEPTED}.`,
    {
      details: { field },
    },
  );
}

/**
 * Parses `{start, end}` (the MCP `time_range` and the CLI's `--since/--from/--to`). `end`
 * defaults to now, `start` to one hour before `end`. Throws INVALID_REQUEST naming the field.
 */
export function parseTimeRange(
  input: TimeRangeInput = {},
  options: ParseTimeRangeOptions = {},
): {
  start: Date;
  end: Date;
} {
  const now = options.now ?? new Date();
  const startName = options.names?.start ?? 'start';
  const endName = options.names?.end ?? 'end';
  const end =
    input.end === undefined || input.end === ''
      ? new Date(now.getTime())
      : parseTime(input.end, endName, now);
  const start =
    input.start === undefined || input.start === ''
      ? new Date(end.getTime() - (options.defaultDurationMs ?? 3_600_000))
      : parseTime(input.start, startName, now);
  if (start.getTime() >= end.getTime()) {
    throw new LambdaMcpError(
      'INVALID_REQUEST',
      `Invalid time range: ${startName} (${start.toISOString()}) must be before ${endName} (${end.toISOString()}).`,
      { details: { field: startName } },
    );
  }
  return { start, end };
}

/** Parses a duration such as "300", "300s", "5m", "1h" into seconds; undefined when it is not one. */
export function parseDurationSeconds(text: string): number | undefined {
  const match = /^(\d{1,9})\s*(s|m|h|d)?$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? 's').toLowerCase();
  return Number(match[1]) * ((UNIT_MS[unit] ?? 1_000) / 1_000);
}
