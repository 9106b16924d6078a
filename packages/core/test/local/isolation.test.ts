// Each local function instance is its own process, confined as Lambda confines an execution
// environment (issue 10, item 8): messages it forges, memory it takes (off-heap included), output
// of the processes it starts and the host's environment all stay on its side.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBackend, type LocalBackend } from '../../src/local/index.js';
import { invoke, tempDir, waitFor } from './helpers.js';

const SOURCE = join(import.meta.dirname, '../../../../tests/reliability/isolation-functions');
const NAMES = ['echo', 'forges-messages', 'offheap-hog', 'inherits-stdio', 'reads-environ'];

interface NodeError {
  errorType: string;
  errorMessage: string;
}

describe('local backend: instance isolation', () => {
  let backend: LocalBackend;
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    for (const name of NAMES) {
      await mkdir(join(dir, name));
      for (const file of ['function.json', 'index.mjs']) {
        await writeFile(join(dir, name, file), readFileSync(join(SOURCE, name, file)));
      }
    }
    // Forges a message while its module loads (the INIT phase), before any invocation.
    await mkdir(join(dir, 'forges-at-init'));
    await writeFile(join(dir, 'forges-at-init', 'function.json'), '{}');
    await writeFile(
      join(dir, 'forges-at-init', 'index.mjs'),
      "import fs from 'node:fs';\nfs.writeSync(3, 'null\\n');\nexport const handler = async () => 'loaded';\n",
    );
    // Leaves a child process running after it answers.
    await mkdir(join(dir, 'leaves-child'));
    await writeFile(join(dir, 'leaves-child', 'function.json'), '{}');
    await writeFile(
      join(dir, 'leaves-child', 'index.mjs'),
      "import { spawn } from 'node:child_process';\nexport const handler = async () => ({ pid: spawn('sleep', ['60'], { stdio: 'ignore' }).pid });\n",
    );
    backend = createLocalBackend({ dir });
  });
  afterAll(async () => {
    await backend?.close();
    await cleanup?.();
  });

  it('a malformed message from the function ends that instance with Runtime.ExitError; the host goes on', async () => {
    const { result, body, logs } = await invoke(backend, 'forges-messages');
    const id = result.requestId ?? '';
    expect(result.functionError).toBe('Unhandled');
    expect((body as NodeError).errorType).toBe('Runtime.ExitError');
    expect((body as NodeError).errorMessage).toMatch(
      new RegExp(`^RequestId: ${id} Error: Runtime exited with error: the runtime sent an invalid message`),
    );
    expect(logs.find((l) => l.startsWith('REPORT'))).toMatch(
      /\tStatus: error\tError Type: Runtime\.ExitError\t$/,
    );
    expect(backend.stats('forges-messages').instances).toBe(0);
    expect((await invoke(backend, 'echo', { ok: 1 })).body).toEqual({ ok: 1 });
    // A fresh instance for the next invocation.
    await invoke(backend, 'forges-messages');
    expect(backend.stats('forges-messages').coldStarts).toBe(2);
  });

  it('a malformed message during INIT fails that cold start with Runtime.ExitError', async () => {
    const { result, body, logs } = await invoke(backend, 'forges-at-init');
    expect(result.functionError).toBe('Unhandled');
    expect(body).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage:
        'Runtime exited with error: the runtime sent an invalid message (a message must be a JSON object, got null)',
    });
    expect(logs.find((l) => l.startsWith('REPORT'))).toMatch(
      /\tStatus: error\tError Type: Runtime\.ExitError\t$/,
    );
    expect((await invoke(backend, 'echo', { ok: 3 })).body).toEqual({ ok: 3 });
  });

  it('off-heap memory (Buffers) past the memory size is Runtime.OutOfMemory; the host does not take it', async () => {
    const hostBefore = process.memoryUsage().rss;
    const { result, body, logs } = await invoke(backend, 'offheap-hog');
    const id = result.requestId ?? '';
    expect(body).toEqual({
      errorType: 'Runtime.OutOfMemory',
      errorMessage: `RequestId: ${id} Error: Runtime exited with error: signal: killed`,
    });
    expect(logs.find((l) => l.startsWith('REPORT'))).toMatch(
      /\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t.*Status: error\tError Type: Runtime\.OutOfMemory\t$/,
    );
    expect(process.memoryUsage().rss - hostBefore).toBeLessThan(150 * 1024 * 1024);
    expect((await invoke(backend, 'echo', { ok: 2 })).body).toEqual({ ok: 2 });
  });

  it("output of a child process started with stdio 'inherit' is the function's log", async () => {
    const { result, body, tail } = await invoke(backend, 'inherits-stdio');
    expect(result.functionError).toBeUndefined();
    expect(body).toEqual({ status: 0 });
    expect(tail).toContain('forged-by-grandchild');
    expect(tail).toContain('GRANDCHILD-STDERR');
    // Before END: the output belongs to the invocation that produced it.
    expect(tail.indexOf('GRANDCHILD-STDERR')).toBeLessThan(tail.indexOf('END RequestId'));
  });

  it('stopping an instance stops the processes its function started', async () => {
    const { body } = await invoke(backend, 'leaves-child');
    const pid = (body as { pid: number }).pid;
    // Running, not a zombie waiting to be reaped by whoever inherited it.
    const alive = () => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
      } catch {
        return false;
      }
    };
    expect(alive()).toBe(true);
    await backend.stopInstances('leaves-child');
    await waitFor(() => !alive(), 5000, 'the function child process to end');
  });

  it('the function sees only its own variables and Lambda reserved ones, in process.env and /proc/self/environ', async () => {
    const host = readFileSync('/proc/self/environ', 'utf8').split('\0').filter(Boolean);
    const { body } = await invoke(backend, 'reads-environ');
    const seen = body as { processEnv: Record<string, string>; environ: string[] };
    expect(seen.processEnv.GREETING).toBe('hi');
    expect(seen.processEnv.AWS_LAMBDA_FUNCTION_NAME).toBe('reads-environ');
    expect(seen.processEnv.AWS_SECRET_ACCESS_KEY).toBeUndefined();
    const allowed = /^(PATH|LANG|TZ|GREETING|AWS_[A-Z_]+|LAMBDA_[A-Z_]+|_HANDLER|NODE_PATH)=/;
    for (const entry of [...seen.environ, ...Object.entries(seen.processEnv).map(([k, v]) => `${k}=${v}`)]) {
      expect(entry).toMatch(allowed);
    }
    for (const entry of host) {
      if (/^(PATH|LANG|TZ)=/.test(entry)) continue;
      expect(seen.environ).not.toContain(entry);
    }
  });
});
