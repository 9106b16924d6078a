#!/usr/bin/env node
// Runs every package's tests through turbo (building first), then prints one closing line
// `N passed, N failed, N skipped` with the totals over all packages, read from each package's
// vitest JSON report. A package whose tests ran no report counts as one failure.
// Arguments go to turbo; `--filter=<package>` ones also narrow the packages counted (.ci/run uses
// that to run the end-to-end suites on Node.js 22 and 24).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv
  .slice(2)
  .filter((a) => a.startsWith('--filter='))
  .flatMap((a) => ['--filter', a.slice('--filter='.length)]);
const list = spawnSync('pnpm', ['-r', ...filters, 'ls', '--depth', '-1', '--json'], {
  cwd: root,
  encoding: 'utf8',
});
if (list.status !== 0) {
  console.error(list.stderr);
  process.exit(1);
}
const packages = JSON.parse(list.stdout)
  .map((p) => p.path)
  .filter((dir) => {
    if (`${dir}/` === root || dir === root) return false; // the root only orchestrates
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    return Boolean(pkg.scripts?.test);
  });
for (const dir of packages) rmSync(join(dir, 'test-results.json'), { force: true });

const env = {
  ...process.env,
  AWS_EC2_METADATA_DISABLED: 'true',
  FORCE_COLOR: process.env.FORCE_COLOR ?? '0',
};

// The fleet tests (apps/http-server, tests/scale) run real redis-server and nginx processes.
// scripts/ci-deps.sh installs them from Debian's packages when they are missing (needs root or
// sudo). Where that is impossible, a developer's run skips those tests with a warning, counted as
// skipped; in CI (CI=true) they are required, so their suites fail and say why.
const has = (bin) =>
  spawnSync('sh', ['-c', `command -v ${bin} || test -x /usr/sbin/${bin}`], { stdio: 'ignore' }).status === 0;
if (!has('redis-server') || !has('nginx')) {
  spawnSync('sh', [join(root, 'scripts/ci-deps.sh')], { cwd: root, stdio: 'inherit' });
  if ((!has('redis-server') || !has('nginx')) && process.env.CI !== 'true') {
    console.warn(
      'test-all: redis-server or nginx is missing and could not be installed: the fleet and scale tests are skipped.',
    );
    env.LAMBDA_MCP_SKIP_REDIS_TESTS = '1';
    env.LAMBDA_MCP_SKIP_SCALE_TESTS = '1';
  }
}
const run = spawnSync(
  'pnpm',
  [
    'exec',
    'turbo',
    'run',
    'test',
    '--continue',
    '--concurrency=1',
    '--output-logs=full',
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit', env },
);

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const dir of packages) {
  const file = join(dir, 'test-results.json');
  if (!existsSync(file)) {
    missing.push(dir.slice(root.length));
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A suite that failed to load has no failed tests but is a failure all the same.
  failed += (report.testResults ?? []).filter(
    (r) => r.status === 'failed' && r.assertionResults?.length === 0,
  ).length;
}
if (missing.length) console.log(`no test report from: ${missing.join(', ')}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
