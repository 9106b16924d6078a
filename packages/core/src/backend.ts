import type {
  BackendIdentity,
  BackendInvokeRequest,
  BackendInvokeResult,
  CallOptions,
  DiscoveryMode,
  FilterLogEventsPage,
  FilterLogEventsRequest,
  FunctionConfig,
  GetMetricDataRequest,
  MetricDataResult,
  RawSchemaDocument,
  SchemaRef,
  TagFilter,
  Tags,
  UnusableFunction,
} from './types.js';

/**
 * What a platform provides. Implemented by `@lambda-mcp/core/aws` (AWS SDK v3) and
 * `@lambda-mcp/core/local` (the in-process Lambda-like runtime). Backends carry no policy:
 * filters, the allowlist, validation, limits and caching live in the services.
 *
 * Errors: a backend throws LambdaMcpError with a code (FUNCTION_NOT_FOUND, THROTTLED, ...). A
 * function's own failure is not an error: it is `functionError` on the invoke result.
 */
export interface Backend {
  /** `aws`, `local`, or another platform's name. */
  readonly kind: string;
  readonly region: string;
  /**
   * A stable identity of what this backend talks to (account/credentials, region, endpoint).
   * Caches are keyed by it so one account's or region's catalog is never served for another.
   */
  readonly scope: string;

  /** Every function ($LATEST), all pages. */
  listFunctions(options?: CallOptions): Promise<FunctionConfig[]>;

  /**
   * Functions found but left out of `listFunctions` because they cannot be served (the local
   * backend: a folder whose manifest is wrong), each with the reason, so tools can show them
   * instead of hiding them. Optional: AWS has no such thing.
   */
  unusableFunctions?(options?: CallOptions): Promise<UnusableFunction[]>;

  /** One function's configuration; `qualifier` resolves an alias or version. */
  getFunction(name: string, qualifier?: string, options?: CallOptions): Promise<FunctionConfig>;

  /**
   * Tags by unqualified function ARN. Functions without tags may be missing from the map.
   * With `tagFilters`, a backend may leave out functions that do not match (the AWS backend asks
   * the Tagging API for only those); callers must still apply the filters themselves.
   */
  getTags(
    request: { arns: string[]; tagFilters?: TagFilter[] },
    options?: CallOptions,
  ): Promise<Map<string, Tags>>;

  invoke(request: BackendInvokeRequest, options?: CallOptions): Promise<BackendInvokeResult>;

  /** EventBridge Schema Registry DescribeSchema (latest version unless one is given). */
  describeSchema(ref: SchemaRef, options?: CallOptions): Promise<RawSchemaDocument>;

  /** CloudWatch GetMetricData, all pages; results ascending by time. */
  getMetricData(request: GetMetricDataRequest, options?: CallOptions): Promise<MetricDataResult[]>;

  /** CloudWatch Logs FilterLogEvents, one page. */
  filterLogEvents(request: FilterLogEventsRequest, options?: CallOptions): Promise<FilterLogEventsPage>;

  /**
   * Optional: who the backend calls as (credentials resolved, principal asked for). Throws
   * CREDENTIALS_MISSING or ACCESS_DENIED when the credentials are missing or refused.
   */
  identity?(options?: CallOptions): Promise<BackendIdentity>;

  /** Optional: how `listFunctions` finds functions (default `list-all`). */
  readonly discoveryMode?: DiscoveryMode;

  /**
   * Optional: functions the last `listFunctions` was asked for but could not read, by name, with
   * the reason (explicit-list discovery: missing, or access denied). Discovery reports them.
   */
  listProblems?(): ReadonlyMap<string, string>;

  /** Releases workers, sockets and timers. Idempotent. */
  close(): Promise<void>;
}
