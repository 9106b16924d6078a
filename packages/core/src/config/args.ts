import { parseArgs } from 'node:util';
import { LambdaMcpError } from '../errors.js';

/** A flag a server accepts: its `--name` and the kind of value (as in CONFIG_SETTINGS). */
export interface FlagSpec {
  flag?: string;
  kind: string;
}

export interface ServerArgs {
  help: boolean;
  version: boolean;
  logFormat: 'json' | 'pretty';
  /** Keyed by flag name without dashes (`--no-x` gives `x: false`), for `loadConfig({ flags })`. */
  flags: Record<string, unknown>;
}

/** Kinds whose flag may be given more than once. */
const MULTIPLE_KINDS = new Set(['list', 'tag-filters']);

/**
 * Parses a server's command line: `--help`, `--version`, `--log-format`, and one flag per setting
 * (booleans also as `--no-<name>`). A bad flag or a stray argument is one INVALID_CONFIG line
 * naming it and pointing at `<program> --help`.
 */
export function parseServerArgs(
  argv: readonly string[],
  options: { program: string; settings: readonly FlagSpec[] },
): ServerArgs {
  const specs: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
    'log-format': { type: 'string' },
  };
  for (const s of options.settings) {
    if (!s.flag) continue;
    const name = s.flag.replace(/^--/, '');
    if (s.kind === 'boolean') {
      specs[name] = { type: 'boolean' };
      specs[`no-${name}`] = { type: 'boolean' };
    } else {
      specs[name] = { type: 'string', ...(MULTIPLE_KINDS.has(s.kind) ? { multiple: true } : {}) };
    }
  }
  const hint = `Run ${options.program} --help for the accepted flags.`;
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      options: specs,
      strict: true,
      allowPositionals: true,
    }));
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('. To specify')[0] ?? '';
    throw new LambdaMcpError('INVALID_CONFIG', `${message}. ${hint}`);
  }
  if (positionals.length > 0) {
    throw new LambdaMcpError(
      'INVALID_CONFIG',
      `Unexpected argument ${JSON.stringify(positionals[0])}. ${hint}`,
    );
  }
  const logFormat = (values['log-format'] as string | undefined) ?? 'json';
  if (logFormat !== 'json' && logFormat !== 'pretty') {
    throw new LambdaMcpError(
      'INVALID_CONFIG',
      `Invalid --log-format ${JSON.stringify(logFormat)}: expected json or pretty.`,
    );
  }
  const flags: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (key === 'help' || key === 'version' || key === 'log-format' || value === undefined) continue;
    if (key.startsWith('no-') && value === true) flags[key.slice(3)] = false;
    else flags[key] = value;
  }
  return { help: values.help === true, version: values.version === true, logFormat, flags };
}
