import type { InvocationResult } from '@lambda-mcp/core';
import { describe, expect, it } from 'vitest';
import {
  byteLength,
  type OutputContract,
  shapeInvocationResult,
  structuredResult,
  truncateUtf8,
} from '../src/result.js';

function result(
  payload: InvocationResult['payload'],
  extra: Partial<InvocationResult> = {},
): InvocationResult {
  return {
    functionName: 'fn',
    invocationType: 'RequestResponse',
    statusCode: 200,
    payload,
    elapsedMs: 3,
    ...extra,
  };
}
const json = (value: unknown) => ({ kind: 'json' as const, value, text: JSON.stringify(value) });
const opts = { maxResultBytes: 65_536 };

describe('truncateUtf8', () => {
  it('never splits a multi-byte character or a surrogate pair', () => {
    const text = 'aé€😀'.repeat(100);
    for (let max = 0; max < 60; max++) {
      const cut = truncateUtf8(text, max);
      expect(byteLength(cut)).toBeLessThanOrEqual(max);
      expect(text.startsWith(cut)).toBe(true);
      expect(Buffer.from(cut, 'utf8').toString('utf8')).toBe(cut);
      expect(/[\uD800-\uDBFF]$/.test(cut)).toBe(false);
    }
  });

  it('returns short text unchanged', () => {
    expect(truncateUtf8('hello', 10)).toBe('hello');
  });
});

describe('shapeInvocationResult', () => {
  it('a JSON object becomes structuredContent plus its JSON text', () => {
    const r = shapeInvocationResult('fn', result(json({ a: 1, b: [1, 2] })), opts);
    expect(r.isError).toBeUndefined();
    expect(r.structuredContent).toEqual({ a: 1, b: [1, 2] });
    expect(JSON.parse(r.content[0]!.text)).toEqual({ a: 1, b: [1, 2] });
  });

  it('other JSON is wrapped as {"result": ...}', () => {
    for (const value of [[1, 2], 'text', 42, null, true]) {
      const r = shapeInvocationResult('fn', result(json(value)), opts);
      expect(r.structuredContent).toEqual({ result: value });
      expect(JSON.parse(r.content[0]!.text)).toEqual({ result: value });
    }
  });

  it('non-JSON output is text, binary a note plus base64, never raw bytes', () => {
    const t = shapeInvocationResult('fn', result({ kind: 'text', text: 'plain words' }), opts);
    expect(t.content[0]!.text).toBe('plain words');
    expect(t.structuredContent).toBeUndefined();
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x81]);
    const b = shapeInvocationResult(
      'fn',
      result({ kind: 'binary', base64: bytes.toString('base64'), byteLength: 4 }),
      opts,
    );
    expect(b.content[0]!.text).toContain('4 bytes of binary');
    expect(b.content[0]!.text).toContain(bytes.toString('base64'));
    expect(b.content[0]!.text).not.toContain('\u0000');
  });

  it('a function error is isError with type, message and trace', () => {
    const r = shapeInvocationResult(
      'fn',
      result(json({}), {
        functionError: {
          kind: 'Unhandled',
          errorType: 'TypeError',
          errorMessage: 'x is undefined',
          trace: ['TypeError: x is undefined', '    at handler (/var/task/index.js:3:9)'],
        },
      }),
      opts,
    );
    expect(r.isError).toBe(true);
    expect(r.structuredContent).toBeUndefined();
    expect(r.content[0]!.text).toContain('TypeError: x is undefined');
    expect(r.content[0]!.text).toContain('at handler (/var/task/index.js:3:9)');
    expect(r.content[0]!.text).toContain('Unhandled');
  });

  it('truncates large results with a notice and drops structuredContent rather than break it', () => {
    const big = { rows: Array.from({ length: 5000 }, (_, i) => ({ id: i, name: `row ${i} ✓` })) };
    const r = shapeInvocationResult('fn', result(json(big)), { maxResultBytes: 4096 });
    const text = r.content.map((c) => c.text).join('');
    expect(byteLength(text)).toBeLessThanOrEqual(4096);
    expect(r.structuredContent).toBeUndefined();
    expect(r.isError).toBeUndefined();
    const full = byteLength(JSON.stringify(big));
    expect(text).toContain(`of ${full.toLocaleString('en-US')} bytes`);
    expect(text).toContain('maxResultBytes');
  });

  describe('with a declared output schema', () => {
    const contract: OutputContract = {
      wrapped: false,
      property: 'result',
      check: (v) =>
        typeof v.id === 'string' ? undefined : [{ path: '/id', message: 'must be string', keyword: 'type' }],
    };
    it('conforming output is structured', () => {
      const r = shapeInvocationResult('fn', result(json({ id: 'c-1' })), { ...opts, output: contract });
      expect(r.isError).toBeUndefined();
      expect(r.structuredContent).toEqual({ id: 'c-1' });
    });
    it('non-conforming output is isError naming the mismatch, with the raw output as text', () => {
      const r = shapeInvocationResult('fn', result(json({ id: 7 })), { ...opts, output: contract });
      expect(r.isError).toBe(true);
      expect(r.structuredContent).toBeUndefined();
      expect(r.content[0]!.text).toContain('/id: must be string');
      expect(r.content[0]!.text).toContain('{"id":7}');
    });
    it('non-JSON output is isError', () => {
      const r = shapeInvocationResult('fn', result({ kind: 'text', text: 'oops' }), {
        ...opts,
        output: contract,
      });
      expect(r.isError).toBe(true);
      expect(r.content[0]!.text).toContain('non-JSON');
    });
    it('a wrapped (non-object) output schema wraps the result in its property', () => {
      const wrapped: OutputContract = {
        wrapped: true,
        property: 'result',
        check: (v) =>
          Array.isArray(v.result)
            ? undefined
            : [{ path: '/result', message: 'must be array', keyword: 'type' }],
      };
      const r = shapeInvocationResult('fn', result(json([1, 2])), { ...opts, output: wrapped });
      expect(r.structuredContent).toEqual({ result: [1, 2] });
    });
    it('an oversized conforming result is isError (a success result must carry the structured form)', () => {
      const r = shapeInvocationResult('fn', result(json({ id: 'x'.repeat(10_000) })), {
        maxResultBytes: 2048,
        output: contract,
      });
      expect(r.isError).toBe(true);
      expect(r.structuredContent).toBeUndefined();
      expect(byteLength(r.content[0]!.text)).toBeLessThanOrEqual(2048);
    });
  });
});

describe('structuredResult', () => {
  it('shrinks inside the structure so structuredContent stays valid', () => {
    const value = { items: Array.from({ length: 1000 }, (_, i) => `item-${i}`) };
    const r = structuredResult(value, {
      maxResultBytes: 2048,
      shrink: (v, budget) => {
        const items = v.items as string[];
        let n = items.length;
        while (n > 0 && byteLength(JSON.stringify({ items: items.slice(0, n), truncated: true })) > budget)
          n--;
        return { items: items.slice(0, n), truncated: true };
      },
    });
    expect(r.isError).toBeUndefined();
    expect(r.structuredContent?.truncated).toBe(true);
    expect(JSON.parse(r.content[0]!.text)).toEqual(r.structuredContent);
    expect(r.content.map((c) => byteLength(c.text)).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2048);
    expect(r.content[1]!.text).toContain('Result truncated');
  });

  it('without a shrink of its own, cuts the largest fields with a notice, not isError', () => {
    const r = structuredResult({ blob: 'y'.repeat(5000), n: 1 }, { maxResultBytes: 1024 });
    expect(r.isError).toBeUndefined();
    const sc = r.structuredContent as { blob: string; n: number; truncated: boolean };
    expect(sc).toMatchObject({ n: 1, truncated: true });
    expect(sc.blob).toMatch(/^y+…$/);
    expect(JSON.parse(r.content[0]!.text)).toEqual(sc);
    expect(r.content.at(-1)!.text).toContain('Result truncated');
    expect(r.content.map((c) => byteLength(c.text)).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1024);
  });

  it('falls back to isError text when nothing can be cut', () => {
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i]));
    const r = structuredResult(many, { maxResultBytes: 1024 });
    expect(r.isError).toBe(true);
    expect(r.structuredContent).toBeUndefined();
    expect(byteLength(r.content[0]!.text)).toBeLessThanOrEqual(1024);
  });
});
