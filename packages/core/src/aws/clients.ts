/**
 * Building the five SDK clients: credentials (default chain, optional profile, optional role),
 * region (config or the SDK's usual chain), endpoint overrides, and the backend's cache scope.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { LambdaClient, LambdaClientConfig } from '@aws-sdk/client-lambda';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { SchemasClient } from '@aws-sdk/client-schemas';
import { LambdaMcpError } from '../errors.js';
import {
  type AwsHttpLimits,
  addResponseCap,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_READ_RESPONSE_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  requestHandlerOptions,
} from './http-limits.js';
import { sdk } from './sdk.js';
import { sharedConfigFilesState } from './shared-files.js';

export interface AwsClients {
  lambda: LambdaClient;
  schemas: SchemasClient;
  cloudWatch: CloudWatchClient;
  logs: CloudWatchLogsClient;
  tagging: ResourceGroupsTaggingAPIClient;
}

/** Static credentials or a provider function (the SDK's `credentials` option). */
export type AwsCredentials = NonNullable<LambdaClientConfig['credentials']>;
type CredentialsProvider = Extract<AwsCredentials, (...args: never[]) => unknown>;

export const CLIENT_KEYS = ['lambda', 'schemas', 'cloudWatch', 'logs', 'tagging'] as const;

export interface AwsConnectionOptions {
  /** Region; otherwise AWS_REGION / the profile's region (the SDK's usual chain). */
  region?: string;
  /** A named profile. Never forced: without it the default chain (and AWS_PROFILE) applies. */
  profile?: string;
  /** A role to assume for every call, so the server's own credentials stay separate. */
  roleArn?: string;
  roleExternalId?: string;
  roleSessionName?: string;
  /** One endpoint for every service (tests, emulators). AWS_ENDPOINT_URL[_<SERVICE>] also work. */
  endpoint?: string;
  /** Explicit credentials instead of the default chain. */
  credentials?: AwsCredentials;
  /** SDK attempts for reads (standard retry mode). Invoke never uses the SDK's retries. */
  maxAttempts?: number;
  /** No TCP connection to an AWS endpoint within this long: given up (default 5,000 ms). */
  connectTimeoutMs?: number;
  /**
   * A read request (ListFunctions, tags, schemas, metrics, logs, STS) with no response, or no
   * data while its body is read, for this long is given up and retried by the SDK's standard
   * retries (default 20,000 ms). Invoke is bounded by its own deadline instead.
   */
  requestTimeoutMs?: number;
  /** Largest response body read from a read request (default 64 MiB). */
  maxReadResponseBytes?: number;
  /** Environment to read (defaults to process.env); used for the scope and endpoint overrides. */
  env?: Record<string, string | undefined>;
}

/** The timeouts of the options, defaults applied. */
export function httpLimitsOf(options: AwsConnectionOptions): AwsHttpLimits {
  return {
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
  };
}

/** Service ids as the SDK spells them in AWS_ENDPOINT_URL_<ID>. */
export const ENDPOINT_ENV_IDS = {
  lambda: 'LAMBDA',
  schemas: 'SCHEMAS',
  cloudWatch: 'CLOUDWATCH',
  logs: 'CLOUDWATCH_LOGS',
  tagging: 'RESOURCE_GROUPS_TAGGING_API',
  sts: 'STS',
} as const;

/**
 * The credentials of every call: the caller's, or the default chain (environment, SSO, profile,
 * container, instance; AWS_PROFILE honoured, a profile never forced), and then the role to assume.
 * The providers are built on first use (loading them is part of the SDK's start-up cost).
 */
export function buildCredentials(options: AwsConnectionOptions, region: string): AwsCredentials {
  if (options.credentials && !options.roleArn) return options.credentials;
  let provider: CredentialsProvider | undefined;
  const build = (): CredentialsProvider => {
    const { fromNodeProviderChain, fromTemporaryCredentials } = sdk.credentials();
    const base: AwsCredentials =
      options.credentials ?? fromNodeProviderChain(options.profile ? { profile: options.profile } : {});
    if (!options.roleArn) return base as CredentialsProvider;
    return fromTemporaryCredentials({
      masterCredentials: base,
      params: {
        RoleArn: options.roleArn,
        RoleSessionName: options.roleSessionName ?? 'lambda-mcp',
        ...(options.roleExternalId ? { ExternalId: options.roleExternalId } : {}),
      },
      clientConfig: {
        region,
        requestHandler: requestHandlerOptions(httpLimitsOf(options), 'read'),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.profile ? { profile: options.profile } : {}),
      },
    });
  };
  const lazyProvider: CredentialsProvider = (properties) => {
    provider ??= build();
    return provider(properties);
  };
  return lazyProvider;
}

/** The region from options, else the SDK's own chain; a clear error when there is none. */
export async function resolveRegion(options: AwsConnectionOptions, existing?: LambdaClient): Promise<string> {
  if (options.region) return options.region;
  const probe =
    existing ??
    new (sdk.lambda().LambdaClient)({
      ...(options.profile ? { profile: options.profile } : {}),
      credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
    });
  try {
    const region = await probe.config.region();
    if (region) return region;
  } catch {
    // fall through to the clear error below
  } finally {
    if (!existing) probe.destroy();
  }
  throw new LambdaMcpError(
    'INVALID_CONFIG',
    'No AWS region configured. Set AWS_REGION (or --region / "region" in lambda-mcp.config.json), ' +
      'or a region in your AWS profile (~/.aws/config).',
  );
}

type ClientFactories = { [K in keyof AwsClients]: () => AwsClients[K] };

/**
 * The five clients, each built on first use (a caller's own client is used as given). Reading
 * `clients.lambda` is synchronous; it loads that client's SDK module the first time.
 */
export function createAwsClients(
  options: AwsConnectionOptions,
  region: string,
  credentials: AwsCredentials,
  byo: Partial<AwsClients> = {},
): { clients: AwsClients; built(): Array<AwsClients[keyof AwsClients]> } {
  const common = readClientConfig(options, region, credentials);
  const own = <T extends OwnClient>(client: T): T => bounded(withoutSdkLogging(client), options);
  const factories: ClientFactories = {
    lambda: () => own(new (sdk.lambda().LambdaClient)(common)),
    schemas: () => own(new (sdk.schemas().SchemasClient)(common)),
    cloudWatch: () => own(new (sdk.cloudWatch().CloudWatchClient)(common)),
    logs: () => own(new (sdk.logs().CloudWatchLogsClient)(common)),
    tagging: () => own(new (sdk.tagging().ResourceGroupsTaggingAPIClient)(common)),
  };
  const made: Partial<AwsClients> = {};
  const clients = {} as AwsClients;
  for (const key of CLIENT_KEYS) {
    Object.defineProperty(clients, key, {
      enumerable: true,
      get: () => {
        const own = byo[key];
        if (own) return own;
        if (!made[key]) (made as Record<string, unknown>)[key] = factories[key]();
        return made[key];
      },
    });
  }
  return {
    clients,
    built: () => CLIENT_KEYS.flatMap((k) => (made[k] ? [made[k] as AwsClients[typeof k]] : [])),
  };
}

type OwnClient = { middlewareStack: { remove(name: string): boolean; add: (...args: never[]) => unknown } };

/** The configuration of our own read clients: region, credentials, retries, timeouts, endpoint. */
export function readClientConfig(options: AwsConnectionOptions, region: string, credentials: AwsCredentials) {
  return {
    region,
    credentials,
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: 'standard',
    requestHandler: requestHandlerOptions(httpLimitsOf(options), 'read'),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  };
}

/** Our own read clients read at most `maxReadResponseBytes` of any response. */
export function bounded<T extends OwnClient>(client: T, options: AwsConnectionOptions): T {
  addResponseCap(
    client.middlewareStack as unknown as Parameters<typeof addResponseCap>[0],
    options.maxReadResponseBytes ?? DEFAULT_MAX_READ_RESPONSE_BYTES,
  );
  return client;
}

/**
 * We give the SDK no logger, yet its logger middleware still builds a redacted copy of every
 * input and output for the no-op one (measurable on pages of 50 functions). Our own clients drop
 * it; a caller's own clients are left as they are.
 */
export function withoutSdkLogging<T extends { middlewareStack: { remove(name: string): boolean } }>(
  client: T,
): T {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

/** A Lambda client for Invoke only: no SDK retries (a sync invoke must never be sent twice). */
export function createInvokeClient(
  options: AwsConnectionOptions,
  region: string,
  credentials: AwsCredentials,
) {
  return withoutSdkLogging(
    new (sdk.lambda().LambdaClient)({
      region,
      credentials,
      maxAttempts: 1,
      requestHandler: requestHandlerOptions(httpLimitsOf(options), 'invoke'),
      ...(options.profile ? { profile: options.profile } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    }),
  );
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Endpoint overrides in effect for each service (explicit option, then the SDK's env names). */
export function configuredEndpoints(options: AwsConnectionOptions): Record<string, string> {
  const env = options.env ?? process.env;
  const out: Record<string, string> = {};
  if (options.endpoint) {
    out.all = options.endpoint;
    return out;
  }
  if ((env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '').toLowerCase() === 'true') return out;
  if (env.AWS_ENDPOINT_URL) out.all = env.AWS_ENDPOINT_URL;
  for (const [key, id] of Object.entries(ENDPOINT_ENV_IDS)) {
    const value = env[`AWS_ENDPOINT_URL_${id}`];
    if (value) out[key] = value;
  }
  return out;
}

/** Non-secret fields of the active profile, so an edited profile gets a different scope. */
async function profileFingerprint(profile: string, env: Record<string, string | undefined>): Promise<string> {
  try {
    // Without shared config files (credentials from the environment, a container or an instance
    // role) the SDK's parser would read nothing: skip loading it (part of every start, warm ones too).
    // A named pipe or a device as a shared file: the SDK's parser would wait on it for good.
    const state = await sharedConfigFilesState(env);
    if (state === 'blank') return NO_PROFILE_SETTINGS;
    if (state === 'unparsable') return 'unreadable';
    // ignoreCache: an edited profile must be seen by the next backend created in this process.
    const files = await sdk.smithyConfig().loadSharedConfigFiles({
      ignoreCache: true,
      ...(env.AWS_CONFIG_FILE ? { configFilepath: env.AWS_CONFIG_FILE } : {}),
      ...(env.AWS_SHARED_CREDENTIALS_FILE ? { filepath: env.AWS_SHARED_CREDENTIALS_FILE } : {}),
    });
    const pick = (section: Record<string, string | undefined> | undefined) =>
      Object.entries(section ?? {})
        .filter(([k]) => !/secret|session_token/i.test(k))
        .map(([k, v]) => (k === 'aws_access_key_id' ? [k, sha256(v ?? '')] : [k, v]))
        .sort(([a], [b]) => String(a).localeCompare(String(b)));
    return sha256(
      JSON.stringify({
        config: pick(files.configFile[profile]),
        credentials: pick(files.credentialsFile[profile]),
      }),
    );
  } catch {
    return 'unreadable';
  }
}

/** What profileFingerprint gives when neither shared config file has any content. */
const NO_PROFILE_SETTINGS = sha256(JSON.stringify({ config: [], credentials: [] }));

export { sharedConfigFilesEmpty } from './shared-files.js';

/**
 * A stable identity of what the backend talks to: region, endpoints, profile (and its non-secret
 * settings), role, and a hash of the access key id when it is known without a network call.
 * Never the secret. Caches are keyed by it.
 */
export async function computeScope(
  options: AwsConnectionOptions,
  region: string,
  byo?: { lambda?: LambdaClient },
): Promise<string> {
  const env = options.env ?? process.env;
  const profile = options.profile ?? env.AWS_PROFILE ?? env.AWS_DEFAULT_PROFILE ?? 'default';
  let keyId: string | undefined;
  if (options.credentials && typeof options.credentials !== 'function')
    keyId = options.credentials.accessKeyId;
  else if (!options.credentials && !options.profile && !env.AWS_PROFILE && env.AWS_ACCESS_KEY_ID)
    keyId = env.AWS_ACCESS_KEY_ID;
  const provider =
    typeof options.credentials === 'function'
      ? options.credentials
      : byo?.lambda && !options.credentials
        ? () => byo.lambda!.config.credentials()
        : undefined;
  let unresolved: string | undefined;
  if (provider && !keyId) {
    // Credentials we cannot see without asking: ask, bounded; otherwise never share a cache.
    let timer: NodeJS.Timeout | undefined;
    try {
      const creds = await Promise.race([
        provider(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), 2_000);
        }),
      ]);
      keyId = creds.accessKeyId;
    } catch {
      unresolved = randomUUID();
    } finally {
      clearTimeout(timer);
    }
  }
  const parts = {
    region,
    endpoints: configuredEndpoints(options),
    profile,
    profileSettings: await profileFingerprint(profile, env),
    roleArn: options.roleArn ?? null,
    externalId: options.roleExternalId ? sha256(options.roleExternalId) : null,
    keyId: keyId ? sha256(keyId) : null,
    unresolved: unresolved ?? null,
  };
  return `aws:${region}:${sha256(JSON.stringify(parts)).slice(0, 32)}`;
}
