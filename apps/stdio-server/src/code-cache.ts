import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/**
 * Loads the server's CommonJS bundle through V8's code cache.
 *
 * Compiling the bundle (zod, the MCP SDK, Ajv, core: about 1 MB of JavaScript) and the functions a
 * start runs was the largest part of a start after Node.js itself. V8 can serialise what it compiled
 * (`Script#createCachedData`) and take it back on the next start (`cachedData`), which skips that
 * work. Node.js 22+ has a compile cache of its own, but only for what it compiles eagerly, and
 * Node.js 20 has none; this one also keeps the functions compiled while the server started.
 *
 * The cache is a file of the server's cache directory (`<cacheDir>/code/`, private to the user),
 * written once by a start that found none usable, when the caller says the start's work is done
 * (`save`); the newest four are kept. It holds compiled code of lambda-mcp itself, no
 * data. It is read only if it is this bundle's (a SHA-256 of the bundle's bytes, Node.js's version,
 * the platform and Node.js's options name the file), a regular file (not a link) of this user's that nobody else can
 * write, and intact (its own SHA-256 is checked before V8 sees it); anything else is ignored and the
 * bundle is compiled as without a cache. V8 refuses data made by another V8 version or with other
 * flags, and is then given a fresh cache. Nothing here can stop the server from starting: every
 * failure falls back to plain compilation.
 *
 * Off with LAMBDA_MCP_CODE_CACHE=false (or Node.js's NODE_DISABLE_COMPILE_CACHE=1). The directory
 * follows LAMBDA_MCP_CACHE_DIR or --cache-dir (read before the configuration is: a cacheDir set only
 * in a configuration file is not seen here), else $XDG_CACHE_HOME/lambda-mcp or ~/.cache/lambda-mcp.
 */

export interface CodeCacheOptions {
  /** The CommonJS bundle to load (its exports are returned). */
  file: string;
  /** Directory of the cache file; undefined: no cache (compiled as usual). */
  dir: string | undefined;
}

export type CodeCacheOutcome =
  /** No cache directory: caching is off. */
  | 'off'
  /** No usable cache file (none, someone else's, damaged): compiled; a new one will be written. */
  | 'miss'
  /** The cache was read and V8 took it. */
  | 'used'
  /** The cache was intact but V8 refused it (another V8 build or flags): a new one will be written. */
  | 'rejected';

export interface LoadedBundle<T> {
  exports: T;
  cache: CodeCacheOutcome;
  /**
   * Writes a new cache file when the start found none usable (`miss`, `rejected`), with the code
   * compiled so far: call it once the start's work is done. Once at most; true if it wrote one.
   * Synchronous (it may run in an 'exit' handler); never throws.
   */
  save(): boolean;
}

const MAGIC = 'lambda-mcp-code-cache-1\n';
const HASH_BYTES = 32;
/** Cache files kept in the directory (other builds, other Node.js versions); older ones are removed. */
const KEEP_FILES = 4;
const CACHE_FILE = /^server-[0-9a-f]{32}\.bin$/;
const TEMP_FILE = /^\.\d+\.[0-9a-f]{12}\.tmp$/;

/**
 * The cache file of a bundle (its bytes) under the running Node.js and its flags, in `dir`. V8
 * refuses a cache made with other flags, so starts with other flags (`NODE_OPTIONS`, node's own
 * options) keep a file of their own instead of replacing each other's at every start.
 */
export function codeCacheFile(
  dir: string,
  bundle: Buffer,
  flags = `${process.execArgv.join(' ')}\0${process.env.NODE_OPTIONS ?? ''}`,
): string {
  const key = createHash('sha256')
    .update(bundle)
    .update(`\0${process.version}\0${process.arch}\0${process.platform}\0${flags}`)
    .digest('hex')
    .slice(0, 32);
  return join(dir, `server-${key}.bin`);
}

/** The code cache's directory for an environment and argv, or undefined when it is turned off. */
export function codeCacheDir(
  env: Record<string, string | undefined>,
  argv: readonly string[],
): string | undefined {
  const off = (value: string | undefined) => value !== undefined && /^(false|0|no|off)$/i.test(value.trim());
  if (off(env.LAMBDA_MCP_CODE_CACHE)) return undefined;
  // Node.js's own switch for its compile cache turns this one off too.
  if (env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  let cacheDir = env.LAMBDA_MCP_CACHE_DIR;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--cache-dir' && argv[i + 1] !== undefined) cacheDir = argv[i + 1];
    else if (arg.startsWith('--cache-dir=')) cacheDir = arg.slice('--cache-dir='.length);
  }
  if (cacheDir === undefined || cacheDir.trim() === '') {
    const xdg = env.XDG_CACHE_HOME;
    if (xdg && xdg.trim() !== '') cacheDir = join(xdg, 'lambda-mcp');
    else {
      let home: string;
      try {
        home = homedir();
      } catch {
        return undefined;
      }
      if (!home) return undefined;
      cacheDir = join(home, '.cache', 'lambda-mcp');
    }
  }
  return join(cacheDir, 'code');
}

/** Reads the cache file if it is this user's, private, regular and intact; its V8 data, or undefined. */
function readCache(file: string): Buffer | undefined {
  let fd: number;
  try {
    // O_NOFOLLOW: a symbolic link planted in the directory is never followed. O_NONBLOCK: a named
    // pipe in its place does not hold the start up waiting for a writer (it is then refused below).
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
    if (!stat.isFile()) return undefined;
    if (uid !== undefined && stat.uid !== uid) return undefined;
    // Group or others may write it (POSIX modes; Windows has none to check).
    if (process.platform !== 'win32' && (stat.mode & 0o022) !== 0) return undefined;
    if (stat.size > 64 * 1024 * 1024) return undefined;
    const bytes = readFileSync(fd);
    const magic = Buffer.from(MAGIC);
    if (bytes.length < magic.length + HASH_BYTES || !bytes.subarray(0, magic.length).equals(magic))
      return undefined;
    const hash = bytes.subarray(magic.length, magic.length + HASH_BYTES);
    const data = bytes.subarray(magic.length + HASH_BYTES);
    if (!createHash('sha256').update(data).digest().equals(hash)) return undefined;
    return data;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Writes the cache file atomically (a private temporary file, then rename); false if it could not. */
function writeCache(dir: string, file: string, data: Buffer): boolean {
  const tmp = join(dir, `.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const hash = createHash('sha256').update(data).digest();
    // 'wx': never through a file or link that is already there.
    writeFileSync(tmp, Buffer.concat([Buffer.from(MAGIC), hash, data]), { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
    return false;
  }
  prune(dir, file);
  return true;
}

/**
 * Removes all but the newest few cache files (each build and Node.js version has its own) and
 * temporary files left by a process that died while writing (older than ten minutes).
 */
function prune(dir: string, keep: string): void {
  try {
    const now = Date.now();
    const caches: Array<{ file: string; mtimeMs: number }> = [];
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (CACHE_FILE.test(name) && file !== keep) caches.push({ file, mtimeMs: statSync(file).mtimeMs });
      else if (TEMP_FILE.test(name) && now - statSync(file).mtimeMs > 600_000) rmSync(file, { force: true });
    }
    caches.sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const { file } of caches.slice(KEEP_FILES - 1)) rmSync(file, { force: true });
  } catch {
    // Another process pruning at the same time, or an unreadable entry: the next write tries again.
  }
}

/**
 * Compiles and runs `file`, a CommonJS module written inside its wrapper function
 * (`(function (exports, require, module, __filename, __dirname) {...})`), with `require` resolving
 * from the file's own location and V8's code cache from `dir` when there is a usable one, and
 * returns its exports.
 */
export function loadWithCodeCache<T>(options: CodeCacheOptions): LoadedBundle<T> {
  return compileWithCodeCache<T>(options).run();
}

/** A bundle compiled (its file and code cache read) but not yet run. */
export interface CompiledBundle<T> {
  readonly cache: CodeCacheOutcome;
  /** Runs the bundle's module code (once) and returns its exports. */
  run(): LoadedBundle<T>;
}

/**
 * loadWithCodeCache in two steps, so that the caller can let the event loop turn between them
 * (the bin takes an answer that came in while the bundle was compiled before its code runs).
 */
export function compileWithCodeCache<T>(options: CodeCacheOptions): CompiledBundle<T> {
  const bytes = readFileSync(options.file);
  const source = bytes.toString('utf8');
  const dir = options.dir;
  let cacheFile: string | undefined;
  let cachedData: Buffer | undefined;
  if (dir !== undefined) {
    cacheFile = codeCacheFile(dir, bytes);
    cachedData = readCache(cacheFile);
  }
  // The bundle is written as one function expression (CommonJS's module wrapper, tsup.config.ts).
  const script = new Script(source, {
    filename: options.file,
    ...(cachedData ? { cachedData } : {}),
  });
  const cache: CodeCacheOutcome =
    dir === undefined ? 'off' : !cachedData ? 'miss' : script.cachedDataRejected ? 'rejected' : 'used';
  let loaded: LoadedBundle<T> | undefined;
  const run = (): LoadedBundle<T> => {
    if (loaded) return loaded;
    const module = { exports: {} as T };
    (script.runInThisContext() as (...args: unknown[]) => void).call(
      module.exports,
      module.exports,
      createRequire(options.file),
      module,
      options.file,
      dirname(options.file),
    );
    let saved = false;
    const save = (): boolean => {
      if (saved || dir === undefined || cacheFile === undefined) return false;
      if (cache !== 'miss' && cache !== 'rejected') return false;
      saved = true;
      try {
        return writeCache(dir, cacheFile, script.createCachedData());
      } catch {
        return false;
      }
    };
    loaded = { exports: module.exports, cache, save };
    return loaded;
  };
  return { cache, run };
}
