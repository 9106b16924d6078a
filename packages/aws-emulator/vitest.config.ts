import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { baseTestOptions } from '../../tests/shared/vitest-base.js';

// The recorded AWS responses, copied into the repository (fixtures/aws at the root, with their provenance).
const AWS_FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/aws', import.meta.url));

export default defineConfig({
  test: baseTestOptions({
    // The test files share one module graph per worker instead of importing everything again per
    // file (no test depends on fresh module state): measured at load ~23 on 2 cores, core's suite
    // took 192 s instead of 267 s (import 10 s instead of 45 s), the emulator's 158 s instead of 265 s.
    isolate: false,
    env: { AWS_FIXTURES_DIR },
  }),
});
