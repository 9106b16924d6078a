export const handler = async (event) => {
  const bytes = Buffer.alloc(event.bytes ?? 200_000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) % 256;
  if (event.kind === 'string') {
    return `\u0000\u0001\u0007\b\u001b[31m\ud800\udfff\uffff${bytes.toString('latin1')}`;
  }
  return bytes;
};
