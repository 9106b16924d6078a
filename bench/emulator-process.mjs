// Starts the AWS emulator in its own process (its CPU time is not the client's) with a synthetic
// catalog: `functions` functions, `matching` of them tagged MCPEnabled=true, `latencyMs` per request.
import { spawn } from 'node:child_process';

const EMULATOR_BIN = new URL('../packages/aws-emulator/dist/cli.js', import.meta.url).pathname;

export async function startEmulatorProcess({ functions, matching, latencyMs }) {
  const child = spawn(
    process.execPath,
    [
      EMULATOR_BIN,
      '--synthetic',
      String(functions),
      '--matching',
      String(matching),
      '--match-tag',
      'MCPEnabled=true',
      '--latency',
      String(latencyMs),
      '--list-cache-ms',
      '600000',
      '--port',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  // A bench that dies (an uncaught error, EPIPE on a closed pipe) takes its emulator with it.
  const stopChild = () => child.kill('SIGTERM');
  process.once('exit', stopChild);
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the emulator did not start: ${out}`)), 60_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code})`)));
  });
  return {
    url,
    /** The emulator's process id (for CPU accounting). */
    pid: child.pid,
    async requests() {
      return (await fetch(`${url}/_emulator/requests`)).json();
    },
    async clearRequests() {
      await fetch(`${url}/_emulator/requests/clear`, { method: 'POST' });
    },
    close() {
      process.off('exit', stopChild);
      child.kill('SIGTERM');
    },
  };
}
