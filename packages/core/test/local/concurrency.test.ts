import { describe, expect, it } from 'vitest';
import { isLambdaMcpError } from '../../src/errors.js';
import { createLocalBackend } from '../../src/local/index.js';
import { FIXTURES, invoke, waitFor } from './helpers.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** A gate the synthetic handlers wait on, so concurrency is exact rather than timing-dependent. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

describe('local backend: concurrency', () => {
  it('throttles beyond reserved concurrency like TooManyRequestsException', async () => {
    const backend = createLocalBackend({ dir: FIXTURES });
    try {
      const first = invoke(backend, 'single', { ms: 400 });
      await waitFor(() => backend.stats('single').running === 1, 5000, 'the first invocation');
      const error = await rejection(invoke(backend, 'single', { ms: 1 }));
      expect(isLambdaMcpError(error) && error.code).toBe('THROTTLED');
      expect((error as Error).message).toBe('Rate Exceeded.');
      expect(isLambdaMcpError(error) && error.details).toMatchObject({
        reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
        retryAfterSeconds: expect.any(Number),
        reservedConcurrency: 1,
      });
      expect(isLambdaMcpError(error) && error.retryable).toBe(true);
      expect((await first).body).toEqual({ slept: 400 });
      // Once the slot is free, the next call runs.
      expect((await invoke(backend, 'single', { ms: 1 })).body).toEqual({ slept: 1 });
      expect(backend.stats('single')).toMatchObject({ throttles: 1, invocations: 2, executions: 2 });
    } finally {
      await backend.close();
    }
  });

  it('throttles at the account-level limit and queues Event invocations until a slot frees', async () => {
    const g = gate();
    let active = 0;
    let peak = 0;
    const backend = createLocalBackend({
      maxConcurrency: 2,
      syntheticFunctions: [
        {
          name: 'gated',
          invoke: async (event) => {
            active++;
            peak = Math.max(peak, active);
            await g.wait;
            active--;
            return event;
          },
        },
      ],
    });
    try {
      const a = invoke(backend, 'gated', { n: 1 });
      const b = invoke(backend, 'gated', { n: 2 });
      await waitFor(() => active === 2, 2000, 'two running');
      const third = await rejection(invoke(backend, 'gated', { n: 3 }));
      expect(isLambdaMcpError(third) && third.details?.reason).toBe('ConcurrentInvocationLimitExceeded');
      const queued = await invoke(backend, 'gated', { n: 4 }, { invocationType: 'Event' });
      expect(queued.result.statusCode).toBe(202);
      expect(backend.stats('gated').queuedEvents).toBe(1);
      g.open();
      await Promise.all([a, b]);
      await backend.idle({ timeoutMs: 5000 });
      expect(backend.stats('gated')).toMatchObject({ executions: 3, throttles: 1, queuedEvents: 0 });
      expect(peak).toBe(2);
    } finally {
      await backend.close();
    }
  });

  it('counts every execution exactly once (what the emulator uses to prove no duplicates)', async () => {
    const backend = createLocalBackend({ syntheticFunctions: [{ name: 'noop' }] });
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => invoke(backend, 'noop', { i })));
      expect(backend.executionCount('noop')).toBe(20);
      expect(backend.executionCount('unknown')).toBe(0);
    } finally {
      await backend.close();
    }
  });
});
