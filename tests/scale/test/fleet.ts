/**
 * A fleet on 127.0.0.1 for the scale suite: redis-server, N replicas of the built lambda-mcp-http
 * bin (each on a port picked free at start and kept across restarts, so the proxy's upstream list
 * stays valid), and nginx round-robin in front without affinity, its configuration generated into
 * a temporary directory (`nginx -p <tmp> -c <conf> -e <log> -g 'daemon off;'`). Every wait is bounded.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../apps/http-server/test/redis-server.js';
import { childEnv, GaveUp, HTTP_BIN, waitFor } from '../../shared/bins.js';

export { freePort, redisAvailable, startRedis } from '../../../apps/http-server/test/redis-server.js';
export { waitFor } from '../../shared/bins.js';

export function nginxAvailable(): boolean {
  return spawnSync('nginx', ['-v'], { stdio: 'ignore' }).status === 0;
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (Linux); undefined elsewhere
 * or when it has exited. For the suite's log of where the CPU of a call goes, never asserted.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

/** The ids of a process's children (nginx's workers), from /proc. */
function childPids(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

export interface Replica {
  readonly index: number;
  readonly port: number;
  readonly base: string;
  /** stderr of every run of this replica so far. */
  stderr(): string;
  /** The running process (undefined while killed). */
  readonly child: ChildProcessWithoutNullStreams | undefined;
  start(): Promise<void>;
  /** CPU time (ms) used by every run of this replica so far (Linux; undefined elsewhere). */
  cpuMs(): number | undefined;
  /** SIGKILL: no graceful shutdown, in-flight calls are cut. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export function createReplica(
  index: number,
  port: number,
  args: string[],
  env: Record<string, string>,
): Replica {
  let child: ChildProcessWithoutNullStreams | undefined;
  let err = '';
  let exited: Promise<void> = Promise.resolve();
  /** CPU of the runs before the current one (read just before each kill or stop). */
  let pastCpuMs = 0;
  const banked = () => {
    pastCpuMs += processCpuMs(child?.pid) ?? 0;
  };
  const base = `http://127.0.0.1:${port}`;
  const replica: Replica = {
    index,
    port,
    base,
    stderr: () => err,
    cpuMs: () => {
      const now = child ? processCpuMs(child.pid) : 0;
      return now === undefined ? undefined : pastCpuMs + now;
    },
    get child() {
      return child;
    },
    async start() {
      const c = spawn(process.execPath, [HTTP_BIN, '--port', String(port), '--host', '127.0.0.1', ...args], {
        env: childEnv(env),
      });
      child = c;
      let exit: number | null | undefined;
      exited = new Promise((r) =>
        c.on('exit', (code) => {
          exit = code;
          if (child === c) child = undefined;
          r();
        }),
      );
      c.stdout.on('data', () => {});
      c.stderr.on('data', (d: Buffer) => {
        err += d.toString('utf8');
      });
      try {
        await waitFor(
          async () => {
            if (exit !== undefined) throw new GaveUp(`replica ${index} exited with ${exit}`);
            const res = await fetch(`${base}/ready`).catch(() => undefined);
            return res?.status === 200;
          },
          60_000,
          `replica ${index} to be ready`,
        );
      } catch (error) {
        throw new Error(`${(error as Error).message}; its log ends: ${err.slice(-800)}`);
      }
    },
    async kill() {
      const c = child;
      if (!c) return;
      banked();
      c.kill('SIGKILL');
      await exited;
    },
    async stop() {
      const c = child;
      if (!c) return;
      banked();
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return replica;
}

export interface Nginx {
  url: string;
  base: string;
  dir: string;
  errorLog(): string;
  /** The access log: `<call id> <upstream(s)> <connect> <header> <response> <request time> <status>` a line. */
  accessLog(): string;
  /** CPU time (ms) of the master and its workers so far (Linux; undefined elsewhere). */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

/** The nginx configuration of the suite (the same shape as deploy/nginx/lambda-mcp.conf). */
export function nginxConfig(dir: string, listenPort: number, upstreamPorts: number[]): string {
  const upstreams = upstreamPorts
    .map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`)
    .join('\n');
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 2048; }
http {
  # Which replica answered each call, and when (the suite sends its call id as X-Call-Id).
  log_format scale '$http_x_call_id $upstream_addr $upstream_connect_time $upstream_header_time $upstream_response_time $request_time $status';
  access_log ${dir}/access.log scale buffer=64k flush=1s;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  upstream lambda_mcp {
    # Plain round-robin: no ip_hash, no sticky sessions.
${upstreams}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${listenPort};
    client_max_body_size 4m;
    location / {
      proxy_pass http://lambda_mcp;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      # Streamable HTTP answers are SSE streams: pass them through as they come.
      proxy_buffering off;
      proxy_cache off;
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
      proxy_connect_timeout 2s;
      # Another replica only when the request never reached one: a POST that may have started a
      # call is never sent twice (no non_idempotent here).
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 3;
      proxy_intercept_errors off;
      error_page 502 504 = @replica_lost;
    }
    location @replica_lost {
      default_type application/json;
      return 502 '{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"The replica serving this request stopped before answering; the call may have run. Check before retrying."}}';
    }
  }
}
`;
}

export async function startNginx(upstreamPorts: number[]): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'lambda-mcp-nginx-'));
  // Worker processes may run as another user when the suite runs as root.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'tmp'), { mode: 0o777 });
  chmodSync(join(dir, 'tmp'), 0o777);
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const conf = join(dir, 'nginx.conf');
    writeFileSync(conf, nginxConfig(dir, port, upstreamPorts));
    const child = spawn('nginx', ['-p', dir, '-c', conf, '-e', join(dir, 'error.log'), '-g', 'daemon off;'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString('utf8');
    });
    let exit: number | null | undefined;
    const exited = new Promise<void>((r) =>
      child.on('exit', (code) => {
        exit = code;
        r();
      }),
    );
    const base = `http://127.0.0.1:${port}`;
    const up = await waitFor(
      async () => {
        if (exit !== undefined) return 'exited';
        const res = await fetch(`${base}/health`).catch(() => undefined);
        return res ? 'up' : undefined;
      },
      10_000,
      'nginx to listen',
    );
    if (up === 'exited') {
      if (/Address already in use/i.test(out + safeRead(join(dir, 'error.log')))) continue;
      throw new Error(`nginx exited with ${exit}: ${out} ${safeRead(join(dir, 'error.log'))}`);
    }
    return {
      url: `${base}/mcp`,
      base,
      dir,
      errorLog: () => safeRead(join(dir, 'error.log')),
      accessLog: () => safeRead(join(dir, 'access.log')),
      cpuMs: () => {
        const all = [child.pid, ...childPids(child.pid)].map((p) => processCpuMs(p));
        return all[0] === undefined ? undefined : all.reduce<number>((sum, v) => sum + (v ?? 0), 0);
      },
      async stop() {
        if (exit === undefined) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  throw new Error('nginx could not get a free port in 5 attempts');
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
