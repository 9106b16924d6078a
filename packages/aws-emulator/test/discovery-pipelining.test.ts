/**
 * Discovery at its floor (issue 16.2): in every filter mode, what discovery needs besides the
 * ListFunctions pages (the tags: schema ARN tag, annotations, tag filters) is read while the
 * pages are, so nothing is sent after the last page is answered. (An explicit list with no prefix
 * lists nothing: it reads each listed function, see explicit-list.ts and its tests.) The emulator answers each
 * request 15 ms after it arrived, so requests that overlap and requests that follow are told apart.
 */
import type { ConfigInput } from '@lambda-mcp/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator, syntheticCatalog } from '../src/index.js';
import { discoverOnce, listingModes } from './helpers.js';

let emulator: Emulator;

beforeAll(async () => {
  // 300 functions (fn-000 … fn-299), 30 tagged MCPEnabled=true, the others team=other.
  emulator = await startEmulator({
    synthetic: syntheticCatalog({ count: 300, matching: 30 }),
    faults: { latencyMs: 15 },
  });
});

afterAll(async () => {
  await emulator?.close();
});

async function discover(config: ConfigInput) {
  const { catalog, records } = await discoverOnce(emulator, config);
  const pages = records.filter((r) => r.operation === 'ListFunctions');
  const listEnd = Math.max(...pages.map((r) => r.time + (r.durationMs ?? 0)));
  const after = records.filter((r) => r.operation !== 'ListFunctions' && r.time >= listEnd);
  return { catalog, pages: pages.length, after, records };
}

describe('discovery reads what a mode needs alongside the ListFunctions pages', () => {
  for (const [mode, config, expected] of listingModes(300, 30)) {
    it(`${mode}: no request after the last page, and the tags are there`, async () => {
      const { catalog, pages, after, records } = await discover(config);
      expect(catalog.functions).toHaveLength(expected);
      expect(pages).toBe(6);
      expect(after.map((r) => r.operation)).toEqual([]);
      // The tags were read (schema ARN tags and annotations depend on them).
      expect(records.some((r) => r.operation === 'GetResources' || r.operation === 'ListTags')).toBe(true);
      for (const fn of catalog.functions) expect(Object.keys(fn.tags ?? {}).length).toBeGreaterThan(0);
    });
  }
});

describe('an explicit FUNCTION_LIST is read in one round when it is short', () => {
  const inFlightAtOnce = (records: Array<{ operation: string; time: number; durationMs?: number }>) => {
    const gets = records.filter((r) => r.operation === 'GetFunction');
    // The most requests that were in flight together (each from its arrival to its answer).
    return Math.max(
      ...gets.map(
        (r) => gets.filter((o) => o.time <= r.time && r.time < o.time + (o.durationMs ?? 0)).length,
      ),
    );
  };
  it('12 listed functions: all 12 GetFunction requests in flight together, lean or through the SDK', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `fn-${String(i).padStart(3, '0')}`);
    // More than 10 requests listen to the discovery's signal at once: expected, so Node.js must not
    // warn of a listener leak (MaxListenersExceededWarning, which the stdio server logs as a warning).
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      for (const leanReads of [true, false]) {
        const { catalog, records } = await discoverOnce(emulator, { functionList: names }, { leanReads });
        expect(catalog.functions).toHaveLength(12);
        expect(inFlightAtOnce(records)).toBe(12);
      }
      // Warnings are emitted on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.includes('MaxListeners'))).toEqual([]);
  });
  it('40 listed functions: at most 8 at a time', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `fn-${String(i).padStart(3, '0')}`);
    const { catalog, records } = await discover({ functionList: names });
    expect(catalog.functions).toHaveLength(40);
    const most = inFlightAtOnce(records);
    expect(most).toBeLessThanOrEqual(8);
    expect(most).toBeGreaterThan(1);
  });
});
