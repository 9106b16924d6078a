#!/usr/bin/env node
// What .ci/run runs, in one fresh clone of this checkout (an empty temporary folder, nothing beside
// it), so the suite proves the repository is self-contained while it runs:
//
//   quick-start   the README's first Quick start command, until /health answers;
//   test          the README's test command, exactly as it is (the whole suite);
//   node-22, node-24
//                 the end-to-end suites (stdio, HTTP, CLI, release install) again, on Node.js 22 and
//                 24 from the npm registry's `node` package (tools/node-versions), in the same clone
//                 (already installed and built by the steps before).
//
// Each step ends with its own `N passed, N failed, N skipped` line; this script then prints one line
// per step and, last, the sum over every step. Bounded: every child has a time limit. The clone's
// runs get LAMBDA_MCP_CI_INNER=1, so a .ci/run started inside them runs the README's test command
// only and clones nothing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const TOTALS = /^(\d+) passed, (\d+) failed, (\d+) skipped$/;
const E2E = [
  '@lambda-mcp/stdio-server',
  '@lambda-mcp/http-server',
  '@lambda-mcp/cli',
  '@lambda-mcp/test-release',
];
const NODE_LINES = ['22', '24'];
const MINUTE = 60_000;

/** The last `N passed, N failed, N skipped` line of a step's output, or one failure if there is none. */
export function totalsOf(output) {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => TOTALS.test(l));
  const last = lines.at(-1);
  if (!last) return { passed: 0, failed: 1, skipped: 0, note: 'no totals line (the step did not finish)' };
  const [, passed, failed, skipped] = TOTALS.exec(last).map(Number);
  return { passed, failed, skipped };
}

/** The README's Quick start commands: the first two ```sh blocks after `## Quick start`. */
export function quickStartCommands(readme) {
  const section = readme.slice(readme.indexOf('## Quick start'));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)\n```/g)].map((m) => m[1].trim());
  if (blocks.length < 2) throw new Error('README.md: expected two ```sh blocks under "## Quick start"');
  return { start: blocks[0], test: blocks[1] };
}

/**
 * Runs `command` through bash in its own process group, echoing and keeping its output;
 * `onOutput(output, child)` sees the output so far.
 */
function run(command, { cwd, env, limitMs, onOutput }) {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const take = (stream) => (chunk) => {
      const text = chunk.toString('utf8');
      output += text;
      stream.write(text);
      onOutput?.(output, child);
    };
    child.stdout.on('data', take(process.stdout));
    child.stderr.on('data', take(process.stderr));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stopGroup(child);
    }, limitMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, timedOut });
    });
  });
}

function stopGroup(child, signal = 'SIGTERM') {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function nodeLine(version, cwd, baseEnv) {
  const tools = join(cwd, 'tools/node-versions');
  const bin = join(tools, 'node_modules', `node${version}`, 'bin');
  if (!existsSync(join(bin, 'node'))) {
    const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--prefix', tools], {
      encoding: 'utf8',
      timeout: 10 * MINUTE,
    });
    if (install.status !== 0) {
      return {
        passed: 0,
        failed: 1,
        skipped: 0,
        note: `npm ci --prefix tools/node-versions failed: ${(install.stderr || install.error?.message || '').slice(-500)}`,
      };
    }
  }
  const env = { ...baseEnv, PATH: `${bin}${delimiter}${baseEnv.PATH}` };
  const seen = spawnSync('node', ['--version'], { env, encoding: 'utf8' }).stdout.trim();
  if (!seen.startsWith(`v${version}.`)) {
    return { passed: 0, failed: 1, skipped: 0, note: `expected Node.js ${version}, the PATH gives ${seen}` };
  }
  console.log(`\n== Node.js ${seen}: ${E2E.join(', ')} ==`);
  if (!existsSync(join(cwd, 'node_modules'))) {
    // Run alone (no test step before it): the clone is not installed yet.
    const installed = await run('pnpm install --frozen-lockfile', { cwd, env, limitMs: 10 * MINUTE });
    if (installed.code !== 0) return { passed: 0, failed: 1, skipped: 0, note: 'pnpm install failed' };
  }
  const filters = E2E.map((p) => `--filter=${p}`).join(' ');
  const r = await run(`node scripts/test-all.mjs ${filters}`, { cwd, env, limitMs: 15 * MINUTE });
  return { ...totalsOf(r.output), ...(r.timedOut ? { note: 'timed out after 15 minutes' } : {}) };
}

/** A clone of this checkout's HEAD in an empty temporary folder; `null` and a note when it fails. */
function cloneCheckout() {
  const parent = mkdtempSync(join(tmpdir(), 'lambda-mcp-fresh-'));
  const dir = join(parent, 'lambda-mcp');
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (dirty.stdout.trim()) console.log('ci: uncommitted changes are not in the clone (it has HEAD only)');
  const clone = spawnSync('git', ['clone', '--quiet', '--no-local', '--no-hardlinks', ROOT, dir], {
    encoding: 'utf8',
    timeout: 5 * MINUTE,
  });
  if (clone.status !== 0) return { parent, dir: null, note: `git clone failed: ${clone.stderr}` };
  if (readdirSync(parent).length !== 1) throw new Error('the clone folder has something beside it');
  return { parent, dir };
}

/** The README's first Quick start command in the clone, until /health answers (then stopped). */
async function quickStart(dir, start, env) {
  console.log(`\n== quick start in ${dir} (nothing beside it) ==\n$ ${start}`);
  let health = null;
  let polling = false;
  const first = await run(start, {
    cwd: dir,
    env: { ...env, MCP_SERVER_PORT: '0' }, // an ephemeral port
    limitMs: 10 * MINUTE,
    onOutput: (out, child) => {
      const url = /http:\/\/127\.0\.0\.1:(\d+)\/mcp/.exec(out);
      if (!url || polling) return;
      polling = true;
      const base = `http://127.0.0.1:${url[1]}`;
      void (async () => {
        for (let i = 0; i < 100 && !health; i++) {
          try {
            const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) });
            if (res.status === 200) health = { url: `${base}/health`, body: await res.text() };
          } catch {
            // not yet
          }
          if (!health) await new Promise((r) => setTimeout(r, 100));
        }
        stopGroup(child);
      })();
    },
  });
  if (health) {
    console.log(`quick start: GET ${health.url} answered 200 ${health.body.slice(0, 200)}`);
    return { passed: 1, failed: 0, skipped: 0 };
  }
  const why = `the quick start never answered /health (exit ${first.code ?? first.signal})`;
  console.log(`quick start: ${why}`);
  return { passed: 0, failed: 1, skipped: 0, note: why };
}

/** The README's test command in the clone, as it is. */
async function testCommand(dir, test, env) {
  console.log(`\n== the README's test command in ${dir} ==\n$ ${test}`);
  const r = await run(test, { cwd: dir, env, limitMs: 40 * MINUTE });
  const t = totalsOf(r.output);
  return {
    ...t,
    failed: t.failed + (r.code !== 0 && t.failed === 0 ? 1 : 0),
    ...(r.timedOut ? { note: 'timed out after 40 minutes' } : {}),
  };
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  // node .ci/steps.mjs [quick-start] [test] [node-22] [node-24]   (no argument: all of them)
  const only = process.argv.slice(2);
  const wanted = (name) => only.length === 0 || only.includes(name);
  const steps = [];
  const began = Date.now();
  const { parent, dir, note } = cloneCheckout();
  try {
    if (!dir) {
      steps.push(['clone', { passed: 0, failed: 1, skipped: 0, note }]);
    } else {
      const { start, test } = quickStartCommands(readFileSync(join(dir, 'README.md'), 'utf8'));
      const env = { ...process.env, LAMBDA_MCP_CI_INNER: '1' };
      for (const key of Object.keys(env))
        if (key.startsWith('npm_') || key.startsWith('TURBO_')) delete env[key];
      const timed = async (name, step) => {
        const t0 = Date.now();
        const result = await step();
        steps.push([name, { ...result, seconds: Math.round((Date.now() - t0) / 1000) }]);
      };
      if (wanted('quick-start')) await timed('quick start', () => quickStart(dir, start, env));
      if (wanted('test')) await timed('test command', () => testCommand(dir, test, env));
      for (const version of NODE_LINES) {
        if (wanted(`node-${version}`)) await timed(`node-${version}`, () => nodeLine(version, dir, env));
      }
    }
  } finally {
    rmSync(parent, { recursive: true, force: true, maxRetries: 3 });
  }
  const sum = { passed: 0, failed: 0, skipped: 0 };
  console.log(`\n== .ci/run (${Math.round((Date.now() - began) / 1000)} s) ==`);
  for (const [name, t] of steps) {
    for (const k of Object.keys(sum)) sum[k] += t[k];
    console.log(
      `${name}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped` +
        `${t.seconds === undefined ? '' : ` in ${t.seconds} s`}${t.note ? ` (${t.note})` : ''}`,
    );
  }
  console.log(`${sum.passed} passed, ${sum.failed} failed, ${sum.skipped} skipped`);
  process.exit(sum.failed === 0 ? 0 : 1);
}
