/** "Did you mean …" for a function name: the closest names the caller may see, never others. */

function distance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      cur.push(v);
      if (v < best) best = v;
    }
    if (best > cap) return cap + 1;
    prev = cur;
  }
  return prev[b.length] as number;
}

const norm = (s: string) => s.toLowerCase().replace(/[-_.\s]/g, '');

/**
 * Up to `max` names from `visible` close to `input`: the same up to case and separators, within a
 * few edits (about one in four characters), or containing it / contained in it.
 */
export function suggestNames(input: string, visible: Iterable<string>, max = 3): string[] {
  // The bare name of what was asked for: `name`, `name:qualifier`, or an ARN's function part.
  const fnAt = input.lastIndexOf('function:');
  const bare = (fnAt >= 0 ? input.slice(fnAt + 'function:'.length) : input).split(':')[0] ?? '';
  const wanted = norm(bare);
  if (wanted.length === 0) return [];
  const cap = Math.max(1, Math.min(4, Math.floor(wanted.length / 4)));
  const scored: Array<[string, number]> = [];
  for (const name of new Set(visible)) {
    // The name asked for itself is no suggestion: it was refused for another reason (a qualifier
    // the caller may not use must read exactly like one that does not exist).
    if (name === bare) continue;
    const n = norm(name);
    let score = distance(wanted, n, cap);
    if (score > cap && wanted.length >= 4 && (n.includes(wanted) || wanted.includes(n))) score = cap;
    if (score <= cap) scored.push([name, score]);
  }
  return scored
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, max)
    .map(([name]) => name);
}

/** The sentence added to "not available": empty when nothing is close. */
export function didYouMean(names: readonly string[]): string {
  if (names.length === 0) return '';
  return ` Did you mean ${names.map((n) => JSON.stringify(n)).join(' or ')}?`;
}
