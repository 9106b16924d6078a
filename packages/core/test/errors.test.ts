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
