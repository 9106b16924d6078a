// The server as one CommonJS bundle (dist/server.cjs), which the bin (cli.ts) loads through V8's code
// cache (code-cache.ts). The library entry (index.ts) stays ES modules, unbundled.
export { startStdioServer } from './main.js';
