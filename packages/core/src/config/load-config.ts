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
import {
  envValue,
  invalid,
  type Origin,
  parseValue,
  primarySetting,
  readEnvironmentSettings,
} from './environment.js';
import { type Config, ConfigSchema } from './schema.js';
import { showSettingValue } from './setting-value.js';
import { CONFIG_SETTINGS, type ConfigKey, type ConfigSetting, DEFAULT_CONFIG_FILE } from './settings.js';

export { DEFAULT_CONFIG_FILE } from './settings.js';

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

const CONFIG_KEYS = new Set<string>(Object.keys(ConfigSchema.shape));

function findSettingForFlag(name: string): ConfigSetting | undefined {
  const bare = name.replace(/^--?/, '');
  return (
    CONFIG_SETTINGS.find((s) => s.flag === `--${bare}`) ??
    CONFIG_SETTINGS.find((s) => s.name === bare && (s.flag !== undefined || s.kind !== 'string'))
  );
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
  const getEnv = (name: string) => envValue(env, name);

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
  const fromEnv = readEnvironmentSettings(env);
  for (const key of Object.keys(fromEnv.values) as ConfigKey[]) {
    values[key] = fromEnv.values[key];
    sources[key] = fromEnv.sources[key] as string;
    origins[key] = fromEnv.origins[key] as Origin;
    delete pathBase[key];
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
