// @lambda-mcp/stdio-server: the MCP server over stdio, as a library (the bin is dist/cli.cjs).
export type { LogFormat, StdioArgs } from './args.js';
export { helpText, parseStdioArgs } from './args.js';
export type { StdioServerHandle, StdioServerOptions } from './main.js';
export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, startStdioServer } from './main.js';
export { VERSION } from './version.js';
