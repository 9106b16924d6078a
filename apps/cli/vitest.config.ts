import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// The bins the tests spawn keep their local invocation history under XDG_CACHE_HOME: a temporary
// folder for this run (removed by the global teardown), never the user's ~/.cache.
const cacheHome = join(tmpdir(), `lambda-mcp-cli-tests-${process.pid}`);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    globalSetup: ['./test/global-setup.ts'],
    env: {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'test-secret',
      AWS_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      XDG_CACHE_HOME: cacheHome,
    },
  },
});
