import { defineConfig } from 'vitest/config';
import { baseTestOptions } from '../../tests/shared/vitest-base.js';

export default defineConfig({
  test: baseTestOptions({
    // Above the scale run's bound (LAMBDA_MCP_SCALE_RUN_BOUND_MS, 420 s) plus one call's (90 s), so hitting the
    // bound fails with the count of calls made rather than a bare timeout.
    testTimeout: 540_000,
    hookTimeout: 60_000,
    // One file at a time: each starts its own fleet (Redis, emulator, replicas, nginx).
    fileParallelism: false,
  }),
});
