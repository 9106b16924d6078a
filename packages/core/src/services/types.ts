import type { LambdaMcpError } from '../errors.js';
import type {
  CallOptions,
  FunctionInfo,
  InvocationResult,
  InvocationType,
  LogEvent,
  LogType,
} from '../types.js';

// ---------------------------------------------------------------- discovery

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
   * configured filters, INVALID_REQUEST for a malformed name.
   */
  resolve(
    nameOrArn: string,
    options?: CallOptions & { qualifier?: string },
  ): Promise<{
    function: FunctionInfo;
    qualifier?: string;
  }>;
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
  close(): Promise<void>;
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
  invoke(request: InvokeRequest, options?: CallOptions): Promise<InvocationResult>;
  /** Parallel under a concurrency cap; every item reported, nothing lost when some fail. */
  invokeMany(
    requests: InvokeRequest[],
    options?: CallOptions & { concurrency?: number },
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
}

// ---------------------------------------------------------------- metrics

export type MetricType = 'invocations' | 'errors' | 'throttles' | 'duration' | 'concurrency';

export interface MetricsQuery {
  functionName: string;
  qualifier?: string;
  start: Date;
  end: Date;
  /** Chosen from the range when absent (a multiple of 60). */
  periodSeconds?: number;
  metrics?: MetricType[];
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
  recentErrors?: ErrorDetail[];
  /** Incomplete answers (partial metric data, an error scan cut short by its bounds). */
  problems?: string[];
}

export interface ErrorDetail {
  timestamp: string;
  requestId?: string;
  kind: 'error' | 'timeout' | 'runtime-exit' | 'out-of-memory';
  message: string;
  logStream?: string;
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
