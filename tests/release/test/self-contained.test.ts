/**
 * The repository is self-contained: nothing tracked reads outside the checkout. The proof that counts
 * is .ci/run's fresh-clone step (a clone with nothing beside it runs the README's commands); this
 * suite catches the usual ways of breaking it early, in every `pnpm test`:
 * - a path to the shared ground truth beside the repository (the sibling `shared` folder's fixtures, or an absolute path of this machine);
 * - a relative path in `new URL('…', import.meta.url)` or `resolve(import.meta.dirname, '…')`
 *   that climbs out of the repository root;
 * - the recorded AWS responses missing from fixtures/aws, or a vitest config pointing elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const TEXT = /\.(ts|mts|cts|mjs|cjs|js|json|ya?ml|sh)$|(^|\/)(run|Dockerfile)$/;

function trackedFiles(): string[] {
  const out = spawnSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`git ls-files failed: ${out.stderr}`);
  return out.stdout
    .split('\0')
    .filter((f) => f && TEXT.test(f) && !f.startsWith('fixtures/aws/') && existsSync(join(ROOT, f)));
}

const files = trackedFiles().map((f) => ({ path: f, text: readFileSync(join(ROOT, f), 'utf8') }));

describe('nothing reads outside the checkout', () => {
  it('finds the tracked source files to check', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.map((f) => f.path)).toContain('packages/core/vitest.config.ts');
  });

  it('no tracked file names the shared folder beside the repository', () => {
    const outside = /\.\.\/shared\/fixtures|\/work\/(shared|wt|main)\b|shared\/fixtures\/aws/;
    const hits = files.filter((f) => outside.test(f.text)).map((f) => f.path);
    expect(hits).toEqual([]);
  });

  it('no relative path in new URL(…, import.meta.url) or resolve(import.meta.dirname, …) leaves the root', () => {
    const patterns = [
      /new URL\(\s*'(\.{1,2}\/[^']*)'\s*,\s*import\.meta\.url\s*\)/g,
      /resolve\(\s*import\.meta\.dirname\s*,\s*'(\.{1,2}[^']*)'/g,
    ];
    const escapes: string[] = [];
    let checked = 0;
    for (const f of files) {
      for (const pattern of patterns) {
        for (const m of f.text.matchAll(pattern)) {
          checked += 1;
          const target = resolve(dirname(join(ROOT, f.path)), m[1] as string);
          if (relative(ROOT, target).startsWith('..')) escapes.push(`${f.path}: ${m[1]}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(5);
    expect(escapes).toEqual([]);
  });

  it('the recorded AWS responses are in fixtures/aws with their provenance, and the suites read them there', () => {
    for (const file of [
      'README.md',
      'lambda-api.json',
      'lambda-invoke.json',
      'cloudwatch-json.json',
      'logs-filter-log-events.json',
      'tagging-get-resources.json',
      'schemas-describe-schema.json',
    ]) {
      expect(existsSync(join(ROOT, 'fixtures/aws', file)), file).toBe(true);
    }
    expect(readFileSync(join(ROOT, 'fixtures/aws/README.md'), 'utf8')).toMatch(/localstack/);
    for (const config of ['packages/core/vitest.config.ts', 'packages/aws-emulator/vitest.config.ts']) {
      expect(readFileSync(join(ROOT, config), 'utf8'), config).toContain("new URL('../../fixtures/aws'");
    }
  });
});
