#!/usr/bin/env node
import { startHttpServer } from './main.js';

const handle = await startHttpServer({ argv: process.argv.slice(2), routeProcessWarnings: true });
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void handle.shutdown(signal));
}
process.on('unhandledRejection', (reason) => {
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), level: 'error', app: 'lambda-mcp-http', msg: 'Unhandled rejection', error: reason instanceof Error ? reason.message : String(reason) })}\n`,
  );
});
const code = await handle.exited;
process.exit(code);
