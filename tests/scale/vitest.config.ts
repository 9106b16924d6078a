import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Above the scale run's bound (LAMBDA_MCP_SCALE_RUN_BOUND_MS, 420 s) plus one call's (90 s), so hitting the
    // bound fails with the count of calls made rather than a bare timeout.
    testTimeout: 540_000,
    hookTimeout: 60_000,
    // One file at a time: each starts its own fleet (Redis, emulator, replicas, nginx).
    fileParallelism: false,
    env: {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'test-secret',
      AWS_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    },
  },
});
