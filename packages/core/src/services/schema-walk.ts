import type { JsonSchema } from './types.js';

/** Keywords whose value is one subschema. */
const SINGLE = [
  'additionalItems',
  'additionalProperties',
  'not',
  'contains',
  'propertyNames',
  'if',
  'then',
  'else',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contentSchema',
] as const;
/** Keywords whose value is an array of subschemas. */
const ARRAY = ['allOf', 'anyOf', 'oneOf', 'prefixItems'] as const;
/** Keywords whose value maps names to subschemas. */
const MAP = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'] as const;

export function isSchemaObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Visits every schema object of a JSON Schema (or OpenAPI schema), depth first, the node before
 * its children. Property names inside `properties` and friends are never mistaken for keywords.
 */
export function walkSchema(schema: unknown, visit: (node: JsonSchema) => void): void {
  if (!isSchemaObject(schema)) return;
  visit(schema);
  for (const key of SINGLE) walkSchema(schema[key], visit);
  const items = schema.items;
  if (Array.isArray(items)) for (const item of items) walkSchema(item, visit);
  else walkSchema(items, visit);
  for (const key of ARRAY) {
    const list = schema[key];
    if (Array.isArray(list)) for (const item of list) walkSchema(item, visit);
  }
  for (const key of MAP) {
    const map = schema[key];
    if (isSchemaObject(map)) for (const value of Object.values(map)) walkSchema(value, visit);
  }
  const deps = schema.dependencies;
  if (isSchemaObject(deps))
    for (const value of Object.values(deps)) if (isSchemaObject(value)) walkSchema(value, visit);
}

/** Decodes a JSON Pointer token (`~1` -> `/`, `~0` -> `~`). */
export function decodePointerToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

export function encodePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Resolves a local `$ref` (`#`, `#/$defs/X`, `#/definitions/X`, any JSON Pointer) against the root. */
export function resolveLocalRef(root: JsonSchema, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let pointer: string;
  try {
    pointer = decodeURIComponent(ref.slice(1));
  } catch {
    return undefined;
  }
  if (pointer === '') return root;
  if (!pointer.startsWith('/')) return undefined;
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const token = decodePointerToken(raw);
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isSchemaObject(node)) node = node[token];
    else return undefined;
    if (node === undefined) return undefined;
  }
  return node;
}
