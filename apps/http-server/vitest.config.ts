import { defineConfig } from 'vitest/config';
import { baseTestOptions } from '../../tests/shared/vitest-base.js';

export default defineConfig({ test: baseTestOptions() });
