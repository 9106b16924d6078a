import { defineConfig } from 'vitest/config';
import { baseTestOptions } from '../../tests/shared/vitest-base.js';

export default defineConfig({
  test: baseTestOptions({
    // One module graph per worker (no test depends on fresh module state): 38 s instead of 74 s
    // at load ~18 on 2 cores.
    isolate: false,
  }),
});
