// A view of the catalog (makeView): entries sorted by tool name whether the functions came listed by
// name (taken as they are) or in another order (sorted), and lookups by tool name and by function
// key that hold every entry, built when first read or when the thread is next idle.
import type { FunctionInfo } from '@lambda-mcp/core';
import { describe, expect, it } from 'vitest';
import { makeView, viewFor } from '../src/catalog-state.js';

const naming = { functionPrefixes: [], generic: true, perFunction: true };
const fn = (name: string, qualifier?: string): FunctionInfo =>
  ({
    name,
    arn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    ...(qualifier ? { qualifier } : {}),
  }) as FunctionInfo;

function summary(view: ReturnType<typeof makeView>) {
  return view.entries.map((e, i) => {
    expect(e.index).toBe(i);
    return `${e.name}=${e.key}`;
  });
}

describe('makeView', () => {
  const listed = Array.from({ length: 300 }, (_, i) => fn(`fn-${String(i).padStart(3, '0')}`));
  const shuffled = [...listed].sort(
    (a, b) => (a.name.charCodeAt(5) % 7) - (b.name.charCodeAt(5) % 7) || (a.name < b.name ? 1 : -1),
  );

  it('gives the same entries, sorted by tool name, for functions listed by name and in another order', () => {
    const a = makeView(listed, naming, true, undefined, 'fp');
    const b = makeView(shuffled, naming, true, undefined, 'fp');
    expect(summary(a)).toEqual(summary(b));
    expect(summary(a)[0]).toBe('fn_000=fn-000');
    expect(a.fingerprint).toBe(b.fingerprint);
    const names = a.entries.map((e) => e.name);
    expect(names).toEqual([...names].sort());
  });

  it('sorts names that clash, are reserved or are mapped out of order', () => {
    const functions = [
      fn('a-b'),
      fn('a_b'),
      fn('list_functions'),
      fn('f-1'),
      fn('f0'),
      fn('g', 'live'),
      fn('g'),
    ];
    const view = makeView(functions, naming, true);
    const names = view.entries.map((e) => e.name);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(functions.length);
    expect(names).not.toContain('list_functions');
    expect(view.byName.get('a_b')?.key).toBe('a_b');
    expect(view.byKey.get('g:live')?.name).toBe('g_live');
  });

  it('finds every entry by tool name and by function key, before and after the thread was idle', async () => {
    for (const functions of [listed, shuffled]) {
      const view = makeView(functions, naming, true);
      for (const e of view.entries) {
        expect(view.byName.get(e.name)).toBe(e);
        expect(view.byKey.get(e.key)).toBe(e);
      }
      const later = makeView(functions, naming, true);
      await new Promise((r) => setImmediate(r));
      expect(later.byName.size).toBe(functions.length);
      expect(later.byKey.size).toBe(functions.length);
      expect(later.byName.get('fn_123')?.fn.name).toBe('fn-123');
    }
  });

  it('an unrestricted caller with a view of its own shares the full view entries and lookups', () => {
    const full = makeView(listed, naming, true, undefined, 'catalog-fp');
    const state = {
      loaded: true,
      functions: listed,
      full,
      views: new Map(),
      tools: new Map(),
      building: new Map(),
      fingerprint: full.fingerprint,
    };
    const authorize = () => true;
    const own = viewFor(state, naming, () => true, authorize);
    expect(own.entries).toBe(full.entries);
    expect(own.byName).toBe(full.byName);
    expect(own.byKey).toBe(full.byKey);
    // Hashed over what it sees, not derived from the catalog's fingerprint.
    expect(own.fingerprint).not.toBe(full.fingerprint);
    const restricted = viewFor(
      state,
      naming,
      (f) => f.name < 'fn-010',
      () => false,
    );
    expect(restricted.entries.map((e) => e.name)).toEqual(Array.from({ length: 10 }, (_, i) => `fn_00${i}`));
  });
});
