#!/usr/bin/env node
// `pnpm pack:all`: builds every public package and packs each one (`pnpm pack`, which rewrites the
// workspace: and catalog: versions) into one folder, `packs/` at the repository root unless
// `--out <dir>` says otherwise. Install them all with npm:
//   npm i -g ./packs/*.tgz        # the bins lambda-mcp, lambda-mcp-stdio, lambda-mcp-http on the PATH
// `--no-build` skips the build (tests/release runs after turbo's build). Prints one tarball a line.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
if (outIndex !== -1 && !args[outIndex + 1]) {
  console.error('pack-all: --out needs a folder, e.g. --out /tmp/packs');
  process.exit(2);
}
const unknown = args.filter(
  (a, i) => !['--out', '--no-build'].includes(a) && (outIndex === -1 || i !== outIndex + 1),
);
if (unknown.length > 0) {
  console.error(`pack-all: unknown argument ${unknown[0]}; accepted: --out <folder>, --no-build`);
  process.exit(2);
}
const out = resolve(outIndex === -1 ? join(ROOT, 'packs') : args[outIndex + 1]);

/** The public (not private) workspace packages, in packages/ and apps/. */
function publicPackages() {
  const found = [];
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(ROOT, group)).sort()) {
      let pkg;
      try {
        pkg = JSON.parse(readFileSync(join(ROOT, group, name, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      if (!pkg.private) found.push({ name: pkg.name, version: pkg.version, dir: join(ROOT, group, name) });
    }
  }
  return found;
}

function run(command, commandArgs, cwd) {
  const r = spawnSync(command, commandArgs, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    console.error(`pack-all: ${command} ${commandArgs.join(' ')} failed in ${relative(ROOT, cwd) || '.'}`);
    console.error((r.stderr || r.stdout || r.error?.message || '').slice(-3000));
    process.exit(1);
  }
  return r.stdout;
}

const packages = publicPackages();
if (!args.includes('--no-build')) {
  run(
    'pnpm',
    [
      'exec',
      'turbo',
      'run',
      'build',
      '--output-logs=errors-only',
      ...packages.map((p) => `--filter=${p.name}`),
    ],
    ROOT,
  );
}
mkdirSync(out, { recursive: true });
const files = [];
for (const p of packages) {
  const base = `${p.name.replace(/^@/, '').replace('/', '-')}-${p.version}.tgz`;
  rmSync(join(out, base), { force: true });
  const printed =
    run('pnpm', ['pack', '--pack-destination', out], p.dir).trim().split('\n').at(-1)?.trim() ?? '';
  if (!printed.endsWith('.tgz')) {
    console.error(`pack-all: pnpm pack of ${p.name} printed no tarball name`);
    process.exit(1);
  }
  files.push(printed);
}
for (const f of files) console.log(f);
const shown = relative(process.cwd(), out);
const where = shown === '' ? '.' : shown.startsWith('..') ? out : `./${shown}`;
console.error(`\n${files.length} packages packed into ${out}. Install them all: npm i -g ${where}/*.tgz`);
