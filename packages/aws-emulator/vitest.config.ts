import { defineConfig } from 'vitest/config';
import { AWS_FIXTURES_DIR, baseTestOptions } from '../../tests/shared/vitest-base.js';

export default defineConfig({ test: baseTestOptions({ env: { AWS_FIXTURES_DIR } }) });
