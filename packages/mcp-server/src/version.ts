import { createRequire } from 'node:module';

/** The package's version, written into the build by tsup (tsup.config.ts). */
declare const __LAMBDA_MCP_SERVER_VERSION__: string | undefined;

export const SERVER_NAME = 'lambda-mcp';
/**
 * Built code has it written in: reading package.json at run time costs a bundled bin a package
 * lookup (about 5 ms of a start). Source run as it is (tests) reads package.json, one level up both
 * as src/version.ts and in dist/.
 */
export const VERSION: string =
  typeof __LAMBDA_MCP_SERVER_VERSION__ === 'string'
    ? __LAMBDA_MCP_SERVER_VERSION__
    : (createRequire(import.meta.url)('../package.json') as { version: string }).version;
