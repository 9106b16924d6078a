import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeScope, configuredEndpoints, resolveRegion } from '../../src/aws/clients.js';
import { toFunctionConfig, unqualifyArn } from '../../src/aws/mappers.js';
import { awsBackendOptionsFromConfig } from '../../src/aws/options.js';
import { mapBounded } from '../../src/aws/tags.js';
import { ConfigSchema } from '../../src/config/schema.js';

describe('region and scope', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lambda-mcp-aws-cfg-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a named pipe as a shared file does not hold the scope for good (the SDK parser is not given it)', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const env = { AWS_CONFIG_FILE: fifo, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') };
    const scope = await Promise.race([
      computeScope({ env }, 'us-east-1'),
      new Promise<string>((r) => setTimeout(() => r('still waiting after 5 s'), 5_000)),
    ]);
    expect(scope).not.toBe('still waiting after 5 s');
    expect(scope).toContain('us-east-1');
  });

  it('takes the region from the options, else from the profile of the shared config file', async () => {
    expect(await resolveRegion({ region: 'eu-central-1' })).toBe('eu-central-1');
    const config = join(dir, 'config');
    await writeFile(config, '[profile work]\nregion = ap-southeast-2\n');
    const saved = { ...process.env };
    try {
      delete process.env.AWS_REGION;
      process.env.AWS_CONFIG_FILE = config;
      expect(await resolveRegion({ profile: 'work' })).toBe('ap-southeast-2');
      process.env.AWS_PROFILE = 'work';
      expect(await resolveRegion({})).toBe('ap-southeast-2');
      delete process.env.AWS_PROFILE;
      await expect(resolveRegion({})).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    } finally {
      process.env = saved;
    }
  });

  it('changes the scope when the profile is edited, and never puts secrets or key ids in it', async () => {
    const config = join(dir, 'config');
    const credentials = join(dir, 'credentials');
    const env = { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_PROFILE: 'work' };
    await writeFile(config, '[profile work]\nregion = us-east-1\n');
    await writeFile(
      credentials,
      '[work]\naws_access_key_id = AKIAFIRSTKEY\naws_secret_access_key = super-secret-1\n',
    );
    const first = await computeScope({ env }, 'us-east-1');
    expect(await computeScope({ env }, 'us-east-1')).toBe(first);
    // Only the secret changed: same identity, same scope.
    await writeFile(
      credentials,
      '[work]\naws_access_key_id = AKIAFIRSTKEY\naws_secret_access_key = super-secret-2\n',
    );
    expect(await computeScope({ env }, 'us-east-1')).toBe(first);
    await writeFile(
      credentials,
      '[work]\naws_access_key_id = AKIAOTHERKEY\naws_secret_access_key = super-secret-2\n',
    );
    const other = await computeScope({ env }, 'us-east-1');
    expect(other).not.toBe(first);
    expect(await computeScope({ env: { ...env, AWS_PROFILE: 'home' } }, 'us-east-1')).not.toBe(other);
    for (const scope of [first, other]) {
      expect(scope).toMatch(/^aws:us-east-1:[0-9a-f]{32}$/);
      expect(scope).not.toContain('AKIA');
      expect(scope).not.toContain('secret');
    }
  });

  it('gives the same scope without shared config files as the SDK parser gives for files with no settings', async () => {
    const config = join(dir, 'config');
    const credentials = join(dir, 'credentials');
    const env = { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
    // Missing files, then blank ones: the SDK's parser is not loaded for these.
    const missing = await computeScope({ env }, 'us-east-1');
    await writeFile(config, '');
    await writeFile(credentials, '\n  \n');
    expect(await computeScope({ env }, 'us-east-1')).toBe(missing);
    // Comments only: read by the SDK's parser, which finds no settings either.
    await writeFile(config, '# nothing here\n');
    expect(await computeScope({ env }, 'us-east-1')).toBe(missing);
    // A setting of the profile in use changes it.
    await writeFile(config, '[default]\nregion = us-east-1\n');
    expect(await computeScope({ env }, 'us-east-1')).not.toBe(missing);
  });

  it('lists the endpoint overrides the SDK will use', () => {
    expect(configuredEndpoints({ endpoint: 'http://127.0.0.1:9' })).toEqual({ all: 'http://127.0.0.1:9' });
    expect(
      configuredEndpoints({
        env: {
          AWS_ENDPOINT_URL: 'http://a',
          AWS_ENDPOINT_URL_LAMBDA: 'http://b',
          AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: 'http://c',
        },
      }),
    ).toEqual({ all: 'http://a', lambda: 'http://b', logs: 'http://c' });
    expect(
      configuredEndpoints({
        env: { AWS_ENDPOINT_URL: 'http://a', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' },
      }),
    ).toEqual({});
  });

  it('takes only what is set from the configuration (the profile is never forced)', () => {
    expect(awsBackendOptionsFromConfig(ConfigSchema.parse({}))).toEqual({});
    expect(
      awsBackendOptionsFromConfig(
        ConfigSchema.parse({
          region: 'eu-west-1',
          profile: 'p',
          roleArn: 'arn:aws:iam::123456789012:role/r',
          roleExternalId: 'x',
        }),
      ),
    ).toEqual({
      region: 'eu-west-1',
      profile: 'p',
      roleArn: 'arn:aws:iam::123456789012:role/r',
      roleExternalId: 'x',
      roleSessionName: 'lambda-mcp',
    });
    expect(
      awsBackendOptionsFromConfig(
        ConfigSchema.parse({ awsConnectTimeoutMs: 1500, awsRequestTimeoutMs: 2500 }),
      ),
    ).toEqual({ connectTimeoutMs: 1500, requestTimeoutMs: 2500 });
  });
});

describe('mapping FunctionConfiguration', () => {
  it('keeps LastModified as Lambda wrote it and uses LoggingConfig.LogGroup', () => {
    const aws = toFunctionConfig({
      FunctionName: 'f',
      FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f:live',
      LastModified: '2025-09-23T18:32:33.857+0000',
      LoggingConfig: { LogFormat: 'JSON', LogGroup: '/custom/f' },
      Timeout: 30,
      MemorySize: 512,
    });
    expect(aws).toMatchObject({
      name: 'f',
      arn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
      lastModified: '2025-09-23T18:32:33.857+0000',
      logGroup: '/custom/f',
      logFormat: 'JSON',
      timeoutSeconds: 30,
      memorySizeMb: 512,
    });
    const moto = toFunctionConfig({
      FunctionName: 'g',
      FunctionArn: 'arn:aws:lambda:us-east-1:1:function:g',
      LastModified: '2026-11-24T00:44:51.547989000Z',
    });
    expect(moto.lastModified).toBe('2026-11-24T00:44:51.547989000Z');
    expect(moto.logGroup).toBe('/aws/lambda/g');
    expect(moto).toMatchObject({ timeoutSeconds: 3, memorySizeMb: 128 });
    expect(unqualifyArn('arn:aws:lambda:us-east-1:1:function:g:$LATEST')).toBe(
      'arn:aws:lambda:us-east-1:1:function:g',
    );
  });
});

describe('mapBounded', () => {
  it('keeps at most `limit` in flight and reports the first failure', async () => {
    let running = 0;
    let peak = 0;
    await mapBounded(
      Array.from({ length: 40 }, (_, i) => i),
      6,
      async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 2));
        running--;
      },
    );
    expect(peak).toBe(6);
    await expect(
      mapBounded([1, 2, 3], 2, async (n) => {
        if (n === 2) throw new Error('two');
      }),
    ).rejects.toThrow('two');
  });
});
