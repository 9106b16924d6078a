// Backend failures exit with the documented backend-failure code (1), never the usage code (2):
// ListFunctions refused by IAM, an endpoint that is down, and an endpoint that is not AWS (an
// Invoke-only implementation answering 404 with a body that is no AWS answer).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Emulator, startEmulator } from '@lambda-mcp/aws-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExamples, type RunOptions, removeDir, runBin } from './helpers.js';

let dir: string;
let emulator: Emulator;
let notAws: Server;
let notAwsUrl: string;

const env = (endpoint: string) => ({
  AWS_ENDPOINT_URL: endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDCLITEST0002',
  AWS_SECRET_ACCESS_KEY: 'cli-test-secret',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  LAMBDA_MCP_DISK_CACHE: 'false',
});
const run = (endpoint: string, args: string[], options: RunOptions = {}) =>
  runBin(args, { ...options, env: { ...env(endpoint), ...options.env } });

beforeAll(async () => {
  dir = await copyExamples();
  emulator = await startEmulator({ functionsDir: dir, deny: ['lambda:ListFunctions'] });
  notAws = createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('Not Found');
  });
  await new Promise<void>((resolve) => notAws.listen(0, '127.0.0.1', resolve));
  notAwsUrl = `http://127.0.0.1:${(notAws.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await emulator?.close();
  await new Promise<void>((resolve) => notAws.close(() => resolve()));
  await removeDir(dir);
});

describe('backend failures exit 1, not 2', () => {
  const commands = [['functions'], ['invoke', 'echo'], ['schema', 'echo'], ['tools']];

  it.each(commands)('ListFunctions refused: %s %s', async (...args) => {
    const r = await run(emulator.url, args.filter(Boolean) as string[]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/ListFunctions/);
  });

  it.each(commands)('endpoint down: %s %s', async (...args) => {
    const r = await run('http://127.0.0.1:1', args.filter(Boolean) as string[]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/ECONNREFUSED/);
  });

  it.each(commands)('endpoint that is not AWS: %s %s', async (...args) => {
    const r = await run(notAwsUrl, args.filter(Boolean) as string[]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /ListFunctions: the endpoint answered HTTP 404 with something that is not an AWS response/,
    );
  });

  it('bad input still exits 2', async () => {
    const r = await run(emulator.url, ['invoke', 'echo', '--payload', '{bad']);
    expect(r.code).toBe(2);
  });
});
