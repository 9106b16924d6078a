import { createRequire } from 'node:module';
import type * as OpenApiConverter from '@openapi-contrib/openapi-schema-to-json-schema';
import { LambdaMcpError } from '../errors.js';
import { isSchemaObject, resolveLocalRef, walkSchema } from './schema-walk.js';
import type { JsonSchema, SchemaDialect } from './types.js';

// The OpenAPI converter (with lodash) is loaded when the first OpenAPI 3.0 document is met: most
// servers never see one, and loading it costs about 10 ms of every start-up. It is CommonJS.
let converter: typeof OpenApiConverter | undefined;
function openapiSchemaToJsonSchema(
  ...args: Parameters<typeof OpenApiConverter.openapiSchemaToJsonSchema>
): ReturnType<typeof OpenApiConverter.openapiSchemaToJsonSchema> {
  converter ??= createRequire(import.meta.url)(
    '@openapi-contrib/openapi-schema-to-json-schema',
  ) as typeof OpenApiConverter;
  return converter.openapiSchemaToJsonSchema(...args);
}

export const JSON_SCHEMA_2020_12 = 'https://json-schema.org/draft/2020-12/schema';
const COMPONENTS_PREFIX = '#/components/schemas/';

export interface ConvertedSchema {
  schema: JsonSchema;
  dialect: SchemaDialect;
  /** Fixes that were made and things that could not be kept. */
  problems: string[];
}

function cleanNode(node: JsonSchema): void {
  for (const key of Object.keys(node)) {
    if (key.startsWith('x-amazon-')) delete node[key];
  }
  const ref = node.$ref;
  if (typeof ref === 'string' && ref.startsWith(COMPONENTS_PREFIX)) {
    node.$ref = `#/$defs/${ref.slice(COMPONENTS_PREFIX.length)}`;
  }
  // OpenAPI 3.0 (like draft-04) has boolean exclusiveMinimum/Maximum next to minimum/maximum.
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof node[flag] === 'boolean') {
      if (node[flag] === true && typeof node[bound] === 'number') {
        node[flag] = node[bound];
        delete node[bound];
      } else {
        delete node[flag];
      }
    }
  }
  // OpenAPI's single `example` becomes JSON Schema's `examples` array.
  if ('example' in node) {
    if (!Array.isArray(node.examples)) node.examples = [node.example];
    delete node.example;
  }
}

function collectRefs(schema: unknown, into: Set<string>): void {
  walkSchema(schema, (node) => {
    if (typeof node.$ref === 'string' && node.$ref.startsWith('#/$defs/')) {
      into.add(decodeURIComponent(node.$ref.slice('#/$defs/'.length).split('/')[0] ?? ''));
    }
  });
}

/**
 * Converts an EventBridge Schema Registry `OpenApi3` document into one JSON Schema 2020-12:
 * `components.schemas` become `$defs` (refs rewritten), `nullable` and the int32/int64/float/double
 * formats are handled by @openapi-contrib/openapi-schema-to-json-schema, every `x-amazon-*` key
 * is removed, and for an EventBridge event (an `AWSEvent` schema) the `detail` schema is the root:
 * what a caller supplies. Throws SCHEMA_INVALID when the document has no schemas.
 */
export function convertOpenApi3(document: unknown): ConvertedSchema {
  if (
    !isSchemaObject(document) ||
    !isSchemaObject(document.components) ||
    !isSchemaObject(document.components.schemas)
  ) {
    throw new LambdaMcpError('SCHEMA_INVALID', 'The OpenAPI document has no components.schemas to use.');
  }
  const problems: string[] = [];
  const is31 = typeof document.openapi === 'string' && document.openapi.startsWith('3.1');
  const source = document.components.schemas;
  const defs: Record<string, JsonSchema> = {};
  for (const [name, raw] of Object.entries(source)) {
    if (!isSchemaObject(raw)) {
      problems.push(`components.schemas.${name} is not a schema object; it was left open`);
      defs[name] = {};
      continue;
    }
    let converted: JsonSchema;
    if (is31) {
      converted = structuredClone(raw);
    } else {
      try {
        converted = openapiSchemaToJsonSchema(raw, {
          cloneSchema: true,
          strictMode: true,
          keepNotSupported: ['readOnly', 'writeOnly', 'deprecated', 'example'],
        }) as JsonSchema;
      } catch (error) {
        problems.push(
          `components.schemas.${name} could not be converted (${error instanceof Error ? error.message : String(error)}); it was left open`,
        );
        defs[name] = {};
        continue;
      }
    }
    delete converted.$schema;
    walkSchema(converted, cleanNode);
    defs[name] = converted;
  }

  // The root: an event's detail, else the schema named by info.title, else the only one.
  const info = isSchemaObject(document.info) ? document.info : {};
  const event = isSchemaObject(source.AWSEvent) ? source.AWSEvent : undefined;
  let rootName: string | undefined;
  let description: string | undefined;
  const detailRef =
    event && isSchemaObject(event.properties) && isSchemaObject(event.properties.detail)
      ? event.properties.detail.$ref
      : undefined;
  if (typeof detailRef === 'string' && detailRef.startsWith(COMPONENTS_PREFIX)) {
    const name = decodeURIComponent(detailRef.slice(COMPONENTS_PREFIX.length));
    if (defs[name]) {
      rootName = name;
      const src = event?.['x-amazon-events-source'];
      const type = event?.['x-amazon-events-detail-type'];
      if (typeof src === 'string' && typeof type === 'string') {
        description = `The "detail" of the EventBridge event "${type}" from source "${src}".`;
      }
    }
  }
  if (!rootName && typeof info.title === 'string' && defs[info.title]) rootName = info.title;
  const names = Object.keys(defs);
  if (!rootName && names.length === 1) rootName = names[0];
  if (!rootName && defs.AWSEvent) rootName = 'AWSEvent';
  if (!rootName) {
    problems.push(
      `the OpenAPI document has several schemas (${names.join(', ')}) and none is marked as the root (info.title); the input was left open`,
    );
    return { schema: { $schema: JSON_SCHEMA_2020_12, type: 'object' }, dialect: '2020-12', problems };
  }

  const root = structuredClone(defs[rootName] as JsonSchema);
  // Keep only the definitions the root needs (the event envelope is noise for a tool).
  const needed = new Set<string>();
  const queue = new Set<string>();
  collectRefs(root, queue);
  while (queue.size > 0) {
    const [name] = queue;
    queue.delete(name as string);
    if (name === undefined || needed.has(name)) continue;
    needed.add(name);
    const more = new Set<string>();
    collectRefs(defs[name], more);
    for (const n of more) if (!needed.has(n)) queue.add(n);
  }
  const schema: JsonSchema = { $schema: JSON_SCHEMA_2020_12, ...root };
  if (description && typeof schema.description !== 'string') schema.description = description;
  if (needed.size > 0) {
    const kept: Record<string, JsonSchema> = {};
    for (const name of [...needed].sort()) {
      if (defs[name]) kept[name] = defs[name];
      else problems.push(`reference to the missing schema "${name}"`);
    }
    schema.$defs = kept;
  }
  return { schema, dialect: '2020-12', problems };
}

/** The dialect a JSON Schema document declares, or the fallback when it declares none. */
export function detectDialect(
  schema: JsonSchema,
  fallback: SchemaDialect,
): { dialect: SchemaDialect; problem?: string } {
  const declared = schema.$schema;
  if (typeof declared !== 'string') return { dialect: fallback };
  if (declared.includes('draft-04')) return { dialect: 'draft-04' };
  if (declared.includes('draft-07')) return { dialect: 'draft-07' };
  if (declared.includes('draft-06'))
    return { dialect: 'draft-07', problem: 'draft-06 schema validated as draft-07' };
  if (declared.includes('2020-12')) return { dialect: '2020-12' };
  if (declared.includes('2019-09'))
    return { dialect: '2020-12', problem: '2019-09 schema validated as 2020-12' };
  return {
    dialect: fallback,
    problem: `unknown $schema ${JSON.stringify(declared)}; validated as ${fallback}`,
  };
}

const NON_OBJECT_KEYWORDS = [
  'items',
  'prefixItems',
  'minItems',
  'maxItems',
  'uniqueItems',
  'contains',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
];

/**
 * MCP clients reject a tool whose schema root is not `type: "object"`. An untyped root gets the
 * type added; a `$ref` root is moved into `allOf`; a root that admits other types is narrowed to
 * object; a root that is not an object schema at all is wrapped as `{ [property]: <schema> }`.
 */
export function ensureObjectRoot(
  input: unknown,
  property: string,
): { schema: JsonSchema; wrappedProperty?: string; problem?: string } {
  if (
    input === true ||
    (isSchemaObject(input) && Object.keys(input).every((k) => k === '$schema' || k === '$id'))
  ) {
    return { schema: { ...(isSchemaObject(input) ? input : {}), type: 'object' } };
  }
  if (!isSchemaObject(input)) {
    return {
      schema: { type: 'object' },
      problem: 'the schema is not an object schema (e.g. `false`); an open object is used instead',
    };
  }
  const schema: JsonSchema = { ...input };
  const type = schema.type;
  if (type === 'object') return { schema };
  if (Array.isArray(type) && type.includes('object')) {
    schema.type = 'object';
    return { schema, problem: `the root type ${JSON.stringify(type)} was narrowed to "object"` };
  }
  if (type === undefined) {
    let target: unknown = schema;
    if (typeof schema.$ref === 'string') target = resolveLocalRef(schema, schema.$ref);
    const targetType = isSchemaObject(target) ? target.type : undefined;
    const objectLike =
      isSchemaObject(target) &&
      (targetType === undefined ||
        targetType === 'object' ||
        (Array.isArray(targetType) && targetType.includes('object'))) &&
      !NON_OBJECT_KEYWORDS.some(
        (k) => k in (target as JsonSchema) && !('properties' in (target as JsonSchema)),
      ) &&
      !(Array.isArray(target.enum) && !target.enum.every(isSchemaObject)) &&
      !('const' in target && !isSchemaObject(target.const));
    if (objectLike) {
      if (typeof schema.$ref === 'string') {
        // $ref siblings are ignored before 2019-09: move the reference into allOf.
        const ref = schema.$ref;
        delete schema.$ref;
        schema.allOf = [...(Array.isArray(schema.allOf) ? schema.allOf : []), { $ref: ref }];
      }
      schema.type = 'object';
      return { schema };
    }
  }
  // Wrap: definitions stay at the root so that `#/$defs/...` and `#/definitions/...` still resolve.
  const inner: JsonSchema = { ...schema };
  const wrapper: JsonSchema = {};
  for (const key of ['$schema', '$id', 'id', '$defs', 'definitions']) {
    if (key in inner) {
      wrapper[key] = inner[key];
      delete inner[key];
    }
  }
  walkSchema(inner, (node) => {
    if (node.$ref === '#') node.$ref = `#/properties/${property}`;
  });
  Object.assign(wrapper, {
    type: 'object',
    properties: { [property]: inner },
    required: [property],
    additionalProperties: false,
  });
  return {
    schema: wrapper,
    wrappedProperty: property,
    problem: `the schema root is not an object (${JSON.stringify(type ?? 'untyped')}); it is wrapped as {"${property}": ...}`,
  };
}
