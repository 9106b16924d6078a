import { createRequire } from 'node:module';

// This file sits one level below the package root both as src/version.ts and bundled in dist/.
const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

export const SERVER_NAME = 'lambda-mcp';
export const VERSION: string = pkg.version;
