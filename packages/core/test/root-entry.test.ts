import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

/** The file and every local chunk it imports or requires, transitively. */
function closure(entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    seen.set(file, text);
    const specifiers = [
      ...text.matchAll(/\bfrom\s*["']([^"']+)["']/g),
      ...text.matchAll(/\bimport\s*\(?\s*["']([^"']+)["']/g),
      ...text.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g),
    ].map((m) => m[1] as string);
    for (const spec of specifiers) {
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
    }
  }
  return seen;
}

function externalImports(files: Map<string, string>): string[] {
  const out = new Set<string>();
  for (const text of files.values()) {
    for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\(\s*)["']([^"'.][^"']*)["']/g))
      out.add(m[1] as string);
  }
  return [...out].sort();
}

describe('the built root entry of @lambda-mcp/core', () => {
  // The unstable internal entry is held to the same rule: apps load it beside the root entry.
  for (const name of ['index.js', 'index.cjs', 'internal.js', 'internal.cjs']) {
    it(`${name} and its chunks import no AWS SDK`, () => {
      const entry = join(dist, name);
      expect(
        existsSync(entry),
        `${entry} is missing: run the build first (pnpm --filter @lambda-mcp/core build)`,
      ).toBe(true);
      const files = closure(entry);
      expect(files.size).toBeGreaterThanOrEqual(1);
      for (const [file, text] of files)
        expect(text.includes('@aws-sdk'), `${file} mentions @aws-sdk`).toBe(false);
      const externals = externalImports(files);
      expect(externals.filter((e) => e.startsWith('@aws-sdk') || e.startsWith('@smithy'))).toEqual([]);
      // What the root entry may load at run time: node built-ins and its declared light dependencies.
      for (const e of externals) {
        expect(
          e.startsWith('node:') ||
            builtinModules.includes(e) ||
            [
              'zod',
              'ajv',
              'ajv-draft-04',
              'ajv-formats',
              'minisearch',
              '@openapi-contrib/openapi-schema-to-json-schema',
            ].some((d) => e === d || e.startsWith(`${d}/`)),
          e,
        ).toBe(true);
      }
    });
  }

  // The stdio bin bundles this entry into its first file, run before anything else is loaded.
  for (const name of ['early.js', 'early.cjs']) {
    it(`${name} and its chunks import Node.js built-ins only`, () => {
      const entry = join(dist, name);
      expect(existsSync(entry), `${entry} is missing: run the build first`).toBe(true);
      const externals = externalImports(closure(entry));
      expect(externals.length).toBeGreaterThan(0);
      for (const e of externals) expect(e.startsWith('node:') || builtinModules.includes(e), e).toBe(true);
    });
  }

  it('the ESM and CJS builds load and share the error brand', async () => {
    const esm = (await import(join(dist, 'index.js'))) as typeof import('../src/index.js');
    const { createRequire } = await import('node:module');
    const cjs = createRequire(import.meta.url)(join(dist, 'index.cjs')) as typeof import('../src/index.js');
    const fromCjs = new cjs.LambdaMcpError('THROTTLED', 'x');
    expect(esm.isLambdaMcpError(fromCjs)).toBe(true);
    expect(typeof esm.createServices).toBe('function');
    expect(typeof cjs.loadConfig).toBe('function');
    expect(esm.CONFIG_SETTINGS.length).toBe(cjs.CONFIG_SETTINGS.length);
  });
});
