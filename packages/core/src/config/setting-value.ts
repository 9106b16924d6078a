/**
 * The one settings engine: how a setting's value, from a flag, an environment variable or a config
 * file, becomes a typed value, with one error shape naming where it came from and what is accepted.
 * `loadConfig` (the shared configuration) and the apps' own settings tables (the HTTP server's
 * `loadHttpSettings`) both go through it, so they agree on every kind: integers are whole numbers
 * (a sign allowed, then checked against the range: "-5" for 0-100 is refused with the range),
 * lists are split on commas, trimmed, emptied of blanks and of repeated items (first one kept).
 */
import { LambdaMcpError } from '../errors.js';
import { parseDurationSeconds } from '../util/time-range.js';

/** The kinds every settings table shares (loadConfig adds enum, tag filters and JSON of its own). */
export type SettingValueKind =
  | 'string'
  | 'path'
  | 'url'
  | 'list'
  | 'integer'
  | 'duration'
  | 'boolean'
  | 'hops';

export interface SettingValueSpec {
  kind: SettingValueKind;
  /** What is accepted, as a phrase ("an integer from 1 to 100"): the end of every error message. */
  accepts: string;
  min?: number;
  max?: number;
  /** The value is not echoed back in error messages. */
  secret?: boolean;
  /** Strings: a rule the trimmed value must match. */
  rule?: RegExp;
  /** Lists: whether one item is acceptable. */
  itemValid?: (item: string) => boolean;
}

/** Where a value came from, as the user wrote it (`--max-tools`, `LAMBDA_MCP_MAX_TOOLS`, a file key). */
export interface SettingSource {
  label: string;
  raw: unknown;
  /** Error details (default `{ setting: label }`). */
  details?: Record<string, unknown>;
}

const BOOLEAN_TRUE = new Set(['true', '1', 'yes', 'on']);
const BOOLEAN_FALSE = new Set(['false', '0', 'no', 'off']);

/** A value as error messages show it: quoted, cut at 120 characters, hidden for secrets. */
export function showSettingValue(spec: { secret?: boolean }, raw: unknown): string {
  if (spec.secret) return '(hidden value)';
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
  const value = text === undefined ? String(raw) : text;
  return JSON.stringify(value.length > 120 ? `${value.slice(0, 117)}...` : value);
}

/** INVALID_CONFIG: `Invalid <source> "<value>"[ (entry "<item>")]: expected <accepts>.` */
export function invalidSetting(
  spec: { accepts: string; secret?: boolean },
  source: SettingSource,
  accepts: string = spec.accepts,
  item?: string,
): LambdaMcpError {
  const part = item === undefined ? '' : ` (entry ${JSON.stringify(item)})`;
  return new LambdaMcpError(
    'INVALID_CONFIG',
    `Invalid ${source.label} ${showSettingValue(spec, source.raw)}${part}: expected ${accepts}.`,
    { details: source.details ?? { setting: source.label } },
  );
}

/** Splits a comma-separated value: items trimmed, blanks dropped. */
export function splitSettingList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function truthy(raw: unknown): boolean | undefined {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim().toLowerCase();
  return BOOLEAN_TRUE.has(text) ? true : BOOLEAN_FALSE.has(text) ? false : undefined;
}

/** Parses one value of a setting; throws INVALID_CONFIG naming the source and what is accepted. */
export function parseSettingValue(spec: SettingValueSpec, source: SettingSource): unknown {
  const { raw } = source;
  switch (spec.kind) {
    case 'string':
    case 'path': {
      if (typeof raw !== 'string' || raw.trim() === '') throw invalidSetting(spec, source);
      const value = raw.trim();
      if (spec.rule && !spec.rule.test(value)) throw invalidSetting(spec, source);
      return value;
    }
    case 'url': {
      const value = typeof raw === 'string' ? raw.trim() : '';
      let ok = false;
      try {
        const url = new URL(value);
        ok = url.protocol === 'https:' || url.protocol === 'http:';
      } catch {
        ok = false;
      }
      if (!ok) throw invalidSetting(spec, source);
      return value;
    }
    case 'list': {
      let items: string[];
      if (typeof raw === 'string') items = splitSettingList(raw);
      else if (Array.isArray(raw) && raw.every((v) => typeof v === 'string'))
        items = raw.flatMap(splitSettingList);
      else throw invalidSetting(spec, source, `${spec.accepts} (a string or an array of strings)`);
      for (const item of items) {
        if (spec.itemValid && !spec.itemValid(item)) throw invalidSetting(spec, source, spec.accepts, item);
      }
      return [...new Set(items)];
    }
    case 'integer':
    case 'duration': {
      let n: number | undefined;
      if (typeof raw === 'number') n = raw;
      else if (typeof raw === 'string') {
        const text = raw.trim();
        n =
          spec.kind === 'duration'
            ? parseDurationSeconds(text)
            : /^-?\d+$/.test(text)
              ? Number(text)
              : undefined;
      }
      if (n === undefined || !Number.isSafeInteger(n)) throw invalidSetting(spec, source);
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        throw invalidSetting(spec, source);
      }
      return n;
    }
    case 'boolean': {
      const value = truthy(raw);
      if (value === undefined) throw invalidSetting(spec, source);
      return value;
    }
    case 'hops': {
      // true/false (1/0 ...) or a number of proxy hops.
      const value = truthy(raw);
      if (value !== undefined) return value ? 1 : 0;
      const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
      const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
      if (!Number.isSafeInteger(n) || n < (spec.min ?? 0) || n > (spec.max ?? 16)) {
        throw invalidSetting(spec, source);
      }
      return n;
    }
  }
}

/** One row of an app's settings table: a flag and an environment variable feeding one key. */
export interface SettingRow<K extends string = string> extends SettingValueSpec {
  key: K;
  /** `--flag`; flags are looked up without the dashes. */
  flag: string;
  env: string;
}

/**
 * Loads an app's settings table: flags (keyed by flag name without dashes) over the environment
 * (empty values count as unset) over `defaults`.
 */
export function loadSettingsTable<T extends object>(
  rows: readonly SettingRow<Extract<keyof T, string>>[],
  defaults: T,
  flags: Record<string, unknown>,
  env: Record<string, string | undefined>,
): T {
  const out = { ...defaults } as Record<string, unknown>;
  for (const row of rows) {
    const fromFlag = flags[row.flag.slice(2)];
    const fromEnv = env[row.env];
    if (fromFlag !== undefined) {
      out[row.key] = parseSettingValue(row, { label: row.flag, raw: flagValue(row, fromFlag) });
    } else if (fromEnv !== undefined && fromEnv.trim() !== '') {
      out[row.key] = parseSettingValue(row, { label: row.env, raw: fromEnv });
    }
  }
  return out as T;
}

/** Flag parsers hand over strings, booleans (switches) or string arrays (repeated flags). */
function flagValue(row: SettingValueSpec, raw: unknown): unknown {
  if (typeof raw === 'number') return String(raw);
  if (typeof raw === 'boolean' && row.kind !== 'boolean' && row.kind !== 'hops') return String(raw);
  return raw;
}
