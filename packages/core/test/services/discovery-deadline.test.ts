import { afterEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';
import { isLambdaMcpError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { createDiscoveryService } from '../../src/services/discovery-service.js';
import type { DiscoveryService } from '../../src/services/types.js';
import type { CallOptions } from '../../src/types.js';
import { createMemoryBackend, fn, type MemoryBackend } from './memory-backend.js';

const open: DiscoveryService[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

/** A backend whose listFunctions never settles while `stalled` is true, and ignores its signal. */
function stallingBackend(): MemoryBackend & { stalled: boolean; signals: AbortSignal[] } {
  const backend = createMemoryBackend({ functions: [fn('alpha'), fn('beta')] }) as MemoryBackend & {
    stalled: boolean;
    signals: AbortSignal[];
  };
  backend.stalled = true;
  backend.signals = [];
  const list = backend.listFunctions.bind(backend);
  backend.listFunctions = (options?: CallOptions) => {
    if (options?.signal) backend.signals.push(options.signal);
    if (backend.stalled) return new Promise(() => {});
    return list(options);
  };
  return backend;
}

function make(backend: MemoryBackend, retryDelaysMs: number[] = [50]) {
  const discovery = createDiscoveryService({
    backend,
    config: ConfigSchema.parse({ discoveryTimeoutSeconds: 1 }),
    logger: silentLogger,
    retryDelaysMs,
  });
  open.push(discovery);
  return discovery;
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('discovery deadline and retries', () => {
  it('a discovery that never ends fails within its deadline with a retryable TIMED_OUT, and aborts the backend call', async () => {
    const backend = stallingBackend();
    const discovery = make(backend, []);
    expect(discovery.status?.()).toMatchObject({ state: 'starting', live: false, functions: 0 });
    const started = performance.now();
    const error = await failure(discovery.getCatalog());
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(5_000);
    expect(isLambdaMcpError(error) && error.code).toBe('TIMED_OUT');
    expect(isLambdaMcpError(error) && error.retryable).toBe(true);
    expect((error as Error).message).toMatch(/did not finish within 1 s \(LAMBDA_MCP_DISCOVERY_TIMEOUT\)/);
    expect(backend.signals[0]?.aborted).toBe(true);
    // The allowlist answers within the bound too (every invocation goes through it).
    expect(isLambdaMcpError(await failure(discovery.resolve('alpha')))).toBe(true);
    expect(discovery.status?.()).toMatchObject({
      state: 'failing',
      live: false,
      lastError: { code: 'TIMED_OUT', retryable: true },
    });
  });

  it('retries a timed-out discovery by itself until it works, then reports ok', async () => {
    const backend = stallingBackend();
    const discovery = make(backend, [50]);
    const changes: number[] = [];
    discovery.onChange((catalog) => changes.push(catalog.functions.length));
    await failure(discovery.getCatalog());
    const status = discovery.status?.();
    expect(status?.consecutiveFailures).toBe(1);
    expect(status?.nextRetryAt).toBeDefined();
    backend.stalled = false;
    const deadline = Date.now() + 5_000;
    while (changes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(changes).toEqual([2]);
    expect(discovery.status?.()).toMatchObject({
      state: 'ok',
      live: true,
      functions: 2,
      consecutiveFailures: 0,
    });
    expect(discovery.status?.().lastError).toBeUndefined();
  });

  it('a stalled refresh does not freeze a live catalog: it is served meanwhile, and a later refresh runs', async () => {
    const backend = stallingBackend();
    backend.stalled = false;
    const discovery = make(backend, [50]);
    expect((await discovery.getCatalog()).functions).toHaveLength(2);
    backend.stalled = true;
    const refresh = discovery.refresh();
    // Served at once while the refresh hangs.
    expect((await discovery.getCatalog()).functions).toHaveLength(2);
    expect(discovery.status?.().refreshingForMs).toBeGreaterThanOrEqual(0);
    expect(isLambdaMcpError(await failure(refresh))).toBe(true);
    const calls = backend.signals.length;
    backend.stalled = false;
    backend.functions.push(fn('gamma'));
    const deadline = Date.now() + 5_000;
    while ((await discovery.getCatalog()).functions.length !== 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect((await discovery.getCatalog()).functions).toHaveLength(3);
    expect(backend.signals.length).toBeGreaterThan(calls);
  });

  it('does not retry what waiting cannot fix (access denied)', async () => {
    const backend = createMemoryBackend({ functions: [fn('alpha')] });
    const { LambdaMcpError } = await import('../../src/errors.js');
    backend.failures.listFunctions = new LambdaMcpError('ACCESS_DENIED', 'denied');
    const discovery = make(backend, [20]);
    await failure(discovery.getCatalog());
    await new Promise((r) => setTimeout(r, 150));
    expect(backend.calls.listFunctions).toBe(1);
    expect(discovery.status?.().nextRetryAt).toBeUndefined();
  });
});
