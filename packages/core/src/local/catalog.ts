import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { LambdaMcpError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { FunctionConfig, UnusableFunction } from '../types.js';
import {
  FUNCTION_NAME_PATTERN,
  type LocalFunctionSpec,
  loadFunctionFolder,
  MANIFEST_FILE,
  ManifestError,
} from './manifest.js';

/** What a synthetic function's in-process handler receives as context. */
export interface SyntheticContext {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  getRemainingTimeInMillis(): number;
  /** Writes a line to the invocation's log (INFO). */
  log(message: string): void;
}

export type SyntheticHandler = (event: unknown, context: SyntheticContext) => unknown;

/**
 * A function without a folder or a worker: configuration and tags only, for catalogs of thousands
 * of functions (benchmarks, the emulator). Invoking one echoes the event, or calls `invoke` in the
 * host process (not isolated: for tests and benchmarks only).
 */
export interface SyntheticFunctionSpec
  extends Partial<Omit<FunctionConfig, 'name' | 'arn' | 'handler' | 'tags'>> {
  name: string;
  /** Ignored: the ARN is derived from the backend's region and account. */
  arn?: string;
  handler?: string;
  tags?: Record<string, string>;
  environment?: Record<string, string>;
  aliases?: string[];
  inputSchema?: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  invoke?: SyntheticHandler;
}

export interface CatalogEntry {
  spec: LocalFunctionSpec;
  synthetic?: { invoke?: SyntheticHandler };
}

interface FolderState {
  key: string;
  entry?: CatalogEntry;
  problem?: string;
  problemName?: string;
}

export interface LocalCatalogOptions {
  dir?: string;
  synthetic?: SyntheticFunctionSpec[];
  logger: Logger;
  /** How long a scan result is trusted by lookups before the folder is checked again (ms). */
  recheckMs: number;
}

function syntheticSpec(s: SyntheticFunctionSpec, now: number): CatalogEntry {
  if (!FUNCTION_NAME_PATTERN.test(s.name)) {
    throw new LambdaMcpError(
      'INVALID_CONFIG',
      `Synthetic function name ${JSON.stringify(s.name)} is invalid: use 1-64 letters, digits, hyphens or underscores.`,
    );
  }
  const aliases: Record<string, string> = {};
  for (const a of s.aliases ?? []) aliases[a] = '$LATEST';
  const lastModifiedMs = s.lastModified ? Date.parse(s.lastModified.replace(/\+0000$/, 'Z')) : now;
  return {
    spec: {
      name: s.name,
      dir: '',
      description: s.description ?? '',
      handler: s.handler ?? 'index.handler',
      runtime: s.runtime ?? 'nodejs22.x',
      timeoutSeconds: s.timeoutSeconds ?? 3,
      memorySizeMb: s.memorySizeMb ?? 128,
      environment: s.environment ?? {},
      tags: s.tags ?? {},
      ...(s.reservedConcurrency !== undefined ? { reservedConcurrency: s.reservedConcurrency } : {}),
      aliases,
      ...(s.inputSchema ? { inputSchema: s.inputSchema } : {}),
      ...(s.outputSchema ? { outputSchema: s.outputSchema } : {}),
      handlerFile: '',
      exportPath: '',
      lastModifiedMs: Number.isFinite(lastModifiedMs) ? lastModifiedMs : now,
      generation: 'synthetic',
    },
    synthetic: s.invoke ? { invoke: s.invoke } : {},
  };
}

/**
 * The functions a local backend knows: the folders of `dir` (re-read on each scan, manifests
 * cached by mtime and size) plus synthetic functions. A folder with a bad manifest is skipped with
 * one warning per distinct problem; its name is remembered so an invocation can say why.
 */
export class LocalCatalog {
  readonly dir: string | undefined;
  private readonly logger: Logger;
  private readonly recheckMs: number;
  private readonly synthetic = new Map<string, CatalogEntry>();
  private folders = new Map<string, FolderState>();
  private byName = new Map<string, CatalogEntry>();
  private problems = new Map<string, string>();
  private lastScanAt = 0;
  private scanning: Promise<void> | undefined;
  private missingDirWarned = false;

  constructor(options: LocalCatalogOptions) {
    this.dir = options.dir === undefined ? undefined : resolve(options.dir);
    this.logger = options.logger;
    this.recheckMs = options.recheckMs;
    const now = Date.now();
    for (const s of options.synthetic ?? []) this.synthetic.set(s.name, syntheticSpec(s, now));
  }

  addSynthetic(spec: SyntheticFunctionSpec): void {
    this.synthetic.set(spec.name, syntheticSpec(spec, Date.now()));
  }

  removeSynthetic(name: string): boolean {
    return this.synthetic.delete(name);
  }

  /** Every function, folder functions first re-read from disk. Sorted by name. */
  async list(): Promise<CatalogEntry[]> {
    await this.scan();
    const all = new Map(this.byName);
    for (const [name, entry] of this.synthetic) all.set(name, entry);
    return [...all.values()].sort((a, b) =>
      a.spec.name < b.spec.name ? -1 : a.spec.name > b.spec.name ? 1 : 0,
    );
  }

  /** One function; rescans the folder when the last scan is older than `recheckMs` or the name is unknown. */
  async get(name: string): Promise<CatalogEntry | { problem: string } | undefined> {
    const synthetic = this.synthetic.get(name);
    if (synthetic) return synthetic;
    if (this.dir === undefined) return undefined;
    const age = Date.now() - this.lastScanAt;
    const known = this.byName.get(name);
    if (!(known && age < this.recheckMs) && age >= Math.min(50, this.recheckMs)) await this.scan();
    const entry = this.byName.get(name);
    if (entry) return entry;
    const problem = this.problems.get(name);
    return problem === undefined ? undefined : { problem };
  }

  /** The folders with a function.json that holds no usable function (after a fresh scan), and why. */
  async unusable(): Promise<UnusableFunction[]> {
    await this.scan();
    const out: UnusableFunction[] = [];
    for (const [folder, state] of this.folders) {
      if (state.problem === undefined) continue;
      out.push({ name: state.problemName ?? basename(folder), location: folder, problem: state.problem });
    }
    return out;
  }

  scan(): Promise<void> {
    if (this.dir === undefined) return Promise.resolve();
    if (!this.scanning) {
      this.scanning = this.doScan(this.dir).finally(() => {
        this.scanning = undefined;
      });
    }
    return this.scanning;
  }

  private async doScan(dir: string): Promise<void> {
    let dirents: import('node:fs').Dirent[];
    try {
      dirents = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        if (!this.missingDirWarned) {
          this.missingDirWarned = true;
          this.logger.warn('local functions directory not found; no folder functions', { dir });
        }
        this.folders = new Map();
        this.byName = new Map();
        this.problems = new Map();
        this.lastScanAt = Date.now();
        return;
      }
      throw new LambdaMcpError(
        'BACKEND_UNAVAILABLE',
        `Cannot read the functions directory ${dir}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    this.missingDirWarned = false;
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const folders = new Map<string, FolderState>();
    const byName = new Map<string, CatalogEntry>();
    const problems = new Map<string, string>();
    const owner = new Map<string, string>();
    for (const dirent of dirents) {
      if (dirent.name.startsWith('.') || dirent.name === 'node_modules') continue;
      if (!dirent.isDirectory() && !dirent.isSymbolicLink()) continue;
      const folder = join(dir, dirent.name);
      let key: string;
      try {
        const s = await stat(join(folder, MANIFEST_FILE));
        key = `${s.mtimeMs}:${s.size}`;
      } catch {
        continue; // not a function folder
      }
      const previous = this.folders.get(folder);
      let state: FolderState;
      if (previous?.entry && previous.key === key && (await this.stillCurrent(previous.entry))) {
        state = previous;
      } else {
        state = await this.load(folder, dirent.name, key, previous);
      }
      folders.set(folder, state);
      if (state.entry) {
        const name = state.entry.spec.name;
        const first = owner.get(name);
        if (first !== undefined) {
          const problem = `function name ${JSON.stringify(name)} is already used by folder ${first}`;
          this.warnOnce(folder, state, problem, name);
          continue;
        }
        owner.set(name, folder);
        byName.set(name, state.entry);
        // No longer a duplicate (the other folder went away): usable again.
        delete state.problem;
        delete state.problemName;
      } else if (state.problem !== undefined) {
        const name = state.problemName ?? dirent.name;
        if (!owner.has(name)) problems.set(name, state.problem);
      }
    }
    this.folders = folders;
    this.byName = byName;
    this.problems = problems;
    this.lastScanAt = Date.now();
  }

  /** A cached folder is current when its handler file has not changed either. */
  private async stillCurrent(entry: CatalogEntry): Promise<boolean> {
    try {
      const s = await stat(entry.spec.handlerFile);
      return entry.spec.generation.endsWith(`:${s.mtimeMs}:${s.size}`);
    } catch {
      return false;
    }
  }

  private async load(
    folder: string,
    folderName: string,
    key: string,
    previous?: FolderState,
  ): Promise<FolderState> {
    try {
      const spec = await loadFunctionFolder(folder, folderName);
      return { key, entry: { spec } };
    } catch (error) {
      const problem =
        error instanceof ManifestError ? error.message : `cannot load: ${(error as Error).message}`;
      const name = error instanceof ManifestError ? error.functionName : undefined;
      const state: FolderState = { key, problem, ...(name ? { problemName: name } : {}) };
      if (previous?.problem !== problem) {
        this.logger.warn('skipping local function folder with a bad manifest', { folder, problem });
      }
      return state;
    }
  }

  private warnOnce(folder: string, state: FolderState, problem: string, name: string): void {
    if (state.problem === problem) return;
    state.problem = problem;
    state.problemName = name;
    this.logger.warn('skipping local function folder', { folder, problem });
  }
}
