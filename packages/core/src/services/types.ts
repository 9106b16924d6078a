import type { LambdaMcpError } from '../errors.js';
import type {
  CallOptions,
  FunctionInfo,
  InvocationResult,
  InvocationType,
  LogEvent,
  LogType,
} from '../types.js';
import type { FunctionAuthorizer } from './function-policy.js';

// ---------------------------------------------------------------- discovery

/** Call options of the paths that name a function: the caller's authorization, checked first. */
export interface AuthorizedCallOptions extends CallOptions {
  /**
   * Which functions (and qualifiers) this caller may see and use; absent: every function the
   * configuration exposes. A function it denies is answered exactly as one that does not exist.
   */
  authorize?: FunctionAuthorizer;
}

export interface Catalog {
  /** Sorted by name. */
  functions: FunctionInfo[];
  generatedAt: Date;
  /** Changes exactly when the catalog's content changes. */
  fingerprint: string;
  /** `live` from the backend, `cache` from the disk cache before the first refresh. */
  source: 'live' | 'cache';
  /**
   * Partial failures that did not stop discovery (a FUNCTION_LIST entry that names no function,
   * tags that could not be read while no tag filter needed them). Not part of the fingerprint.
   */
  problems?: string[];
}

export interface ExcludedFunction {
  function: FunctionInfo;
  /** Which rule excluded it, e.g. "prefix: name does not start with any of [a-, b-]". */
  reason: string;
}

/** The end of one discovery run. */
export interface DiscoveryRunEvent {
  outcome: 'success' | 'error';
  durationMs: number;
  /** Functions in the new catalog (success). */
  functions?: number;
  /** The error code (error). */
  code?: string;
}

/**
 * How `DiscoveryService.resolve` treats a qualifier. A version or alias the caller may not use
 * answers exactly as one that does not exist: the same error, at the same step of the call.
 */
export interface ResolveOptions extends AuthorizedCallOptions {
  qualifier?: string;
  /**
   * The caller is about to invoke: a denied qualifier is returned marked `hidden` (and must then be
   * refused where the backend would say it does not exist, after the payload is validated), instead
   * of being refused here. Only the invocation service sets it.
   */
  deferHiddenQualifier?: boolean;
  /**
   * The caller will not reach the backend with the qualifier (schemas, metrics): check that the
   * version or alias exists (a DryRun Invoke, which needs only lambda:InvokeFunction), so a missing
   * one is refused as a denied one is.
   */
  verifyQualifier?: boolean;
}

/** A function the caller may see, and the qualifier the call uses. */
export interface ResolvedFunction {
  function: FunctionInfo;
  qualifier?: string;
  /** Set only with `deferHiddenQualifier`: the qualifier is one the caller may not use. */
  hidden?: true;
}

export interface DiscoveryService {
  /**
   * The cached catalog. Older than the TTL it is still returned at once while a new one is read in
   * the background (stale-while-revalidate); `refresh` reads it now. Only the first call waits.
   */
  getCatalog(options?: CallOptions & { refresh?: boolean }): Promise<Catalog>;
  /** Refreshes now; emits a change event only when the catalog really changed. */
  refresh(options?: CallOptions): Promise<Catalog>;
  /**
   * The allowlist: resolves any spelling a caller may use (name, full or partial ARN,
   * `name:qualifier`) to a catalog entry. Throws FUNCTION_NOT_ALLOWED for anything outside the
   * configured filters or `authorize` (the same answer as for a missing function: every message
   * is computed over what the caller may see), INVALID_REQUEST for a malformed name.
   */
  resolve(nameOrArn: string, options?: ResolveOptions): Promise<ResolvedFunction>;
  /** Every function the backend has, with the rule that excluded each one left out. */
  explain(options?: CallOptions): Promise<{ included: FunctionInfo[]; excluded: ExcludedFunction[] }>;
  /** Called with the new and previous catalog when a refresh changes it. Returns an unsubscribe. */
  onChange(listener: (catalog: Catalog, previous: Catalog | undefined) => void): () => void;
  /**
   * Called when a discovery run (the first one, a refresh) ends, successful or not, with its
   * duration: for metrics. Returns an unsubscribe. Optional for other implementations.
   */
  onRun?(listener: (event: DiscoveryRunEvent) => void): () => void;
  /** The last discovery failure, cleared by a successful refresh. */
  readonly lastError: LambdaMcpError | undefined;
  /** Starts periodic refresh (seconds); 0 stops it. */
  setRefreshInterval(seconds: number): void;
  /**
   * Where discovery stands, for health probes (`/ready`) and diagnostics: whether a catalog was
   * ever read, whether one is being read now and for how long, the last failure and the next
   * retry. Implemented by `createDiscoveryService`; optional for other implementations.
   */
  status?(): DiscoveryStatus;
  close(): Promise<void>;
}

export interface DiscoveryStatus {
  /**
   * `starting`: no catalog read yet and none failed; `ok`: the last discovery succeeded;
   * `failing`: the last discovery failed (a catalog read before, if any, is still served).
   */
  state: 'starting' | 'ok' | 'failing';
  /** A live catalog has been read (the allowlist can answer). */
  live: boolean;
  /** The catalog served now: live, from the disk cache, or none. */
  catalogSource?: 'live' | 'cache';
  /** Functions in the catalog served now. */
  functions: number;
  /** When the last successful discovery finished (ISO 8601). */
  lastSuccessAt?: string;
  /** A discovery is running; for this long (ms). */
  refreshingForMs?: number;
  /** The deadline of one discovery (seconds). */
  timeoutSeconds: number;
  lastError?: { code: string; message: string; retryable: boolean };
  consecutiveFailures: number;
  /** When the next retry after a failure starts (ISO 8601). */
  nextRetryAt?: string;
}

// ---------------------------------------------------------------- invocation

export interface InvokeRequest {
  functionName: string;
  qualifier?: string;
  /** A JSON value. Use `rawPayload` to send bytes unchanged. */
  payload?: unknown;
  rawPayload?: Uint8Array | string;
  invocationType?: InvocationType;
  logType?: LogType;
  /** Lambda client context (sync only), a JSON object. */
  clientContext?: Record<string, unknown>;
  /** Validate against the function's input schema (default true). */
  validate?: boolean;
}

export type InvokeOutcome =
  | { ok: true; request: InvokeRequest; result: InvocationResult }
  | { ok: false; request: InvokeRequest; error: LambdaMcpError };

export interface InvocationService {
  /**
   * allowlist -> schema validation -> payload limits -> backend -> decoded result.
   * A function error is a result (`functionError`); infrastructure failures throw LambdaMcpError.
   */
  invoke(request: InvokeRequest, options?: AuthorizedCallOptions): Promise<InvocationResult>;
  /** Parallel under a concurrency cap; every item reported, nothing lost when some fail. */
  invokeMany(
    requests: InvokeRequest[],
    options?: AuthorizedCallOptions & { concurrency?: number },
  ): Promise<InvokeOutcome[]>;
}

// ---------------------------------------------------------------- schema

export type JsonSchema = Record<string, unknown>;
export type SchemaDialect = 'draft-04' | 'draft-07' | '2020-12';

export interface ResolvedSchema {
  /** The schema as tools show it: `type: "object"` at the root for inputs. */
  schema: JsonSchema;
  /**
   * Set when the function's own schema is not an object schema and was wrapped: the tool takes
   * (or returns) `{ [wrappedProperty]: <value> }`, and the function gets (or returned) the value
   * itself. `validate()` checks the wrapped form.
   */
  wrappedProperty?: string;
  dialect: SchemaDialect;
  source:
    | {
        kind: 'registry';
        arn: string;
        registryName: string;
        schemaName: string;
        version?: string;
        type: string;
      }
    | { kind: 'none' };
}

export interface FunctionSchemas {
  input?: ResolvedSchema;
  output?: ResolvedSchema;
  /** Why a configured schema could not be used (not found, does not compile), if so. */
  problems: string[];
}

export interface FieldError {
  /** JSON Pointer to the failing field ("" for the root). */
  path: string;
  message: string;
  keyword: string;
}

export type ValidationResult = { valid: true } | { valid: false; errors: FieldError[] };

export interface SchemaService {
  /** Input and output schemas for a function; cached, validators compiled once. */
  getSchemas(fn: FunctionInfo, options?: CallOptions & { version?: string }): Promise<FunctionSchemas>;
  /** Validates with the compiled validator of that schema (draft-04, draft-07 or 2020-12). */
  validate(schema: ResolvedSchema, value: unknown): ValidationResult;
  /** Example payloads that validate against the schema. */
  examples(schema: ResolvedSchema, count?: number): unknown[];
  /** The same examples, each with a description of where it comes from. */
  describedExamples(schema: ResolvedSchema, count?: number): Array<{ description: string; payload: unknown }>;
}

// ---------------------------------------------------------------- metrics

export type MetricType =
  | 'invocations'
  | 'errors'
  | 'throttles'
  | 'duration'
  | 'concurrency'
  | 'dead_letter_errors'
  | 'async_events_dropped'
  | 'async_event_age'
  | 'iterator_age'
  | 'provisioned_concurrency_spillover'
  | 'init_duration';

export interface MetricsQuery {
  functionName: string;
  qualifier?: string;
  start: Date;
  end: Date;
  /** Chosen from the range when absent (a multiple of 60). */
  periodSeconds?: number;
  /** Our names or CloudWatch's (`Invocations`, `ConcurrentExecutions`, ...), any case. */
  metrics?: Array<MetricType | string>;
  includeErrors?: boolean;
  /** At most this many error details (default 20). */
  errorLimit?: number;
}

export interface DataPoint {
  timestamp: string;
  value: number;
}

export interface MetricsReport {
  functionName: string;
  qualifier?: string;
  start: string;
  end: string;
  periodSeconds: number;
  series: {
    invocations?: DataPoint[];
    errors?: DataPoint[];
    throttles?: DataPoint[];
    duration?: {
      average: DataPoint[];
      p50: DataPoint[];
      p90: DataPoint[];
      p99: DataPoint[];
      maximum: DataPoint[];
    };
    concurrency?: DataPoint[];
    deadLetterErrors?: DataPoint[];
    asyncEventsDropped?: DataPoint[];
    /** Milliseconds. */
    asyncEventAge?: { average: DataPoint[]; maximum: DataPoint[] };
    /** Milliseconds. */
    iteratorAge?: { average: DataPoint[]; maximum: DataPoint[] };
    provisionedConcurrencySpillover?: DataPoint[];
  };
  /**
   * Series whose query failed, by path (`duration.p99`): that series is empty and the rest of the
   * report stands.
   */
  seriesErrors?: Record<string, { code: string; message: string }>;
  /** Cold starts found in the REPORT lines of the logs (`Init Duration`), when asked for. */
  initDuration?: {
    coldStarts: number;
    averageMs?: number;
    p50Ms?: number;
    maxMs?: number;
    /** The scan stopped at its bounds: the figures cover the newest part of the range. */
    partial?: boolean;
    error?: { code: string; message: string };
  };
  summary: {
    invocations: number;
    errors: number;
    throttles: number;
    /** errors / invocations, 0 when there were none. */
    errorRate: number;
    averageDurationMs?: number;
    maxDurationMs?: number;
    maxConcurrency?: number;
  };
  /** Newest first, one per request. */
  recentErrors?: ErrorDetail[];
  /** recentErrors grouped by error type, the group seen last first. */
  errorGroups?: ErrorGroup[];
  /** Incomplete answers (partial metric data, an error scan cut short by its bounds). */
  problems?: string[];
}

export interface ErrorDetail {
  timestamp: string;
  requestId?: string;
  kind: 'error' | 'timeout' | 'runtime-exit' | 'out-of-memory';
  /** `CustomerNotFound`, `Sandbox.Timedout`, `Runtime.ExitError`, ... */
  errorType?: string;
  /** The error's message, without the runtime's prefixes. */
  message: string;
  /** The first lines of the stack trace. */
  trace?: string[];
  /** The log line as written. */
  raw?: string;
  logStream?: string;
}

export interface ErrorGroup {
  errorType: string;
  kind: ErrorDetail['kind'];
  count: number;
  lastSeen: string;
  firstSeen: string;
  /** The newest occurrences, newest first. */
  latest: ErrorDetail[];
}

export interface LogsQuery {
  functionName: string;
  start: Date;
  end?: Date;
  filterPattern?: string;
  limit?: number;
}

export interface MetricsService {
  getMetrics(query: MetricsQuery, options?: CallOptions): Promise<MetricsReport>;
  /** Recent log events of a function's log group, bounded in pages and time. */
  getLogs(query: LogsQuery, options?: CallOptions): Promise<LogEvent[]>;
}

// ---------------------------------------------------------------- wiring

/** Where the discovery service keeps the last catalog between runs (stale-while-revalidate). */
export interface CatalogCacheStore {
  /** The catalog saved for this backend scope, if any. Never another scope's. */
  load(scope: string): Promise<Catalog | undefined>;
  save(scope: string, catalog: Catalog): Promise<void>;
}

export interface Services {
  config: import('../config/schema.js').Config;
  backend: import('../backend.js').Backend;
  logger: import('../logger.js').Logger;
  discovery: DiscoveryService;
  invocation: InvocationService;
  schemas: SchemaService;
  metrics: MetricsService;
  /** Stops timers and closes the backend. */
  close(): Promise<void>;
}

export interface CreateServicesOptions {
  backend: import('../backend.js').Backend;
  /** Validated with ConfigSchema; defaults applied. */
  config?: import('../config/schema.js').ConfigInput;
  logger?: import('../logger.js').Logger;
  /** Disk cache of the catalog; none by default. */
  catalogCache?: CatalogCacheStore;
}
