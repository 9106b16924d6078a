import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBackend, type LocalBackend } from '../../src/local/index.js';
import { FIXTURES, invoke, tempDir } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));

interface NodeError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

describe('local backend: handlers that misbehave', () => {
  let backend: LocalBackend;
  beforeAll(() => {
    backend = createLocalBackend({ dir: FIXTURES });
  });
  afterAll(async () => {
    await backend.close();
  });

  it('ends a hanging invocation at the timeout with AWS payload and log line', async () => {
    const { result, text, logs } = await invoke(backend, 'sleeper', { ms: 10_000 });
    const id = result.requestId ?? '';
    expect(result.statusCode).toBe(200);
    expect(result.functionError).toBe('Unhandled');
    expect(text).toBe(
      `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: ${id} Error: Task timed out after 1.00 seconds"}`,
    );
    const timedOut = logs.find((l) => l.includes('Task timed out'));
    expect(timedOut).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ${id} Task timed out after 1\\.00 seconds$`,
      ),
    );
    expect(logs.find((l) => l.startsWith('REPORT'))).toMatch(/\tStatus: timeout\t$/);
    expect(backend.stats('sleeper').instances).toBe(0);
  });

  it('stops a synchronous infinite loop at the timeout', async () => {
    const { result, body } = await invoke(backend, 'spin');
    expect(result.functionError).toBe('Unhandled');
    expect((body as NodeError).errorType).toBe('Sandbox.Timedout');
    // The host is still responsive and the next call gets a fresh instance.
    const again = await invoke(backend, 'spin');
    expect(again.logs.find((l) => l.startsWith('REPORT'))).toContain('Init Duration');
  });

  it('enforces the memory size: a heap blow-up is Runtime.OutOfMemory, not a host crash', async () => {
    const { result, body, logs } = await invoke(backend, 'hog');
    const id = result.requestId ?? '';
    expect(result.functionError).toBe('Unhandled');
    expect(body).toEqual({
      errorType: 'Runtime.OutOfMemory',
      errorMessage: `RequestId: ${id} Error: Runtime exited with error: signal: killed`,
    });
    expect(logs.find((l) => l.startsWith('REPORT'))).toMatch(
      /\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t.*Status: error\tError Type: Runtime\.OutOfMemory\t$/,
    );
    expect((await invoke(backend, 'context')).result.functionError).toBeUndefined();
  });

  it('returns a synchronous throw in AWS Node shape', async () => {
    const { result, body } = await invoke(backend, 'thrower-sync');
    const error = body as NodeError;
    expect(result.functionError).toBe('Unhandled');
    expect(error.errorType).toBe('TypeError');
    expect(error.errorMessage).toBe('boom sync');
    expect(error.trace?.[0]).toBe('TypeError: boom sync');
    expect(error.trace?.[1]).toMatch(/^ {4}at .*thrower-sync\/index\.mjs:\d+:\d+\)?$/);
    expect(error.trace?.some((l) => l.includes('worker.js'))).toBe(false);
  });

  it('returns async throws, custom error types and thrown strings like the Node runtime', async () => {
    const asyncThrow = await invoke(backend, 'thrower', { mode: 'async' });
    expect(asyncThrow.body).toMatchObject({ errorType: 'Error', errorMessage: 'boom async' });
    expect(asyncThrow.logs.some((l) => /\tERROR\tInvoke Error \t\{"errorType":"Error"/.test(l))).toBe(true);
    const custom = await invoke(backend, 'thrower', { mode: 'custom' });
    expect(custom.body).toMatchObject({ errorType: 'PaymentDeclinedError', errorMessage: 'card declined' });
    expect((custom.body as NodeError).trace?.[0]).toBe('PaymentDeclinedError: card declined');
    const str = await invoke(backend, 'thrower', { mode: 'string' });
    expect(str.body).toEqual({ errorType: 'string', errorMessage: 'plain string', trace: [] });
    // Thrown errors do not end the instance: it stays warm.
    expect(backend.stats('thrower').coldStarts).toBe(1);
  });

  it('turns process.exit into Runtime.ExitError without touching the host', async () => {
    const { result, text, logs } = await invoke(backend, 'exiter', { code: 3 });
    const id = result.requestId ?? '';
    expect(result.functionError).toBe('Unhandled');
    expect(text).toBe(
      `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: ${id} Error: Runtime exited with error: exit status 3"}`,
    );
    expect(logs.find((l) => l.startsWith('REPORT'))).toMatch(
      /\tStatus: error\tError Type: Runtime\.ExitError\t$/,
    );
    const zero = await invoke(backend, 'exiter', { code: 0 });
    expect((zero.body as NodeError).errorMessage).toBe(
      `RequestId: ${zero.result.requestId} Error: Runtime exited without providing a reason`,
    );
  });

  it('reports an unhandled rejection as Runtime.UnhandledPromiseRejection and replaces the instance', async () => {
    const { body } = await invoke(backend, 'rejecter');
    expect(body).toMatchObject({
      errorType: 'Runtime.UnhandledPromiseRejection',
      errorMessage: 'Error: nobody listens',
    });
    await invoke(backend, 'rejecter');
    expect(backend.stats('rejecter').coldStarts).toBe(2);
  });

  it('reports an exception thrown from a timer and replaces the instance', async () => {
    const { body } = await invoke(backend, 'timer-throw');
    expect(body).toMatchObject({ errorType: 'RangeError', errorMessage: 'thrown from a timer' });
    await invoke(backend, 'timer-throw');
    expect(backend.stats('timer-throw').coldStarts).toBe(2);
  });

  it('reports a syntax error in the handler module as Runtime.UserCodeSyntaxError', async () => {
    // Written at run time: a file with a syntax error in the repository would break the linter.
    const { dir, cleanup } = await tempDir();
    const other = createLocalBackend({ dir });
    try {
      await mkdir(join(dir, 'broken'));
      await writeFile(join(dir, 'broken', 'function.json'), '{"handler":"index.handler"}');
      await writeFile(
        join(dir, 'broken', 'index.mjs'),
        'export const handler = async () => {\n  return 1 +;\n};\n',
      );
      const { result, body } = await invoke(other, 'broken');
      expect(result.functionError).toBe('Unhandled');
      expect(body).toMatchObject({ errorType: 'Runtime.UserCodeSyntaxError' });
      expect((body as NodeError).errorMessage).toMatch(/^SyntaxError: /);
    } finally {
      await other.close();
      await cleanup();
    }
  });

  it('refuses a response over 6 MB with Function.ResponseSizeTooLarge', async () => {
    const { result, body } = await invoke(backend, 'big-response');
    expect(result.functionError).toBe('Unhandled');
    expect(body).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    });
  });

  it('reports init failures: a module that throws at load and a missing export', async () => {
    const init = await invoke(backend, 'init-error');
    expect(init.result.functionError).toBe('Unhandled');
    expect(init.body).toMatchObject({ errorType: 'Error', errorMessage: 'cannot start' });
    const missing = await invoke(backend, 'no-export');
    expect(missing.body).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'index.missing is undefined or not exported',
    });
    const page = await backend.filterLogEvents({
      logGroupName: '/aws/lambda/no-export',
      filterPattern: 'INIT_REPORT',
    });
    expect(page.events[0]?.message).toMatch(
      /^INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: Runtime\.HandlerNotFound\n$/,
    );
  });

  it('keeps megabytes of console output bounded and returns the real end of the log in the tail', async () => {
    const { result, tail, body } = await invoke(backend, 'chatty', { mb: 2 });
    expect(body).toEqual({ lines: 2048 });
    const bytes = Buffer.from(result.logResult ?? '', 'base64');
    expect(bytes.length).toBeLessThanOrEqual(4096);
    expect(tail).toMatch(/\tINFO\tlast line\n/);
    expect(tail).toMatch(/REPORT RequestId: [^\n]+\t\n$/);
  });
});

describe('local backend: host isolation', () => {
  it("never lets a function's output reach the host's stdout or stderr", async () => {
    const script = join(here, 'child-host.mjs');
    const child = spawn(process.execPath, [script, FIXTURES], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('child host did not finish in 25 s'));
      }, 25_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0] ?? '{}') as Record<string, string>;
    expect(summary).toEqual({
      chatty: 'ok',
      exiter: 'Runtime.ExitError',
      rejecter: 'Runtime.UnhandledPromiseRejection',
      'thrower-sync': 'TypeError',
      callback: 'ok',
      levels: 'ok',
    });
  });

  it('lets the host exit on its own while instances idle, after background events finish', async () => {
    const child = spawn(process.execPath, [join(here, 'child-exit.mjs'), FIXTURES], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('the host process did not exit by itself within 20 s'));
      }, 20_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout.trim())).toEqual({ executions: 1, running: 0, errors: 0 });
  });
});
