/** The AWS backend contract against this package's emulator (the local runtime behind it). */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { startEmulator } from '../src/index.js';
import { describeAwsBackendContract } from './contract/aws-backend-contract.js';
import { encode, sdkClients } from './helpers.js';

const HANDLER = `export const handler = async (event) => {
  console.log('event', JSON.stringify(event));
  if (event && event.fail) throw new Error('contract failure');
  await new Promise((resolve) => setTimeout(resolve, 5));
  return { ok: true };
};
`;

describeAwsBackendContract('emulator', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lambda-mcp-contract-'));
  let emulator: Awaited<ReturnType<typeof startEmulator>> | undefined;
  return {
    get endpoint() {
      return emulator?.url ?? '';
    },
    async seed(functions, activity) {
      for (const f of functions) {
        await mkdir(join(dir, f.name));
        await writeFile(
          join(dir, f.name, 'function.json'),
          JSON.stringify({
            description: f.description,
            timeout: f.timeoutSeconds,
            memorySize: f.memorySizeMb,
            tags: f.tags,
          }),
        );
        await writeFile(join(dir, f.name, 'index.mjs'), HANDLER);
      }
      emulator = await startEmulator({ functionsDir: dir });
      const clients = sdkClients(emulator.url);
      try {
        for (let i = 0; i < activity.successes + activity.errors; i++) {
          const payload = i < activity.errors ? { fail: true } : {};
          await clients.lambda.send(
            new InvokeCommand({ FunctionName: activity.functionName, Payload: encode(payload) }),
          );
        }
      } finally {
        clients.destroy();
      }
      emulator.clearRequests();
    },
    countRequests: (operation) => emulator?.requests.filter((r) => r.operation === operation).length ?? 0,
    async close() {
      await emulator?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
