import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI_DIR = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(CLI_DIR, 'dist', 'cli.js');
export const EXAMPLES = fileURLToPath(new URL('../../../examples/functions', import.meta.url));

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

/** Environment of a spawned bin: the test env without colour switches, plus `extra`. */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['FORCE_COLOR', 'NO_COLOR', 'LOG_LEVEL', 'CI', 'AWS_PROFILE', 'AWS_ENDPOINT_URL'])
    delete env[key];
  for (const key of Object.keys(env)) {
    if (/^(FUNCTION_|LAMBDA_MCP_|MCP_SERVER_)/.test(key)) delete env[key];
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs the built bin and collects its output; killed (and the test failed) after `timeoutMs`. */
export function runBin(args: string[], options: RunOptions = {}): Promise<RunResult> {
  if (!existsSync(BIN)) throw new Error(`build the CLI first: ${BIN} is missing`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? CLI_DIR,
      env: childEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `lambda-mcp ${args.join(' ')} did not finish in ${options.timeoutMs ?? 20_000} ms\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

export { waitFor } from '../../../tests/shared/wait-and-log.js';

export interface FunctionFixture {
  manifest: Record<string, unknown>;
  /** The handler module (index.mjs). */
  code: string;
}

/** A temporary functions directory with the given functions (folder name = function name). */
export async function makeFunctionsDir(functions: Record<string, FunctionFixture>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lambda-mcp-cli-'));
  for (const [name, fn] of Object.entries(functions)) {
    const folder = join(dir, name);
    await mkdir(folder);
    await writeFile(
      join(folder, 'function.json'),
      JSON.stringify({ name, handler: 'index.handler', ...fn.manifest }),
    );
    await writeFile(join(folder, 'index.mjs'), fn.code);
  }
  return dir;
}

export async function copyExamples(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lambda-mcp-cli-examples-'));
  await cp(EXAMPLES, dir, { recursive: true });
  return dir;
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}
