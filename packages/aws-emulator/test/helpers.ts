import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SchemasClient } from '@aws-sdk/client-schemas';
import type { ConfigInput } from '@lambda-mcp/core';
import { type AwsBackendOptions, createAwsServices } from '@lambda-mcp/core/aws';
import { captureLogger } from '../../../tests/shared/wait-and-log.js';
import type { Emulator } from '../src/index.js';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const FUNCTIONS_DIR = join(HERE, 'fixtures', 'functions');
/** The recorded AWS responses: `fixtures/aws` at the repository root (also `AWS_FIXTURES_DIR` in vitest.config.ts). */
export const AWS_FIXTURES_DIR = join(HERE, '..', '..', '..', 'fixtures', 'aws');
export const CREDENTIALS = { accessKeyId: 'AKIDEMULATORTEST', secretAccessKey: 'emulator-test-secret' };
export const REGION = 'us-east-1';

/** Real SDK clients pointed at a local endpoint; `maxAttempts: 1` so errors surface as they are. */
export function sdkClients(endpoint: string, maxAttempts = 1) {
  const config = { endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts };
  return {
    lambda: new LambdaClient(config),
    schemas: new SchemasClient(config),
    cloudWatch: new CloudWatchClient(config),
    logs: new CloudWatchLogsClient(config),
    tagging: new ResourceGroupsTaggingAPIClient(config),
    destroy() {
      for (const c of [this.lambda, this.schemas, this.cloudWatch, this.logs, this.tagging]) c.destroy();
    },
  };
}

export const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
export const decode = (bytes: Uint8Array | undefined): string =>
  bytes ? Buffer.from(bytes).toString('utf8') : '';

export { type CapturedLog, captureLogger, waitFor } from '../../../tests/shared/wait-and-log.js';

/** Runs `fn` with some environment variables set (undefined deletes), then restores them. */
export async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/**
 * One discovery refresh of `createAwsServices` against the emulator (its requests cleared first):
 * the catalog, the requests it sent (control calls left out) and what it logged.
 */
export async function discoverOnce(
  emulator: Emulator,
  config: ConfigInput,
  backendOptions: Partial<AwsBackendOptions> = {},
) {
  const { logger, entries } = captureLogger();
  const services = await createAwsServices(
    { region: REGION, diskCache: false, ...config },
    { logger, backendOptions: { endpoint: emulator.url, credentials: CREDENTIALS, ...backendOptions } },
  );
  emulator.clearRequests();
  try {
    const catalog = await services.discovery.refresh();
    const records = emulator.requests.filter((r) => r.operation !== 'Control');
    return { catalog, records, entries };
  } finally {
    await services.close();
  }
}

/**
 * The three listing filter modes over a synthetic catalog of `count` functions (`fn-000`…), of
 * which `matching` are tagged MCPEnabled=true: each with its configuration and how many functions
 * the catalog must hold (the prefix `fn-0` takes the first hundred).
 */
export function listingModes(count: number, matching: number): Array<[string, ConfigInput, number]> {
  return [
    ['no filter', {}, count],
    ['a name prefix', { functionPrefixes: ['fn-0'] }, 100],
    ['a tag filter', { tagFilters: [{ key: 'MCPEnabled', values: ['true'] }] }, matching],
  ];
}
