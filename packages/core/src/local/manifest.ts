import { existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { z } from 'zod';

/**
 * `function.json`: the manifest of one local function. Everything but `handler` has a Lambda
 * default. Unknown keys are refused so a typo (`timout`) is caught instead of ignored.
 */
export const MANIFEST_FILE = 'function.json';

export const FUNCTION_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
const ALIAS_PATTERN = /^(?!^[0-9]+$)[a-zA-Z0-9_-]{1,128}$/;
const ENV_KEY_PATTERN = /^[a-zA-Z][a-zA-Z0-9_]+$/;

/** Environment variables Lambda sets itself; a function may not override them. */
export const RESERVED_ENV_KEYS = [
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
];

const JsonObject = z.record(z.string(), z.unknown());

export const ManifestSchema = z
  .object({
    name: z
      .string()
      .regex(FUNCTION_NAME_PATTERN, 'must be 1-64 letters, digits, hyphens or underscores')
      .optional(),
    description: z.string().max(256).default(''),
    handler: z.string().min(1).max(128).default('index.handler'),
    runtime: z
      .string()
      .regex(/^nodejs\d+\.x$/, 'must be a Node.js runtime such as nodejs22.x or nodejs24.x')
      .default('nodejs22.x'),
    /** Seconds, 1-900 as Lambda. */
    timeout: z.number().int().min(1).max(900).default(3),
    /** MB, 128-10240 as Lambda. */
    memorySize: z.number().int().min(128).max(10_240).default(128),
    environment: z
      .record(z.string().regex(ENV_KEY_PATTERN, 'must match [a-zA-Z][a-zA-Z0-9_]+'), z.string())
      .default({}),
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
    /** A JSON Schema object, or a path (inside the function folder) to a JSON file holding one. */
    inputSchema: z.union([JsonObject, z.string().min(1)]).optional(),
    outputSchema: z.union([JsonObject, z.string().min(1)]).optional(),
    reservedConcurrency: z.number().int().min(0).max(1000).optional(),
    /** Aliases of the function; local functions have one version, so every alias points to $LATEST. */
    aliases: z
      .record(
        z.string().regex(ALIAS_PATTERN, 'must be letters, digits, hyphens or underscores, not only digits'),
        z.literal('$LATEST'),
      )
      .default({}),
  })
  .strict();

export type Manifest = z.infer<typeof ManifestSchema>;

/** A function folder that loaded cleanly. */
export interface LocalFunctionSpec {
  name: string;
  /** Real path of the function folder. */
  dir: string;
  description: string;
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memorySizeMb: number;
  environment: Record<string, string>;
  tags: Record<string, string>;
  reservedConcurrency?: number;
  aliases: Record<string, string>;
  inputSchema?: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  /** Real path of the handler's module file. */
  handlerFile: string;
  /** Property path of the handler inside its module. */
  exportPath: string;
  lastModifiedMs: number;
  /** Changes when the manifest or the handler file changes; warm instances of an older one retire. */
  generation: string;
}

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  /** The function's name when the manifest got far enough to tell it. */
  functionName: string | undefined;
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** Checks that a relative path stays inside `root` (lexically, before any symlink is followed). */
function checkRelative(what: string, value: string): void {
  if (isAbsolute(value) || /^[a-zA-Z]:/.test(value) || value.startsWith('\\')) {
    throw new ManifestError(
      `${what} ${JSON.stringify(value)} is an absolute path; it must be relative to the function folder`,
    );
  }
  const parts = value.split(/[\\/]/);
  if (parts.includes('..')) {
    throw new ManifestError(
      `${what} ${JSON.stringify(value)} contains "..": it must stay inside the function folder`,
    );
  }
}

/** The real path of `file`, refused if a symlink takes it outside `root` (itself a real path). */
export async function realPathInside(root: string, file: string, what: string): Promise<string> {
  const real = await realpath(file);
  const rel = relative(root, real);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
    throw new ManifestError(
      `${what} resolves to ${real}, outside the function folder ${root}; symlinks may not leave the folder`,
    );
  }
  return real;
}

/**
 * Lambda's handler string: `path/to/module.export.path`. The module is the part before the first dot
 * after the last slash; files are tried as .js, .mjs, then .cjs (the Node.js runtime's order).
 */
export async function resolveHandler(
  dir: string,
  handler: string,
): Promise<{ file: string; exportPath: string }> {
  checkRelative('handler', handler);
  const slash = handler.lastIndexOf('/');
  const base = handler.slice(slash + 1);
  const dot = base.indexOf('.');
  if (dot <= 0 || dot === base.length - 1) {
    throw new ManifestError(
      `handler ${JSON.stringify(handler)} is malformed: expected "<module>.<export>", e.g. "index.handler"`,
    );
  }
  const modulePath = handler.slice(0, slash + 1) + base.slice(0, dot);
  const exportPath = base.slice(dot + 1);
  const tried: string[] = [];
  for (const ext of ['.js', '.mjs', '.cjs']) {
    const candidate = join(dir, modulePath + ext);
    tried.push(modulePath + ext);
    if (existsSync(candidate)) {
      const file = await realPathInside(dir, candidate, `handler file ${modulePath + ext}`);
      return { file, exportPath };
    }
  }
  throw new ManifestError(
    `handler ${JSON.stringify(handler)}: no module file found (looked for ${tried.join(', ')} in ${dir})`,
  );
}

async function loadSchema(
  dir: string,
  value: Record<string, unknown> | string | undefined,
  key: string,
): Promise<Record<string, unknown> | undefined> {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return value;
  checkRelative(key, value);
  const file = await realPathInside(dir, join(dir, value), `${key} file ${value}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ManifestError(`${key} file ${value} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ManifestError(`${key} file ${value} must hold a JSON Schema object`);
  }
  return parsed as Record<string, unknown>;
}

/** Parses and checks one function folder. Throws ManifestError with a message naming the problem. */
export async function loadFunctionFolder(folder: string, folderName: string): Promise<LocalFunctionSpec> {
  const dir = await realpath(folder);
  const manifestPath = join(dir, MANIFEST_FILE);
  const manifestStat = await stat(manifestPath);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (error) {
    throw new ManifestError(`${MANIFEST_FILE} is not valid JSON: ${(error as Error).message}`);
  }
  const rawName = (raw as { name?: unknown } | null)?.name;
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const error = new ManifestError(`${MANIFEST_FILE}: ${formatIssues(parsed.error)}`);
    error.functionName =
      typeof rawName === 'string' && FUNCTION_NAME_PATTERN.test(rawName) ? rawName : folderName;
    throw error;
  }
  const m = parsed.data;
  const name = m.name ?? folderName;
  try {
    return await finishLoading(dir, name, folderName, m, manifestStat);
  } catch (error) {
    if (error instanceof ManifestError) error.functionName = name;
    throw error;
  }
}

async function finishLoading(
  dir: string,
  name: string,
  folderName: string,
  m: Manifest,
  manifestStat: { mtimeMs: number; size: number },
): Promise<LocalFunctionSpec> {
  if (!FUNCTION_NAME_PATTERN.test(name)) {
    throw new ManifestError(
      `the folder name ${JSON.stringify(folderName)} is not a valid function name; set "name" (1-64 letters, digits, hyphens or underscores)`,
    );
  }
  if (Object.keys(m.tags).length > 50) throw new ManifestError('tags: at most 50 tags are allowed');
  const reserved = Object.keys(m.environment).filter((k) => RESERVED_ENV_KEYS.includes(k));
  if (reserved.length > 0) {
    throw new ManifestError(`environment: reserved keys cannot be set: ${reserved.join(', ')}`);
  }
  const { file, exportPath } = await resolveHandler(dir, m.handler);
  const handlerStat = await stat(file);
  const inputSchema = await loadSchema(dir, m.inputSchema, 'inputSchema');
  const outputSchema = await loadSchema(dir, m.outputSchema, 'outputSchema');
  const lastModifiedMs = Math.max(manifestStat.mtimeMs, handlerStat.mtimeMs);
  return {
    name,
    dir,
    description: m.description,
    handler: m.handler,
    runtime: m.runtime,
    timeoutSeconds: m.timeout,
    memorySizeMb: m.memorySize,
    environment: m.environment,
    tags: m.tags,
    ...(m.reservedConcurrency !== undefined ? { reservedConcurrency: m.reservedConcurrency } : {}),
    aliases: m.aliases,
    ...(inputSchema ? { inputSchema } : {}),
    ...(outputSchema ? { outputSchema } : {}),
    handlerFile: file,
    exportPath,
    lastModifiedMs: Math.floor(lastModifiedMs),
    generation: `${manifestStat.mtimeMs}:${manifestStat.size}:${handlerStat.mtimeMs}:${handlerStat.size}`,
  };
}
