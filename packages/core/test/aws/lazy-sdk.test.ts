/**
 * The AWS SDK is loaded on first use, not when the AWS backend is created: a server that answers
 * tools/list from its disk cache does not pay for it. Checked on the built package in a child
 * process (a fresh module cache).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'aws', 'index.js');

const script = `
import { createRequire } from 'node:module';
const { createAwsBackend } = await import(${JSON.stringify(dist)});
const loaded = () => Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('@aws-sdk/client-')).map((k) => k.replace(/.*@aws-sdk\\/(client-[a-z-]+).*/, '$1'));
const backend = await createAwsBackend({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDLAZY', secretAccessKey: 'lazy' }, endpoint: 'http://127.0.0.1:9' });
const afterCreate = loaded();
const lambda = backend.clients.lambda;
const afterLambda = loaded();
console.log(JSON.stringify({ afterCreate, afterLambda, region: await lambda.config.region() }));
await backend.close();
`;

describe('lazy AWS SDK', () => {
  it('creates the backend without loading any client, and loads one when it is used', () => {
    expect(existsSync(dist)).toBe(true);
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(out.afterCreate).toEqual([]);
    expect(out.afterLambda).toEqual(['client-lambda']);
    expect(out.region).toBe('us-east-1');
  });
});
