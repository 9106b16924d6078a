import type { Backend } from '../../src/backend.js';
import { LambdaMcpError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import type {
  BackendInvokeRequest,
  BackendInvokeResult,
  CallOptions,
  FilterLogEventsPage,
  FilterLogEventsRequest,
  FunctionConfig,
  GetMetricDataRequest,
  LogEvent,
  MetricDataResult,
  RawSchemaDocument,
  SchemaRef,
  TagFilter,
  Tags,
} from '../../src/types.js';
import { formatFunctionKey } from '../../src/util/function-ref.js';

/**
 * A small Backend kept in memory, for unit tests that need exact control (call counts, failures,
 * Python error shapes, JSON-format REPORT records the local runtime does not produce). It keeps
 * the interface's rules: tags by unqualified ARN, FUNCTION_NOT_FOUND for unknown names, signals
 * honoured, one page of log events per call.
 */
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

export function arnOf(name: string, region = REGION, account = ACCOUNT): string {
  return `arn:aws:lambda:${region}:${account}:function:${name}`;
}

export function fn(name: string, extra: Partial<FunctionConfig> = {}): FunctionConfig {
  return { name, arn: arnOf(name), runtime: 'nodejs20.x', timeoutSeconds: 3, memorySizeMb: 128, ...extra };
}

export type InvokeHandler = (
  request: BackendInvokeRequest,
  options: CallOptions,
) => Promise<BackendInvokeResult> | BackendInvokeResult;

export interface MemoryBackend extends Backend {
  functions: FunctionConfig[];
  /** Tags by unqualified ARN (read through getTags, as on AWS). */
  tags: Map<string, Tags>;
  /** `name:qualifier` -> configuration of that version or alias. */
  versions: Map<string, FunctionConfig>;
  schemas: Map<string, RawSchemaDocument>;
  logEvents: LogEvent[];
  metricResults: (request: GetMetricDataRequest) => MetricDataResult[];
  onInvoke: InvokeHandler;
  calls: {
    listFunctions: number;
    getFunction: string[];
    getTags: { arns: string[]; tagFilters?: TagFilter[] }[];
    invoke: BackendInvokeRequest[];
    describeSchema: SchemaRef[];
    getMetricData: GetMetricDataRequest[];
    filterLogEvents: FilterLogEventsRequest[];
  };
  /** Makes the next calls of an operation fail with this error (until cleared). */
  failures: Partial<
    Record<'listFunctions' | 'getTags' | 'describeSchema' | 'filterLogEvents' | 'getFunction', Error>
  >;
  /** Delay of listFunctions in ms (to observe coalescing). */
  listDelayMs: number;
  logPageSize: number;
  closed: boolean;
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new LambdaMcpError('ABORTED', 'aborted'));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(new LambdaMcpError('ABORTED', 'aborted'));
      },
      { once: true },
    );
  });
}

export function createMemoryBackend(
  init: { functions?: FunctionConfig[]; tags?: Record<string, Tags>; scope?: string; logger?: Logger } = {},
): MemoryBackend {
  const backend: MemoryBackend = {
    kind: 'memory',
    region: REGION,
    scope: init.scope ?? `memory:${ACCOUNT}:${REGION}`,
    functions: init.functions ?? [],
    tags: new Map(Object.entries(init.tags ?? {}).map(([name, tags]) => [arnOf(name), tags])),
    versions: new Map(),
    schemas: new Map(),
    logEvents: [],
    metricResults: (request) =>
      request.queries.map((q) => ({ id: q.id, timestamps: [], values: [], statusCode: 'Complete' })),
    onInvoke: (request) => ({
      statusCode: request.invocationType === 'Event' ? 202 : request.invocationType === 'DryRun' ? 204 : 200,
      payload: request.invocationType === 'RequestResponse' ? request.payload : new Uint8Array(),
      executedVersion: '$LATEST',
      requestId: 'req-1',
    }),
    calls: {
      listFunctions: 0,
      getFunction: [],
      getTags: [],
      invoke: [],
      describeSchema: [],
      getMetricData: [],
      filterLogEvents: [],
    },
    failures: {},
    listDelayMs: 0,
    logPageSize: 1000,
    closed: false,

    async listFunctions(options?: CallOptions) {
      backend.calls.listFunctions++;
      if (backend.listDelayMs > 0) await delay(backend.listDelayMs, options?.signal);
      if (backend.failures.listFunctions) throw backend.failures.listFunctions;
      return backend.functions.map((f) => structuredClone(f));
    },
    async getFunction(name: string, qualifier?: string) {
      backend.calls.getFunction.push(formatFunctionKey(name, qualifier));
      if (backend.failures.getFunction) throw backend.failures.getFunction;
      const found = qualifier
        ? backend.versions.get(formatFunctionKey(name, qualifier))
        : backend.functions.find((f) => f.name === name);
      if (!found) {
        throw new LambdaMcpError(
          'FUNCTION_NOT_FOUND',
          `Function not found: ${arnOf(name)}${qualifier ? `:${qualifier}` : ''}`,
        );
      }
      return structuredClone(found);
    },
    async getTags(request: { arns: string[]; tagFilters?: TagFilter[] }) {
      backend.calls.getTags.push(structuredClone(request));
      if (backend.failures.getTags) throw backend.failures.getTags;
      const out = new Map<string, Tags>();
      for (const arn of request.arns) {
        const tags = backend.tags.get(arn);
        if (tags) out.set(arn, { ...tags });
      }
      return out;
    },
    async invoke(request: BackendInvokeRequest, options: CallOptions = {}) {
      backend.calls.invoke.push(request);
      if (options.signal?.aborted) throw new LambdaMcpError('ABORTED', 'aborted');
      return backend.onInvoke(request, options);
    },
    async describeSchema(ref: SchemaRef) {
      backend.calls.describeSchema.push(ref);
      if (backend.failures.describeSchema) throw backend.failures.describeSchema;
      const key = `${ref.registryName}/${ref.schemaName}${ref.schemaVersion ? `@${ref.schemaVersion}` : ''}`;
      const doc =
        backend.schemas.get(key) ??
        (ref.schemaVersion ? undefined : backend.schemas.get(`${ref.registryName}/${ref.schemaName}`));
      if (!doc) throw new LambdaMcpError('SCHEMA_NOT_FOUND', `Schema ${ref.schemaName} does not exist.`);
      return doc;
    },
    async getMetricData(request: GetMetricDataRequest) {
      backend.calls.getMetricData.push(request);
      return backend.metricResults(request);
    },
    async filterLogEvents(
      request: FilterLogEventsRequest,
      options: CallOptions = {},
    ): Promise<FilterLogEventsPage> {
      backend.calls.filterLogEvents.push(request);
      if (options.signal?.aborted) throw new LambdaMcpError('ABORTED', 'aborted');
      if (backend.failures.filterLogEvents) throw backend.failures.filterLogEvents;
      const terms = parseOptionalTerms(request.filterPattern);
      const matching = backend.logEvents
        .filter(
          (e) =>
            (!request.start || e.timestamp >= request.start) && (!request.end || e.timestamp <= request.end),
        )
        .filter((e) => terms.length === 0 || terms.some((t) => e.message.includes(t)))
        .sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
      const offset = request.nextToken ? Number(request.nextToken) : 0;
      const size = Math.min(request.limit ?? 10_000, backend.logPageSize);
      const page = matching.slice(offset, offset + size);
      const next = offset + size < matching.length ? String(offset + size) : undefined;
      return next ? { events: page, nextToken: next } : { events: page };
    },
    async close() {
      backend.closed = true;
    },
  };
  return backend;
}

/** `?a ?"b c"` -> ["a", "b c"]; a pattern without `?` terms is taken as one term. */
function parseOptionalTerms(pattern: string | undefined): string[] {
  if (!pattern) return [];
  const terms: string[] = [];
  const re = /\?(?:"([^"]*)"|(\S+))/g;
  for (let m = re.exec(pattern); m; m = re.exec(pattern)) terms.push(m[1] ?? m[2] ?? '');
  return terms.length > 0 ? terms : [pattern.replace(/^"|"$/g, '')];
}

export function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

export { captureLogger } from '../../../../tests/shared/wait-and-log.js';
