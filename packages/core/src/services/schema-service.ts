import type { Backend } from '../backend.js';
import type { Config } from '../config/schema.js';
import { LambdaMcpError, toLambdaMcpError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { CallOptions, FunctionInfo, RawSchemaDocument, SchemaRef } from '../types.js';
import { raceSignal } from '../util/abort.js';
import { convertOpenApi3, detectDialect, ensureObjectRoot, JSON_SCHEMA_2020_12 } from './schema-convert.js';
import { generateDescribedExamples } from './schema-examples.js';
import { createSchemaValidator, type SchemaValidator } from './schema-validator.js';
import { isSchemaObject } from './schema-walk.js';
import type { FunctionSchemas, JsonSchema, ResolvedSchema, SchemaService } from './types.js';

const SCHEMA_ARN =
  /^arn:(aws[a-z-]*):schemas:([a-z0-9-]+):(\d{12}):schema\/([.\-_A-Za-z0-9]+)\/([^/\s]+)(?:\/([^/\s]+))?$/;

/**
 * Parses `arn:aws:schemas:<region>:<account>:schema/<registry>/<name>[/<version>]`. Throws
 * SCHEMA_INVALID naming what is expected.
 */
export function parseSchemaArn(arn: string): SchemaRef {
  const m = SCHEMA_ARN.exec(typeof arn === 'string' ? arn.trim() : '');
  if (!m) {
    throw new LambdaMcpError(
      'SCHEMA_INVALID',
      `${JSON.stringify(String(arn).slice(0, 200))} is not a schema ARN: expected arn:aws:schemas:<region>:<account>:schema/<registry>/<name>[/<version>].`,
    );
  }
  const ref: SchemaRef = {
    registryName: m[4] as string,
    schemaName: m[5] as string,
    region: m[2] as string,
    accountId: m[3] as string,
  };
  if (m[6] !== undefined) ref.schemaVersion = m[6];
  return ref;
}

/** The open object a tool falls back to when a function has no usable input schema. */
export function openObjectSchema(): ResolvedSchema {
  return { schema: { type: 'object' }, dialect: '2020-12', source: { kind: 'none' } };
}

type Role = 'input' | 'output';

interface Entry {
  at: number;
  promise: Promise<{ resolved?: ResolvedSchema; problems: string[]; code?: string }>;
}

export interface SchemaServiceOptions {
  backend: Backend;
  config: Config;
  logger: Logger;
  validator?: SchemaValidator;
  now?: () => number;
}

/** Turns a registry document into the schema a tool shows, compiled and checked. */
export function resolveSchemaDocument(
  doc: RawSchemaDocument,
  arn: string,
  role: Role,
  validator: SchemaValidator,
): { resolved: ResolvedSchema; problems: string[] } {
  const problems: string[] = [];
  let content: unknown;
  try {
    content = JSON.parse(doc.content);
  } catch (error) {
    throw new LambdaMcpError(
      'SCHEMA_INVALID',
      `the schema content is not JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  let schema: JsonSchema;
  let dialect: ResolvedSchema['dialect'];
  const isOpenApi =
    doc.type === 'OpenApi3' ||
    (isSchemaObject(content) && typeof content.openapi === 'string' && !('$schema' in content));
  if (isOpenApi) {
    const converted = convertOpenApi3(content);
    schema = converted.schema;
    dialect = converted.dialect;
    problems.push(...converted.problems);
  } else {
    if (!isSchemaObject(content) && typeof content !== 'boolean') {
      throw new LambdaMcpError('SCHEMA_INVALID', 'the schema content is not a JSON Schema object');
    }
    const obj: JsonSchema = isSchemaObject(content) ? content : {};
    const detected = detectDialect(obj, doc.type === 'JSONSchemaDraft4' ? 'draft-04' : '2020-12');
    dialect = detected.dialect;
    if (detected.problem) problems.push(detected.problem);
    schema = isSchemaObject(content) ? content : content === true ? {} : { not: {} };
  }
  const fixed = ensureObjectRoot(schema, role === 'input' ? 'input' : 'result');
  if (fixed.problem) problems.push(fixed.problem);
  const resolved: ResolvedSchema = {
    schema: fixed.schema,
    dialect,
    source: {
      kind: 'registry',
      arn: doc.schemaArn || arn,
      registryName: doc.registryName,
      schemaName: doc.schemaName,
      type: doc.type,
      ...(doc.schemaVersion ? { version: doc.schemaVersion } : {}),
    },
  };
  if (fixed.wrappedProperty) resolved.wrappedProperty = fixed.wrappedProperty;
  validator.compile(resolved.schema, dialect); // throws SCHEMA_INVALID
  return { resolved, problems };
}

export function createSchemaService(options: SchemaServiceOptions): SchemaService {
  const { backend, config } = options;
  const logger = options.logger.child({ component: 'schemas' });
  const validator = options.validator ?? createSchemaValidator();
  const now = options.now ?? Date.now;
  const cache = new Map<string, Entry>();
  const ttlMs = () => config.cacheTtlSeconds * 1000;

  async function load(arn: string, role: Role, version: string | undefined) {
    const label = `${role} schema ${arn}`;
    try {
      const ref = parseSchemaArn(arn);
      if (version !== undefined) ref.schemaVersion = version;
      const doc = await backend.describeSchema(ref);
      const { resolved, problems } = resolveSchemaDocument(doc, arn, role, validator);
      return { resolved, problems: problems.map((p) => `${label}: ${p}`) };
    } catch (error) {
      const err = toLambdaMcpError(error, 'SCHEMA_INVALID');
      const problem = `${label}: ${err.code === 'SCHEMA_NOT_FOUND' ? 'not found' : err.code}: ${err.message}; ${
        role === 'input' ? 'the input is an open object' : 'no output schema is used'
      }`;
      logger.warn('schema unavailable', { arn, role, code: err.code, error: err.message });
      return { problems: [problem], code: err.code };
    }
  }

  function get(arn: string, role: Role, version: string | undefined) {
    const key = `${role}\u0000${arn}\u0000${version ?? ''}`;
    const hit = cache.get(key);
    if (hit && now() - hit.at < ttlMs()) return hit.promise;
    const entry: Entry = { at: now(), promise: load(arn, role, version) };
    cache.set(key, entry);
    if (cache.size > 10_000) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    return entry.promise;
  }

  /** The error for a schema version that cannot be read, naming the version that can. */
  async function unknownVersion(fn: FunctionInfo, version: string, code: string | undefined) {
    if (!fn.inputSchemaArn) {
      return new LambdaMcpError(
        'SCHEMA_NOT_FOUND',
        `${fn.name} has no input schema in a registry, so it has no schema version ${JSON.stringify(version)}; leave schema_version out.`,
        { details: { version } },
      );
    }
    if (code !== undefined && code !== 'SCHEMA_NOT_FOUND') {
      return new LambdaMcpError(
        'SCHEMA_INVALID',
        `Version ${JSON.stringify(version)} of the input schema of ${fn.name} could not be used (${code}).`,
        { details: { version } },
      );
    }
    const latest = await get(fn.inputSchemaArn, 'input', undefined);
    const latestVersion =
      latest.resolved?.source.kind === 'registry' ? latest.resolved.source.version : undefined;
    const known =
      latestVersion === undefined
        ? 'no version of it can be read either'
        : latestVersion === '1'
          ? 'the only version is 1'
          : /^\d+$/.test(latestVersion)
            ? `existing versions are numbered up to ${latestVersion}, the latest (registry versions count up from 1; older ones may have been deleted)`
            : `the latest version is ${latestVersion}`;
    return new LambdaMcpError(
      'SCHEMA_NOT_FOUND',
      `The input schema of ${fn.name} has no version ${JSON.stringify(version)}: ${known}. Leave schema_version out for the latest.`,
      { details: { version, ...(latestVersion ? { latestVersion } : {}) } },
    );
  }

  function describedExamples(schema: ResolvedSchema, count = 3) {
    if (!Number.isInteger(count) || count < 0 || count > 100) {
      throw new LambdaMcpError(
        'INVALID_REQUEST',
        `Invalid example count ${count}: expected an integer from 0 to 100.`,
      );
    }
    const fn = validator.compile(schema.schema, schema.dialect);
    return generateDescribedExamples(schema.schema, count, (value) => fn(value) === true);
  }

  return {
    async getSchemas(
      fn: FunctionInfo,
      opts: CallOptions & { version?: string } = {},
    ): Promise<FunctionSchemas> {
      const problems: string[] = [];
      const result: FunctionSchemas = { problems };
      const [input, output] = await raceSignal(
        Promise.all([
          fn.inputSchemaArn ? get(fn.inputSchemaArn, 'input', opts.version) : undefined,
          fn.outputSchemaArn ? get(fn.outputSchemaArn, 'output', undefined) : undefined,
        ]),
        opts.signal,
      );
      if (opts.version !== undefined && !input?.resolved) {
        throw await unknownVersion(fn, opts.version, input?.code);
      }
      result.input = input?.resolved ?? openObjectSchema();
      if (input) problems.push(...input.problems);
      if (output?.resolved) result.output = output.resolved;
      if (output) problems.push(...output.problems);
      return result;
    },
    validate(schema: ResolvedSchema, value: unknown) {
      return validator.validate(schema.schema, schema.dialect, value);
    },
    examples(schema: ResolvedSchema, count = 3) {
      return describedExamples(schema, count).map((e) => e.payload);
    },
    describedExamples,
  };
}

export { JSON_SCHEMA_2020_12 };
