export const handler = async (event) => {
  if (event.kind === 'null') throw null;
  if (event.kind === 'object') throw { weird: true };
  throw 'a plain string';
};
