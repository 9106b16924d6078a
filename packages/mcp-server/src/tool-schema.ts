import type { FieldError, ResolvedSchema, SchemaService } from '@lambda-mcp/core';
import type { OutputContract } from './result.js';
import type { JsonObject } from './types.js';

/** How a per-function tool takes its arguments. */
export type InputMode =
  /** The schema's root is an object: the tool's arguments are the event. */
  | 'flat'
  /** The schema's root is not an object (array, string ...): the event goes in `payload`. */
  | 'wrapped'
  /** No usable schema: an open object, passed as the event. */
  | 'open';

export interface ToolInput {
  mode: InputMode;
  schema: JsonObject;
  /** Present for `flat` and `wrapped`: the schema the arguments are validated with. */
  resolved?: ResolvedSchema;
  /** `wrapped`: the argument that carries the event. */
  property?: string;
  /**
   * `wrapped` only: true when `resolved` validates the whole arguments object (the SchemaService
   * wrapped the schema itself, `wrappedProperty`), false when it validates the event alone.
   */
  validatesWrapped?: boolean;
  problems: string[];
}

export const OPEN_OBJECT_SCHEMA: JsonObject = Object.freeze({ type: 'object' }) as JsonObject;

const HOISTED = ['$schema', '$defs', 'definitions'] as const;

function rootType(schema: JsonObject): 'object' | 'other' | 'unknown' {
  const t = schema.type;
  if (t === 'object') return 'object';
  if (Array.isArray(t)) return t.includes('object') ? 'object' : 'other';
  if (typeof t === 'string') return 'other';
  return 'unknown';
}

/**
 * Wraps a non-object schema as one property of an object schema. `$defs`/`definitions` and
 * `$schema` move to the new root so `#/$defs/...` references still resolve (unless the inner
 * schema has its own `$id`, which scopes its references to itself).
 */
export function wrapSchema(inner: JsonObject, property: string, description: string): JsonObject {
  const moved: JsonObject = {};
  const rest: JsonObject = { ...inner };
  if (!('$id' in inner)) {
    for (const key of HOISTED) {
      if (key in rest) {
        moved[key] = rest[key];
        delete rest[key];
      }
    }
  } else if ('$schema' in rest) {
    moved.$schema = rest.$schema;
    delete rest.$schema;
  }
  return {
    ...('$schema' in moved ? { $schema: moved.$schema } : {}),
    type: 'object',
    properties: { [property]: { description, ...rest } },
    required: [property],
    additionalProperties: false,
    ...('$defs' in moved ? { $defs: moved.$defs } : {}),
    ...('definitions' in moved ? { definitions: moved.definitions } : {}),
  };
}

/** The property the SchemaService wraps a non-object input root in (core's `ensureObjectRoot`). */
const SERVICE_INPUT_WRAPPER = 'input';

/** The wrapper object schema with its one property renamed (and the references into it). */
function renameWrapper(schema: JsonObject, from: string, to: string): JsonObject {
  if (from === to) return schema;
  const properties = (schema.properties ?? {}) as JsonObject;
  const { [from]: inner, ...others } = properties;
  const pointer = `#/properties/${from}`;
  const fix = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(fix);
    if (typeof node !== 'object' || node === null) return node;
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(node as JsonObject)) {
      out[k] =
        k === '$ref' && typeof v === 'string' && (v === pointer || v.startsWith(`${pointer}/`))
          ? `#/properties/${to}${v.slice(pointer.length)}`
          : fix(v);
    }
    return out;
  };
  return {
    ...schema,
    properties: { ...others, [to]: fix(inner) },
    ...(Array.isArray(schema.required)
      ? { required: (schema.required as unknown[]).map((r) => (r === from ? to : r)) }
      : {}),
  };
}

function compiles(schemas: SchemaService, resolved: ResolvedSchema): string | undefined {
  try {
    schemas.validate(resolved, {});
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * The tool's inputSchema for a function's input schema: the real schema with flat arguments and
 * `type: "object"` at the root; a non-object root wrapped in `payload`; an open object when there
 * is no schema or it does not compile.
 */
/** The SchemaService's stand-in for "no schema": an open object with no source. */
export function isOpenFallback(resolved: ResolvedSchema | undefined): boolean {
  if (!resolved) return true;
  if (resolved.source.kind !== 'none') return false;
  const keys = Object.keys(resolved.schema).filter((k) => k !== '$schema');
  return keys.length === 0 || (keys.length === 1 && resolved.schema.type === 'object');
}

export function toToolInput(resolved: ResolvedSchema | undefined, schemas: SchemaService): ToolInput {
  if (!resolved || isOpenFallback(resolved))
    return { mode: 'open', schema: OPEN_OBJECT_SCHEMA, problems: [] };
  const problem = compiles(schemas, resolved);
  if (problem) {
    return {
      mode: 'open',
      schema: OPEN_OBJECT_SCHEMA,
      problems: [`The input schema does not compile (${problem}); the tool accepts any object.`],
    };
  }
  const schema = resolved.schema;
  if (resolved.wrappedProperty) {
    // The SchemaService wraps a non-object input root as {"input": ...} for validation; a tool
    // takes that event in "payload", as every wrapped tool does (the event's own schema inside).
    const property =
      resolved.wrappedProperty === SERVICE_INPUT_WRAPPER ? 'payload' : resolved.wrappedProperty;
    return {
      mode: 'wrapped',
      schema: renameWrapper({ ...schema, type: 'object' }, resolved.wrappedProperty, property),
      resolved,
      property,
      validatesWrapped: true,
      problems: [],
    };
  }
  const kind = rootType(schema);
  if (kind === 'other') {
    return {
      mode: 'wrapped',
      schema: wrapSchema(
        schema,
        'payload',
        "The function's event (its input schema's root is not an object).",
      ),
      resolved,
      property: 'payload',
      validatesWrapped: false,
      problems: [],
    };
  }
  // Object or untyped root (properties, allOf, $ref ...): say object at the root, as clients require.
  return { mode: 'flat', schema: { ...schema, type: 'object' }, resolved, problems: [] };
}

export interface ToolOutput {
  schema: JsonObject;
  contract: OutputContract;
}

/**
 * The tool's outputSchema for a function's output schema, or a problem. A non-object root is
 * wrapped as `{ result }` (the results are wrapped the same way). The schema is declared only if
 * an SDK 1.x client can compile it: such clients compile every outputSchema in `tools/list`, and
 * one that fails breaks the whole list for them.
 */
export function toToolOutput(
  resolved: ResolvedSchema | undefined,
  schemas: SchemaService,
): { output?: ToolOutput; problems: string[] } {
  if (!resolved) return { problems: [] };
  const problem = compiles(schemas, resolved);
  if (problem)
    return { problems: [`The output schema does not compile (${problem}); no outputSchema is declared.`] };
  const serviceWrapped = resolved.wrappedProperty !== undefined;
  const selfWrapped = !serviceWrapped && rootType(resolved.schema) === 'other';
  const property = resolved.wrappedProperty ?? 'result';
  const schema = selfWrapped
    ? wrapSchema(
        resolved.schema,
        property,
        "The function's result (its output schema's root is not an object).",
      )
    : { ...resolved.schema, type: 'object' };
  // SDK 1.x clients compile every outputSchema with a draft-07 Ajv: check that it compiles as
  // draft-07 too, with the SchemaService's own validator (no second Ajv setup here).
  // (A draft-07 schema that compiled above needs no second look.)
  const { $schema: _dialect, ...asDraft07 } = schema;
  const message =
    resolved.dialect === 'draft-07' && !selfWrapped
      ? undefined
      : compiles(schemas, { schema: asDraft07, dialect: 'draft-07', source: { kind: 'none' } });
  if (message) {
    return {
      problems: [
        `The output schema is not declared to clients because MCP SDK clients cannot compile it (${message}).`,
      ],
    };
  }
  const check = (value: JsonObject): FieldError[] | undefined => {
    const r = schemas.validate(resolved, selfWrapped ? value[property] : value);
    if (r.valid) return undefined;
    return selfWrapped ? r.errors.map((e) => ({ ...e, path: `/${property}${e.path}` })) : r.errors;
  };
  const wrapped = serviceWrapped || selfWrapped;
  return { output: { schema, contract: { wrapped, property, check } }, problems: [] };
}

/** A one-line summary of an object schema's fields, for generated descriptions. */
export function summarizeFields(schema: JsonObject, limit = 12): string | undefined {
  const properties = schema.properties;
  if (typeof properties !== 'object' || properties === null) return undefined;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as unknown[]).map(String) : []);
  const entries = Object.entries(properties as Record<string, unknown>);
  if (entries.length === 0) return undefined;
  const parts = entries.slice(0, limit).map(([name, prop]) => {
    const p = (typeof prop === 'object' && prop !== null ? prop : {}) as JsonObject;
    const type = Array.isArray(p.type) ? p.type.join('|') : typeof p.type === 'string' ? p.type : undefined;
    const enumValues = Array.isArray(p.enum)
      ? `one of ${p.enum.map((v) => JSON.stringify(v)).join(', ')}`
      : undefined;
    const what = [type, enumValues].filter(Boolean).join(', ');
    return `${name}${what ? ` (${what}${required.has(name) ? ', required' : ''})` : required.has(name) ? ' (required)' : ''}`;
  });
  return `${parts.join('; ')}${entries.length > limit ? `; and ${entries.length - limit} more` : ''}`;
}
