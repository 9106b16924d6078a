#!/usr/bin/env node
// The steps .ci/run adds after the README's test command has run in the checkout:
//
//   node-22, node-24  the end-to-end suites (stdio, HTTP, CLI, release install) again, on Node.js 22
//                     and 24 from the npm registry's `node` package (tools/node-versions);
//   fresh-clone       `git clone` of this checkout into an empty temporary folder (nothing beside it),
//                     then the README's two Quick start commands there, read from README.md: the first
//                     until /health answers, the second as it is.
//
// Each step ends with its own `N passed, N failed, N skipped` line; this script then prints one line
// per step and, last, the sum over every step, the checkout's run included (its log is argv[2]).
// Bounded: every child has a time limit. The inner run gets LAMBDA_MCP_CI_INNER=1, so a .ci/run
// started inside it runs the README's test command only and clones nothing.
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

async function nodeLine(version) {
  const tools = join(ROOT, 'tools/node-versions');
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
  const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}` };
  const seen = spawnSync('node', ['--version'], { env, encoding: 'utf8' }).stdout.trim();
  if (!seen.startsWith(`v${version}.`)) {
    return { passed: 0, failed: 1, skipped: 0, note: `expected Node.js ${version}, the PATH gives ${seen}` };
  }
  console.log(`\n== Node.js ${seen}: ${E2E.join(', ')} ==`);
  const filters = E2E.map((p) => `--filter=${p}`).join(' ');
  const r = await run(`node scripts/test-all.mjs ${filters}`, { cwd: ROOT, env, limitMs: 20 * MINUTE });
  return { ...totalsOf(r.output), ...(r.timedOut ? { note: 'timed out after 20 minutes' } : {}) };
}

async function freshClone() {
  const parent = mkdtempSync(join(tmpdir(), 'lambda-mcp-fresh-'));
  const dir = join(parent, 'lambda-mcp');
  try {
    const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (dirty.stdout.trim())
      console.log('fresh-clone: uncommitted changes are not in the clone (it has HEAD only)');
    const clone = spawnSync('git', ['clone', '--quiet', '--no-local', '--no-hardlinks', ROOT, dir], {
      encoding: 'utf8',
      timeout: 5 * MINUTE,
    });
    if (clone.status !== 0)
      return { passed: 0, failed: 1, skipped: 0, note: `git clone failed: ${clone.stderr}` };
    if (readdirSync(parent).length !== 1) throw new Error('the clone folder has something beside it');
    const { start, test } = quickStartCommands(readFileSync(join(dir, 'README.md'), 'utf8'));
    const env = { ...process.env, LAMBDA_MCP_CI_INNER: '1' };
    for (const key of Object.keys(env))
      if (key.startsWith('npm_') || key.startsWith('TURBO_')) delete env[key];

    // 1. The quick start, until /health answers (on an ephemeral port: MCP_SERVER_PORT=0).
    console.log(`\n== fresh clone in ${dir} (nothing beside it) ==\n$ ${start}`);
    let health = null;
    let polling = false;
    const started = run(start, {
      cwd: dir,
      env: { ...env, MCP_SERVER_PORT: '0' },
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
    const first = await started;
    const results = { passed: 0, failed: 0, skipped: 0 };
    if (health) {
      console.log(`fresh-clone: GET ${health.url} answered 200 ${health.body.slice(0, 200)}`);
      results.passed += 1;
    } else {
      console.log(`fresh-clone: the quick start never answered /health (exit ${first.code ?? first.signal})`);
      results.failed += 1;
    }

    // 2. The README's test command, as it is.
    console.log(`\n$ ${test}`);
    const second = await run(test, { cwd: dir, env, limitMs: 35 * MINUTE });
    const t = totalsOf(second.output);
    return {
      passed: results.passed + t.passed,
      failed: results.failed + t.failed + (second.code !== 0 && t.failed === 0 ? 1 : 0),
      skipped: t.skipped,
      ...(t.note || second.timedOut ? { note: second.timedOut ? 'timed out after 20 minutes' : t.note } : {}),
    };
  } finally {
    rmSync(parent, { recursive: true, force: true, maxRetries: 3 });
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  // node .ci/steps.mjs <log of the checkout's run | -> [node-22] [node-24] [fresh-clone]
  const only = process.argv.slice(3);
  const wanted = (name) => only.length === 0 || only.includes(name);
  const steps =
    process.argv[2] === '-' ? [] : [['checkout', totalsOf(readFileSync(process.argv[2], 'utf8'))]];
  for (const version of NODE_LINES) {
    if (wanted(`node-${version}`)) steps.push([`node-${version}`, await nodeLine(version)]);
  }
  if (wanted('fresh-clone')) steps.push(['fresh-clone', await freshClone()]);
  const sum = { passed: 0, failed: 0, skipped: 0 };
  console.log('\n== .ci/run ==');
  for (const [name, t] of steps) {
    for (const k of Object.keys(sum)) sum[k] += t[k];
    console.log(
      `${name}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped${t.note ? ` (${t.note})` : ''}`,
    );
  }
  console.log(`${sum.passed} passed, ${sum.failed} failed, ${sum.skipped} skipped`);
  process.exit(sum.failed === 0 ? 0 : 1);
}
