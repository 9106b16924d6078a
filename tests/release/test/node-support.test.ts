/**
 * Node.js 20.19+, 22 and 24. .ci/run runs this suite (with the stdio, HTTP and CLI suites) on
 * Node.js 22 and 24 from the npm registry's `node` package as well as on the machine's Node.js 20:
 * - the running Node.js is one the `engines` field (the same in every package) accepts;
 * - the deploy files use a maintained line: the Docker image on node:22 or node:24, the SAM
 *   template and the example functions on nodejs22.x / nodejs24.x, which the local backend accepts;
 * - the AWS SDK's notice that its 2027 releases need Node.js 22 (emitted on Node.js 20 when a client
 *   is created) is not printed by any bin: the servers log it at debug, the CLI shows it with --debug.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@lambda-mcp/aws-emulator';
import { createLocalBackend } from '@lambda-mcp/core/local';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, childEnv, EXAMPLES_DIR, REPO_ROOT, STDIO_BIN, startHttpBin } from '../../shared/bins.js';

const SUPPORTED_ENGINES = '^20.19.0 || ^22.12.0 || >=24.0.0';
const SDK_NOTICE = /NodeVersionSupportWarning|AWS SDK for JavaScript \(v3\)/;
const [MAJOR, MINOR] = process.versions.node.split('.').map(Number) as [number, number];

function readJson(path: string): { engines?: { node?: string } } {
  return JSON.parse(readFileSync(join(REPO_ROOT, path), 'utf8')) as { engines?: { node?: string } };
}

/** Every workspace package.json (root included). */
function packageJsons(): string[] {
  const out = ['package.json'];
  for (const group of ['packages', 'apps', 'examples', 'tests']) {
    for (const name of readdirSync(join(REPO_ROOT, group))) {
      try {
        readFileSync(join(REPO_ROOT, group, name, 'package.json'));
        out.push(`${group}/${name}/package.json`);
      } catch {
        // not a package
      }
    }
  }
  return out;
}

describe('supported Node.js lines', () => {
  it(`runs on a line the engines field accepts (${SUPPORTED_ENGINES}): this is Node.js ${process.version}`, () => {
    const ok = (MAJOR === 20 && MINOR >= 19) || (MAJOR === 22 && MINOR >= 12) || MAJOR >= 24;
    expect(ok, process.version).toBe(true);
  });

  it('every package says the same engines.node', () => {
    const files = packageJsons();
    expect(files.length).toBeGreaterThan(8);
    const wrong = files.filter((f) => readJson(f).engines?.node !== SUPPORTED_ENGINES);
    expect(wrong).toEqual([]);
  });

  it('the Docker image uses a maintained Node.js LTS (node:22 or node:24) in both stages', () => {
    const froms = readFileSync(join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8')
      .split('\n')
      .filter((l) => /^FROM\s/i.test(l));
    expect(froms.length).toBe(2);
    for (const from of froms) expect(from).toMatch(/^FROM node:(22|24)-bookworm-slim AS /);
  });

  it('the SAM template and the example functions use nodejs22.x or nodejs24.x', () => {
    const template = readFileSync(join(REPO_ROOT, 'deploy/lambda/template.yaml'), 'utf8');
    expect(template).toMatch(/^\s+Runtime: nodejs(22|24)\.x$/m);
    expect(template).not.toMatch(/nodejs(1\d|20)\.x/);
    const examples = readdirSync(EXAMPLES_DIR, { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(examples.length).toBeGreaterThanOrEqual(5);
    for (const d of examples) {
      const manifest = JSON.parse(readFileSync(join(EXAMPLES_DIR, d.name, 'function.json'), 'utf8'));
      expect(manifest.runtime, d.name).toMatch(/^nodejs(22|24)\.x$/);
    }
  });

  it('the local backend runs functions declaring nodejs22.x and nodejs24.x, and names a non-Node runtime as the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lambda-mcp-runtimes-'));
    try {
      for (const [name, runtime] of [
        ['on22', 'nodejs22.x'],
        ['on24', 'nodejs24.x'],
        ['onpython', 'python3.13'],
      ] as const) {
        mkdirSync(join(dir, name));
        writeFileSync(
          join(dir, name, 'function.json'),
          JSON.stringify({ handler: 'index.handler', runtime }),
        );
        writeFileSync(join(dir, name, 'index.mjs'), 'export const handler = async (e) => ({ got: e });\n');
      }
      const backend = createLocalBackend({ dir });
      try {
        const fns = await backend.listFunctions();
        expect(Object.fromEntries(fns.map((f) => [f.name, f.runtime]))).toEqual({
          on22: 'nodejs22.x',
          on24: 'nodejs24.x',
        });
        for (const name of ['on22', 'on24']) {
          const r = await backend.invoke({
            functionName: name,
            invocationType: 'RequestResponse',
            logType: 'None',
            payload: new TextEncoder().encode('{"n":1}'),
          });
          expect(JSON.parse(Buffer.from(r.payload ?? new Uint8Array()).toString('utf8'))).toEqual({
            got: { n: 1 },
          });
        }
        const bad = await backend
          .invoke({
            functionName: 'onpython',
            invocationType: 'RequestResponse',
            logType: 'None',
            payload: new Uint8Array(),
          })
          .then(
            () => 'no error',
            (e: Error) => e.message,
          );
        expect(bad).toMatch(/runtime.*Node\.js runtime such as nodejs22\.x/);
      } finally {
        await backend.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * The files `docker build` would send from this checkout under .dockerignore. Supports the forms
 * the file uses: a path from the root (`.git`, `bench/results`), `**\/<name>` and `**\/*.<ext>`.
 */
function dockerContext(): { files: string[]; bytes: number } {
  const patterns = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const glob = (p: string) => new RegExp(`^${p.replaceAll('.', '\\.').replaceAll('*', '[^/]*')}$`);
  const rooted = patterns.filter((p) => !p.startsWith('**/')).map(glob);
  const anywhere = patterns.filter((p) => p.startsWith('**/')).map((p) => glob(p.slice(3)));
  const ignored = (rel: string) =>
    rooted.some((r) => r.test(rel)) || anywhere.some((r) => r.test(rel.split('/').at(-1) as string));
  const files: string[] = [];
  let bytes = 0;
  const walk = (rel: string) => {
    for (const d of readdirSync(join(REPO_ROOT, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${d.name}` : d.name;
      if (ignored(path)) continue;
      if (d.isDirectory()) walk(path);
      else if (d.isFile()) {
        files.push(path);
        bytes += statSync(join(REPO_ROOT, path)).size;
      }
    }
  };
  walk('');
  return { files, bytes };
}

describe('deploy/Dockerfile build context (.dockerignore)', () => {
  it('leaves out installed packages, builds, caches and git, and keeps what the build needs', () => {
    const { files, bytes } = dockerContext();
    const bad = files.filter((f) => /(^|\/)(node_modules|dist|\.turbo|\.git)\//.test(f));
    expect(bad.slice(0, 5)).toEqual([]);
    for (const needed of [
      'package.json',
      'pnpm-lock.yaml',
      'pnpm-workspace.yaml',
      '.npmrc',
      'turbo.json',
      'tsconfig.base.json',
      'apps/http-server/package.json',
      'apps/http-server/src/cli.ts',
      'packages/core/src/index.ts',
      'examples/functions/echo/function.json',
      'tests/release/package.json',
    ]) {
      expect(files, needed).toContain(needed);
    }
    // The sources, manifests and lockfile: a few MB (a developer checkout is several hundred).
    expect(bytes).toBeLessThan(30 * 1024 * 1024);
  });
});

describe("the AWS SDK's Node.js 20 notice is not printed by the bins", () => {
  let emulator: Emulator;
  const aws = () => ({
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ACCESS_KEY_ID: 'AKIDNODEVERSIONS',
    AWS_SECRET_ACCESS_KEY: 'node-versions-secret',
  });

  beforeAll(async () => {
    emulator = await startEmulator({ functionsDir: EXAMPLES_DIR });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  async function stdioStderr(env: Record<string, string>): Promise<string> {
    let stderr = '';
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [STDIO_BIN],
      env: childEnv({ ...aws(), ...env }),
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    const client = new Client({ name: 'node-support-test', version: '1.0.0' });
    await client.connect(transport);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('echo');
    await client.close();
    return stderr;
  }

  it('lambda-mcp-stdio against AWS (the emulator): nothing at the default level; at debug on Node.js 20 only', async () => {
    expect(await stdioStderr({})).not.toMatch(SDK_NOTICE);
    const debug = await stdioStderr({ LOG_LEVEL: 'debug' });
    if (MAJOR < 22) {
      // The notice exists on this Node.js and is routed to the logger at debug: the check above could fail.
      expect(debug).toMatch(/"level":"debug"[^\n]*NodeVersionSupportWarning/);
    } else {
      expect(debug).not.toMatch(SDK_NOTICE);
    }
  }, 120_000);

  it('lambda-mcp-http against AWS (the emulator)', async () => {
    const server = await startHttpBin([], aws());
    try {
      const res = await fetch(`${server.base}/health`);
      expect(res.status).toBe(200);
      await fetch(`${server.base}/ready`);
    } finally {
      await server.stop();
    }
    expect(server.stderr()).not.toMatch(SDK_NOTICE);
  }, 120_000);

  it('lambda-mcp (the CLI) against AWS (the emulator), and with --debug on Node.js 20', async () => {
    // Asynchronous: the emulator answers from this process, so the test must not block its event loop.
    const run = (args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
        execFile(
          process.execPath,
          [CLI_BIN, ...args],
          { env: childEnv(aws()), encoding: 'utf8', timeout: 60_000 },
          (error, stdout, stderr) => done({ status: error ? (error.code as number) : 0, stdout, stderr }),
        );
      });
    const r = await run(['functions']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^echo\s/m);
    expect(r.stderr).not.toMatch(SDK_NOTICE);
    // An invocation loads the SDK (discovery's pages are read without it where it can: lean reads).
    const invoked = await run(['invoke', 'echo', '--payload', '{"hi":1}']);
    expect(invoked.status, invoked.stderr).toBe(0);
    expect(invoked.stderr).not.toMatch(SDK_NOTICE);
    const debug = await run(['invoke', 'echo', '--payload', '{"hi":1}', '--debug']);
    expect(debug.status, debug.stderr).toBe(0);
    if (MAJOR < 22) expect(debug.stderr).toMatch(SDK_NOTICE);
    else expect(debug.stderr).not.toMatch(SDK_NOTICE);
  }, 120_000);
});
