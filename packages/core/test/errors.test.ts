import { describe, expect, it } from 'vitest';
import { isLambdaMcpError, LambdaMcpError, toLambdaMcpError } from '../src/index.js';

describe('LambdaMcpError', () => {
  it('carries a code, keeps the cause and is recognised by its brand', () => {
    const cause = new Error('inner');
    const err = new LambdaMcpError('THROTTLED', 'slow down', { cause, retryable: true });
    expect(err.code).toBe('THROTTLED');
    expect(err.cause).toBe(cause);
    expect(isLambdaMcpError(err)).toBe(true);
    expect(isLambdaMcpError(new Error('x'))).toBe(false);
    expect(err.toJSON()).toEqual({ code: 'THROTTLED', message: 'slow down', retryable: true });
  });

  it('maps abort errors and unknown values', () => {
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(toLambdaMcpError(abort).code).toBe('ABORTED');
    expect(toLambdaMcpError('weird').code).toBe('INTERNAL');
  });
});

describe('routeProcessWarnings', () => {
  it('logs process warnings through the logger as one line each, and restores the defaults', async () => {
    const { routeProcessWarnings } = await import('../src/internal.js');
    const seen: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    const logger = {
      debug() {},
      info() {},
      warn(message: string, fields?: Record<string, unknown>) {
        seen.push({ message, fields });
      },
      error() {},
      child() {
        return logger;
      },
    };
    const before = process.listenerCount('warning');
    const restore = routeProcessWarnings(logger);
    expect(process.listenerCount('warning')).toBe(1);
    process.emitWarning('SomeWarning: first line\nsecond   line\n\nthird', { code: 'X1' });
    await new Promise((r) => setImmediate(r));
    restore();
    expect(process.listenerCount('warning')).toBe(before);
    expect(seen).toEqual([
      {
        message: 'SomeWarning: first line',
        fields: { warning: 'Warning', code: 'X1', detail: 'second line third' },
      },
    ]);
  });

  it("logs the AWS SDK's Node.js version notice at debug, not as a warning", async () => {
    const { routeProcessWarnings } = await import('../src/internal.js');
    const seen: Array<{ level: string; message: string }> = [];
    const logger = {
      debug(message: string) {
        seen.push({ level: 'debug', message });
      },
      info() {},
      warn(message: string) {
        seen.push({ level: 'warn', message });
      },
      error() {},
      child() {
        return logger;
      },
    };
    const restore = routeProcessWarnings(logger);
    process.emitWarning(
      'NodeVersionSupportWarning: The AWS SDK for JavaScript (v3)\nversions published after',
    );
    await new Promise((r) => setImmediate(r));
    restore();
    expect(seen).toEqual([
      { level: 'debug', message: 'NodeVersionSupportWarning: The AWS SDK for JavaScript (v3)' },
    ]);
  });
});
