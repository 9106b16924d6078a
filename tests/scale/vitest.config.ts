import { defineConfig } from 'vitest/config';
import { baseTestOptions } from '../../tests/shared/vitest-base.js';

export default defineConfig({
  test: baseTestOptions({
    testTimeout: 240_000,
    hookTimeout: 60_000,
    // One file at a time: each starts its own fleet (Redis, emulator, replicas, nginx).
    fileParallelism: false,
  }),
});
