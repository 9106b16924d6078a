import type { ErrorObject, ValidateFunction } from 'ajv';
import AjvDraft07Import from 'ajv';
import Ajv2020Import from 'ajv/dist/2020.js';
import AjvDraft04Import from 'ajv-draft-04';
import addFormatsImport from 'ajv-formats';
import { LambdaMcpError } from '../errors.js';
import { fingerprint } from '../util/fingerprint.js';
import { storedMetaValidator, usePrecompiledMetaSchema } from './schema-meta.js';
import { encodePointerToken, isSchemaObject } from './schema-walk.js';
import type { FieldError, JsonSchema, SchemaDialect, ValidationResult } from './types.js';

// These packages are CommonJS with `exports.default`; depending on the loader the default import
// is the class itself or the module object. Take whichever is the constructor.
export type AjvInstance = InstanceType<typeof AjvDraft07Import.default>;
type AjvClass = new (options: Record<string, unknown>) => AjvInstance;
function interop<T>(mod: unknown): T {
  const m = mod as { default?: unknown };
  return (typeof m === 'function' ? m : m.default) as T;
}
const AjvDraft07 = interop<AjvClass>(AjvDraft07Import);
const AjvDraft04 = interop<AjvClass>(AjvDraft04Import);
const Ajv2020 = interop<AjvClass>(Ajv2020Import);
const addFormats = interop<(ajv: AjvInstance) => AjvInstance>(addFormatsImport);

const MAX_ERRORS = 50;

/** OpenAPI numeric formats, which ajv-formats does not know. */
const NUMBER_FORMATS: Record<string, (n: number) => boolean> = {
  int32: (n) => Number.isInteger(n) && n >= -(2 ** 31) && n <= 2 ** 31 - 1,
  int64: (n) => Number.isInteger(n),
  float: (n) => Number.isFinite(n),
  double: (n) => Number.isFinite(n),
};

export interface CreateAjvOptions {
  /**
   * Check schemas against the meta-schema with the precompiled validator (schema-meta.ts) instead
   * of compiling the meta-schema (default true). False gives Ajv's own behaviour, for comparisons.
   */
  precompiledMeta?: boolean;
  /** Ajv `code` options (the meta-validator generator needs `source: true`). */
  code?: Record<string, unknown>;
}

/** The Ajv instance used for a dialect. Internal (exported for the meta-validator tests). */
export function createAjv(dialect: SchemaDialect, options: CreateAjvOptions = {}): AjvInstance {
  const Ctor = dialect === 'draft-04' ? AjvDraft04 : dialect === 'draft-07' ? AjvDraft07 : Ajv2020;
  const precompiledMeta = options.precompiledMeta ?? true;
  // strict:false: registry schemas carry unknown keywords and formats; logger:false: library code never prints.
  const ajv = new Ctor({
    strict: false,
    allErrors: true,
    logger: false,
    validateFormats: true,
    ...(precompiledMeta ? { defaultMeta: storedMetaValidator(dialect).metaSchemaId } : {}),
    ...(options.code ? { code: options.code } : {}),
  });
  addFormats(ajv);
  for (const [name, validate] of Object.entries(NUMBER_FORMATS))
    ajv.addFormat(name, { type: 'number', validate });
  if (precompiledMeta) usePrecompiledMetaSchema(ajv, dialect);
  return ajv;
}

function describe(error: ErrorObject): FieldError {
  const params = error.params as Record<string, unknown>;
  const at = (name: unknown) => `${error.instancePath}/${encodePointerToken(String(name))}`;
  switch (error.keyword) {
    case 'required':
    case 'dependencies':
    case 'dependentRequired':
      return { path: at(params.missingProperty), message: 'is required', keyword: error.keyword };
    case 'additionalProperties':
      return {
        path: at(params.additionalProperty),
        message: 'is not an allowed property',
        keyword: error.keyword,
      };
    case 'unevaluatedProperties':
      return {
        path: at(params.unevaluatedProperty),
        message: 'is not an allowed property (unevaluated)',
        keyword: error.keyword,
      };
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues)
        ? (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')
        : '';
      return { path: error.instancePath, message: `must be one of ${allowed}`, keyword: error.keyword };
    }
    case 'const':
      return {
        path: error.instancePath,
        message: `must be ${JSON.stringify(params.allowedValue)}`,
        keyword: error.keyword,
      };
    default:
      return {
        path: error.instancePath,
        message: error.message ?? `fails "${error.keyword}"`,
        keyword: error.keyword,
      };
  }
}

export interface FormatFieldErrorsOptions {
  /**
   * `inline` (default): one line, `/a/b: must be string; /c: is required`, at most `limit` errors.
   * `list`: a line each, `- /a/b: must be string [type]`, every error (what a tool result shows).
   */
  style?: 'inline' | 'list';
  /** `inline` only (default 10). */
  limit?: number;
}

/** Formats field errors for a message: one line (`inline`) or one line each (`list`). */
export function formatFieldErrors(
  errors: readonly FieldError[],
  options: number | FormatFieldErrorsOptions = {},
): string {
  const { style = 'inline', limit = 10 } = typeof options === 'number' ? { limit: options } : options;
  const at = (e: FieldError) => (e.path === '' ? '(root)' : e.path);
  if (style === 'list') {
    return errors.map((e) => `- ${at(e)}: ${e.message}${e.keyword ? ` [${e.keyword}]` : ''}`).join('\n');
  }
  const shown = errors.slice(0, limit).map((e) => `${at(e)}: ${e.message}`);
  if (errors.length > limit) shown.push(`and ${errors.length - limit} more`);
  return shown.join('; ');
}

/**
 * Compiles validators once per dialect and schema content, and reuses them: a WeakMap by schema
 * object identity in front of a Map by content hash.
 */
export interface SchemaValidator {
  /** Throws SCHEMA_INVALID when the schema does not compile. */
  compile(schema: JsonSchema, dialect: SchemaDialect): ValidateFunction;
  validate(schema: JsonSchema, dialect: SchemaDialect, value: unknown): ValidationResult;
}

export function createSchemaValidator(): SchemaValidator {
  const instances = new Map<SchemaDialect, AjvInstance>();
  const byIdentity = new WeakMap<JsonSchema, { dialect: SchemaDialect; fn: ValidateFunction }>();
  const byContent = new Map<string, ValidateFunction>();

  function compile(schema: JsonSchema, dialect: SchemaDialect): ValidateFunction {
    const known = byIdentity.get(schema);
    if (known && known.dialect === dialect) return known.fn;
    const key = `${dialect}:${fingerprint(schema, 64)}`;
    let fn = byContent.get(key);
    if (!fn) {
      let ajv = instances.get(dialect);
      if (!ajv) {
        ajv = createAjv(dialect);
        instances.set(dialect, ajv);
      }
      // The instance fixes the dialect, so the declared $schema is not needed (draft-06 and 2019-09
      // are compiled by their successors). A schema id seen before with other content is replaced.
      const copy: JsonSchema = { ...schema };
      delete copy.$schema;
      const id = dialect === 'draft-04' ? (copy.id ?? copy.$id) : copy.$id;
      if (typeof id === 'string') ajv.removeSchema(id);
      try {
        fn = ajv.compile(copy);
      } catch (error) {
        throw new LambdaMcpError(
          'SCHEMA_INVALID',
          `The schema does not compile as ${dialect}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
      byContent.set(key, fn);
    }
    byIdentity.set(schema, { dialect, fn });
    return fn;
  }

  return {
    compile,
    validate(schema, dialect, value) {
      const fn = compile(schema, dialect);
      if (fn(value)) return { valid: true };
      const seen = new Set<string>();
      const errors: FieldError[] = [];
      for (const raw of fn.errors ?? []) {
        // oneOf/anyOf report their branches' errors and then their own; keep all, once.
        const e = describe(raw);
        const k = `${e.path}\u0000${e.message}`;
        if (seen.has(k)) continue;
        seen.add(k);
        errors.push(e);
        if (errors.length >= MAX_ERRORS) break;
      }
      return { valid: false, errors };
    },
  };
}

export { isSchemaObject };
