import { defineConfig } from 'vitest/config';
import { baseTestOptions } from '../../tests/shared/vitest-base.js';

export default defineConfig({
  // Bounds, not speed checks: several suites start servers and function processes.
  test: baseTestOptions({ testTimeout: 90_000 }),
});
