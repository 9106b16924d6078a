import { type Backend, type ResolvedSchema, silentLogger } from '@lambda-mcp/core';
import { ConfigSchema, createSchemaService } from '@lambda-mcp/core/internal';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { toToolInput, toToolOutput, wrapSchema } from '../src/tool-schema.js';

// The real core SchemaService (validate needs no backend call).
const schemas = createSchemaService({
  backend: { kind: 'none', region: 'us-east-1', scope: 'test' } as unknown as Backend,
  config: ConfigSchema.parse({}),
  logger: silentLogger,
});
const none = { kind: 'none' } as const;
const registry = {
  kind: 'registry',
  arn: 'arn:aws:schemas:us-east-1:1:schema/r/s',
  registryName: 'r',
  schemaName: 's',
  type: 'JSONSchemaDraft4',
} as const;

describe('input schemas', () => {
  it('keeps an object schema flat, with type object at the root', () => {
    const resolved: ResolvedSchema = {
      schema: { properties: { a: { type: 'string' } }, required: ['a'] },
      dialect: '2020-12',
      source: registry,
    };
    const input = toToolInput(resolved, schemas);
    expect(input.mode).toBe('flat');
    expect(input.schema).toEqual({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] });
  });

  it("shows no schema (the service's open fallback) as an open object", () => {
    const input = toToolInput({ schema: { type: 'object' }, dialect: '2020-12', source: none }, schemas);
    expect(input.mode).toBe('open');
    expect(input.resolved).toBeUndefined();
  });

  it('falls back to an open object when the schema does not compile, and says why', () => {
    const input = toToolInput(
      {
        schema: { type: 'object', properties: { a: { $ref: '#/$defs/missing' } } },
        dialect: '2020-12',
        source: registry,
      },
      schemas,
    );
    expect(input.mode).toBe('open');
    expect(input.schema).toEqual({ type: 'object' });
    expect(input.problems[0]).toContain('does not compile');
  });

  it('wraps a non-object root in payload, hoisting $defs so references still resolve', () => {
    const inner = { type: 'array', items: { $ref: '#/$defs/item' }, $defs: { item: { type: 'integer' } } };
    const wrapped = wrapSchema(inner, 'payload', 'the event');
    const validate = new Ajv({ strict: false }).compile(wrapped);
    expect(validate({ payload: [1, 2] })).toBe(true);
    expect(validate({ payload: ['x'] })).toBe(false);
    const input = toToolInput({ schema: inner, dialect: '2020-12', source: registry }, schemas);
    expect(input).toMatchObject({ mode: 'wrapped', property: 'payload', validatesWrapped: false });
  });

  it("uses the service's own wrapping when it wrapped the schema (wrappedProperty)", () => {
    const resolved: ResolvedSchema = {
      schema: { type: 'object', properties: { value: { type: 'string' } }, required: ['value'] },
      wrappedProperty: 'value',
      dialect: '2020-12',
      source: registry,
    };
    expect(toToolInput(resolved, schemas)).toMatchObject({
      mode: 'wrapped',
      property: 'value',
      validatesWrapped: true,
    });
  });
});

describe('output schemas', () => {
  it("declares an object output schema and checks values with the function's dialect", () => {
    const { output, problems } = toToolOutput(
      {
        schema: {
          $schema: 'http://json-schema.org/draft-07/schema#',
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string' } },
        },
        dialect: 'draft-07',
        source: registry,
      },
      schemas,
    );
    expect(problems).toEqual([]);
    expect(output?.schema.type).toBe('object');
    expect(output?.contract.check({ id: 'x' })).toBeUndefined();
    expect(output?.contract.check({ id: 1 })?.[0]?.path).toBe('/id');
  });

  it('wraps a non-object output schema as { result }', () => {
    const { output } = toToolOutput(
      { schema: { type: 'array', items: { type: 'number' } }, dialect: '2020-12', source: registry },
      schemas,
    );
    expect(output?.schema).toMatchObject({
      type: 'object',
      required: ['result'],
      properties: { result: { type: 'array' } },
    });
    expect(output?.contract.wrapped).toBe(true);
    expect(output?.contract.check({ result: [1, 2] })).toBeUndefined();
    expect(output?.contract.check({ result: ['a'] })?.[0]?.path).toBe('/result/0');
  });

  it('does not declare an output schema that SDK 1.x clients (draft-07 Ajv) cannot compile', () => {
    // Valid draft-04 (boolean exclusiveMinimum), but not compilable as draft-07.
    const resolved: ResolvedSchema = {
      schema: {
        $schema: 'http://json-schema.org/draft-04/schema#',
        type: 'object',
        properties: { n: { type: 'number', minimum: 0, exclusiveMinimum: true } },
      },
      dialect: 'draft-04',
      source: registry,
    };
    const { output, problems } = toToolOutput(resolved, schemas);
    expect(output).toBeUndefined();
    expect(problems[0]).toContain('SDK clients cannot compile it');
    // And the SDK client's own validator would indeed have failed on it:
    expect(() => new Ajv({ strict: false, validateSchema: false }).compile(resolved.schema)).toThrow();
  });
});
