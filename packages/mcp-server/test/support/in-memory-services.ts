/**
 * Small, honest in-memory implementations of the core service interfaces, for unit tests of the
 * tool layer: a catalog held in memory, "functions" that are plain async JS functions, and real
 * Ajv validation (2020-12 / draft-07 / draft-04 by dialect). Nothing here mocks code under test.
 */
import {
  type Backend,
  type Catalog,
  type Config,
  type ConfigInput,
  type DecodedPayload,
  type DiscoveryService,
  type FunctionInfo,
  type FunctionSchemas,
  type InvocationResult,
  type InvocationService,
  type InvokeOutcome,
  type InvokeRequest,
  isLambdaMcpError,
  LambdaMcpError,
  type MetricsReport,
  type MetricsService,
  type ResolvedSchema,
  type SchemaService,
  type Services,
  silentLogger,
  type ValidationResult,
} from '@lambda-mcp/core';
import { ConfigSchema } from '@lambda-mcp/core/internal';
import { Ajv2020 } from 'ajv/dist/2020.js';

export type Handler = (event: unknown, signal: AbortSignal | undefined) => Promise<unknown> | unknown;

export interface FakeFunction {
  info: FunctionInfo;
  handler?: Handler;
  /** Raw response bytes instead of JSON of the handler's value. */
  raw?: (event: unknown) => Uint8Array | string;
  input?: ResolvedSchema;
  output?: ResolvedSchema;
  schemaProblems?: string[];
}

export function fnInfo(name: string, extra: Partial<FunctionInfo> = {}): FunctionInfo {
  return {
    name,
    arn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
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

function decode(bytes: Uint8Array): DecodedPayload {
  if (bytes.byteLength === 0) return { kind: 'empty' };
  const text = new TextDecoder('utf-8', { fatal: true });
  let str: string;
  try {
    str = text.decode(bytes);
  } catch {
    return { kind: 'binary', base64: Buffer.from(bytes).toString('base64'), byteLength: bytes.byteLength };
  }
  try {
    return { kind: 'json', value: JSON.parse(str), text: str };
  } catch {
    return { kind: 'text', text: str };
  }
}

export interface InMemoryServices extends Services {
  setFunctions(functions: FakeFunction[]): void;
  failDiscovery(error: LambdaMcpError | undefined): void;
  invocations: InvokeRequest[];
  /** Aborted invocations, by function name. */
  aborted: string[];
}

export function createInMemoryServices(
  functions: FakeFunction[],
  configInput: ConfigInput = {},
): InMemoryServices {
  const config: Config = ConfigSchema.parse({ backend: 'local', ...configInput });
  let current = [...functions];
  let catalog: Catalog | undefined;
  let discoveryError: LambdaMcpError | undefined;
  let lastError: LambdaMcpError | undefined;
  const listeners = new Set<(c: Catalog, p: Catalog | undefined) => void>();
  const invocations: InvokeRequest[] = [];
  const aborted: string[] = [];
  let intervalTimer: NodeJS.Timeout | undefined;

  const build = (): Catalog => {
    const fns = current.map((f) => f.info).sort((a, b) => (a.name < b.name ? -1 : 1));
    return { functions: fns, generatedAt: new Date(), fingerprint: JSON.stringify(fns), source: 'live' };
  };

  const discovery: DiscoveryService = {
    async getCatalog() {
      if (catalog) return catalog;
      return this.refresh();
    },
    async refresh() {
      if (discoveryError) {
        lastError = discoveryError;
        if (catalog) return catalog;
        throw discoveryError;
      }
      lastError = undefined;
      const next = build();
      const previous = catalog;
      catalog = next;
      if (!previous || previous.fingerprint !== next.fingerprint)
        for (const l of listeners) l(next, previous);
      return next;
    },
    async resolve(nameOrArn, options) {
      const c = await this.getCatalog();
      let name = nameOrArn.trim();
      let qualifier = options?.qualifier;
      const arn = /^arn:aws:lambda:[^:]+:\d{12}:function:([^:]+)(?::(.+))?$/.exec(name);
      if (arn) {
        name = arn[1] ?? '';
        qualifier = arn[2] ?? qualifier;
      } else if (name.includes(':')) {
        const [n, q] = name.split(':');
        name = n ?? '';
        qualifier = q ?? qualifier;
      }
      const fn = c.functions.find(
        (f) => f.name === name && (f.qualifier ?? undefined) === (qualifier ?? f.qualifier),
      );
      const target = { name: fn?.name ?? name, arn: fn?.arn ?? '', ...(qualifier ? { qualifier } : {}) };
      if (!fn || (options?.authorize && !options.authorize(target)))
        throw new LambdaMcpError('FUNCTION_NOT_ALLOWED', `Function ${nameOrArn} is not allowed.`);
      return { function: fn, ...(qualifier ? { qualifier } : {}) };
    },
    async explain() {
      return { included: (await this.getCatalog()).functions, excluded: [] };
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get lastError() {
      return lastError;
    },
    setRefreshInterval(seconds) {
      if (intervalTimer) clearInterval(intervalTimer);
      intervalTimer = undefined;
      if (seconds > 0) {
        intervalTimer = setInterval(() => void discovery.refresh().catch(() => {}), seconds * 1000);
        intervalTimer.unref();
      }
    },
    async close() {
      this.setRefreshInterval(0);
    },
  };

  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const compiled = new WeakMap<ResolvedSchema, ReturnType<typeof ajv.compile>>();
  const schemas: SchemaService = {
    async getSchemas(fn): Promise<FunctionSchemas> {
      const f = current.find((x) => x.info.name === fn.name && x.info.qualifier === fn.qualifier);
      return {
        ...(f?.input ? { input: f.input } : {}),
        ...(f?.output ? { output: f.output } : {}),
        problems: f?.schemaProblems ?? [],
      };
    },
    validate(s, value): ValidationResult {
      let v = compiled.get(s);
      if (!v) {
        const { $schema: _ignored, ...rest } = s.schema;
        v = ajv.compile(rest);
        compiled.set(s, v);
      }
      if (v(value)) return { valid: true };
      return {
        valid: false,
        errors: (v.errors ?? []).map((e) => ({
          path:
            e.keyword === 'required'
              ? `${e.instancePath}/${String((e.params as { missingProperty?: string }).missingProperty)}`
              : e.instancePath,
          message: e.message ?? 'is invalid',
          keyword: e.keyword,
        })),
      };
    },
    examples(s) {
      const props = (s.schema.properties ?? {}) as Record<string, { type?: string; enum?: unknown[] }>;
      const example: Record<string, unknown> = {};
      for (const [k, p] of Object.entries(props)) {
        example[k] =
          p.enum?.[0] ??
          (p.type === 'number' || p.type === 'integer' ? 1 : p.type === 'boolean' ? true : 'x');
      }
      return [example];
    },
    describedExamples(s) {
      return schemas.examples(s).map((payload) => ({ description: 'Built from the schema.', payload }));
    },
  };

  async function invoke(
    request: InvokeRequest,
    options?: { signal?: AbortSignal; authorize?: (t: { name: string; qualifier?: string }) => boolean },
  ): Promise<InvocationResult> {
    const c = await discovery.getCatalog();
    const [name, q] = request.functionName.split(':');
    const qualifier = request.qualifier ?? q;
    const f = current.find(
      (x) => x.info.name === name && (x.info.qualifier ?? undefined) === (qualifier ?? x.info.qualifier),
    );
    const denied =
      options?.authorize && !options.authorize({ name: name ?? '', ...(qualifier ? { qualifier } : {}) });
    if (!f || denied || !c.functions.some((fn) => fn.name === name)) {
      throw new LambdaMcpError('FUNCTION_NOT_ALLOWED', `Function ${request.functionName} is not allowed.`);
    }
    if (f.input && request.validate !== false) {
      const r = schemas.validate(f.input, request.payload);
      if (!r.valid) {
        throw new LambdaMcpError('INVALID_INPUT', 'The payload does not match the input schema.', {
          details: { errors: r.errors },
        });
      }
    }
    invocations.push(request);
    const type = request.invocationType ?? 'RequestResponse';
    const base = {
      functionName: f.info.name,
      ...(qualifier ? { qualifier } : {}),
      invocationType: type,
      executedVersion: '$LATEST',
      requestId: `req-${invocations.length}`,
      elapsedMs: 1,
    };
    if (type === 'DryRun') return { ...base, statusCode: 204, payload: { kind: 'empty' } };
    if (type === 'Event') {
      void Promise.resolve(f.handler?.(request.payload, undefined)).catch(() => {});
      return { ...base, statusCode: 202, payload: { kind: 'empty' } };
    }
    const signal = options?.signal;
    if (signal?.aborted) throw new LambdaMcpError('ABORTED', 'The operation was cancelled.');
    try {
      const work = (async () => {
        if (f.raw) {
          const raw = f.raw(request.payload);
          return typeof raw === 'string' ? new TextEncoder().encode(raw) : raw;
        }
        const value = await f.handler?.(request.payload, signal);
        return new TextEncoder().encode(JSON.stringify(value ?? null));
      })();
      const bytes = signal
        ? await Promise.race([
            work,
            new Promise<never>((_, reject) =>
              signal.addEventListener(
                'abort',
                () => {
                  aborted.push(f.info.name);
                  reject(new LambdaMcpError('ABORTED', 'The operation was cancelled.'));
                },
                { once: true },
              ),
            ),
          ])
        : await work;
      const logs =
        request.logType === 'Tail'
          ? ['START RequestId: r1', 'hello from the function', 'END RequestId: r1', 'REPORT RequestId: r1']
          : undefined;
      return {
        ...base,
        statusCode: 200,
        payload: decode(bytes),
        ...(logs
          ? {
              logs,
              report: {
                durationMs: 1.5,
                billedDurationMs: 2,
                memorySizeMb: 128,
                maxMemoryUsedMb: 40,
                initDurationMs: 10,
              },
            }
          : {}),
      };
    } catch (error) {
      if (error instanceof FunctionFailure) {
        const raw = {
          errorType: error.errorType,
          errorMessage: error.message,
          trace: [`${error.errorType}: ${error.message}`, '    at handler (index.js:1:1)'],
        };
        return {
          ...base,
          statusCode: 200,
          payload: decode(new TextEncoder().encode(JSON.stringify(raw))),
          functionError: {
            kind: 'Unhandled',
            errorType: error.errorType,
            errorMessage: error.message,
            trace: raw.trace,
            raw,
          },
        };
      }
      throw error;
    }
  }

  const invocation: InvocationService = {
    invoke,
    async invokeMany(requests, options): Promise<InvokeOutcome[]> {
      return Promise.all(
        requests.map(async (request) => {
          try {
            return { ok: true as const, request, result: await invoke(request, options) };
          } catch (error) {
            if (isLambdaMcpError(error)) return { ok: false as const, request, error };
            throw error;
          }
        }),
      );
    },
  };

  const metrics: MetricsService = {
    async getMetrics(query): Promise<MetricsReport> {
      const n = invocations.filter((i) => i.functionName === query.functionName).length;
      const point = [{ timestamp: query.start.toISOString(), value: n }];
      return {
        functionName: query.functionName,
        start: query.start.toISOString(),
        end: query.end.toISOString(),
        periodSeconds: 60,
        series: {
          invocations: point,
          errors: [{ timestamp: query.start.toISOString(), value: 0 }],
          throttles: [{ timestamp: query.start.toISOString(), value: 0 }],
          duration: { average: point, p50: point, p90: point, p99: point, maximum: point },
          concurrency: [{ timestamp: query.start.toISOString(), value: 1 }],
        },
        summary: { invocations: n, errors: 0, throttles: 0, errorRate: 0 },
        ...(query.includeErrors
          ? {
              recentErrors: [{ timestamp: query.end.toISOString(), kind: 'error' as const, message: 'boom' }],
            }
          : {}),
      };
    },
    async getLogs() {
      return [];
    },
  };

  const backend = { kind: 'local', region: 'us-east-1', scope: 'test' } as unknown as Backend;

  return {
    config,
    backend,
    logger: silentLogger,
    discovery,
    invocation,
    schemas,
    metrics,
    invocations,
    aborted,
    setFunctions(next) {
      current = [...next];
    },
    failDiscovery(error) {
      discoveryError = error;
    },
    async close() {
      await discovery.close();
    },
  };
}
