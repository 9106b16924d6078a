/**
 * Release readiness of the five published packages, from what npm users would get:
 *
 * 1. `publint` (strict) and "are the types wrong" (`attw`) on each package: core is dual ESM/CJS and
 *    is checked with attw's default (strict) profile; mcp-server and the three apps ship ESM only
 *    (Node >= 20.19 can require() them) and are checked with `--profile esm-only`.
 * 2. Each package packed by `pnpm pack:all` (scripts/pack-all.mjs: `pnpm pack`, which rewrites
 *    workspace: and catalog: versions, into one folder), the tarballs installed into a fresh
 *    temporary project with `npm install` (third-party dependencies
 *    from the registry; npm's cache is reused), then from that project: every bin with --version,
 *    --help and one real call against the bundled example functions (the CLI invokes echo; the
 *    stdio server is driven by an MCP client; the HTTP server is started on port 0 and called), and
 *    @lambda-mcp/core imported from ESM and from CommonJS (the examples/embedding app, copied there).
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { publint } from 'publint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const HERE = resolve(import.meta.dirname, '..');
const EXAMPLES = join(ROOT, 'examples/functions');
const ATTW = join(HERE, 'node_modules/.bin/attw');
const INSTALL_TIMEOUT_MS = 300_000;

interface Published {
  name: string;
  dir: string;
  /** attw profile: dual packages use the default (strict) one. */
  profile?: 'esm-only';
  bins: string[];
}

const PACKAGES: Published[] = [
  { name: '@lambda-mcp/core', dir: 'packages/core', bins: [] },
  { name: '@lambda-mcp/mcp-server', dir: 'packages/mcp-server', profile: 'esm-only', bins: [] },
  {
    name: '@lambda-mcp/stdio-server',
    dir: 'apps/stdio-server',
    profile: 'esm-only',
    bins: ['lambda-mcp-stdio'],
  },
  {
    name: '@lambda-mcp/http-server',
    dir: 'apps/http-server',
    profile: 'esm-only',
    bins: ['lambda-mcp-http'],
  },
  { name: '@lambda-mcp/cli', dir: 'apps/cli', profile: 'esm-only', bins: ['lambda-mcp'] },
];

const work = mkdtempSync(join(tmpdir(), 'lambda-mcp-release-'));
const packs = join(work, 'packs');
const project = join(work, 'project');
const tarballs = new Map<string, string>();
let installError: string | undefined;

function versionOf(dir: string): string {
  return (JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as { version: string }).version;
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; timeout?: number; env?: NodeJS.ProcessEnv },
) {
  const out = spawnSync(command, args, {
    cwd: options.cwd,
    encoding: 'utf8',
    timeout: options.timeout ?? 60_000,
    // No catalog cache or invocation history left in the user's cache directory.
    env: { ...process.env, NO_COLOR: '1', LAMBDA_MCP_DISK_CACHE: 'false', ...options.env },
  });
  return { code: out.status, stdout: out.stdout ?? '', stderr: out.stderr ?? '', error: out.error };
}

beforeAll(() => {
  mkdirSync(packs);
  mkdirSync(project);
  // The documented command (`pnpm pack:all`), without its build: turbo built everything first.
  const packed = run(process.execPath, [join(ROOT, 'scripts/pack-all.mjs'), '--no-build', '--out', packs], {
    cwd: ROOT,
    timeout: 240_000,
  });
  expect(packed.code, packed.stderr).toBe(0);
  const files = packed.stdout.trim().split('\n');
  for (const p of PACKAGES) {
    const file = files.find(
      (f) => basename(f) === `${p.name.slice(1).replace('/', '-')}-${versionOf(p.dir)}.tgz`,
    );
    expect(file, packed.stdout).toBeDefined();
    tarballs.set(p.name, file as string);
  }
  // Exactly the public packages, nothing private.
  expect(files.length, packed.stdout).toBe(PACKAGES.length);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'lambda-mcp-release-check', version: '0.0.0', private: true }, null, 2),
  );
  // The registry serves the third-party dependencies; npm's cache (default location) is reused,
  // and --prefer-offline takes cached metadata without asking again.
  const install = run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs.values()],
    { cwd: project, timeout: INSTALL_TIMEOUT_MS },
  );
  if (install.code !== 0) {
    installError = `npm install failed (${install.code ?? install.error?.message}): ${install.stderr.slice(-2000)}`;
  }
}, INSTALL_TIMEOUT_MS + 60_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('package checks', () => {
  for (const p of PACKAGES) {
    it(`${p.name}: publint (strict) finds nothing`, async () => {
      const { messages } = await publint({ pkgDir: join(ROOT, p.dir), strict: true, pack: 'pnpm' });
      expect(messages.map((m) => `${m.type} ${m.code} ${JSON.stringify(m.args)}`)).toEqual([]);
    });

    it(`${p.name}: are the types wrong (${p.profile ?? 'strict'} profile) finds nothing`, () => {
      const tarball = tarballs.get(p.name) as string;
      const out = run(ATTW, [tarball, '--format', 'json', ...(p.profile ? ['--profile', p.profile] : [])], {
        cwd: packs,
        timeout: 110_000,
      });
      const report = JSON.parse(out.stdout) as {
        problems?: Record<string, Array<{ resolutionKind?: string }>>;
      };
      const ignored = p.profile === 'esm-only' ? ['node10', 'node16-cjs'] : [];
      const problems = Object.values(report.problems ?? {})
        .flat()
        .filter((x) => !ignored.includes(x.resolutionKind ?? ''));
      expect(problems).toEqual([]);
      expect(out.code, out.stderr).toBe(0);
      // attw takes 5-45 s depending on the machine's load: a bound, not a speed check.
    }, 120_000);

    it(`${p.name}: the tarball holds dist, README and package.json with real versions`, () => {
      const list = run('tar', ['tzf', tarballs.get(p.name) as string], { cwd: packs }).stdout.split('\n');
      expect(list).toContain('package/package.json');
      expect(list).toContain('package/README.md');
      expect(list.some((f) => f.startsWith('package/dist/'))).toBe(true);
      expect(list.some((f) => /^package\/(src|test)\//.test(f))).toBe(false);
      const manifest = run('tar', ['xzOf', tarballs.get(p.name) as string, 'package/package.json'], {
        cwd: packs,
      });
      expect(manifest.stdout).not.toMatch(/"(workspace|catalog):/);
    });
  }
});

describe('installed from the tarballs with npm into a fresh project', () => {
  const bin = (name: string) => join(project, 'node_modules/.bin', name);

  it('npm install succeeds', () => {
    expect(installError).toBeUndefined();
    for (const p of PACKAGES) {
      const installed = JSON.parse(
        readFileSync(join(project, 'node_modules', p.name, 'package.json'), 'utf8'),
      ) as { version: string };
      expect(installed.version).toBe(versionOf(p.dir));
    }
  });

  for (const p of PACKAGES) {
    for (const name of p.bins) {
      it(`${name} --version and --help`, () => {
        expect(installError).toBeUndefined();
        const version = run(bin(name), ['--version'], { cwd: project });
        expect(version.code, version.stderr).toBe(0);
        expect(version.stdout.trim()).toMatch(
          new RegExp(`(^|\\s)${versionOf(p.dir).replaceAll('.', '\\.')}$`),
        );
        const help = run(bin(name), ['--help'], { cwd: project });
        expect(help.code, help.stderr).toBe(0);
        expect(help.stdout).toMatch(/usage/i);
        expect(help.stdout).toContain(name);
      });
    }
  }

  it('lambda-mcp invoke echo --local runs a bundled function', () => {
    expect(installError).toBeUndefined();
    const out = run(
      bin('lambda-mcp'),
      ['invoke', 'echo', '--local', EXAMPLES, '--payload', '{"hello":"from the tarball"}', '--json'],
      { cwd: project },
    );
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(out.stdout))).toContain('"hello":"from the tarball"');
  });

  it('lambda-mcp-stdio answers tools/list and tools/call from an MCP client', async () => {
    expect(installError).toBeUndefined();
    const transport = new StdioClientTransport({
      command: bin('lambda-mcp-stdio'),
      args: ['--local', EXAMPLES],
      cwd: project,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LAMBDA_MCP_DISK_CACHE: 'false' },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'release-check', version: '1.0.0' });
    await client.connect(transport);
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toEqual(expect.arrayContaining(['echo', 'data_processor', 'invoke_function']));
      const result = await client.callTool({ name: 'echo', arguments: { hello: 'stdio' } });
      expect(result.structuredContent).toEqual({ hello: 'stdio' });
    } finally {
      await client.close();
    }
  });

  it("the stdio server's bin of earlier versions, dist/cli.js, still runs through node", () => {
    expect(installError).toBeUndefined();
    // Client configurations written for earlier versions: "command": "node", args [".../dist/cli.js"].
    const old = join(project, 'node_modules/@lambda-mcp/stdio-server/dist/cli.js');
    const out = run(process.execPath, [old, '--version'], { cwd: project });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.trim()).toBe(versionOf('apps/stdio-server'));
  });

  it('lambda-mcp-http starts on a free port and answers a tools/call', async () => {
    expect(installError).toBeUndefined();
    const child: ChildProcessWithoutNullStreams = spawn(
      bin('lambda-mcp-http'),
      ['--local', EXAMPLES, '--port', '0', '--no-disk-cache'],
      {
        cwd: project,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LAMBDA_MCP_DISK_CACHE: 'false' },
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const deadline = Date.now() + 20_000;
      let url: string | undefined;
      while (!url && Date.now() < deadline && child.exitCode === null) {
        url = /"msg":"Listening".*?"url":"([^"]+)"/.exec(stderr)?.[1];
        if (!url) await new Promise((r) => setTimeout(r, 25));
      }
      expect(url, stderr).toBeDefined();
      const client = new Client({ name: 'release-check', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url as string)));
      const result = await client.callTool({ name: 'echo', arguments: { hello: 'http' } });
      expect(result.structuredContent).toEqual({ hello: 'http' });
      await client.close();
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  it('@lambda-mcp/core imports from ESM and CommonJS (the embedding example, run there)', () => {
    expect(installError).toBeUndefined();
    for (const file of ['index.mjs', 'index.cjs']) {
      copyFileSync(join(ROOT, 'examples/embedding', file), join(project, file));
    }
    const esm = run(process.execPath, ['index.mjs', EXAMPLES], { cwd: project });
    expect(esm.code, esm.stderr).toBe(0);
    expect(esm.stdout).toMatch(
      /^5 functions: always-fails, customer-lookup, data-processor, echo, slow-report$/m,
    );
    expect(esm.stdout).toMatch(/refused \(INVALID_INPUT\): .*data_source/);
    expect(esm.stdout).toMatch(/echo answered \{"hello":"from an embedding app"\}/);
    const cjs = run(process.execPath, ['index.cjs', EXAMPLES], { cwd: project });
    expect(cjs.code, cjs.stderr).toBe(0);
    expect(cjs.stdout).toContain('echo answered {"from":"cjs"}');
    expect(cjs.stdout).toContain('refused: FUNCTION_NOT_ALLOWED');
    // Resolved from the installed tarball, not the workspace.
    const where = run(process.execPath, ['-e', 'console.log(require.resolve("@lambda-mcp/core/local"))'], {
      cwd: project,
    });
    expect(where.stdout.trim()).toBe(join(project, 'node_modules/@lambda-mcp/core/dist/local/index.cjs'));
  });
});

describe('the README install from tarballs: pnpm pack:all, then npm i -g of the folder', () => {
  it(
    'puts lambda-mcp, lambda-mcp-stdio and lambda-mcp-http on the PATH, and they run',
    () => {
      const prefix = join(work, 'global');
      const files = readdirSync(packs)
        .filter((f) => f.endsWith('.tgz'))
        .map((f) => join(packs, f));
      expect(files.length).toBe(PACKAGES.length);
      const install = run(
        'npm',
        [
          'i',
          '-g',
          '--prefix',
          prefix,
          '--no-audit',
          '--no-fund',
          '--prefer-offline',
          '--loglevel=error',
          ...files,
        ],
        { cwd: work, timeout: INSTALL_TIMEOUT_MS },
      );
      expect(install.code, install.stderr).toBe(0);
      const env = { PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}` };
      for (const p of PACKAGES) {
        for (const name of p.bins) {
          const where = run('sh', ['-c', `command -v ${name}`], { cwd: work, env });
          expect(where.stdout.trim(), name).toBe(join(prefix, 'bin', name));
          const version = run(name, ['--version'], { cwd: work, env });
          expect(version.code, version.stderr).toBe(0);
          expect(version.stdout).toContain(versionOf(p.dir));
        }
      }
      const out = run(
        'lambda-mcp',
        ['invoke', 'echo', '--local', EXAMPLES, '--payload', '{"global":true}', '--json'],
        {
          cwd: work,
          env,
        },
      );
      expect(out.code, out.stderr).toBe(0);
      expect(JSON.stringify(JSON.parse(out.stdout))).toContain('"global":true');
    },
    INSTALL_TIMEOUT_MS + 60_000,
  );
});
