import { stableStringify } from '../util/fingerprint.js';
import { isSchemaObject, resolveLocalRef } from './schema-walk.js';
import type { JsonSchema } from './types.js';

const MAX_DEPTH = 8;

const FORMAT_EXAMPLES: Record<string, string> = {
  'date-time': '2025-01-15T12:00:00Z',
  date: '2025-01-15',
  time: '12:00:00Z',
  duration: 'P1D',
  email: 'user@example.com',
  'idn-email': 'user@example.com',
  hostname: 'example.com',
  'idn-hostname': 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  uri: 'https://example.com/resource',
  'uri-reference': 'https://example.com/resource',
  iri: 'https://example.com/resource',
  'iri-reference': 'https://example.com/resource',
  'uri-template': 'https://example.com/{id}',
  url: 'https://example.com/resource',
  uuid: '123e4567-e89b-12d3-a456-426614174000',
  'json-pointer': '/example',
  'relative-json-pointer': '0',
  regex: '^example$',
  byte: 'ZXhhbXBsZQ==',
  binary: 'example',
  password: 'example-password',
};

const ALT_FORMAT_EXAMPLES: Record<string, string> = {
  'date-time': '2025-06-30T08:30:00Z',
  date: '2025-06-30',
  email: 'other@example.org',
  uuid: 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
  uri: 'https://example.org/other',
  hostname: 'example.org',
};

interface Context {
  root: JsonSchema;
  variant: number;
  /** Only required properties (a minimal example). */
  minimal: boolean;
}

/**
 * A best-effort string matching a regular expression: literals, classes (`[a-z]`, `\d`, `\w`),
 * groups with alternatives (the first is taken) and quantifiers (the minimum, at least one for `+`).
 */
export function sampleFromPattern(pattern: string): string | undefined {
  let i = 0;
  const src = pattern;
  function parseAlternation(): string {
    const alternatives: string[] = [parseSequence()];
    while (src[i] === '|') {
      i++;
      alternatives.push(parseSequence());
    }
    return alternatives[0] ?? '';
  }
  function parseSequence(): string {
    let out = '';
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      const atom = parseAtom();
      out += applyQuantifier(atom);
    }
    return out;
  }
  function applyQuantifier(atom: string): string {
    const q = src[i];
    if (q === '*' || q === '?') {
      i++;
      if (src[i] === '?') i++;
      return '';
    }
    if (q === '+') {
      i++;
      if (src[i] === '?') i++;
      return atom;
    }
    if (q === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
      if (m) {
        i += m[0].length;
        return atom.repeat(Number(m[1]));
      }
    }
    return atom;
  }
  function parseClass(): string {
    // at '['
    i++;
    const negate = src[i] === '^';
    if (negate) i++;
    const members: string[] = [];
    while (i < src.length && src[i] !== ']') {
      let ch = src[i] as string;
      if (ch === '\\') {
        i++;
        const esc = src[i] as string;
        ch = esc === 'd' ? '0' : esc === 'w' ? 'a' : esc === 's' ? ' ' : esc;
      }
      i++;
      if (src[i] === '-' && src[i + 1] !== ']' && i + 1 < src.length) {
        i += 2; // range: take its first character
      }
      members.push(ch);
    }
    i++; // ']'
    if (negate) {
      for (const c of 'aA0_x') if (!members.includes(c)) return c;
      return '~';
    }
    return members[0] ?? 'a';
  }
  function parseAtom(): string {
    const ch = src[i] as string;
    if (ch === '^' || ch === '$') {
      i++;
      return '';
    }
    if (ch === '(') {
      i++;
      if (src[i] === '?') {
        i++;
        if (src[i] === ':' || src[i] === '=' || src[i] === '!') i++;
        else if (src[i] === '<') {
          while (i < src.length && src[i] !== '>') i++;
          i++;
        }
      }
      const inner = parseAlternation();
      i++; // ')'
      return inner;
    }
    if (ch === '[') return parseClass();
    if (ch === '.') {
      i++;
      return 'a';
    }
    if (ch === '\\') {
      i++;
      const esc = src[i] as string;
      i++;
      if (esc === 'd') return '0';
      if (esc === 'w') return 'a';
      if (esc === 's') return ' ';
      if (esc === 'D' || esc === 'W' || esc === 'S') return esc === 'D' ? 'a' : esc === 'W' ? '-' : 'a';
      if (esc === 'b' || esc === 'B') return '';
      return esc;
    }
    i++;
    return ch;
  }
  try {
    const out = parseAlternation();
    return new RegExp(pattern, 'u').test(out) ? out : undefined;
  } catch {
    return undefined;
  }
}

function deref(schema: JsonSchema, ctx: Context, seen: Set<string>): JsonSchema | undefined {
  let node: JsonSchema = schema;
  let hops = 0;
  while (typeof node.$ref === 'string') {
    const ref = node.$ref;
    if (seen.has(ref) || hops++ > 20) return undefined;
    const target = resolveLocalRef(ctx.root, ref);
    if (target === true) return {};
    if (!isSchemaObject(target)) return undefined;
    const { $ref: _ignored, ...rest } = node;
    node = { ...target, ...rest };
  }
  return node;
}

/** Merges allOf branches into one schema (properties and required united). */
function mergeAllOf(schema: JsonSchema, ctx: Context, seen: Set<string>): JsonSchema {
  if (!Array.isArray(schema.allOf)) return schema;
  const { allOf, ...base } = schema;
  let merged: JsonSchema = { ...base };
  for (const branch of allOf as unknown[]) {
    if (!isSchemaObject(branch)) continue;
    const resolved = deref(branch, ctx, seen);
    if (!resolved) continue;
    const b = mergeAllOf(resolved, ctx, seen);
    merged = {
      ...b,
      ...merged,
      properties: {
        ...(isSchemaObject(b.properties) ? b.properties : {}),
        ...(isSchemaObject(merged.properties) ? merged.properties : {}),
      },
      required: [
        ...new Set([
          ...(Array.isArray(b.required) ? b.required : []),
          ...(Array.isArray(merged.required) ? merged.required : []),
        ]),
      ],
    };
  }
  return merged;
}

function pickType(schema: JsonSchema, ctx: Context): string | undefined {
  const t = schema.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const nonNull = t.filter((x) => x !== 'null');
    return (
      (nonNull[ctx.variant % Math.max(nonNull.length, 1)] as string | undefined) ??
      (t[0] as string | undefined)
    );
  }
  if (isSchemaObject(schema.properties) || Array.isArray(schema.required)) return 'object';
  if (schema.items !== undefined || schema.prefixItems !== undefined) return 'array';
  if (
    typeof schema.minLength === 'number' ||
    typeof schema.pattern === 'string' ||
    typeof schema.format === 'string'
  ) {
    return 'string';
  }
  if (typeof schema.minimum === 'number' || typeof schema.maximum === 'number') return 'number';
  return undefined;
}

const DESCRIPTION_EXAMPLE =
  /\b(?:e\.g\.|eg\.|for example|example:|such as)\s*[:,]?\s*[`'"]?([^\s`'",;)]+[^\s`'",;).])/gi;

/**
 * Values a property's description offers as examples ("The customer's id, e.g. CUST-0001."), kept only
 * when they satisfy the string's own pattern and length bounds: a value the author wrote beats one
 * generated from the pattern (which may be valid yet unknown to the function, like CUST-0000).
 */
export function exampleFromDescription(schema: JsonSchema, variant = 0): string | undefined {
  if (typeof schema.description !== 'string') return undefined;
  const found: string[] = [];
  for (const m of schema.description.matchAll(DESCRIPTION_EXAMPLE)) {
    const value = m[1] as string;
    if (typeof schema.pattern === 'string') {
      try {
        if (!new RegExp(schema.pattern, 'u').test(value)) continue;
      } catch {
        continue;
      }
    } else if (typeof schema.format === 'string') continue; // a format's sample is safer than prose
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) continue;
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) continue;
    if (!found.includes(value)) found.push(value);
  }
  return found.length > 0 ? found[variant % found.length] : undefined;
}

function genNumber(schema: JsonSchema, integer: boolean, ctx: Context): number {
  let min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  let max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  const step = integer ? 1 : 0.5;
  if (typeof schema.exclusiveMinimum === 'number')
    min = Math.max(min ?? -Infinity, schema.exclusiveMinimum + step);
  else if (schema.exclusiveMinimum === true && min !== undefined) min += step;
  if (typeof schema.exclusiveMaximum === 'number')
    max = Math.min(max ?? Infinity, schema.exclusiveMaximum - step);
  else if (schema.exclusiveMaximum === true && max !== undefined) max -= step;
  const multiple =
    typeof schema.multipleOf === 'number' && schema.multipleOf > 0 ? schema.multipleOf : undefined;
  let value: number;
  const preferred = ctx.variant % 2 === 0 ? 1 : 10;
  if (min !== undefined && max !== undefined)
    value = ctx.variant % 2 === 0 ? min : Math.min(max, min + preferred);
  else if (min !== undefined) value = ctx.variant % 2 === 0 ? min : min + preferred;
  else if (max !== undefined) value = Math.min(max, preferred);
  else value = preferred;
  if (integer) value = Math.ceil(value);
  if (multiple) {
    value = Math.ceil(value / multiple) * multiple;
    if (max !== undefined && value > max) value = Math.floor(max / multiple) * multiple;
    if (integer && !Number.isInteger(value)) value = Math.round(value);
  }
  if (Math.abs(value) > Number.MAX_SAFE_INTEGER) value = Math.sign(value) * Number.MAX_SAFE_INTEGER;
  return value;
}

function genString(schema: JsonSchema, ctx: Context, hint: string): string {
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  let value: string | undefined;
  if (typeof schema.format === 'string') {
    value =
      (ctx.variant % 2 === 1 ? ALT_FORMAT_EXAMPLES[schema.format] : undefined) ??
      FORMAT_EXAMPLES[schema.format];
  }
  if (value === undefined) value = exampleFromDescription(schema, ctx.variant);
  if (value === undefined && typeof schema.pattern === 'string') value = sampleFromPattern(schema.pattern);
  if (value === undefined) {
    const base = hint && /^[A-Za-z_][\w-]*$/.test(hint) ? `example-${hint}` : 'example';
    value = ctx.variant === 0 ? base : `${base}-${ctx.variant}`;
  }
  if (value.length < minLength) value = value + 'x'.repeat(minLength - value.length);
  if (value.length > maxLength) value = value.slice(0, maxLength);
  return value;
}

function gen(schemaIn: unknown, ctx: Context, depth: number, hint: string, seen: Set<string>): unknown {
  if (schemaIn === true || schemaIn === undefined) return ctx.variant % 2 === 0 ? 'example' : 1;
  if (!isSchemaObject(schemaIn)) return undefined;
  if (depth > MAX_DEPTH) return undefined;
  const refSeen = new Set(seen);
  if (typeof schemaIn.$ref === 'string') refSeen.add(schemaIn.$ref);
  const resolved = deref(schemaIn, ctx, seen);
  if (!resolved) return undefined;
  const schema = mergeAllOf(resolved, ctx, refSeen);

  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0)
    return schema.enum[ctx.variant % schema.enum.length];
  if (Array.isArray(schema.examples) && schema.examples.length > 0 && depth > 0) {
    return schema.examples[ctx.variant % schema.examples.length];
  }
  if ('default' in schema && (ctx.variant === 0 || ctx.minimal) && depth > 0) return schema.default;
  const branches = Array.isArray(schema.oneOf)
    ? schema.oneOf
    : Array.isArray(schema.anyOf)
      ? schema.anyOf
      : undefined;
  if (branches && branches.length > 0) {
    const { oneOf: _o, anyOf: _a, ...rest } = schema;
    const branch = branches[ctx.variant % branches.length];
    const merged = isSchemaObject(branch) ? { ...rest, ...branch } : branch;
    return gen(merged, ctx, depth + 1, hint, refSeen);
  }

  const type = pickType(schema, ctx);
  switch (type) {
    case 'null':
      return null;
    case 'boolean':
      return ctx.variant % 2 === 0;
    case 'integer':
      return genNumber(schema, true, ctx);
    case 'number':
      return genNumber(schema, false, ctx);
    case 'string':
      return genString(schema, ctx, hint);
    case 'array': {
      const out: unknown[] = [];
      const prefix = Array.isArray(schema.prefixItems)
        ? schema.prefixItems
        : Array.isArray(schema.items)
          ? schema.items
          : [];
      const rest = Array.isArray(schema.items)
        ? schema.additionalItems
        : schema.items !== undefined
          ? schema.items
          : schema.prefixItems !== undefined
            ? undefined
            : true;
      const minItems = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const maxItems = typeof schema.maxItems === 'number' ? schema.maxItems : Infinity;
      for (const item of prefix) {
        if (out.length >= maxItems) break;
        out.push(gen(item, ctx, depth + 1, hint, refSeen));
      }
      const want = Math.min(maxItems, Math.max(minItems, ctx.minimal ? 0 : out.length > 0 ? out.length : 1));
      let i = 0;
      while (out.length < want && rest !== undefined && rest !== false && i < 100) {
        const itemCtx = { ...ctx, variant: ctx.variant + i };
        out.push(gen(rest, itemCtx, depth + 1, hint, refSeen));
        i++;
      }
      if (schema.contains !== undefined && out.length < maxItems)
        out.push(gen(schema.contains, ctx, depth + 1, hint, refSeen));
      return out.filter((v) => v !== undefined);
    }
    case 'object':
    case undefined: {
      if (type === undefined && depth > 0 && !isSchemaObject(schema.properties)) {
        return ctx.variant % 2 === 0 ? 'example' : 1;
      }
      const out: Record<string, unknown> = {};
      const properties = isSchemaObject(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required)
        ? (schema.required as unknown[]).filter((r) => typeof r === 'string')
        : [];
      const keys =
        ctx.minimal || depth >= MAX_DEPTH - 2
          ? (required as string[])
          : [...new Set([...(required as string[]), ...Object.keys(properties)])];
      for (const key of keys) {
        const sub =
          key in properties
            ? properties[key]
            : schema.additionalProperties !== false
              ? (schema.additionalProperties ?? true)
              : true;
        const value = gen(sub, ctx, depth + 1, key, refSeen);
        if (value !== undefined) out[key] = value;
        else if (required.includes(key)) return undefined;
      }
      const minProperties = typeof schema.minProperties === 'number' ? schema.minProperties : 0;
      let n = 0;
      while (Object.keys(out).length < minProperties && schema.additionalProperties !== false && n < 50) {
        out[`extra${n}`] = gen(schema.additionalProperties ?? true, ctx, depth + 1, `extra${n}`, refSeen);
        n++;
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** An example payload and where it comes from (the seed's `examples: [{description, payload}]`). */
export interface DescribedExample {
  description: string;
  payload: unknown;
}

/**
 * Example payloads with a description each: the schema's own `examples` and `default` first, then
 * generated ones (every property, then required properties only), each kept only when `isValid`
 * accepts it, without duplicates. Generated values prefer the schema's `examples`, `default`, `enum`
 * and the examples its descriptions give over values made up from a pattern.
 */
export function generateDescribedExamples(
  schema: JsonSchema,
  count: number,
  isValid: (value: unknown) => boolean,
): DescribedExample[] {
  const out: DescribedExample[] = [];
  const seen = new Set<string>();
  const add = (value: unknown, description: string) => {
    if (value === undefined || out.length >= count) return;
    const key = stableStringify(value);
    if (seen.has(key)) return;
    if (!isValid(value)) return;
    seen.add(key);
    out.push({ description, payload: value });
  };
  if (Array.isArray(schema.examples)) {
    for (const [i, example] of schema.examples.entries()) {
      add(example, `Example ${i + 1} given by the schema${titleOf(schema)}.`);
    }
  }
  if ('default' in schema) add(schema.default, `The schema's default value${titleOf(schema)}.`);
  for (let variant = 0; variant < Math.max(4, count * 3) && out.length < count; variant++) {
    for (const minimal of [false, true]) {
      add(
        gen(schema, { root: schema, variant, minimal }, 0, '', new Set()),
        minimal
          ? 'Only the required properties, built from the schema (its examples, defaults and enums first).'
          : 'Every property filled in, built from the schema (its examples, defaults and enums first).',
      );
    }
  }
  return out;
}

function titleOf(schema: JsonSchema): string {
  return typeof schema.title === 'string' && schema.title.length <= 80 ? ` (${schema.title})` : '';
}

/**
 * Example payloads for a schema: its own `examples` first, then generated ones (all properties,
 * then required only, in a few variants), each kept only when `isValid` accepts it, without duplicates.
 */
export function generateExamples(
  schema: JsonSchema,
  count: number,
  isValid: (value: unknown) => boolean,
): unknown[] {
  return generateDescribedExamples(schema, count, isValid).map((e) => e.payload);
}
