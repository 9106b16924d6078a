import { afterEach, describe, expect, it, vi } from 'vitest';
import { isErrorCode } from '../../src/errors.js';
import { createServices } from '../../src/services/create-services.js';
import { captureLogger, createMemoryBackend, fn } from './memory-backend.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('createServices', () => {
  it('wires the four services over one backend with defaults applied', async () => {
    const backend = createMemoryBackend({ functions: [fn('a'), fn('b')] });
    const services = createServices({ backend });
    expect(services.config.cacheTtlSeconds).toBe(300);
    expect(services.backend).toBe(backend);
    expect((await services.discovery.getCatalog()).functions.map((f) => f.name)).toEqual(['a', 'b']);
    const result = await services.invocation.invoke({ functionName: 'a', payload: { x: 1 } });
    expect(result.payload).toMatchObject({ kind: 'json', value: { x: 1 } });
    await services.close();
    await services.close();
    expect(backend.closed).toBe(true);
  });

  it('refuses a bad config with INVALID_CONFIG naming the key', () => {
    const backend = createMemoryBackend();
    let caught: unknown;
    try {
      createServices({ backend, config: { maxFunctionTools: -1 } });
    } catch (error) {
      caught = error;
    }
    expect(isErrorCode(caught, 'INVALID_CONFIG')).toBe(true);
    expect((caught as Error).message).toMatch(/^Invalid config option maxFunctionTools: /);
    expect(() => createServices({ backend, config: { functionList: ['arn:aws:s3:::bucket'] } })).toThrow(
      /Invalid functionList entry "arn:aws:s3:::bucket"/,
    );
    expect(() => createServices({ backend: undefined as never })).toThrow(/needs a backend/);
  });

  it('starts the periodic refresh when the config asks for it, and close() stops it', async () => {
    vi.useFakeTimers();
    const backend = createMemoryBackend({ functions: [fn('a')] });
    const { logger } = captureLogger();
    const services = createServices({ backend, config: { refreshIntervalSeconds: 5 }, logger });
    await vi.advanceTimersByTimeAsync(11_000);
    expect(backend.calls.listFunctions).toBe(2);
    await services.close();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(backend.calls.listFunctions).toBe(2);
  });
});
