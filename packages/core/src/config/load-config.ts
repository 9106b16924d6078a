import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  type Stats,
} from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { LambdaMcpError } from '../errors.js';
import type { TagFilter } from '../types.js';
import { parseFunctionReference } from '../util/function-ref.js';
import { type Config, ConfigSchema } from './schema.js';
import {
  invalidSetting,
  parseSettingValue,
  type SettingSource,
  type SettingValueSpec,
  showSettingValue,
  splitSettingList,
} from './setting-value.js';
import { CONFIG_SETTINGS, type ConfigKey, type ConfigSetting } from './settings.js';

export const DEFAULT_CONFIG_FILE = 'lambda-mcp.config.json';

export interface LoadConfigOptions {
  /**
   * Parsed command-line flags, keyed by flag name without dashes (`function-prefix`) or by config
   * key (`functionPrefixes`). Strings are parsed like environment values; arrays (repeated flags),
   * numbers and booleans are taken as they are. Unknown keys are ignored (apps have flags of their own).
   */
  flags?: Record<string, unknown>;
  /** Defaults to process.env. Empty values count as unset. */
  env?: Record<string, string | undefined>;
  /** A config file path (a `--config` flag or LAMBDA_MCP_CONFIG still win over... see docs). */
  configFile?: string;
  /** Base for relative paths and for finding lambda-mcp.config.json (default process.cwd()). */
  cwd?: string;
}

export interface LoadedConfig {
  config: Config;
  /** Where each explicitly set key came from: `--flag`, `ENV_VAR` or `key in file`. */
  sources: Partial<Record<ConfigKey, string>>;
  /** The config file read, if any. */
  file?: string;
}

interface Origin {
  /** As the user wrote it: `--max-tools`, `LAMBDA_MCP_MAX_TOOLS`, `"maxFunctionTools" in /x/lambda-mcp.config.json`. */
  label: string;
  raw: unknown;
  setting: ConfigSetting;
}

const CONFIG_KEYS = new Set<string>(Object.keys(ConfigSchema.shape));
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

function invalid(origin: Origin, accepts: string = origin.setting.accepts, item?: string): LambdaMcpError {
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
function parseValue(origin: Origin): unknown {
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

function findSettingForFlag(name: string): ConfigSetting | undefined {
  const bare = name.replace(/^--?/, '');
  return (
    CONFIG_SETTINGS.find((s) => s.flag === `--${bare}`) ??
    CONFIG_SETTINGS.find((s) => s.name === bare && (s.flag !== undefined || s.kind !== 'string'))
  );
}

function primarySetting(key: string): ConfigSetting | undefined {
  const rows = CONFIG_SETTINGS.filter((s) => s.name === key);
  return rows.find((s) => s.flag) ?? rows[0];
}

/**
 * A configuration file found in the working directory (not named by --config or
 * LAMBDA_MCP_CONFIG) is read only if it is this user's or root's, and so is the link to it if it
 * is one, and nobody but them can change it (not writable by others; writable by the group is
 * allowed: umask 002 makes every file so). The working directory may be shared, such as /tmp, and
 * the file can widen the filters, name a role to assume or a folder of local functions to run.
 * As git does for a repository owned by someone else, this is an error, not a silent skip.
 */
function refuseFoundFile(path: string, why: string): LambdaMcpError {
  return new LambdaMcpError(
    'INVALID_CONFIG',
    `Refusing the config file ${JSON.stringify(path)} found in the working directory: ${why}. A config file found there is read only if it is yours (or root's) and nobody else can change it; fix its owner or mode, or name it with --config or LAMBDA_MCP_CONFIG to read it anyway.`,
    { details: { setting: 'configFile', source: 'config file' } },
  );
}

/** Why a found config file (or its link) may not be trusted, from its owner and mode; or undefined. */
function foundFileProblem(s: Stats, checkMode: boolean): string | undefined {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (uid !== undefined && s.uid !== uid && s.uid !== 0) return `it is owned by another user (uid ${s.uid})`;
  if (checkMode && process.platform !== 'win32' && (s.mode & 0o002) !== 0) return 'anyone can change it';
  return undefined;
}

/**
 * The settings of a config file. `found`: it was found in the working directory, not named, so it
 * must pass foundFileProblem: the link (if it is one) by its owner, the file itself on the open
 * descriptor, so what is checked is what is read.
 */
function readConfigFile(path: string, origin: string, found: boolean): Record<string, unknown> {
  if (found) {
    let link: Stats | undefined;
    try {
      link = lstatSync(path);
    } catch {
      // Gone since: reading it reports that.
    }
    const problem = link && foundFileProblem(link, false);
    if (problem) throw refuseFoundFile(path, problem);
  }
  let text = '';
  let problem: string | undefined;
  let fd: number | undefined;
  try {
    // O_NONBLOCK: a named pipe in its place does not hold the start up (it is then not a file).
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    const s = fstatSync(fd);
    if (!s.isFile()) throw new Error('not a file');
    problem = found ? foundFileProblem(s, true) : undefined;
    if (!problem) text = readFileSync(fd, 'utf8');
  } catch {
    throw new LambdaMcpError(
      'INVALID_CONFIG',
      `Invalid ${origin} ${JSON.stringify(path)}: expected a readable JSON file, and none was found there.`,
      { details: { setting: 'configFile', source: origin } },
    );
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (problem) throw refuseFoundFile(path, problem);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new LambdaMcpError(
      'INVALID_CONFIG',
      `Invalid config file ${JSON.stringify(path)}: it is not valid JSON (${why}).`,
      { details: { setting: 'configFile', source: origin } },
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LambdaMcpError(
      'INVALID_CONFIG',
      `Invalid config file ${JSON.stringify(path)}: expected a JSON object of settings such as {"functionPrefixes": ["team-a-"]}.`,
      { details: { setting: 'configFile', source: origin } },
    );
  }
  return value as Record<string, unknown>;
}

/**
 * Loads the configuration: flags > environment > config file > defaults, validated. Throws
 * LambdaMcpError INVALID_CONFIG with one message naming the setting as the user wrote it (flag,
 * environment variable or file key), the value and what is accepted. Every setting, with its
 * flag and environment variable, is listed in `CONFIG_SETTINGS`.
 *
 * @example
 * ```ts
 * import { isErrorCode, loadConfig } from '@lambda-mcp/core';
 *
 * try {
 *   // FUNCTION_PREFIX=team-a- in the environment, or {"functionPrefixes": ["team-a-"]} in
 *   // lambda-mcp.config.json; flags win over both.
 *   const config = loadConfig({ flags: { region: 'eu-west-1' } });
 *   console.log(config.functionPrefixes, config.region);
 * } catch (error) {
 *   if (isErrorCode(error, 'INVALID_CONFIG')) console.error(error.message);
 *   else throw error;
 * }
 * ```
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  return loadConfigDetailed(options).config;
}

/** `loadConfig`, plus where each setting came from and the config file that was read. */
export function loadConfigDetailed(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const flags = options.flags ?? {};
  const getEnv = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  };

  const values: Partial<Record<ConfigKey, unknown>> = {};
  const sources: Partial<Record<ConfigKey, string>> = {};
  const origins: Partial<Record<ConfigKey, Origin>> = {};
  const pathBase: Partial<Record<ConfigKey, string>> = {};

  // ---- the config file
  const fileSetting = CONFIG_SETTINGS.find((s) => s.name === 'configFile') as ConfigSetting;
  const flagFile = flags.config ?? flags.configFile;
  let filePath: string | undefined;
  let fileOrigin = '';
  let found = false;
  if (flagFile !== undefined && flagFile !== '') {
    if (typeof flagFile !== 'string') {
      throw invalid({ label: '--config', raw: flagFile, setting: fileSetting });
    }
    filePath = resolve(cwd, flagFile);
    fileOrigin = '--config';
  } else if (options.configFile) {
    filePath = resolve(cwd, options.configFile);
    fileOrigin = 'config file';
  } else if (getEnv('LAMBDA_MCP_CONFIG')) {
    filePath = resolve(cwd, getEnv('LAMBDA_MCP_CONFIG') as string);
    fileOrigin = 'LAMBDA_MCP_CONFIG';
  } else if (existsSync(resolve(cwd, DEFAULT_CONFIG_FILE))) {
    filePath = resolve(cwd, DEFAULT_CONFIG_FILE);
    fileOrigin = 'config file';
    found = true;
  }
  if (filePath) {
    const file = readConfigFile(filePath, fileOrigin, found);
    for (const [key, raw] of Object.entries(file)) {
      if (key === '$schema') continue;
      if (!CONFIG_KEYS.has(key)) {
        throw new LambdaMcpError(
          'INVALID_CONFIG',
          `Invalid config file ${JSON.stringify(filePath)}: unknown key ${JSON.stringify(key)}. Accepted keys: ${[
            ...CONFIG_KEYS,
          ].join(', ')}.`,
          { details: { setting: key, source: filePath } },
        );
      }
      const setting = primarySetting(key);
      if (!setting || raw === null || raw === undefined) continue;
      const origin: Origin = { label: `"${key}" in ${filePath}`, raw, setting };
      const k = key as ConfigKey;
      values[k] = parseValue(origin);
      sources[k] = origin.label;
      origins[k] = origin;
      pathBase[k] = resolve(filePath, '..');
    }
  }

  // ---- the environment (overrides the file, key by key)
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
    delete pathBase[k];
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

  // ---- flags (override everything)
  for (const [name, raw] of Object.entries(flags)) {
    if (raw === undefined || name === 'config' || name === 'configFile') continue;
    let setting = findSettingForFlag(name);
    let value = raw;
    let label = setting?.flag ?? `--${name}`;
    // `--no-disk-cache` style negation of a boolean flag.
    if (!setting && name.replace(/^--?/, '').startsWith('no-')) {
      const positive = findSettingForFlag(name.replace(/^-{0,2}no-/, ''));
      if (positive?.kind === 'boolean' && typeof raw === 'boolean') {
        setting = positive;
        value = !raw;
        label = `--${name.replace(/^--?/, '')}`;
      }
    }
    if (!setting || setting.name === 'configFile') continue;
    const k = setting.name as ConfigKey;
    const origin: Origin = { label, raw: value, setting };
    values[k] = parseValue(origin);
    sources[k] = origin.label;
    origins[k] = origin;
    delete pathBase[k];
  }

  // ---- derived values
  if (values.localDir !== undefined && values.backend === undefined) values.backend = 'local';
  for (const key of ['localDir', 'cacheDir'] as const) {
    const value = values[key];
    if (typeof value === 'string' && !isAbsolute(value)) values[key] = resolve(pathBase[key] ?? cwd, value);
  }

  const parsed = ConfigSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '') as ConfigKey;
    const origin = origins[key] ?? {
      label: key,
      raw: values[key],
      setting: primarySetting(key) ?? (fileSetting as ConfigSetting),
    };
    const where = issue && issue.path.length > 1 ? ` at ${issue.path.slice(1).join('.')}` : '';
    throw new LambdaMcpError(
      'INVALID_CONFIG',
      `Invalid ${origin.label} ${showSettingValue(origin.setting, origin.raw)}${where}: expected ${origin.setting.accepts}.`,
      { details: { setting: key, source: origin.label } },
    );
  }
  const loaded: LoadedConfig = { config: parsed.data, sources };
  if (filePath) loaded.file = filePath;
  return loaded;
}
