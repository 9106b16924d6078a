/**
 * Lean reads (src/aws/lean-read.ts): the signature is the SDK's own, byte for byte, and they are
 * used only where they send what the SDK would send (same static credentials, same endpoint).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { describe, expect, it } from 'vitest';
import { type LeanTargetInput, leanReadTarget, sigV4Authorization } from '../../src/aws/lean-read.js';

type Captured = {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
};

/** An SDK client whose request handler keeps the signed request and answers an empty page. */
function capturing<T>(Ctor: new (config: object) => T, credentials: object) {
  const seen: Captured[] = [];
  const client = new Ctor({
    region: 'eu-west-1',
    endpoint: 'https://lambda.eu-west-1.amazonaws.com',
    credentials,
    requestHandler: {
      handle: async (req: Omit<Captured, 'body'> & { body?: unknown }) => {
        const body =
          typeof req.body === 'string'
            ? req.body
            : req.body instanceof Uint8Array
              ? Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength).toString('utf8')
              : '';
        seen.push({ ...req, body });
        const { Readable } = await import('node:stream');
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/json' },
            body: Readable.from([Buffer.from('{}')]),
          },
        };
      },
    },
  });
  return { client, seen };
}

/** Our signature over exactly the headers the SDK signed. */
function ours(
  c: Captured,
  service: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
) {
  const auth = c.headers.authorization as string;
  const signed = (/SignedHeaders=([^,]+)/.exec(auth)?.[1] ?? '').split(';');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.headers))
    if (signed.includes(k.toLowerCase())) headers[k.toLowerCase()] = v;
  return sigV4Authorization({
    method: c.method,
    path: c.path,
    query: Object.entries(c.query ?? {}).map(([k, v]) => [k, String(v)] as const),
    headers,
    body: c.body,
    service,
    region: 'eu-west-1',
    credentials,
    amzDate: c.headers['x-amz-date'] as string,
  });
}

describe('lean reads sign as the SDK signs', () => {
  const keys = { accessKeyId: 'AKIDLEANTEST', secretAccessKey: 'lean/secret+key' };
  it('a ListFunctions page, with a marker that needs encoding, with and without a session token', async () => {
    for (const credentials of [keys, { ...keys, sessionToken: 'token/with+chars==' }]) {
      const { client, seen } = capturing(LambdaClient, credentials);
      await client.send(new ListFunctionsCommand({ MaxItems: 50, Marker: "a+b/c== d!'()*~é" }));
      client.destroy();
      const c = seen[0] as Captured;
      expect(ours(c, 'lambda', credentials)).toBe(c.headers.authorization);
    }
  });
  it('a GetFunction by name, by ARN and by partial ARN (a path segment that needs encoding)', async () => {
    for (const name of [
      'orders-api_2',
      'arn:aws:lambda:eu-west-1:123456789012:function:orders',
      '123456789012:function:orders',
    ]) {
      const { client, seen } = capturing(LambdaClient, keys);
      await client.send(new GetFunctionCommand({ FunctionName: name })).catch(() => undefined);
      client.destroy();
      const c = seen[0] as Captured;
      expect(c.path).toBe(`/2015-03-31/functions/${encodeURIComponent(name)}`);
      expect(ours(c, 'lambda', keys)).toBe(c.headers.authorization);
    }
  });
  it('a GetResources page (POST with a JSON body)', async () => {
    const { client, seen } = capturing(ResourceGroupsTaggingAPIClient, keys);
    await client.send(
      new GetResourcesCommand({
        ResourceTypeFilters: ['lambda:function'],
        ResourcesPerPage: 100,
        TagFilters: [{ Key: 'MCPEnabled', Values: ['true'] }],
        PaginationToken: 'next/page+1',
      }),
    );
    client.destroy();
    const c = seen[0] as Captured;
    expect(ours(c, 'tagging', keys)).toBe(c.headers.authorization);
  });
});

describe('lean reads are used only where they send what the SDK would', () => {
  const empty = async () => true;
  const base: LeanTargetInput = { region: 'us-east-1', sharedConfigFilesEmpty: empty };
  const envKeys = { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret' };
  const why = async (input: Partial<LeanTargetInput>, env: Record<string, string | undefined> = envKeys) => {
    const r = await leanReadTarget({ ...base, ...input }, env);
    return 'why' in r ? r.why : undefined;
  };

  it('the environment keys with the default endpoints, as the default chain would', async () => {
    const r = await leanReadTarget(base, { ...envKeys, AWS_SESSION_TOKEN: 'tok' });
    expect('target' in r && r.target).toMatchObject({
      credentials: { accessKeyId: 'AKIDENV', secretAccessKey: 'env-secret', sessionToken: 'tok' },
      credentialSource: 'environment',
    });
    if (!('target' in r)) return;
    expect(r.target.endpoints.lambda.href).toBe('https://lambda.us-east-1.amazonaws.com/');
    expect(r.target.endpoints.tagging.href).toBe('https://tagging.us-east-1.amazonaws.com/');
  });
  it('static credentials given as an option, and the endpoint variables the SDK honours', async () => {
    const r = await leanReadTarget(
      { ...base, credentials: { accessKeyId: 'AKIDOPT', secretAccessKey: 's' } },
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9001' },
    );
    if (!('target' in r)) throw new Error(r.why);
    expect(r.target.credentialSource).toBe('options');
    expect(r.target.endpoints.lambda.href).toBe('http://127.0.0.1:9001/');
    expect(r.target.endpoints.tagging.href).toBe('http://127.0.0.1:4566/');
    // An explicit endpoint is used even when the shared config files have content.
    expect(
      await why({ endpoint: 'http://127.0.0.1:4566', sharedConfigFilesEmpty: async () => false }),
    ).toBeUndefined();
  });
  it('never with other credentials than the SDK would use', async () => {
    expect(await why({ profile: 'dev' })).toMatch(/profile/);
    expect(await why({}, { ...envKeys, AWS_PROFILE: 'dev' })).toMatch(/profile/);
    expect(await why({}, { ...envKeys, AWS_DEFAULT_PROFILE: 'dev' })).toMatch(/profile/);
    expect(await why({ roleArn: 'arn:aws:iam::123456789012:role/r' })).toMatch(/role/);
    expect(await why({ credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }) })).toMatch(
      /provider/,
    );
    expect(
      await why({ credentials: { accessKeyId: 'a', secretAccessKey: 'b', expiration: new Date() } }),
    ).toMatch(/provider/);
    expect(await why({}, {})).toMatch(/no static keys/);
    expect(await why({}, { AWS_ACCESS_KEY_ID: 'a' })).toMatch(/no static keys/);
    expect(await why({}, { ...envKeys, AWS_CREDENTIAL_EXPIRATION: '2030-01-01T00:00:00Z' })).toMatch(
      /expire/,
    );
    expect(await why({ ownClients: true })).toMatch(/own SDK clients/);
    expect(await why({ enabled: false })).toMatch(/off/);
  });
  it('never to another endpoint than the SDK would call', async () => {
    expect(await why({ region: 'us-gov-west-1' })).toMatch(/partition/);
    expect(await why({ region: 'cn-north-1' })).toMatch(/partition/);
    expect(await why({ region: 'us-isob-east-1' })).toMatch(/partition/);
    expect(await why({}, { ...envKeys, AWS_USE_FIPS_ENDPOINT: 'true' })).toMatch(/FIPS/);
    expect(await why({}, { ...envKeys, AWS_USE_DUALSTACK_ENDPOINT: 'true' })).toMatch(/dual-stack/);
    expect(await why({ sharedConfigFilesEmpty: async () => false })).toMatch(/shared config/);
    expect(await why({ endpoint: 'http://127.0.0.1:4566/prefix' })).toMatch(/path/);
    expect(await why({ endpoint: 'ftp://127.0.0.1' })).toMatch(/scheme/);
    expect(await why({}, { ...envKeys, NODE_USE_ENV_PROXY: '1' })).toMatch(/proxy/);
    // Ignored endpoint variables: the default endpoints again, which need empty shared files.
    expect(
      await why(
        { sharedConfigFilesEmpty: async () => false },
        { ...envKeys, AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' },
      ),
    ).toMatch(/shared config/);
  });
  it('reads the shared config files where the SDK finds them', async () => {
    const { sharedConfigFilesEmpty } = await import('../../src/aws/clients.js');
    const dir = await mkdtemp(join(tmpdir(), 'lean-'));
    try {
      const config = join(dir, 'config');
      const env = { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') };
      expect(await sharedConfigFilesEmpty(env)).toBe(true);
      await writeFile(config, '[default]\nendpoint_url = http://127.0.0.1:9\n');
      expect(await sharedConfigFilesEmpty(env)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
