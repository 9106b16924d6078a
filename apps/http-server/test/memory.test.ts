import { describe, expect, it } from 'vitest';
import { applyHeapGrowing, checkHeapLimit, containerMemoryLimit, memoryTargetBytes } from '../src/heap.js';
import { createIdleReleaser, createMemoryGovernor } from '../src/memory.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('idle releaser', () => {
  it('collects once after a burst, only when nothing ran for the idle period', async () => {
    const runs: number[] = [];
    const r = createIdleReleaser({
      idleMs: 60,
      minRequests: 3,
      onCollected: (i) => void runs.push(i.requests),
    });
    // Fewer requests than the threshold: no collection however long it stays quiet.
    r.requestStarted()();
    await sleep(120);
    expect(runs).toEqual([]);
    // A request still running holds the collection back.
    const a = r.requestStarted();
    r.requestStarted()();
    r.requestStarted()();
    await sleep(150);
    expect(runs).toEqual([]);
    a();
    const deadline = Date.now() + 2_000;
    while (runs.length === 0 && Date.now() < deadline) await sleep(10);
    expect(runs).toEqual([4]);
    // Once per quiet period: no second collection without new requests.
    await sleep(150);
    expect(runs).toEqual([4]);
    r.stop();
  });

  it('waits while requests keep arriving', async () => {
    const runs: number[] = [];
    const r = createIdleReleaser({
      idleMs: 80,
      minRequests: 1,
      onCollected: (i) => void runs.push(i.requests),
    });
    for (let i = 0; i < 6; i++) {
      r.requestStarted()();
      await sleep(30);
    }
    expect(runs).toEqual([]);
    const deadline = Date.now() + 2_000;
    while (runs.length === 0 && Date.now() < deadline) await sleep(10);
    expect(runs).toEqual([6]);
    r.stop();
  });
});

describe('container memory limit', () => {
  const reader = (files: Record<string, string>) => (path: string) => {
    if (path in files) return files[path] as string;
    throw new Error(`ENOENT ${path}`);
  };
  it('reads cgroup v2, then v1, and treats "max" and v1 no-limit as none', () => {
    expect(containerMemoryLimit(reader({ '/sys/fs/cgroup/memory.max': '536870912\n' }))).toBe(536870912);
    expect(containerMemoryLimit(reader({ '/sys/fs/cgroup/memory.max': 'max\n' }))).toBeUndefined();
    expect(
      containerMemoryLimit(reader({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '268435456\n' })),
    ).toBe(268435456);
    expect(
      containerMemoryLimit(
        reader({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712\n' }),
      ),
    ).toBeUndefined();
    expect(containerMemoryLimit(reader({ '/sys/fs/cgroup/memory.max': 'garbage' }))).toBeUndefined();
    expect(containerMemoryLimit(reader({}))).toBeUndefined();
  });

  it('advises a heap limit of half the container limit when the heap may take more', () => {
    const MB = 1048576;
    const over = checkHeapLimit(512 * MB, 500 * MB);
    expect(over.advice).toContain('--max-old-space-size=256');
    expect(over.advice).toContain('MALLOC_ARENA_MAX=2');
    expect(over).toMatchObject({ containerLimitMb: 512, heapLimitMb: 500 });
    expect(checkHeapLimit(512 * MB, 256 * MB).advice).toBeUndefined();
    expect(checkHeapLimit(undefined, 4096 * MB).advice).toBeUndefined();
    expect(checkHeapLimit(100 * MB, 90 * MB).advice).toContain('--max-old-space-size=64');
  });
});

describe('memory governor', () => {
  it('collects above the target, not below, and backs off when a collection does not help', async () => {
    let rss = 100;
    const runs: number[] = [];
    const g = createMemoryGovernor({
      targetBytes: 150,
      intervalMs: 10,
      minGapMs: 40,
      maxGapMs: 1_000,
      rss: () => rss,
      onCollected: (i) => void runs.push(i.rssBefore),
    });
    await sleep(100);
    expect(runs).toEqual([]);
    // Above the target and the collection does not bring it down: the gaps double (40, 80, 160...).
    rss = 200;
    await sleep(400);
    const stuck = runs.length;
    expect(stuck).toBeGreaterThanOrEqual(1);
    expect(stuck).toBeLessThanOrEqual(4);
    g.stop();
    await sleep(100);
    expect(runs.length).toBe(stuck);
  });
});

describe('heap growing factor', () => {
  it('is set to 60% unless the operator set it or turned it off, and a bad value is named', () => {
    expect(applyHeapGrowing({}, [])).toBe(60);
    expect(applyHeapGrowing({ LAMBDA_MCP_HEAP_GROWING_PERCENT: '50' }, [])).toBe(50);
    expect(applyHeapGrowing({ LAMBDA_MCP_HEAP_GROWING_PERCENT: '0' }, [])).toBeUndefined();
    expect(applyHeapGrowing({ NODE_OPTIONS: '--heap-growing-percent=80' }, [])).toBeUndefined();
    expect(applyHeapGrowing({}, ['--heap_growing_percent=80'])).toBeUndefined();
    expect(() => applyHeapGrowing({ LAMBDA_MCP_HEAP_GROWING_PERCENT: 'lots' }, [])).toThrow(
      /LAMBDA_MCP_HEAP_GROWING_PERCENT="lots" is not valid: expected a whole number/,
    );
  });

  it('rejects a memory target that is not a whole number of MB', () => {
    expect(memoryTargetBytes({ LAMBDA_MCP_MEMORY_TARGET_MB: '0' }, undefined)).toBeUndefined();
    expect(memoryTargetBytes({}, undefined)).toBe(192 * 1048576);
    expect(memoryTargetBytes({}, 256 * 1048576)).toBe(128 * 1048576);
    expect(memoryTargetBytes({ LAMBDA_MCP_MEMORY_TARGET_MB: '300' }, 256 * 1048576)).toBe(300 * 1048576);
    expect(() => memoryTargetBytes({ LAMBDA_MCP_MEMORY_TARGET_MB: '1.5' }, undefined)).toThrow(
      /LAMBDA_MCP_MEMORY_TARGET_MB="1.5" is not valid/,
    );
  });
});
