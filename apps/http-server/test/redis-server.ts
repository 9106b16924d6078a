/**
 * A throw-away redis-server on 127.0.0.1 for the fleet tests (and tests/scale): a free port, no
 * persistence, stopped by `stop()`. `redisAvailable()` says whether the binary is installed (CI
 * installs it with scripts/ci-deps.sh); suites that need it fail loudly without it unless
 * LAMBDA_MCP_SKIP_REDIS_TESTS=1 is set.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export function redisAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A port that was free a moment ago (bound on 127.0.0.1:0, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  url: string;
  port: number;
  child: ChildProcess;
  /** Stops it (SIGTERM, then SIGKILL after 3 s). */
  stop(): Promise<void>;
}

async function startOnce(port: number): Promise<RedisServer | undefined> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (/Ready to accept connections/i.test(out)) {
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        child,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
          await exited;
          clearTimeout(timer);
        },
      };
    }
    if (child.exitCode !== null) return undefined; // port taken meanwhile: try another
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not start within 10 s: ${out.slice(-500)}`);
}

export async function startRedis(): Promise<RedisServer> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const server = await startOnce(await freePort());
    if (server) return server;
  }
  throw new Error('redis-server could not get a free port in 5 attempts');
}
