/**
 * Precompiled meta-schema validators for the three Ajv dialect instances.
 *
 * Before Ajv compiles a schema it checks it against its dialect's meta-schema, and the first such
 * check compiles the meta-schema itself: 20-50 ms per dialect (draft-04, draft-07, 2020-12) on a
 * small machine, most of what a server spends on schemas before its first `tools/list`. The same
 * validation code, generated once by Ajv's standalone mode with the same Ajv version and options,
 * is stored in schema-meta-validators.json and used instead. test/services/schema-meta.test.ts
 * fails when the stored code is not what the installed Ajv generates (regenerate it with
 * `UPDATE_META_VALIDATORS=1 pnpm --filter @lambda-mcp/core exec vitest run schema-meta`), and
 * checks that both give the same verdicts and messages.
 */
import type { ErrorObject } from 'ajv';
import equalImport from 'ajv/dist/runtime/equal.js';
import stored from './schema-meta-validators.json' with { type: 'json' };
import type { SchemaDialect } from './types.js';

export interface MetaValidatorSource {
  /** The meta-schema id the Ajv instance uses by default (its `defaultMeta()`). */
  metaSchemaId: string;
  /** CommonJS module text from `ajv/dist/standalone` (exports the validate function). */
  source: string;
}

export interface MetaValidatorsFile {
  /** The Ajv version that generated the code. */
  ajvVersion: string;
  validators: Record<SchemaDialect, MetaValidatorSource>;
}

export type MetaValidate = ((schema: unknown) => boolean) & { errors?: ErrorObject[] | null };

const STORED = stored as MetaValidatorsFile;

function interop<T>(mod: unknown): T {
  const m = mod as { default?: unknown };
  return (typeof m === 'function' ? m : m.default) as T;
}

/** The Ajv runtime helpers that standalone code may `require`. */
export const META_RUNTIME: Readonly<Record<string, unknown>> = {
  'ajv/dist/runtime/equal': { default: interop<unknown>(equalImport) },
};

/** The stored meta-schema validator source for a dialect. */
export function storedMetaValidator(dialect: SchemaDialect): MetaValidatorSource {
  return STORED.validators[dialect];
}

/** Turns standalone module text into its validate function. */
export function loadMetaValidator(source: string): MetaValidate {
  const module: { exports: unknown } = { exports: {} };
  const requireRuntime = (id: string): unknown => {
    if (!(id in META_RUNTIME)) throw new Error(`meta-schema validator requires unknown module ${id}`);
    return META_RUNTIME[id];
  };
  // Ajv itself turns generated code into functions the same way (new Function).
  new Function('module', 'exports', 'require', source)(module, module.exports, requireRuntime);
  return interop<MetaValidate>(module.exports);
}

interface MetaCheckedAjv {
  errors?: ErrorObject[] | null;
  errorsText(errors?: ErrorObject[] | null): string;
  validateSchema(schema: unknown, throwOrLogError?: boolean): boolean | Promise<unknown>;
}

/**
 * Makes `ajv` check schemas that declare no `$schema` with the precompiled validator of its
 * default meta-schema, exactly where and how Ajv's own `validateSchema` would (same errors, same
 * message); anything else goes to Ajv's own method. The instance must have been created with
 * `defaultMeta: storedMetaValidator(dialect).metaSchemaId`, so that Ajv never compiles its meta-schema
 * just to find out which one is the default.
 */
export function usePrecompiledMetaSchema(ajv: MetaCheckedAjv, dialect: SchemaDialect): void {
  const own = ajv.validateSchema.bind(ajv);
  let validate: MetaValidate | undefined;
  ajv.validateSchema = (schema: unknown, throwOrLogError?: boolean) => {
    if (typeof schema !== 'object' || schema === null || '$schema' in schema) {
      return own(schema, throwOrLogError);
    }
    validate ??= loadMetaValidator(storedMetaValidator(dialect).source);
    const valid = validate(schema);
    ajv.errors = validate.errors ?? null;
    if (!valid && throwOrLogError) throw new Error(`schema is invalid: ${ajv.errorsText()}`);
    return valid;
  };
}
