import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { baseTestOptions } from '../../tests/shared/vitest-base.js';

// The bins the tests spawn keep their local invocation history under XDG_CACHE_HOME: a temporary
// folder for this run (removed by the global teardown), never the user's ~/.cache.
const cacheHome = join(tmpdir(), `lambda-mcp-cli-tests-${process.pid}`);

export default defineConfig({
  test: baseTestOptions({
    globalSetup: ['./test/global-setup.ts'],
    env: { XDG_CACHE_HOME: cacheHome },
  }),
});
