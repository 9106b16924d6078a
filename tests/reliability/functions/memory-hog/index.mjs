export const handler = async () => {
  const hoard = [];
  for (;;) hoard.push(new Array(1_000_000).fill(hoard.length));
};
