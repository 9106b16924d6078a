import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { cli: 'src/cli.ts', index: 'src/index.ts', internal: 'src/internal.ts', lambda: 'src/lambda.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts', internal: 'src/internal.ts', lambda: 'src/lambda.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
});
