import { rm } from 'node:fs/promises';
import type { TestProject } from 'vitest/node';

/** Removes this run's temporary XDG_CACHE_HOME (see vitest.config.ts) once every test file is done. */
export default function setup(project: TestProject): () => Promise<void> {
  const cacheHome = project.config.env.XDG_CACHE_HOME;
  return async () => {
    if (cacheHome?.includes('lambda-mcp-cli-tests-')) await rm(cacheHome, { recursive: true, force: true });
  };
}
