import { createRequire } from 'node:module';

// One level below the package root both as src/version.ts and in dist/.
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version;
