/**
 * Settings read from the environment, one by one, with the rules of loadConfig (./load-config.ts
 * uses this module for every source): what each variable accepts, and the INVALID_CONFIG error that
 * names the variable, the value and what is accepted. No zod here: the stdio bin checks the
 * environment with it before the server is loaded (aws/early-listing.ts).
 */
import { LambdaMcpError } from '../errors.js';
import type { TagFilter } from '../types.js';
import { parseFunctionReference } from '../util/function-ref.js';
import {
  invalidSetting,
  parseSettingValue,
  type SettingSource,
  type SettingValueSpec,
  splitSettingList,
} from './setting-value.js';
import { CONFIG_SETTINGS, type ConfigKey, type ConfigSetting } from './settings.js';

export interface Origin {
  /** As the user wrote it: `--max-tools`, `LAMBDA_MCP_MAX_TOOLS`, `"maxFunctionTools" in /x/lambda-mcp.config.json`. */
  label: string;
  raw: unknown;
  setting: ConfigSetting;
}

const LOG_LEVEL_ALIASES: Record<string, string> = { warning: 'warn', critical: 'error', fatal: 'error' };

const STRING_RULES: Partial<Record<ConfigKey, RegExp>> = {
  region: /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/,
  roleArn: /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
  roleExternalId: /^[\w+=,.@:/-]{2,1224}$/,
  roleSessionName: /^[\w+=,.@-]{2,64}$/,
  profile: /^\S{1,128}$/,
  host: /^[A-Za-z0-9.:[\]_-]{1,253}$/,
  inputSchemaArnTagKey: /^.{1,128}$/s,
  outputSchemaArnTagKey: /^.{1,128}$/s,
};

const LIST_ITEM_RULES: Partial<Record<ConfigKey, RegExp>> = {
  functionPrefixes: /^[A-Za-z0-9_-]{1,64}$/,
  runtimes: /^[a-z][a-z0-9.]{0,63}$/,
  exclude: /^[A-Za-z0-9_*?:$-]{1,170}$/,
};

export function invalid(
  origin: Origin,
  accepts: string = origin.setting.accepts,
  item?: string,
): LambdaMcpError {
  return invalidSetting(origin.setting, sourceOf(origin), accepts, item);
}

function sourceOf(origin: Origin): SettingSource {
  return {
    label: origin.label,
    raw: origin.raw,
    details: { setting: origin.setting.name, source: origin.label },
  };
}

/** The shared engine's view of a configuration setting (enum, tag filters and JSON stay here). */
function valueSpec(setting: ConfigSetting, key: ConfigKey): SettingValueSpec | undefined {
  switch (setting.kind) {
    case 'string':
    case 'path': {
      const rule = STRING_RULES[key];
      return { ...specBase(setting), kind: setting.kind, ...(rule ? { rule } : {}) };
    }
    case 'list': {
      const rule = LIST_ITEM_RULES[key];
      const itemValid =
        key === 'functionList'
          ? (item: string) => {
              try {
                parseFunctionReference(item);
                return true;
              } catch {
                return false;
              }
            }
          : rule
            ? (item: string) => rule.test(item)
            : undefined;
      return { ...specBase(setting), kind: 'list', ...(itemValid ? { itemValid } : {}) };
    }
    case 'integer':
    case 'duration':
    case 'boolean':
      return { ...specBase(setting), kind: setting.kind };
    default:
      return undefined;
  }
}

function specBase(setting: ConfigSetting): Omit<SettingValueSpec, 'kind'> {
  return {
    accepts: setting.accepts,
    ...(setting.min !== undefined ? { min: setting.min } : {}),
    ...(setting.max !== undefined ? { max: setting.max } : {}),
    ...(setting.secret ? { secret: true } : {}),
  };
}

function parseTagFilterSpec(spec: string, origin: Origin): TagFilter {
  const eq = spec.indexOf('=');
  const key = (eq < 0 ? spec : spec.slice(0, eq)).trim();
  if (key === '' || key.length > 128) throw invalid(origin, undefined, spec);
  if (eq < 0) return { key };
  const values = spec
    .slice(eq + 1)
    .split('|')
    .map((v) => v.trim());
  if (values.length > 20 || values.some((v) => v.length > 256)) {
    throw invalid(origin, 'at most 20 values of at most 256 characters per tag key', spec);
  }
  return { key, values };
}

/** Parses one value of a setting from any source; throws INVALID_CONFIG naming the source. */
export function parseValue(origin: Origin): unknown {
  const { setting, raw } = origin;
  const key = setting.name as ConfigKey;
  const spec = valueSpec(setting, key);
  if (spec) return parseSettingValue(spec, sourceOf(origin));
  switch (setting.kind) {
    case 'enum': {
      if (typeof raw !== 'string') throw invalid(origin);
      let text = raw.trim().toLowerCase();
      if (key === 'logLevel') text = LOG_LEVEL_ALIASES[text] ?? text;
      if (!setting.values?.includes(text)) throw invalid(origin);
      return text;
    }
    case 'tag-filters': {
      const specs: unknown[] = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [raw];
      const filters: TagFilter[] = [];
      for (const spec of specs) {
        if (typeof spec === 'string') {
          for (const item of splitSettingList(spec)) filters.push(parseTagFilterSpec(item, origin));
        } else if (
          typeof spec === 'object' &&
          spec !== null &&
          typeof (spec as { key?: unknown }).key === 'string'
        ) {
          filters.push(spec as TagFilter);
        } else {
          throw invalid(origin, `${setting.accepts}, or an array of {"key": ..., "values": [...]}`);
        }
      }
      if (filters.length > 50) throw invalid(origin, 'at most 50 tag filters');
      return filters;
    }
    case 'json': {
      if (typeof raw === 'string') {
        try {
          return JSON.parse(raw) as unknown;
        } catch {
          throw invalid(origin);
        }
      }
      return raw;
    }
  }
}

export function primarySetting(key: string): ConfigSetting | undefined {
  const rows = CONFIG_SETTINGS.filter((s) => s.name === key);
  return rows.find((s) => s.flag) ?? rows[0];
}

/** A variable's value, or undefined when it is unset or blank (blank values count as unset). */
export function envValue(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The settings the environment sets (blank values count as unset), parsed; where each came from. */
export interface EnvironmentSettings {
  values: Partial<Record<ConfigKey, unknown>>;
  sources: Partial<Record<ConfigKey, string>>;
  origins: Partial<Record<ConfigKey, Origin>>;
}

/**
 * Every setting the environment sets, parsed as loadConfig parses it (the file and flags aside);
 * throws INVALID_CONFIG for the first one that is not accepted.
 */
export function readEnvironmentSettings(env: Record<string, string | undefined>): EnvironmentSettings {
  const getEnv = (name: string) => envValue(env, name);
  const values: Partial<Record<ConfigKey, unknown>> = {};
  const sources: Partial<Record<ConfigKey, string>> = {};
  const origins: Partial<Record<ConfigKey, Origin>> = {};
  const envTagFilters: TagFilter[] = [];
  const envTagSources: string[] = [];
  const tagKey = getEnv('FUNCTION_TAG_KEY');
  const tagValue = getEnv('FUNCTION_TAG_VALUE');
  if (tagValue !== undefined && tagKey === undefined) {
    throw new LambdaMcpError(
      'INVALID_CONFIG',
      `Invalid FUNCTION_TAG_VALUE ${JSON.stringify(tagValue)}: it needs FUNCTION_TAG_KEY (the tag key whose value must be ${JSON.stringify(tagValue)}); set both, or use LAMBDA_MCP_TAG_FILTERS="key=value".`,
      { details: { setting: 'tagFilters', source: 'FUNCTION_TAG_VALUE' } },
    );
  }
  for (const setting of CONFIG_SETTINGS) {
    if (setting.name === 'configFile' || setting.env === 'FUNCTION_TAG_VALUE') continue;
    let envName = setting.env;
    let raw = getEnv(envName);
    for (const alias of setting.envAliases ?? []) {
      if (raw !== undefined) break;
      envName = alias;
      raw = getEnv(alias);
    }
    if (raw === undefined) continue;
    const origin: Origin = { label: envName, raw, setting };
    if (setting.env === 'FUNCTION_TAG_KEY') {
      const key = raw.trim();
      if (key.length > 128) throw invalid(origin);
      if (tagValue !== undefined && tagValue.length > 256) {
        throw invalid(
          { label: 'FUNCTION_TAG_VALUE', raw: tagValue, setting: origin.setting },
          'a tag value of at most 256 characters',
        );
      }
      envTagFilters.push(tagValue === undefined ? { key } : { key, values: [tagValue] });
      envTagSources.push(tagValue === undefined ? 'FUNCTION_TAG_KEY' : 'FUNCTION_TAG_KEY/FUNCTION_TAG_VALUE');
      continue;
    }
    if (setting.name === 'tagFilters') {
      envTagFilters.push(...(parseValue(origin) as TagFilter[]));
      envTagSources.push(envName);
      continue;
    }
    const k = setting.name as ConfigKey;
    values[k] = parseValue(origin);
    sources[k] = envName;
    origins[k] = origin;
  }
  if (envTagSources.length > 0) {
    values.tagFilters = envTagFilters;
    sources.tagFilters = envTagSources.join(' + ');
    origins.tagFilters = {
      label: envTagSources.join(' + '),
      raw: envTagFilters,
      setting: primarySetting('tagFilters') as ConfigSetting,
    };
  }

  return { values, sources, origins };
}
