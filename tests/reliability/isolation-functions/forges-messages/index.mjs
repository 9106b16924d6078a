// Writes malformed messages on every channel a function can reach to talk to its host: the
// worker-thread port (old runtime) and the child process channel on fd 3 (process runtime).
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';

const BAD = [
  null,
  42,
  'text',
  { t: 'log', ts: 'yesterday', text: 42 },
  { t: 'done', requestId: 7, memoryBytes: 'lots', body: { not: 'a string' } },
  { t: 'nonsense' },
  { t: 'ready', memoryBytes: -1 },
];

export const handler = async () => {
  if (parentPort) {
    for (const message of BAD) parentPort.postMessage(message);
  } else {
    for (const message of BAD) fs.writeSync(3, `${JSON.stringify(message)}\n`);
    fs.writeSync(3, '{"t":"done", not json at all\n');
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  return 'the host accepted the forged messages';
};
