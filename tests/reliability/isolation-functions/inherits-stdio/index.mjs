import { spawnSync } from 'node:child_process';

const FORGED = '{"jsonrpc":"2.0","id":"forged-by-grandchild","result":{}}';

export const handler = async () => {
  const run = spawnSync(
    process.execPath,
    [
      '-e',
      `process.stdout.write(${JSON.stringify(`${FORGED}\n`)}); process.stderr.write('GRANDCHILD-STDERR\\n')`,
    ],
    { stdio: 'inherit' },
  );
  return { status: run.status };
};
