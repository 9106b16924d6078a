import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, relative, sep } from 'node:path';
import { defineConfig, type Options } from 'tsup';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * The bin is a small CommonJS file (dist/cli.cjs) and the server as one bundle with its dependencies
 * (dist/server.cjs): loading ~400 small ES and CommonJS modules (zod, Ajv, the MCP SDK, core) costs
 * Node.js more than running them, so bundling takes about a third off the time to the first
 * `tools/list` (bench/stdio-overhead.mjs), and the bin compiles the bundle with V8's code cache
 * (src/code-cache.ts; bench/warm-start.mjs). The library entry (dist/index.js) stays unbundled, so
 * embedders share one copy of core with their own code.
 */

const require = createRequire(import.meta.url);
/** Workspace packages whose code reads `import.meta.url` to find files of their own. */
const SELF_LOCATING = ['@lambda-mcp/core', '@lambda-mcp/mcp-server'].map((name) => ({
  name,
  root: dirname(require.resolve(`${name}/package.json`)),
}));

/**
 * Inside a bundle `import.meta.url` is the bundle's URL, but core finds its worker
 * (dist/local/worker.js) and loads the AWS SDK with `createRequire(import.meta.url)`, and
 * mcp-server reads its own package.json for its version. In their bundled code,
 * `import.meta.url` becomes the URL of the same file in the installed package (resolved at run
 * time with the bundle's `require.resolve`, so it holds wherever the app is installed), and
 * everything resolves as it would unbundled.
 */
const selfLocating: EsbuildPlugin = {
  name: 'self-locating-import-meta-url',
  setup(build) {
    // JavaScript only: the app's own TypeScript sources are meant to use the bundle's own URL.
    build.onLoad({ filter: /\.[cm]?js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const pkg = SELF_LOCATING.find((p) => args.path.startsWith(p.root + sep));
      if (!pkg) {
        // It would silently look beside the bundle instead of in its own package.
        throw new Error(
          `${args.path} reads import.meta.url: make its package self-locating in tsup.config.ts`,
        );
      }
      const file = relative(pkg.root, args.path).split(sep).join('/');
      const url = `new URL(${JSON.stringify(file)}, require("node:url").pathToFileURL(require.resolve(${JSON.stringify(`${pkg.name}/package.json`)}))).href`;
      return {
        contents: text.replaceAll('import.meta.url', `(${url})`),
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

/**
 * zod's `z.locales` namespace holds its error messages in ~60 languages (about 320 KB of the
 * bundle, a third of zod), and a bundle cannot drop them: `z` is used as one object. Nothing in the
 * bin selects another language (zod's messages stay English, as it configures by default), so the
 * bin's copy of `zod/v4/locales` holds English only. Parsing and running those modules was about
 * 40% of loading zod, which every start pays (configuration and the MCP SDK both use zod).
 */
const zodEnglishOnly: EsbuildPlugin = {
  name: 'zod-english-locale-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";\n',
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    dts: { entry: { index: 'src/index.ts' } },
    sourcemap: true,
    clean: true,
    target: 'node20',
  },
  {
    // The bin: a small CommonJS file (dist/cli.cjs; a CommonJS main starts without Node.js's ES
    // module loader) that loads the server bundle below through V8's code cache.
    entry: { cli: 'src/cli.ts' },
    format: ['cjs'],
    sourcemap: true,
    clean: false,
    target: 'node20',
    platform: 'node',
    noExternal: [/.*/],
    // dist/cli.js, the bin of earlier versions, stays: client configurations that run
    // `node .../dist/cli.js` keep working (through Node.js's ES module loader, a few ms slower).
    async onSuccess() {
      await writeFile(
        'dist/cli.js',
        "#!/usr/bin/env node\n// The bin of earlier versions; the bin is now dist/cli.cjs (a CommonJS main starts faster).\nimport { realpathSync } from 'node:fs';\nimport { createRequire } from 'node:module';\nimport { fileURLToPath } from 'node:url';\n\n// Beside this file where it really is (a link run with --preserve-symlinks-main).\ncreateRequire(realpathSync.native(fileURLToPath(import.meta.url)))('./cli.cjs');\n",
        { mode: 0o755 },
      );
    },
  },
  {
    // The server with everything it uses, including @lambda-mcp/core/aws and the local runtime, as
    // one CommonJS file: V8 takes a code cache for a script (vm.Script), not for an ES module on
    // Node.js 20 (src/code-cache.ts). The AWS SDK itself is not bundled: core loads it at run time
    // from core's own location.
    entry: { server: 'src/server-bundle.ts' },
    format: ['cjs'],
    sourcemap: true,
    clean: false,
    target: 'node20',
    platform: 'node',
    noExternal: [/.*/],
    splitting: false,
    esbuildPlugins: [selfLocating, zodEnglishOnly],
    // The app's own sources find their package.json from the bundle's own location.
    define: { 'import.meta.url': '__bundleUrl' },
    // The file is one function expression, CommonJS's module wrapper written out: the loader
    // compiles it as it is, with no copy of 1 MB of source to wrap it (code-cache.ts).
    banner: {
      js: '(function (exports, require, module, __filename, __dirname) {"use strict";var __bundleUrl=require("node:url").pathToFileURL(__filename).href;',
    },
    footer: { js: '\n})' },
    esbuildOptions(options) {
      // require.resolve runs at run time, from the installed bundle's location (selfLocating).
      options.logOverride = { ...options.logOverride, 'require-resolve-not-external': 'silent' };
    },
    // Whitespace and syntax only: Node.js reads, decodes and parses every byte of the bundle when
    // there is no code cache yet (about 30% fewer bytes). Names are kept, so stack traces stay
    // readable.
    minifyWhitespace: true,
    minifySyntax: true,
  },
]);
