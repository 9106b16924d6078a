import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // Library entries: ESM + CJS with separate type files. The worker is built with them so that
    // the local runtime can start it from dist/local/worker.js (ESM) or dist/local/worker.cjs.
    entry: {
      index: 'src/index.ts',
      'local/index': 'src/local/index.ts',
      'aws/index': 'src/aws/index.ts',
      // Unstable: what the project's own apps and tests use besides the public entry.
      internal: 'src/internal.ts',
      'from-config/index': 'src/from-config/index.ts',
      // Unstable: the stdio bin's early ListFunctions pages (read before the server is loaded).
      early: 'src/aws/early-listing.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: true,
    shims: true,
  },
  {
    entry: { 'local/worker': 'src/local/worker.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    clean: false,
  },
]);
