import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/** The moto_server command (MOTO_SERVER may name another binary, or "off" to skip moto). */
export function motoCommand(): string | undefined {
  const configured = process.env.MOTO_SERVER;
  if (configured === 'off' || configured === '0') return undefined;
  return configured && configured.trim() !== '' ? configured : 'moto_server';
}

/** Whether moto_server can be run here, and if not, why (shown as the reason of the skip). */
export function motoAvailability():
  | { available: true; command: string }
  | { available: false; reason: string } {
  const command = motoCommand();
  if (!command) return { available: false, reason: 'MOTO_SERVER=off' };
  const probe = spawnSync(command, ['--help'], { encoding: 'utf8', timeout: 20_000 });
  if (probe.error || probe.status !== 0) {
    return {
      available: false,
      reason: `${command} is not installed or does not start (${probe.error?.message ?? `exit ${probe.status}`})`,
    };
  }
  return { available: true, command };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface MotoServer {
  url: string;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts moto_server on a free port of 127.0.0.1 and waits for it (bounded). */
export async function startMoto(command: string, timeoutMs = 30_000): Promise<MotoServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    try {
      const response = await fetch(`${url}/moto-api/`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer within ${timeoutMs} ms: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    async reset() {
      await fetch(`${url}/moto-api/reset`, { method: 'POST' });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
