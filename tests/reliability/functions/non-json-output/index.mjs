export const handler = async (event) => {
  if (event.kind === 'bigint') return { n: 10n };
  if (event.kind === 'circular') {
    const a = { name: 'loop' };
    a.self = a;
    return a;
  }
  if (event.kind === 'function') return () => 1;
  if (event.kind === 'symbol') return Symbol('x');
  return undefined;
};
