/**
 * The Backend over the AWS SDK v3 clients. No policy here (filters, allowlist, validation, limits
 * and caching live in the services): only calls, pagination, retries that are safe, and mapping
 * of AWS errors (in ./errors.ts).
 */

import type { MetricDataResult as AwsMetricDataResult, CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { FunctionConfiguration, LambdaClient } from '@aws-sdk/client-lambda';
import type { SchemasClient } from '@aws-sdk/client-schemas';
import type { Backend } from '../backend.js';
import { LambdaMcpError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import type {
  BackendInvokeRequest,
  BackendInvokeResult,
  CallOptions,
  FilterLogEventsPage,
  FilterLogEventsRequest,
  FunctionConfig,
  GetMetricDataRequest,
  MetricDataResult,
  RawSchemaDocument,
  SchemaRef,
  TagFilter,
  Tags,
} from '../types.js';
import { formatFunctionKey } from '../util/function-ref.js';
import {
  type AwsClients,
  type AwsConnectionOptions,
  bounded,
  buildCredentials,
  computeScope,
  configuredEndpoints,
  createAwsClients,
  createInvokeClient,
  httpLimitsOf,
  readClientConfig,
  resolveRegion,
  sharedConfigFilesEmpty,
  withoutSdkLogging,
} from './clients.js';
import type { EarlyListing, EarlyPages } from './early-listing.js';
import { mapAwsError } from './errors.js';
import { type ExplicitListOptions, withExplicitList } from './explicit-list.js';
import { DEFAULT_MAX_READ_RESPONSE_BYTES } from './http-limits.js';
import { describeCredentialSource, probeAwsIdentity } from './identity.js';
import { DEFAULT_INVOKE_RETRY, type InvokeRetryPolicy, invokeLambda } from './invoke.js';
import {
  createLeanReader,
  LEAN_LIST_PAGE_SIZE,
  type LeanFunction,
  leanReadsShouldStop,
  leanReadTarget,
} from './lean-read.js';
import { toFunctionConfig } from './mappers.js';
import { sdk } from './sdk.js';
import { createTagReader, type LeanReads } from './tags.js';
import { withThrottleRetry } from './throttle-retry.js';

export interface AwsBackendOptions extends AwsConnectionOptions {
  /** Bring your own clients (any subset); the rest are built from the options. */
  clients?: Partial<AwsClients>;
  logger?: Logger;
  /** Retries of Invoke after throttles (and connections never made). */
  invokeRetry?: Partial<InvokeRetryPolicy>;
  /**
   * Largest Invoke response read (default 7 MiB: Lambda's 6 MB synchronous limit plus a margin).
   * Past it reading stops, the connection is closed and the call fails with PAYLOAD_TOO_LARGE.
   */
  maxInvokeResponseBytes?: number;
  /** Concurrent ListTags calls when GetResources is denied (default 10). */
  tagsFallbackConcurrency?: number;
  /** Without tag filters, up to this many functions get ListTags rather than GetResources (default 20). */
  tagsSmallSetThreshold?: number;
  /** Override the computed cache scope (embedders with their own notion of identity). */
  scope?: string;
  /**
   * The tag filters discovery will ask getTags for (the configured ones). Their GetResources pages
   * are then read while ListFunctions pages are, instead of after them. Only a hint: callers still
   * apply the filters, and getTags with other filters works as always.
   */
  tagFiltersHint?: TagFilter[];
  /**
   * Without tag filters: read the tags of every tagged function (GetResources, 100 a page) while
   * the ListFunctions pages are read, for a discovery that needs the tags of many functions
   * (schema ARN tags, annotations). Only a hint, as `tagFiltersHint`.
   */
  prefetchAllTags?: boolean;
  /**
   * Read the ListFunctions and GetResources pages without the SDK where that sends exactly what
   * the SDK would (static credentials, the SDK's own endpoint; ./lean-read.ts), falling back to
   * the SDK on any failure (default true).
   */
  leanReads?: boolean;
  /**
   * Discover only these functions (FUNCTION_LIST with no prefix): GetFunction and ListTags per
   * function, never ListFunctions or tag:GetResources (./explicit-list.ts).
   */
  explicitList?: ExplicitListOptions;
  /**
   * ListFunctions pages the stdio bin began to read before the server was loaded
   * (./early-listing.ts): taken in place of reading them again when they were read for this
   * backend's lean-read target; dropped otherwise.
   */
  earlyListing?: EarlyListing;
}

export interface AwsBackend extends Backend {
  readonly kind: 'aws';
  /** The clients in use (for diagnostics such as `lambda-mcp doctor`). */
  readonly clients: AwsClients;
  /** Endpoint overrides in effect, by service (`all` for every service). */
  readonly endpoints: Readonly<Record<string, string>>;
  /** Who the backend calls as (STS GetCallerIdentity; needs no permission). */
  identity(options?: CallOptions): Promise<import('../types.js').BackendIdentity>;
  /** True once tag:GetResources was denied (tags are then read with ListTags per function). */
  readonly taggingDenied: boolean;
}

const LIST_PAGE_SIZE = LEAN_LIST_PAGE_SIZE;
const MAX_PAGES = 100_000;

/** A lean ListFunctions page (read by the backend or early by the bin) as readListPage gives it. */
function fromLeanPage(answer: { functions: LeanFunction[]; nextMarker?: string }): {
  functions: FunctionConfiguration[];
  next?: string;
} {
  return {
    functions: answer.functions as FunctionConfiguration[],
    ...(answer.nextMarker ? { next: answer.nextMarker } : {}),
  };
}

function callOpts(options?: CallOptions) {
  return options?.signal ? { abortSignal: options.signal } : {};
}

/**
 * Creates the AWS backend. Async because the region may come from the profile and the cache scope
 * reads the profile's (non-secret) settings. Credentials are not resolved here: a missing one is
 * reported by the first call as CREDENTIALS_MISSING, so a server can still start and say so.
 */
export async function createAwsBackend(options: AwsBackendOptions = {}): Promise<AwsBackend> {
  const logger = options.logger ?? silentLogger;
  const byo = options.clients ?? {};
  const region = await resolveRegion(options, byo.lambda);
  const credentials = buildCredentials(options, region);
  const { clients, built } = createAwsClients(options, region, credentials, byo);
  // Our own Lambda client for Invoke has no SDK retries; a caller's client is used as given
  // (Invoke commands carry a middleware that keeps the SDK from retrying them anyway).
  let invokeClient: LambdaClient | undefined;
  const getInvokeClient = (): LambdaClient => {
    invokeClient ??= byo.lambda ?? createInvokeClient(options, region, credentials);
    return invokeClient;
  };
  const scope =
    options.scope ?? (await computeScope(options, region, byo.lambda ? { lambda: byo.lambda } : undefined));
  const endpoints = configuredEndpoints(options);
  const retry: InvokeRetryPolicy = { ...DEFAULT_INVOKE_RETRY, ...options.invokeRetry };
  // Lean reads: where they apply, and their one reader (closed with the backend).
  const leanWhere = await leanReadTarget({
    region,
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.roleArn ? { roleArn: options.roleArn } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
    ownClients: Boolean(byo.lambda || byo.tagging),
    ...(options.leanReads !== undefined ? { enabled: options.leanReads } : {}),
    // The SDK reads its environment and shared files from process.env: so does the decision.
    sharedConfigFilesEmpty: () => sharedConfigFilesEmpty(process.env),
  });
  const leanReader =
    'target' in leanWhere
      ? createLeanReader(leanWhere.target, {
          ...httpLimitsOf(options),
          maxResponseBytes: options.maxReadResponseBytes ?? DEFAULT_MAX_READ_RESPONSE_BYTES,
        })
      : undefined;
  let leanOn = leanReader !== undefined;
  // The bin's early pages: only for the same target, and only when this backend lists.
  let early: EarlyPages | undefined;
  if (options.earlyListing?.started) {
    if ('target' in leanWhere && !options.explicitList?.entries.length) {
      early = options.earlyListing.adopt(leanWhere.target, LIST_PAGE_SIZE);
    } else options.earlyListing.abandon();
    logger.debug(
      early
        ? 'the first ListFunctions pages were read before the server loaded'
        : 'the ListFunctions pages read before the server loaded are not for this backend: dropped',
    );
  }
  logger.debug(
    leanOn ? 'discovery pages are read without the SDK' : 'discovery pages are read with the SDK',
    'target' in leanWhere ? { credentials: leanWhere.target.credentialSource } : { why: leanWhere.why },
  );
  const lean: LeanReads | undefined = leanReader && {
    reader: leanReader,
    on: () => leanOn,
    failed(operation, error) {
      const message = error instanceof Error ? error.message : String(error);
      // A denial, a throttle, a 5xx, a lost connection: the SDK repeats this read and reports or
      // retries it as always. An answer that is not the API's, or a refused signature: stop.
      if (!leanReadsShouldStop(error)) {
        logger.debug('A discovery read without the SDK failed; the SDK repeats it', {
          operation,
          error: message,
        });
        return;
      }
      if (!leanOn) return;
      leanOn = false;
      logger.warn('A discovery read without the SDK got an unexpected answer; the SDK reads from now on', {
        operation,
        error: message,
      });
    },
  };
  const tagReader = createTagReader({
    clients,
    logger,
    ...(lean ? { lean } : {}),
    fallbackConcurrency: options.tagsFallbackConcurrency ?? 10,
    smallSetThreshold: options.tagsSmallSetThreshold ?? 20,
  });
  const schemaClients = new Map<string, SchemasClient>();
  let closed = false;

  const schemasFor = (schemaRegion: string | undefined): SchemasClient => {
    if (!schemaRegion || schemaRegion === region || byo.schemas) return clients.schemas;
    let client = schemaClients.get(schemaRegion);
    if (!client) {
      client = bounded(
        withoutSdkLogging(
          new (sdk.schemas().SchemasClient)(readClientConfig(options, schemaRegion, credentials)),
        ),
        options,
      );
      schemaClients.set(schemaRegion, client);
    }
    return client;
  };

  const checkOpen = () => {
    if (closed) throw new LambdaMcpError('BACKEND_UNAVAILABLE', 'The AWS backend is closed.');
  };

  /**
   * One ListFunctions page: lean where it applies; a lean page that fails is read again through
   * the SDK from the same marker (throttles waited out with backoff: ./throttle-retry.ts), and
   * the listing goes on from there.
   */
  async function readListPage(
    marker: string | undefined,
    callOptions: CallOptions | undefined,
  ): Promise<{ functions: FunctionConfiguration[]; next?: string }> {
    // A page the bin read early (the backend's first listing only; then early is spent).
    const earlyPage = early?.take(marker, callOptions?.signal);
    if (earlyPage) {
      try {
        return fromLeanPage(await earlyPage);
      } catch (error) {
        // Read again below, as if it had never been read; an answer that was not the API's turns
        // lean reads off first, as one of the backend's own would (the SDK reads it then).
        if (!callOptions?.signal?.aborted) lean?.failed('ListFunctions', error);
      }
    } else early = undefined;
    if (lean?.on() && !callOptions?.signal?.aborted) {
      try {
        return fromLeanPage(await lean.reader.listFunctionsPage(marker, LIST_PAGE_SIZE, callOptions?.signal));
      } catch (error) {
        // The SDK reads this page again (and reports an abort, a denial or a throttle as it does).
        if (!callOptions?.signal?.aborted) lean.failed('ListFunctions', error);
      }
    }
    const response = await withThrottleRetry(
      () =>
        clients.lambda.send(
          new (sdk.lambda().ListFunctionsCommand)({
            MaxItems: LIST_PAGE_SIZE,
            ...(marker ? { Marker: marker } : {}),
          }),
          callOpts(callOptions),
        ),
      callOptions?.signal ? { signal: callOptions.signal } : {},
    );
    return {
      functions: response.Functions ?? [],
      ...(response.NextMarker ? { next: response.NextMarker } : {}),
    };
  }

  const backend: AwsBackend = {
    kind: 'aws',
    region,
    scope,
    clients,
    endpoints,
    get taggingDenied() {
      return tagReader.taggingDenied;
    },

    identity(callOptions?: CallOptions) {
      checkOpen();
      return probeAwsIdentity(
        {
          region,
          credentials,
          endpoints,
          source: describeCredentialSource(options, options.env ?? process.env),
        },
        callOptions,
      );
    },

    async listFunctions(callOptions?: CallOptions): Promise<FunctionConfig[]> {
      checkOpen();
      if (options.tagFiltersHint?.length) tagReader.prefetch(options.tagFiltersHint);
      else if (options.prefetchAllTags) tagReader.prefetchAll();
      const out: FunctionConfig[] = [];
      let marker: string | undefined;
      try {
        for (let page = 0; page < MAX_PAGES; page++) {
          const response = await readListPage(marker, callOptions);
          for (const fc of response.functions) out.push(toFunctionConfig(fc));
          if (!response.next || response.next === marker) break;
          marker = response.next;
        }
      } catch (error) {
        throw mapAwsError(error, { service: 'lambda', operation: 'ListFunctions' });
      }
      return out;
    },

    async getFunction(name: string, qualifier?: string, callOptions?: CallOptions): Promise<FunctionConfig> {
      checkOpen();
      try {
        const response = await clients.lambda.send(
          new (sdk.lambda().GetFunctionCommand)({
            FunctionName: name,
            ...(qualifier ? { Qualifier: qualifier } : {}),
          }),
          callOpts(callOptions),
        );
        if (!response.Configuration) {
          throw new LambdaMcpError('SERVICE_ERROR', `GetFunction of "${name}" returned no configuration.`);
        }
        const reserved = response.Concurrency?.ReservedConcurrentExecutions;
        return toFunctionConfig(response.Configuration, {
          ...(response.Tags ? { tags: response.Tags } : {}),
          ...(reserved !== undefined ? { reservedConcurrency: reserved } : {}),
        });
      } catch (error) {
        throw mapAwsError(error, {
          service: 'lambda',
          operation: 'GetFunction',
          functionName: formatFunctionKey(name, qualifier),
        });
      }
    },

    async getTags(
      request: { arns: string[]; tagFilters?: TagFilter[] },
      callOptions?: CallOptions,
    ): Promise<Map<string, Tags>> {
      checkOpen();
      return tagReader.getTags(request, callOptions);
    },

    async invoke(request: BackendInvokeRequest, callOptions?: CallOptions): Promise<BackendInvokeResult> {
      checkOpen();
      return invokeLambda(
        {
          client: getInvokeClient(),
          logger,
          retry,
          ...(options.maxInvokeResponseBytes ? { maxResponseBytes: options.maxInvokeResponseBytes } : {}),
        },
        request,
        callOptions,
      );
    },

    async describeSchema(ref: SchemaRef, callOptions?: CallOptions): Promise<RawSchemaDocument> {
      checkOpen();
      const schemaCtx = {
        registryName: ref.registryName,
        schemaName: ref.schemaName,
        ...(ref.schemaVersion ? { schemaVersion: ref.schemaVersion } : {}),
      };
      try {
        const response = await schemasFor(ref.region).send(
          new (sdk.schemas().DescribeSchemaCommand)({
            RegistryName: ref.registryName,
            SchemaName: ref.schemaName,
            ...(ref.schemaVersion ? { SchemaVersion: ref.schemaVersion } : {}),
          }),
          callOpts(callOptions),
        );
        if (typeof response.Content !== 'string') {
          throw new LambdaMcpError(
            'SCHEMA_INVALID',
            `DescribeSchema of ${ref.registryName}/${ref.schemaName} returned no content.`,
          );
        }
        const doc: RawSchemaDocument = {
          registryName: ref.registryName,
          schemaName: response.SchemaName ?? ref.schemaName,
          type: response.Type ?? 'OpenApi3',
          content: response.Content,
        };
        if (response.SchemaArn) doc.schemaArn = response.SchemaArn;
        if (response.SchemaVersion) doc.schemaVersion = response.SchemaVersion;
        if (response.LastModified) doc.lastModified = response.LastModified.toISOString();
        if (response.Description) doc.description = response.Description;
        return doc;
      } catch (error) {
        throw mapAwsError(error, { service: 'schemas', operation: 'DescribeSchema', schema: schemaCtx });
      }
    },

    async getMetricData(
      request: GetMetricDataRequest,
      callOptions?: CallOptions,
    ): Promise<MetricDataResult[]> {
      checkOpen();
      return getMetricData(clients.cloudWatch, request, callOptions);
    },

    async filterLogEvents(
      request: FilterLogEventsRequest,
      callOptions?: CallOptions,
    ): Promise<FilterLogEventsPage> {
      checkOpen();
      return filterLogEvents(clients.logs, request, callOptions);
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      // Only the clients we built; a caller's own clients are theirs to destroy.
      for (const client of built()) client.destroy();
      if (invokeClient && invokeClient !== byo.lambda) invokeClient.destroy();
      for (const client of schemaClients.values()) client.destroy();
      schemaClients.clear();
      leanOn = false;
      options.earlyListing?.abandon();
      leanReader?.close();
    },
  };
  logger.debug('AWS backend ready', { region, endpoints, scope });
  if (options.explicitList?.entries.length)
    return withExplicitList(
      backend,
      { lambda: () => clients.lambda, logger, region, ...(lean ? { lean } : {}) },
      options.explicitList,
    );
  return backend;
}

async function getMetricData(
  client: CloudWatchClient,
  request: GetMetricDataRequest,
  callOptions?: CallOptions,
): Promise<MetricDataResult[]> {
  const byId = new Map<string, { label?: string; points: Array<[number, number]>; statusCode: string }>();
  for (const q of request.queries) byId.set(q.id, { points: [], statusCode: 'Complete' });
  let token: string | undefined;
  try {
    for (let page = 0; page < MAX_PAGES; page++) {
      const response = await client.send(
        new (sdk.cloudWatch().GetMetricDataCommand)({
          MetricDataQueries: request.queries.map((q) => ({
            Id: q.id,
            ReturnData: true,
            MetricStat: {
              Metric: {
                Namespace: q.namespace,
                MetricName: q.metricName,
                Dimensions: Object.entries(q.dimensions).map(([Name, Value]) => ({ Name, Value })),
              },
              Period: request.periodSeconds,
              Stat: q.stat,
            },
          })),
          StartTime: request.start,
          EndTime: request.end,
          ScanBy: 'TimestampAscending',
          ...(token ? { NextToken: token } : {}),
        }),
        callOpts(callOptions),
      );
      for (const r of response.MetricDataResults ?? []) mergeResult(byId, r);
      if (!response.NextToken || response.NextToken === token) break;
      token = response.NextToken;
    }
  } catch (error) {
    throw mapAwsError(error, { service: 'cloudwatch', operation: 'GetMetricData' });
  }
  return request.queries.map((q) => {
    const entry = byId.get(q.id)!;
    // Ascending whatever the service's order was (ScanBy may be ignored by some implementations).
    const points = entry.points.sort((a, b) => a[0] - b[0]);
    const result: MetricDataResult = {
      id: q.id,
      timestamps: points.map(([t]) => new Date(t)),
      values: points.map(([, v]) => v),
      statusCode: entry.statusCode,
    };
    if (entry.label !== undefined) result.label = entry.label;
    return result;
  });
}

function mergeResult(
  byId: Map<string, { label?: string; points: Array<[number, number]>; statusCode: string }>,
  r: AwsMetricDataResult,
): void {
  if (!r.Id) return;
  const entry = byId.get(r.Id) ?? { points: [], statusCode: 'Complete' };
  if (r.Label !== undefined) entry.label = r.Label;
  const timestamps = r.Timestamps ?? [];
  const values = r.Values ?? [];
  for (let i = 0; i < Math.min(timestamps.length, values.length); i++) {
    entry.points.push([(timestamps[i] as Date).getTime(), values[i] as number]);
  }
  if (r.StatusCode) entry.statusCode = r.StatusCode;
  byId.set(r.Id, entry);
}

async function filterLogEvents(
  client: CloudWatchLogsClient,
  request: FilterLogEventsRequest,
  callOptions?: CallOptions,
): Promise<FilterLogEventsPage> {
  try {
    const response = await client.send(
      new (sdk.logs().FilterLogEventsCommand)({
        logGroupName: request.logGroupName,
        ...(request.start ? { startTime: request.start.getTime() } : {}),
        ...(request.end ? { endTime: request.end.getTime() } : {}),
        ...(request.filterPattern ? { filterPattern: request.filterPattern } : {}),
        ...(request.logStreamNamePrefix ? { logStreamNamePrefix: request.logStreamNamePrefix } : {}),
        ...(request.limit ? { limit: request.limit } : {}),
        ...(request.nextToken ? { nextToken: request.nextToken } : {}),
      }),
      callOpts(callOptions),
    );
    const page: FilterLogEventsPage = {
      events: (response.events ?? []).map((e) => ({
        timestamp: new Date(e.timestamp ?? 0),
        message: e.message ?? '',
        ...(e.logStreamName ? { logStreamName: e.logStreamName } : {}),
        ...(e.eventId ? { eventId: e.eventId } : {}),
        ...(e.ingestionTime !== undefined ? { ingestionTime: new Date(e.ingestionTime) } : {}),
      })),
    };
    if (response.nextToken) page.nextToken = response.nextToken;
    return page;
  } catch (error) {
    throw mapAwsError(error, { service: 'logs', operation: 'FilterLogEvents' });
  }
}
