import { writeSync } from 'node:fs';

export const handler = async (event) => {
  const megabytes = event.megabytes ?? 8;
  const line = `${'flood '.repeat(170)}\n`;
  const lines = Math.ceil((megabytes * 1024 * 1024) / line.length);
  for (let i = 0; i < lines; i++) console.log(line);
  process.stdout.write('raw stdout bytes that must not reach the host\n');
  process.stderr.write('raw stderr bytes\n');
  writeSync(1, '{"jsonrpc":"2.0","id":"forged","result":{}}\n');
  writeSync(2, 'fd 2 write\n');
  return { lines };
};
