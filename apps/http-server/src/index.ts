/**
 * @lambda-mcp/http-server: the MCP server over Streamable HTTP, as a library. The public surface is
 * small on purpose:
 * - `startHttpServer` (what the `lambda-mcp-http` bin runs), its handle and exit codes;
 * - the settings (`HTTP_SETTINGS`, `loadHttpSettings`) and the argument parser behind `--help`;
 * - `parseAuthPolicy`, to check an auth policy file before deploying it;
 * - `VERSION`.
 * The Lambda Function URL handler is the `./lambda` entry. The building blocks (the HTTP app,
 * authenticator, rate limiter, metrics ...) are in `./internal`, outside semver.
 *
 * @example
 * import { startHttpServer } from '@lambda-mcp/http-server';
 * const server = await startHttpServer({ argv: ['--local', 'examples/functions', '--port', '0'] });
 * console.log(server.url); // http://127.0.0.1:<port>/mcp
 * await server.shutdown('done');
 */
export type { HttpArgs, LogFormat } from './args.js';
export { helpText, parseHttpArgs } from './args.js';
export type { AuthPolicy, AuthPolicyInput } from './auth/policy.js';
export { parseAuthPolicy } from './auth/policy.js';
export type { HttpServerHandle, HttpServerOptions } from './main.js';
export { EXIT_FAILURE, EXIT_FORCED, EXIT_OK, EXIT_USAGE, startHttpServer } from './main.js';
export type { HttpSetting, HttpSettings } from './settings.js';
export { HTTP_SETTINGS, loadHttpSettings } from './settings.js';
export { VERSION } from './version.js';
