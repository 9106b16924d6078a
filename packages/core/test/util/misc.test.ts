import { describe, expect, it } from 'vitest';
import { isErrorCode } from '../../src/errors.js';
import { mapWithConcurrency } from '../../src/util/concurrency.js';
import { fingerprint, fingerprintList, stableStringify } from '../../src/util/fingerprint.js';
import { matchesGlob } from '../../src/util/glob.js';
import { parseDurationSeconds, parseTime, parseTimeRange } from '../../src/util/time-range.js';

describe('stableStringify and fingerprint', () => {
  it('do not depend on key order and drop undefined members', () => {
    expect(stableStringify({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    expect(fingerprint({ a: 1, b: 2 })).toBe(fingerprint({ b: 2, a: 1 }));
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 2 }));
    expect(fingerprint([1, 2])).not.toBe(fingerprint([2, 1]));
    // The item-at-a-time form gives the very same hash as the whole array's.
    const items = [{ b: 1, a: [1, { d: new Date(0), c: undefined }] }, 'x', null, 3];
    expect(fingerprintList(items)).toBe(fingerprint(items));
    expect(fingerprintList([])).toBe(fingerprint([]));
  });
});

describe('mapWithConcurrency', () => {
  it('never runs more than the limit at once and keeps the order', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapWithConcurrency([5, 1, 4, 2, 3, 0], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });
  it('refuses a limit below 1', async () => {
    await expect(mapWithConcurrency([1], 0, async (n) => n)).rejects.toThrow(/concurrency/);
  });
});

describe('matchesGlob', () => {
  it('matches * and ? and nothing else specially, case-sensitively', () => {
    expect(matchesGlob('internal-billing', 'internal-*')).toBe(true);
    expect(matchesGlob('Internal-billing', 'internal-*')).toBe(false);
    expect(matchesGlob('fn1', 'fn?')).toBe(true);
    expect(matchesGlob('fn12', 'fn?')).toBe(false);
    expect(matchesGlob('a.b', 'a.b')).toBe(true);
    expect(matchesGlob('axb', 'a.b')).toBe(false);
  });
});

describe('parseTimeRange', () => {
  const now = new Date('2025-05-01T12:00:00Z');
  it('accepts now, relative forms and ISO times', () => {
    expect(parseTime('now', 'end', now).toISOString()).toBe('2025-05-01T12:00:00.000Z');
    expect(parseTime('15m', 'start', now).toISOString()).toBe('2025-05-01T11:45:00.000Z');
    expect(parseTime('1h', 'start', now).toISOString()).toBe('2025-05-01T11:00:00.000Z');
    expect(parseTime('2d', 'start', now).toISOString()).toBe('2025-04-29T12:00:00.000Z');
    expect(parseTime('-30s', 'start', now).toISOString()).toBe('2025-05-01T11:59:30.000Z');
    expect(parseTime('1w ago', 'start', now).toISOString()).toBe('2025-04-24T12:00:00.000Z');
    expect(parseTime('2025-04-30T10:00:00Z', 'start', now).toISOString()).toBe('2025-04-30T10:00:00.000Z');
    expect(parseTime('2025-04-30T10:00:00+02:00', 'start', now).toISOString()).toBe(
      '2025-04-30T08:00:00.000Z',
    );
    expect(parseTime('2025-04-30', 'start', now).toISOString()).toBe('2025-04-30T00:00:00.000Z');
  });
  it('defaults to the last hour', () => {
    const r = parseTimeRange({}, { now });
    expect(r.end.toISOString()).toBe('2025-05-01T12:00:00.000Z');
    expect(r.start.toISOString()).toBe('2025-05-01T11:00:00.000Z');
  });
  it('refuses an unknown form, naming the field and the accepted forms', () => {
    let caught: unknown;
    try {
      parseTimeRange({ start: 'yesterday' }, { now, names: { start: 'time_range.start' } });
    } catch (error) {
      caught = error;
    }
    expect(isErrorCode(caught, 'INVALID_REQUEST')).toBe(true);
    expect((caught as Error).message).toMatch(/time_range\.start "yesterday".*ISO 8601.*15m, 1h, 2d/);
  });
  it('refuses an impossible date', () => {
    expect(() => parseTimeRange({ start: '2025-13-45T00:00:00Z' }, { now })).toThrow(/Invalid start/);
  });
  it('refuses a start after the end', () => {
    expect(() => parseTimeRange({ start: '1h', end: '2h' }, { now })).toThrow(/must be before end/);
  });
  it('parses durations in seconds', () => {
    expect(parseDurationSeconds('300')).toBe(300);
    expect(parseDurationSeconds('5m')).toBe(300);
    expect(parseDurationSeconds('1h')).toBe(3600);
    expect(parseDurationSeconds('soon')).toBeUndefined();
  });
});
