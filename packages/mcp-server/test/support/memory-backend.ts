/**
 * A Backend that runs "functions" as plain async JS functions in this process, for the tool
 * layer's tests. It is a platform, not a copy of the services: the tests run the real
 * `createServices` (discovery, schemas, invocation, metrics) over it. It speaks the Backend
 * interface as AWS does: payloads as bytes, schemas as registry documents (served from
 * DescribeSchema, named by the input/output schema tags), log tails as base64 with a REPORT line,
 * metrics from GetMetricData and logs from FilterLogEvents over what it ran.
 */
import {
  type Backend,
  type BackendInvokeRequest,
  type BackendInvokeResult,
  type CallOptions,
  type FunctionConfig,
  type FunctionInfo,
  type GetMetricDataRequest,
  LambdaMcpError,
  type LogEvent,
  type MetricDataResult,
  type RawSchemaDocument,
  type ResolvedSchema,
  type SchemaRef,
  type Tags,
} from '@lambda-mcp/core';

/** What a function's handler can do besides returning: write log lines. */
export interface HandlerContext {
  log(line: string): void;
  signal: AbortSignal | undefined;
}

export type Handler = (event: unknown, context: HandlerContext) => Promise<unknown> | unknown;

export interface FakeFunction {
  info: FunctionInfo;
  handler?: Handler;
  /** Raw response bytes instead of JSON of the handler's value. */
  raw?: (event: unknown) => Uint8Array | string;
  /** Served from the schema registry; the function is tagged with its ARN. */
  input?: ResolvedSchema;
  output?: ResolvedSchema;
  /** Lines already in the function's log group (earlier invocations). */
  logHistory?: string[];
}

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
const INPUT_TAG = 'lambda-mcp:input-schema-arn';
const OUTPUT_TAG = 'lambda-mcp:output-schema-arn';
const REGISTRY = 'lambda-mcp-tests';
const DIALECT_URI: Record<ResolvedSchema['dialect'], string> = {
  '2020-12': 'https://json-schema.org/draft/2020-12/schema',
  'draft-07': 'http://json-schema.org/draft-07/schema#',
  'draft-04': 'http://json-schema.org/draft-04/schema#',
};

export function fnInfo(name: string, extra: Partial<FunctionInfo> = {}): FunctionInfo {
  return {
    name,
    arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
    runtime: 'nodejs20.x',
    timeoutSeconds: 30,
    memorySizeMb: 128,
    tags: {},
    ...extra,
  };
}

export function schema2020(
  schema: Record<string, unknown>,
  extra: Partial<ResolvedSchema> = {},
): ResolvedSchema {
  return { schema, dialect: '2020-12', source: { kind: 'none' }, ...extra };
}

class FunctionFailure extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

/** A handler throws this to produce a Lambda FunctionError. */
export function functionError(errorType: string, message: string): never {
  throw new FunctionFailure(errorType, message);
}

/** What the backend was asked to run, decoded (the payload parsed from the bytes it received). */
export interface SeenInvocation {
  functionName: string;
  qualifier?: string;
  invocationType: BackendInvokeRequest['invocationType'];
  logType: BackendInvokeRequest['logType'];
  payload: unknown;
}

export interface MemoryBackend extends Backend {
  setFunctions(functions: FakeFunction[]): void;
  /** Discovery (ListFunctions) fails with this error until it is cleared. */
  failDiscovery(error: LambdaMcpError | undefined): void;
  readonly invocations: SeenInvocation[];
  /** Aborted invocations, by function name. */
  readonly aborted: string[];
}

const encoder = new TextEncoder();

function schemaName(fn: FunctionInfo, role: 'input' | 'output'): string {
  return `${fn.name}${fn.qualifier ? `.${fn.qualifier}` : ''}.${role}`;
}

function schemaArn(name: string, registry = REGISTRY): string {
  return `arn:aws:schemas:${REGION}:${ACCOUNT}:schema/${registry}/${name}`;
}

function parse(bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) return {};
  return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
}

export function createMemoryBackend(initial: FakeFunction[]): MemoryBackend {
  let functions = [...initial];
  let discoveryError: LambdaMcpError | undefined;
  const invocations: SeenInvocation[] = [];
  const aborted: string[] = [];
  /** Log events by log group, and what each invocation did, for metrics. */
  const logs = new Map<string, LogEvent[]>();
  const runs: Array<{ name: string; at: Date; failed: boolean }> = [];
  let seq = 0;

  const logGroupOf = (fn: FunctionInfo) => fn.logGroup ?? `/aws/lambda/${fn.name}`;
  function append(fn: FunctionInfo, lines: string[], at = new Date()): void {
    const group = logGroupOf(fn);
    const list = logs.get(group) ?? [];
    for (const message of lines) list.push({ timestamp: at, message, logStreamName: 'memory' });
    logs.set(group, list);
  }
  function seed(list: FakeFunction[]): void {
    logs.clear();
    for (const f of list) if (f.logHistory) append(f.info, f.logHistory, new Date(Date.now() - 60_000));
  }
  seed(functions);

  function tagsOf(f: FakeFunction): Tags {
    return {
      ...f.info.tags,
      ...(f.input ? { [INPUT_TAG]: f.info.inputSchemaArn ?? schemaArn(schemaName(f.info, 'input')) } : {}),
      ...(f.output ? { [OUTPUT_TAG]: schemaArn(schemaName(f.info, 'output')) } : {}),
    };
  }

  function configOf(f: FakeFunction): FunctionConfig {
    const { tags: _tags, qualifier: _q, inputSchemaArn: _i, outputSchemaArn: _o, ...config } = f.info;
    return { ...config, tags: tagsOf(f) };
  }

  function find(nameOrArn: string, qualifier?: string): FakeFunction | undefined {
    const name = nameOrArn.startsWith('arn:') ? (nameOrArn.split(':')[6] ?? '') : nameOrArn;
    return (
      functions.find((f) => f.info.name === name && f.info.qualifier === qualifier) ??
      functions.find((f) => f.info.name === name && f.info.qualifier === undefined)
    );
  }

  function notFound(name: string): LambdaMcpError {
    return new LambdaMcpError('FUNCTION_NOT_FOUND', `Function not found: ${name}`);
  }

  async function run(
    f: FakeFunction,
    event: unknown,
    signal: AbortSignal | undefined,
    lines: string[],
  ): Promise<{ bytes: Uint8Array; failed?: FunctionFailure }> {
    const work = (async () => {
      if (f.raw) {
        const raw = f.raw(event);
        return { bytes: typeof raw === 'string' ? encoder.encode(raw) : raw };
      }
      try {
        const value = await f.handler?.(event, { log: (line) => lines.push(line), signal });
        return { bytes: encoder.encode(JSON.stringify(value ?? null)) };
      } catch (error) {
        if (error instanceof FunctionFailure) {
          const body = {
            errorType: error.errorType,
            errorMessage: error.message,
            trace: [`${error.errorType}: ${error.message}`, '    at handler (index.js:1:1)'],
          };
          return { bytes: encoder.encode(JSON.stringify(body)), failed: error };
        }
        throw error;
      }
    })();
    if (!signal) return work;
    return Promise.race([
      work,
      new Promise<never>((_, reject) => {
        const abort = () => {
          aborted.push(f.info.name);
          reject(new LambdaMcpError('ABORTED', 'The operation was cancelled.'));
        };
        if (signal.aborted) abort();
        else signal.addEventListener('abort', abort, { once: true });
      }),
    ]);
  }

  const backend: MemoryBackend = {
    kind: 'local',
    region: REGION,
    scope: 'memory',
    invocations,
    aborted,
    setFunctions(next) {
      functions = [...next];
      seed(functions);
    },
    failDiscovery(error) {
      discoveryError = error;
    },

    async listFunctions() {
      if (discoveryError) throw discoveryError;
      return functions.filter((f) => f.info.qualifier === undefined).map(configOf);
    },

    async getFunction(name, qualifier) {
      const f = find(name, qualifier);
      if (!f || (qualifier !== undefined && f.info.qualifier !== qualifier)) throw notFound(name);
      return configOf(f);
    },

    async getTags({ arns }) {
      const out = new Map<string, Tags>();
      for (const f of functions) if (arns.includes(f.info.arn)) out.set(f.info.arn, tagsOf(f));
      return out;
    },

    async invoke(request: BackendInvokeRequest, options: CallOptions = {}): Promise<BackendInvokeResult> {
      const f = find(request.functionName, request.qualifier);
      if (!f) throw notFound(request.functionName);
      if (options.signal?.aborted) throw new LambdaMcpError('ABORTED', 'The operation was cancelled.');
      const event = parse(request.payload);
      invocations.push({
        functionName: f.info.name,
        ...(request.qualifier ? { qualifier: request.qualifier } : {}),
        invocationType: request.invocationType,
        logType: request.logType,
        payload: event,
      });
      seq += 1;
      const requestId = `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;
      const base = { executedVersion: '$LATEST', requestId };
      if (request.invocationType === 'DryRun') return { ...base, statusCode: 204, payload: new Uint8Array() };
      if (request.invocationType === 'Event') {
        void run(f, event, undefined, []).then(
          (r) => runs.push({ name: f.info.name, at: new Date(), failed: r.failed !== undefined }),
          () => {},
        );
        return { ...base, statusCode: 202, payload: new Uint8Array() };
      }
      const lines: string[] = [];
      const { bytes, failed } = await run(f, event, options.signal, lines);
      runs.push({ name: f.info.name, at: new Date(), failed: failed !== undefined });
      const log = [
        `START RequestId: ${requestId} Version: $LATEST`,
        ...lines,
        `END RequestId: ${requestId}`,
        `REPORT RequestId: ${requestId}\tDuration: 1.5 ms\tBilled Duration: 2 ms\tMemory Size: ${f.info.memorySizeMb} MB\tMax Memory Used: 40 MB\tInit Duration: 10 ms\t`,
      ];
      append(f.info, log);
      return {
        ...base,
        statusCode: 200,
        payload: bytes,
        ...(failed ? { functionError: 'Unhandled' } : {}),
        ...(request.logType === 'Tail' ? { logResult: Buffer.from(log.join('\n')).toString('base64') } : {}),
      };
    },

    async describeSchema(ref: SchemaRef): Promise<RawSchemaDocument> {
      for (const f of functions) {
        for (const role of ['input', 'output'] as const) {
          const schema = f[role];
          const name =
            role === 'input' && f.info.inputSchemaArn ? f.info.inputSchemaArn.split('/')[2] : undefined;
          if (!schema || (name ?? schemaName(f.info, role)) !== ref.schemaName) continue;
          const content = { $schema: DIALECT_URI[schema.dialect], ...schema.schema };
          return {
            registryName: ref.registryName,
            schemaName: ref.schemaName,
            schemaArn: schemaArn(ref.schemaName, ref.registryName),
            schemaVersion: '1',
            type: 'JSONSchemaDraft4',
            content: JSON.stringify(content),
          };
        }
      }
      throw new LambdaMcpError('SCHEMA_NOT_FOUND', `Schema not found: ${ref.schemaName}`);
    },

    async getMetricData(request: GetMetricDataRequest): Promise<MetricDataResult[]> {
      return request.queries.map((q) => {
        const name = q.dimensions.FunctionName;
        const mine = runs.filter(
          (r) => r.name === name && r.at >= request.start && r.at.getTime() <= request.end.getTime(),
        );
        let value: number | undefined;
        if (q.metricName === 'Invocations') value = mine.length;
        else if (q.metricName === 'Errors') value = mine.filter((r) => r.failed).length;
        else if (q.metricName === 'Throttles') value = 0;
        else if (q.metricName === 'Duration' && mine.length > 0) value = 1.5;
        else if (q.metricName === 'ConcurrentExecutions' && mine.length > 0) value = 1;
        return {
          id: q.id,
          timestamps: value === undefined ? [] : [request.start],
          values: value === undefined ? [] : [value],
          statusCode: 'Complete',
        };
      });
    },

    async filterLogEvents(request) {
      const events = (logs.get(request.logGroupName) ?? []).filter(
        (e) =>
          (!request.start || e.timestamp >= request.start) && (!request.end || e.timestamp <= request.end),
      );
      const terms = (request.filterPattern ?? '').match(/"[^"]+"|[^\s?"]+/g)?.map((t) => t.replace(/"/g, ''));
      const matched = terms ? events.filter((e) => terms.some((t) => e.message.includes(t))) : events;
      return { events: matched.slice(0, request.limit ?? 10_000) };
    },

    async close() {},
  };
  return backend;
}
