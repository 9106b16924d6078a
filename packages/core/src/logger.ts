/**
 * Library code never writes to stdout or stderr by itself: it takes a Logger. Apps choose where
 * logs go (the stdio server sends them to stderr; stdout carries JSON-RPC only).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(bindings: LogFields): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

export interface StreamLoggerOptions {
  level?: LogLevel;
  /** `json`: one JSON object a line; `pretty`: `level message key=value` for people. */
  format?: 'json' | 'pretty';
  /** Where lines go; defaults to process.stderr. */
  write?: (line: string) => void;
  bindings?: LogFields;
  now?: () => Date;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) => {
      if (v instanceof Error)
        return { name: v.name, message: v.message, ...('code' in v ? { code: v.code } : {}) };
      if (typeof v === 'bigint') return v.toString();
      return v;
    });
  } catch {
    return '"[unserializable]"';
  }
}

/**
 * A record whose values are all strings, numbers, booleans, null or undefined (the audit line of
 * every call is one) comes out of JSON.stringify the same with or without the replacer above, and
 * without it V8 never calls back into JavaScript for each key.
 */
function stringifyRecord(record: Record<string, unknown>): string {
  for (const key in record) {
    const v = record[key];
    if ((typeof v === 'object' && v !== null) || typeof v === 'bigint') return safeStringify(record);
  }
  return JSON.stringify(record);
}

/** A logger that writes lines (JSON or pretty) to a stream, stderr by default. */
export function createStreamLogger(options: StreamLoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const format = options.format ?? 'json';
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const bindings = options.bindings ?? {};
  const emit = (lvl: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields) => {
    if (ORDER[lvl] < ORDER[level]) return;
    if (format === 'json') {
      const record = { time: now().toISOString(), level: lvl, msg: message, ...bindings, ...fields };
      write(`${stringifyRecord(record)}\n`);
    } else {
      const extra = Object.entries({ ...bindings, ...fields })
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : safeStringify(v)}`)
        .join(' ');
      write(`${lvl.padEnd(5)} ${message}${extra ? ` ${extra}` : ''}\n`);
    }
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (more) => createStreamLogger({ ...options, bindings: { ...bindings, ...more } }),
  };
}

/**
 * Sends Node's process warnings (deprecations, listener leaks...) through a logger instead of
 * Node's raw multi-line text on stderr, so a server's stderr stays one JSON object a line. Apps
 * call it; returns a function restoring the defaults.
 *
 * The AWS SDK's `NodeVersionSupportWarning` (on Node.js 20: its releases after the first week of
 * January 2027 need Node.js 22) goes to debug: Node.js 20.19+ is supported by this version, so it
 * is not a problem of this run, and printing it on every start of every bin was noise.
 */
export function routeProcessWarnings(logger: Logger): () => void {
  const previous = process.listeners('warning');
  process.removeAllListeners('warning');
  const onWarning = (warning: Error & { code?: string }) => {
    const [first = '', ...rest] = String(warning.message).split('\n');
    const detail = rest.join(' ').replace(/\s+/g, ' ').trim();
    const level = first.startsWith('NodeVersionSupportWarning') ? 'debug' : 'warn';
    logger[level](first, {
      warning: warning.name,
      ...(warning.code ? { code: warning.code } : {}),
      ...(detail ? { detail } : {}),
    });
  };
  process.on('warning', onWarning);
  return () => {
    process.off('warning', onWarning);
    for (const listener of previous) process.on('warning', listener);
  };
}
