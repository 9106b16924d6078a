/** Domain types shared by the services, the backends and the apps. Plain data, no behaviour. */

export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';
export type LogType = 'None' | 'Tail';

export type Tags = Record<string, string>;

/** A function as a backend reports it (a subset of Lambda's FunctionConfiguration). */
export interface FunctionConfig {
  name: string;
  /** Unqualified function ARN. */
  arn: string;
  runtime?: string;
  description?: string;
  handler?: string;
  timeoutSeconds: number;
  memorySizeMb: number;
  /** As Lambda reports it, e.g. "2025-09-23T18:32:33.857+0000". */
  lastModified?: string;
  version?: string;
  state?: string;
  stateReason?: string;
  packageType?: string;
  architectures?: string[];
  /** From LoggingConfig.LogGroup when present; otherwise `/aws/lambda/<name>`. */
  logGroup?: string;
  logFormat?: 'Text' | 'JSON';
  reservedConcurrency?: number;
  /** Tags, when the backend has them at hand (the local backend does; AWS ListFunctions does not). */
  tags?: Tags;
}

/** A catalog entry: a function that passed the configured filters, with its tags. */
export interface FunctionInfo extends FunctionConfig {
  tags: Tags;
  /** Set when the function was configured as `name:qualifier` (FUNCTION_LIST). */
  qualifier?: string;
  /** Schema ARNs read from the configured tags. */
  inputSchemaArn?: string;
  outputSchemaArn?: string;
}

export interface TagFilter {
  key: string;
  /** Empty or absent: any value matches. Otherwise OR within values. Filters are ANDed. */
  values?: string[];
}

/** A request as a backend receives it, after the services' checks. */
export interface BackendInvokeRequest {
  /** The function's name or ARN as the catalog knows it. */
  functionName: string;
  qualifier?: string;
  invocationType: InvocationType;
  logType: LogType;
  payload: Uint8Array;
  /** Base64 of a JSON object (Lambda's X-Amz-Client-Context), sync only. */
  clientContext?: string;
  /** Client-side deadline in ms (the function timeout plus a margin). */
  timeoutMs?: number;
}

/** What Lambda answers to Invoke, before decoding. */
export interface BackendInvokeResult {
  statusCode: number;
  /** Raw response body; empty for Event (202) and DryRun (204). */
  payload: Uint8Array;
  /** `Unhandled` or `Handled` when the function failed. */
  functionError?: string;
  /** Base64 of the last 4 KB of the execution log (LogType Tail). */
  logResult?: string;
  executedVersion?: string;
  requestId?: string;
}

/** Figures from the REPORT line of a Lambda log. */
export interface ReportMetrics {
  requestId?: string;
  durationMs: number;
  billedDurationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  initDurationMs?: number;
  /** `timeout`, `error` ... when the platform appended a status. */
  status?: string;
  errorType?: string;
}

export type DecodedPayload =
  | { kind: 'empty' }
  | { kind: 'json'; value: unknown; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'binary'; base64: string; byteLength: number };

/** A function's own failure (Lambda FunctionError): data, not an exception. */
export interface FunctionErrorInfo {
  /** `Unhandled` or `Handled`. */
  kind: string;
  errorType: string;
  errorMessage: string;
  trace: string[];
  /** The error object as the function returned it. */
  raw?: unknown;
}

export interface InvocationResult {
  functionName: string;
  qualifier?: string;
  invocationType: InvocationType;
  statusCode: number;
  requestId?: string;
  executedVersion?: string;
  payload: DecodedPayload;
  functionError?: FunctionErrorInfo;
  /** Decoded log tail, one entry per line (LogType Tail). */
  logs?: string[];
  report?: ReportMetrics;
  /** Wall-clock time seen by the caller. */
  elapsedMs: number;
}

export interface SchemaRef {
  registryName: string;
  schemaName: string;
  schemaVersion?: string;
  region?: string;
  accountId?: string;
}

/** A schema as the registry answers DescribeSchema. */
export interface RawSchemaDocument {
  registryName: string;
  schemaName: string;
  schemaArn?: string;
  schemaVersion?: string;
  /** `OpenApi3` or `JSONSchemaDraft4` (the registry's types). A `$schema` in the content wins for JSON Schema. */
  type: string;
  content: string;
  lastModified?: string;
  description?: string;
}

export type MetricStat = 'Sum' | 'Average' | 'Maximum' | 'Minimum' | 'SampleCount' | `p${number}`;

export interface MetricDataQuery {
  /** Matches ^[a-z][a-zA-Z0-9_]*$ and is unique within a request. */
  id: string;
  namespace: string;
  metricName: string;
  stat: MetricStat;
  dimensions: Record<string, string>;
}

export interface GetMetricDataRequest {
  queries: MetricDataQuery[];
  start: Date;
  end: Date;
  periodSeconds: number;
}

export interface MetricDataResult {
  id: string;
  label?: string;
  /** Ascending by time. */
  timestamps: Date[];
  values: number[];
  statusCode: string;
}

export interface FilterLogEventsRequest {
  logGroupName: string;
  start?: Date;
  end?: Date;
  filterPattern?: string;
  logStreamNamePrefix?: string;
  limit?: number;
  nextToken?: string;
}

export interface LogEvent {
  timestamp: Date;
  message: string;
  logStreamName?: string;
  eventId?: string;
  ingestionTime?: Date;
}

export interface FilterLogEventsPage {
  events: LogEvent[];
  nextToken?: string;
}

/** Every async method takes an optional signal; cancellation reaches the network call or worker. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** A function a backend found but cannot serve (a local folder whose manifest is wrong), and why. */
export interface UnusableFunction {
  /** The function name it would have (the folder name when the manifest does not say). */
  name: string;
  /** Where it is (a folder path). */
  location: string;
  /** What is wrong, e.g. the manifest field and what is accepted. */
  problem: string;
}

/** Who a backend calls as (diagnostics: `lambda-mcp doctor`). Never carries a secret. */
export interface BackendIdentity {
  /** Where the credentials come from, as far as the configuration tells. */
  source: string;
  /** The access key id, masked. */
  accessKey?: string;
  /** The principal's ARN (STS GetCallerIdentity). */
  principal?: string;
  account?: string;
  /** Why the principal could not be told (network, endpoint), when it could not. */
  problem?: string;
  /** Endpoint overrides in use, by service (`all` for every service). */
  endpoints?: Readonly<Record<string, string>>;
}

/**
 * How a backend finds functions, for diagnostics and least-privilege documentation:
 * `list-all` reads the whole account (ListFunctions), `explicit-list` reads each configured
 * function (GetFunction, ListTags), `trusted-list` trusts the configured list without reading.
 */
export type DiscoveryMode = 'list-all' | 'explicit-list' | 'trusted-list';
