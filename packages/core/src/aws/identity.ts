/**
 * Who the AWS backend calls as, for diagnostics (`lambda-mcp doctor`): its credentials resolved
 * (the access key id masked, never the secret), then STS GetCallerIdentity, which needs no IAM
 * permission, for the principal's ARN and account. AWS exception names stay in ./errors.ts.
 */
import type { STSClient } from '@aws-sdk/client-sts';
import { LambdaMcpError } from '../errors.js';
import type { BackendIdentity, CallOptions } from '../types.js';
import type { AwsCredentials } from './clients.js';
import { isAccessDeniedError, isRejectedCredentialsError, mapAwsError } from './errors.js';
import { sdk } from './sdk.js';

export interface IdentityProbeInput {
  region: string;
  credentials: AwsCredentials;
  /** Endpoint overrides by service (`all` for every service). */
  endpoints: Readonly<Record<string, string>>;
  /** Where the credentials come from, as the configuration tells (profile, environment, role). */
  source: string;
}

const PROBE_TIMEOUT_MS = 15_000;

function maskKey(id: string): string {
  return id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : '****';
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

/** Rejects after `ms` (or when aborted); the timer never outlives the work. */
function bounded<T>(work: Promise<T>, ms: number, what: string, signal?: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new LambdaMcpError('TIMED_OUT', `${what} took longer than ${ms / 1000} s`)),
        ms,
      );
      if (signal) {
        onAbort = () => reject(new LambdaMcpError('ABORTED', `${what} was cancelled.`));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
    }),
  ]).finally(() => {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  });
}

/** Where the credentials come from, from the backend's options and the environment. */
export function describeCredentialSource(
  options: { profile?: string; roleArn?: string; credentials?: unknown },
  env: Record<string, string | undefined>,
): string {
  const base = options.credentials
    ? 'credentials given by the embedding application'
    : options.profile
      ? `profile ${options.profile}`
      : env.AWS_PROFILE
        ? `profile ${env.AWS_PROFILE} (AWS_PROFILE)`
        : env.AWS_ACCESS_KEY_ID
          ? 'environment (AWS_ACCESS_KEY_ID)'
          : 'the default credential chain';
  return options.roleArn ? `${base}, assuming ${options.roleArn}` : base;
}

/**
 * Resolves the credentials and asks STS who they are. Throws CREDENTIALS_MISSING when none
 * resolve and ACCESS_DENIED when STS refuses them; any other STS failure (network, endpoint) is
 * reported in `problem` with what is known so far.
 */
export async function probeAwsIdentity(
  input: IdentityProbeInput,
  options?: CallOptions,
): Promise<BackendIdentity> {
  const signal = options?.signal;
  const { source, endpoints } = input;
  const provider = input.credentials;
  let accessKey: string;
  try {
    const creds =
      typeof provider === 'function'
        ? await bounded(provider(), PROBE_TIMEOUT_MS, 'resolving credentials', signal)
        : provider;
    accessKey = maskKey(creds.accessKeyId);
  } catch (error) {
    if (signal?.aborted) throw error;
    // Assuming the configured role was refused (sts:AssumeRole not allowed, or the trust policy).
    if (isAccessDeniedError(error)) throw mapAwsError(error, { service: 'sts', operation: 'AssumeRole' });
    throw new LambdaMcpError(
      'CREDENTIALS_MISSING',
      `no AWS credentials found (${source}): ${firstLine(error instanceof Error ? error.message : String(error))}`,
      { cause: error },
    );
  }
  const { STSClient: Client, GetCallerIdentityCommand } = sdk.sts();
  const endpoint = endpoints.sts ?? endpoints.all;
  const sts: STSClient = new Client({
    region: input.region,
    credentials: provider,
    maxAttempts: 2,
    ...(endpoint ? { endpoint } : {}),
  });
  try {
    const who = await bounded(
      sts.send(new GetCallerIdentityCommand({}), signal ? { abortSignal: signal } : {}),
      PROBE_TIMEOUT_MS,
      'STS GetCallerIdentity',
      signal,
    );
    return {
      source,
      accessKey,
      ...(who.Arn ? { principal: who.Arn } : {}),
      ...(who.Account ? { account: who.Account } : {}),
      endpoints,
    };
  } catch (error) {
    if (signal?.aborted) throw error;
    const name = error instanceof Error ? error.name : 'Error';
    const message = firstLine(error instanceof Error ? error.message : String(error));
    if (isRejectedCredentialsError(error)) {
      throw new LambdaMcpError(
        'ACCESS_DENIED',
        `AWS rejected the credentials (key ${accessKey}, ${source}): ${name}: ${message}`,
        { cause: error, details: { rejectedCredentials: true } },
      );
    }
    const mapped = mapAwsError(error, { service: 'sts', operation: 'GetCallerIdentity' });
    return { source, accessKey, problem: `${name}: ${message} (${mapped.code})`, endpoints };
  } finally {
    sts.destroy();
  }
}
