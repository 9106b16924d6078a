import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';
import { isErrorCode } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { convertOpenApi3, ensureObjectRoot } from '../../src/services/schema-convert.js';
import { sampleFromPattern } from '../../src/services/schema-examples.js';
import { createSchemaService, parseSchemaArn } from '../../src/services/schema-service.js';
import { createSchemaValidator } from '../../src/services/schema-validator.js';
import type { JsonSchema, ResolvedSchema, SchemaDialect } from '../../src/services/types.js';
import type { FunctionInfo, RawSchemaDocument } from '../../src/types.js';
import { createMemoryBackend, fn, type MemoryBackend } from './memory-backend.js';

const describeFixture = JSON.parse(
  readFileSync(`${process.env.AWS_FIXTURES_DIR}/schemas-describe-schema.json`, 'utf8'),
) as Record<
  string,
  { SchemaArn: string; SchemaName: string; SchemaVersion: string; Type: string; Content: string }
>;

const ARN = (name: string) => `arn:aws:schemas:us-east-1:123456789012:schema/test-registry/${name}`;

function addSchema(
  backend: MemoryBackend,
  name: string,
  content: unknown,
  type = 'JSONSchemaDraft4',
  registry = 'test-registry',
): string {
  const doc: RawSchemaDocument = {
    registryName: registry,
    schemaName: name,
    schemaArn: `arn:aws:schemas:us-east-1:123456789012:schema/${registry}/${name}`,
    schemaVersion: '1',
    type,
    content: typeof content === 'string' ? content : JSON.stringify(content),
  };
  backend.schemas.set(`${registry}/${name}`, doc);
  return doc.schemaArn as string;
}

function withFixtures(backend: MemoryBackend): Record<string, string> {
  const arns: Record<string, string> = {};
  for (const [key, entry] of Object.entries(describeFixture)) {
    const [registry] = key.split('/') as [string];
    arns[key] = addSchema(backend, entry.SchemaName, entry.Content, entry.Type, registry);
    const doc = backend.schemas.get(`${registry}/${entry.SchemaName}`) as RawSchemaDocument;
    if (entry.SchemaArn) doc.schemaArn = entry.SchemaArn;
    doc.schemaVersion = entry.SchemaVersion;
  }
  return arns;
}

function service(backend: MemoryBackend, now?: () => number) {
  return createSchemaService({
    backend,
    config: ConfigSchema.parse({ cacheTtlSeconds: 60 }),
    logger: silentLogger,
    ...(now ? { now } : {}),
  });
}

function info(name: string, inputSchemaArn?: string, outputSchemaArn?: string): FunctionInfo {
  return {
    ...fn(name),
    tags: {},
    ...(inputSchemaArn ? { inputSchemaArn } : {}),
    ...(outputSchemaArn ? { outputSchemaArn } : {}),
  };
}

function resolved(schema: JsonSchema, dialect: SchemaDialect): ResolvedSchema {
  return {
    schema,
    dialect,
    source: { kind: 'registry', arn: ARN('x'), registryName: 'r', schemaName: 'x', type: 'JSONSchemaDraft4' },
  };
}

describe('OpenApi3 from the Schema Registry (recorded DescribeSchema responses)', () => {
  it('turns the aws.ssm event into its detail schema, 2020-12, object root, no x-amazon keys', async () => {
    const backend = createMemoryBackend();
    const arns = withFixtures(backend);
    const schemas = service(backend);
    const out = await schemas.getSchemas(info('f', arns['aws.events/aws.ssm@ParameterStoreChange']));
    const input = out.input as ResolvedSchema;
    expect(out.problems).toEqual([]);
    expect(input.dialect).toBe('2020-12');
    expect(input.schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['name', 'type', 'operation'],
    });
    expect(Object.keys(input.schema.properties as object)).toEqual([
      'description',
      'fromVersion',
      'label',
      'name',
      'operation',
      'toVersion',
      'type',
    ]);
    expect(JSON.stringify(input.schema)).not.toContain('x-amazon-');
    expect(input.schema.description).toContain('Parameter Store Change');
    expect(input.source).toMatchObject({
      kind: 'registry',
      registryName: 'aws.events',
      schemaName: 'aws.ssm@ParameterStoreChange',
      version: '1',
      type: 'OpenApi3',
    });
    expect(schemas.validate(input, { name: 'p', type: 'String', operation: 'Update' })).toEqual({
      valid: true,
    });
    expect(schemas.validate(input, { name: 'p', type: 'String' })).toEqual({
      valid: false,
      errors: [{ path: '/operation', message: 'is required', keyword: 'required' }],
    });
  });

  it('keeps nested $ref schemas of a discovered event as $defs with rewritten references', async () => {
    const backend = createMemoryBackend();
    const arns = withFixtures(backend);
    const schemas = service(backend);
    const out = await schemas.getSchemas(info('f', arns['discovered-schemas/order@NewOrder']));
    const input = out.input as ResolvedSchema;
    expect(input.schema.required).toEqual(['productId', 'orderId', 'customer']);
    expect((input.schema.properties as Record<string, JsonSchema>).customer).toEqual({
      $ref: '#/$defs/Customer',
    });
    expect(Object.keys(input.schema.$defs as object)).toEqual(['Customer']); // the AWSEvent envelope is pruned
    expect(input.source).toMatchObject({
      arn: 'arn:aws:schemas:us-east-1:434418839121:schema/discovered-schemas/order@NewOrder',
      version: '9',
    });
    const customer = { zip: '1', country: 'NL', firstName: 'A', lastName: 'B', city: 'C', street: 'D' };
    expect(schemas.validate(input, { productId: 'p', orderId: 'o', customer })).toEqual({ valid: true });
    const bad = schemas.validate(input, {
      productId: 'p',
      orderId: 5,
      customer: { ...customer, zip: undefined },
    });
    expect(bad).toEqual({
      valid: false,
      errors: [
        { path: '/customer/zip', message: 'is required', keyword: 'required' },
        { path: '/orderId', message: 'must be string', keyword: 'type' },
      ],
    });
    const examples = schemas.examples(input, 3);
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) expect(schemas.validate(input, example)).toEqual({ valid: true });
  });
});

describe('convertOpenApi3', () => {
  const doc = (schemas: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    openapi: '3.0.0',
    info: { title: 'Root', version: '1' },
    paths: {},
    components: { schemas },
    ...extra,
  });

  it('handles nullable, int32/int64/float/double, boolean exclusive bounds and example', () => {
    const { schema, problems } = convertOpenApi3(
      doc({
        Root: {
          type: 'object',
          'x-amazon-foo': 1,
          properties: {
            note: { type: 'string', nullable: true, example: 'hi' },
            small: { type: 'integer', format: 'int32' },
            big: { type: 'integer', format: 'int64' },
            ratio: { type: 'number', format: 'double', minimum: 0, exclusiveMinimum: true },
            f: { type: 'number', format: 'float' },
            'x-amazon-name': { type: 'string' },
            kind: { type: 'string', enum: ['a', 'b'], nullable: true },
          },
        },
      }),
    );
    expect(problems).toEqual([]);
    const p = schema.properties as Record<string, JsonSchema>;
    expect(p.note).toEqual({ type: ['string', 'null'], examples: ['hi'] });
    expect(p.small).toMatchObject({
      type: 'integer',
      format: 'int32',
      minimum: -(2 ** 31),
      maximum: 2 ** 31 - 1,
    });
    expect(p.big).toMatchObject({ type: 'integer', format: 'int64' });
    expect(p.ratio).toEqual({
      type: 'number',
      format: 'double',
      exclusiveMinimum: 0,
      maximum: Number.MAX_VALUE,
    });
    expect(p.f).toMatchObject({ minimum: -(2 ** 128) });
    expect(p.kind).toEqual({ type: ['string', 'null'], enum: ['a', 'b', null] });
    // A property that is *named* x-amazon-... is data, not a keyword: it stays.
    expect(p['x-amazon-name']).toEqual({ type: 'string' });
    expect(schema['x-amazon-foo']).toBeUndefined();
    const v = createSchemaValidator();
    expect(v.validate(schema, '2020-12', { small: 2 ** 31 }).valid).toBe(false);
    expect(v.validate(schema, '2020-12', { ratio: 0 }).valid).toBe(false);
    expect(v.validate(schema, '2020-12', { ratio: 0.1, note: null, kind: null }).valid).toBe(true);
  });

  it('keeps OpenAPI 3.1 schemas (already JSON Schema) apart from references and x-amazon keys', () => {
    const { schema } = convertOpenApi3(
      doc(
        {
          Root: {
            type: 'object',
            properties: { a: { type: ['string', 'null'] }, b: { $ref: '#/components/schemas/B' } },
          },
          B: { type: 'integer', 'x-amazon-k': 1 },
        },
        { openapi: '3.1.0' },
      ),
    );
    expect(schema.properties).toEqual({ a: { type: ['string', 'null'] }, b: { $ref: '#/$defs/B' } });
    expect(schema.$defs).toEqual({ B: { type: 'integer' } });
  });

  it('reports a document without a recognisable root and one without schemas', () => {
    const { schema, problems } = convertOpenApi3(
      doc({ A: { type: 'object' }, B: { type: 'object' } }, { info: { title: 'C' } }),
    );
    expect(schema.type).toBe('object');
    expect(problems[0]).toMatch(/several schemas \(A, B\) and none is marked as the root/);
    expect(() => convertOpenApi3({ openapi: '3.0.0' })).toThrow(/no components\.schemas/);
  });

  it('reports a schema the converter refuses and leaves it open', () => {
    const { problems } = convertOpenApi3(
      doc({ Root: { type: 'object', properties: { a: { type: 'strng' } } } }),
    );
    expect(problems[0]).toMatch(/components\.schemas\.Root could not be converted/);
  });
});

describe('schema dialects', () => {
  const v = createSchemaValidator();

  it('draft-04: boolean exclusiveMinimum, id/definitions, errors at the field', async () => {
    const backend = createMemoryBackend();
    const arn = addSchema(backend, 'd4', {
      $schema: 'http://json-schema.org/draft-04/schema#',
      id: 'urn:test:d4',
      type: 'object',
      required: ['qty', 'address'],
      properties: {
        qty: { type: 'integer', minimum: 0, exclusiveMinimum: true },
        address: { $ref: '#/definitions/address' },
      },
      definitions: {
        address: {
          type: 'object',
          required: ['city'],
          properties: { city: { type: 'string', minLength: 1 } },
        },
      },
    });
    const schemas = service(backend);
    const input = (await schemas.getSchemas(info('f', arn))).input as ResolvedSchema;
    expect(input.dialect).toBe('draft-04');
    expect(schemas.validate(input, { qty: 1, address: { city: 'x' } })).toEqual({ valid: true });
    const bad = schemas.validate(input, { qty: 0, address: { city: '' } });
    expect(bad.valid).toBe(false);
    expect(bad.valid === false && bad.errors.map((e) => [e.path, e.keyword, e.message])).toEqual([
      ['/qty', 'minimum', 'must be > 0'],
      ['/address/city', 'minLength', 'must NOT have fewer than 1 characters'],
    ]);
  });

  it('JSONSchemaDraft4 content without $schema is validated as draft-04', async () => {
    const backend = createMemoryBackend();
    const arn = addSchema(backend, 'plain', {
      type: 'object',
      properties: { n: { type: 'number', maximum: 10, exclusiveMaximum: true } },
    });
    const schemas = service(backend);
    const input = (await schemas.getSchemas(info('f', arn))).input as ResolvedSchema;
    expect(input.dialect).toBe('draft-04');
    expect(schemas.validate(input, { n: 10 }).valid).toBe(false);
    expect(schemas.validate(input, { n: 9.9 }).valid).toBe(true);
  });

  it('draft-07: if/then/else, const and contains, errors at the field', () => {
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { kind: { type: 'string' }, tags: { type: 'array', contains: { const: 'x' } } },
      if: { properties: { kind: { const: 'paid' } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keyword
      then: { required: ['amount'] },
      else: { not: { required: ['amount'] } },
    };
    expect(v.validate(schema, 'draft-07', { kind: 'paid', amount: 1, tags: ['x'] })).toEqual({ valid: true });
    const bad = v.validate(schema, 'draft-07', { kind: 'paid', tags: ['y'] });
    expect(bad.valid === false && bad.errors.map((e) => `${e.path} ${e.keyword}`)).toEqual([
      '/amount required',
      ' if',
      '/tags/0 const',
      '/tags contains',
    ]);
  });

  it('2020-12: prefixItems and unevaluatedProperties behave as 2020-12 says (and not as draft-07 would)', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        point: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }], items: false },
      },
      allOf: [{ properties: { name: { type: 'string' } } }],
      unevaluatedProperties: false,
    };
    expect(v.validate(schema, '2020-12', { point: [1, 2], name: 'a' })).toEqual({ valid: true });
    const extra = v.validate(schema, '2020-12', { point: [1, 2, 3] });
    expect(extra.valid === false && extra.errors[0]).toMatchObject({ path: '/point', keyword: 'items' });
    const wrongType = v.validate(schema, '2020-12', { point: ['a', 2] });
    expect(wrongType.valid === false && wrongType.errors[0]).toMatchObject({
      path: '/point/0',
      message: 'must be number',
    });
    const unevaluated = v.validate(schema, '2020-12', { name: 'a', other: 1 });
    expect(unevaluated).toEqual({
      valid: false,
      errors: [
        {
          path: '/other',
          message: 'is not an allowed property (unevaluated)',
          keyword: 'unevaluatedProperties',
        },
      ],
    });
    // prefixItems means nothing to draft-07: proof that the dialect is honoured.
    const tuple = {
      type: 'object',
      properties: { point: { type: 'array', prefixItems: [{ type: 'number' }] } },
    };
    expect(v.validate(tuple, 'draft-07', { point: ['a'] }).valid).toBe(true);
    expect(v.validate(tuple, '2020-12', { point: ['a'] }).valid).toBe(false);
  });

  it('2020-12: numeric exclusiveMinimum, dependentRequired and $defs references', () => {
    const schema = {
      type: 'object',
      properties: { n: { type: 'number', exclusiveMinimum: 5 }, card: { $ref: '#/$defs/card' } },
      dependentRequired: { card: ['billing'] },
      $defs: { card: { type: 'string', pattern: '^[0-9]{4}$' } },
    };
    expect(v.validate(schema, '2020-12', { n: 6, card: '1234', billing: 'x' })).toEqual({ valid: true });
    const bad = v.validate(schema, '2020-12', { n: 5, card: '12' });
    expect(bad.valid === false && bad.errors.map((e) => `${e.path} ${e.keyword}`)).toEqual([
      '/n exclusiveMinimum',
      '/card pattern',
      '/billing dependentRequired',
    ]);
  });

  it('formats are checked (ajv-formats) and enum errors name the allowed values', () => {
    const schema = {
      type: 'object',
      properties: { when: { type: 'string', format: 'date-time' }, out: { enum: ['json', 'csv'] } },
    };
    const bad = v.validate(schema, '2020-12', { when: 'yesterday', out: 'xml' });
    expect(bad).toEqual({
      valid: false,
      errors: [
        { path: '/when', message: 'must match format "date-time"', keyword: 'format' },
        { path: '/out', message: 'must be one of "json", "csv"', keyword: 'enum' },
      ],
    });
  });

  it('compiles each schema once (by identity and by content)', () => {
    const validator = createSchemaValidator();
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    const first = validator.compile(schema, '2020-12');
    expect(validator.compile(schema, '2020-12')).toBe(first);
    expect(validator.compile(structuredClone(schema), '2020-12')).toBe(first);
    expect(validator.compile(schema, 'draft-07')).not.toBe(first);
  });

  it('replaces a schema whose $id was seen with other content', () => {
    const validator = createSchemaValidator();
    const a = validator.validate(
      { $id: 'https://example.com/x.json', type: 'object', required: ['a'] },
      '2020-12',
      {},
    );
    const b = validator.validate(
      { $id: 'https://example.com/x.json', type: 'object', required: ['b'] },
      '2020-12',
      { b: 1 },
    );
    expect(a.valid).toBe(false);
    expect(b.valid).toBe(true);
  });
});

describe('object roots', () => {
  it('wraps a non-object root and reports it', async () => {
    const backend = createMemoryBackend();
    const arn = addSchema(backend, 's', {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'string',
      minLength: 2,
    });
    const schemas = service(backend);
    const out = await schemas.getSchemas(info('f', arn));
    const input = out.input as ResolvedSchema;
    expect(input.wrappedProperty).toBe('input');
    expect(input.schema).toMatchObject({
      type: 'object',
      required: ['input'],
      properties: { input: { type: 'string', minLength: 2 } },
    });
    expect(out.problems[0]).toMatch(
      /root is not an object \("string"\); it is wrapped as \{"input": \.\.\.\}/,
    );
    expect(schemas.validate(input, { input: 'ok' })).toEqual({ valid: true });
    expect(schemas.validate(input, { input: 'x' }).valid).toBe(false);
  });

  it('adds type object to an untyped root, moves a $ref root into allOf, narrows [object, null]', () => {
    expect(ensureObjectRoot({ properties: { a: {} } }, 'input')).toEqual({
      schema: { properties: { a: {} }, type: 'object' },
    });
    const ref = ensureObjectRoot(
      { $ref: '#/definitions/A', definitions: { A: { type: 'object', required: ['x'] } } },
      'input',
    );
    expect(ref.schema).toEqual({
      definitions: { A: { type: 'object', required: ['x'] } },
      allOf: [{ $ref: '#/definitions/A' }],
      type: 'object',
    });
    expect(createSchemaValidator().validate(ref.schema, 'draft-07', {}).valid).toBe(false);
    const nullable = ensureObjectRoot({ type: ['object', 'null'] }, 'input');
    expect(nullable.schema.type).toBe('object');
    expect(nullable.problem).toMatch(/narrowed/);
    expect(ensureObjectRoot(true, 'input').schema).toEqual({ type: 'object' });
    expect(ensureObjectRoot({ enum: ['a', 'b'] }, 'result').wrappedProperty).toBe('result');
    const arrayRoot = ensureObjectRoot(
      { type: 'array', items: { $ref: '#/$defs/I' }, $defs: { I: { type: 'integer' } } },
      'input',
    );
    expect(createSchemaValidator().validate(arrayRoot.schema, '2020-12', { input: [1, 2] }).valid).toBe(true);
    expect(createSchemaValidator().validate(arrayRoot.schema, '2020-12', { input: ['x'] }).valid).toBe(false);
  });
});

describe('SchemaService failures never break the catalog', () => {
  const cases: [string, (b: MemoryBackend) => string, RegExp][] = [
    [
      'a tag value that is not a schema ARN',
      () => 'not-an-arn',
      /input schema not-an-arn: SCHEMA_INVALID: .*expected arn:aws:schemas:<region>:<account>:schema\/<registry>\/<name>/,
    ],
    [
      'a schema the registry does not have',
      () => ARN('missing'),
      /not found: Schema missing does not exist\.; the input is an open object/,
    ],
    [
      'content that is not JSON',
      (b) => addSchema(b, 'broken', '{oops'),
      /SCHEMA_INVALID: the schema content is not JSON/,
    ],
    [
      'a schema that does not compile',
      (b) => addSchema(b, 'bad', { type: 'object', properties: { a: { type: 'strng' } } }),
      /SCHEMA_INVALID: The schema does not compile as draft-04/,
    ],
    [
      'an unresolvable $ref',
      (b) =>
        addSchema(b, 'dangling', {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          type: 'object',
          properties: { a: { $ref: '#/$defs/none' } },
        }),
      /does not compile as 2020-12: can't resolve reference/,
    ],
  ];
  it.each(cases)('%s: open object and a problem', async (_what, setup, expected) => {
    const backend = createMemoryBackend();
    const arn = setup(backend);
    const out = await service(backend).getSchemas(info('f', arn));
    expect(out.input).toEqual({ schema: { type: 'object' }, dialect: '2020-12', source: { kind: 'none' } });
    expect(out.problems).toHaveLength(1);
    expect(out.problems[0]).toMatch(expected);
  });

  it('a backend failure is a problem too, and an output schema failure leaves output absent', async () => {
    const backend = createMemoryBackend();
    const inArn = addSchema(backend, 'in', { type: 'object' });
    backend.failures.describeSchema = Object.assign(new Error('connect ECONNREFUSED'), {});
    const out = await service(backend).getSchemas(info('f', inArn, ARN('out')));
    expect(out.output).toBeUndefined();
    expect(out.problems).toEqual([
      expect.stringMatching(/^input schema .*ECONNREFUSED/),
      expect.stringMatching(/^output schema .*no output schema is used$/),
    ]);
  });

  it('a function without schema tags gets an open input and no problems', async () => {
    const out = await service(createMemoryBackend()).getSchemas(info('f'));
    expect(out).toEqual({
      input: { schema: { type: 'object' }, dialect: '2020-12', source: { kind: 'none' } },
      problems: [],
    });
  });
});

describe('SchemaService caching and versions', () => {
  it('reads a schema once within the TTL, again after it, and passes a version', async () => {
    let clock = 0;
    const backend = createMemoryBackend();
    const arn = addSchema(backend, 'c', { type: 'object' });
    backend.schemas.set('test-registry/c@4', {
      ...(backend.schemas.get('test-registry/c') as RawSchemaDocument),
      schemaVersion: '4',
    });
    const schemas = service(backend, () => clock);
    await Promise.all([schemas.getSchemas(info('f', arn)), schemas.getSchemas(info('g', arn))]);
    expect(backend.calls.describeSchema).toHaveLength(1);
    clock += 61_000;
    await schemas.getSchemas(info('f', arn));
    expect(backend.calls.describeSchema).toHaveLength(2);
    const v4 = await schemas.getSchemas(info('f', arn), { version: '4' });
    expect(backend.calls.describeSchema[2]).toMatchObject({
      registryName: 'test-registry',
      schemaName: 'c',
      schemaVersion: '4',
    });
    expect(v4.input?.source).toMatchObject({ version: '4' });
  });

  it('parses schema ARNs with and without a version', () => {
    expect(
      parseSchemaArn('arn:aws:schemas:us-east-1:123456789012:schema/discovered-schemas/order@NewOrder'),
    ).toEqual({
      registryName: 'discovered-schemas',
      schemaName: 'order@NewOrder',
      region: 'us-east-1',
      accountId: '123456789012',
    });
    expect(
      parseSchemaArn(
        'arn:aws:schemas:eu-west-1:123456789012:schema/aws.events/aws.ssm@ParameterStoreChange/3',
      ).schemaVersion,
    ).toBe('3');
    expect(() => parseSchemaArn('arn:aws:lambda:us-east-1:123456789012:function:f')).toThrow(
      /is not a schema ARN/,
    );
  });
});

describe('examples', () => {
  const v = createSchemaValidator();
  const schemas = service(createMemoryBackend());
  const cases: [string, JsonSchema, SchemaDialect][] = [
    [
      'the analytics request',
      {
        type: 'object',
        required: ['data_source', 'output_format'],
        properties: {
          data_source: { type: 'string', enum: ['customer-analytics', 'sales'] },
          filters: {
            type: 'object',
            properties: {
              date_range: {
                type: 'object',
                properties: {
                  start: { type: 'string', format: 'date' },
                  end: { type: 'string', format: 'date' },
                },
                required: ['start'],
              },
              regions: {
                type: 'array',
                items: { type: 'string', pattern: '^[a-z]{2}-[a-z]+$' },
                minItems: 1,
                uniqueItems: true,
              },
            },
          },
          output_format: { type: 'string', enum: ['json', 'csv'], default: 'json' },
          limit: { type: 'integer', minimum: 1, maximum: 1000, multipleOf: 10 },
        },
        additionalProperties: false,
      },
      '2020-12',
    ],
    [
      'numbers with exclusive bounds',
      {
        type: 'object',
        required: ['a', 'b'],
        properties: {
          a: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
          b: { type: 'integer', minimum: -5, maximum: -3 },
        },
      },
      '2020-12',
    ],
    [
      'draft-04 exclusive bounds',
      {
        type: 'object',
        required: ['n'],
        properties: { n: { type: 'integer', minimum: 10, exclusiveMinimum: true } },
      },
      'draft-04',
    ],
    [
      'oneOf and anyOf',
      {
        type: 'object',
        required: ['shape'],
        properties: {
          shape: {
            oneOf: [
              {
                type: 'object',
                required: ['r'],
                properties: { r: { type: 'number', minimum: 1 } },
                additionalProperties: false,
              },
              {
                type: 'object',
                required: ['w', 'h'],
                properties: { w: { type: 'number' }, h: { type: 'number' } },
                additionalProperties: false,
              },
            ],
          },
          id: { anyOf: [{ type: 'string', format: 'uuid' }, { type: 'integer' }] },
        },
      },
      '2020-12',
    ],
    [
      'recursive $defs',
      {
        type: 'object',
        required: ['root'],
        properties: { root: { $ref: '#/$defs/node' } },
        $defs: {
          node: {
            type: 'object',
            required: ['value'],
            properties: {
              value: { type: 'string' },
              children: { type: 'array', items: { $ref: '#/$defs/node' } },
            },
          },
        },
      },
      '2020-12',
    ],
    [
      'draft-07 definitions and const',
      {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        required: ['v', 'who'],
        properties: { v: { const: 2 }, who: { $ref: '#/definitions/person' } },
        definitions: {
          person: {
            type: 'object',
            required: ['email'],
            properties: { email: { type: 'string', format: 'email' }, age: { type: 'integer', minimum: 18 } },
          },
        },
      },
      'draft-07',
    ],
    [
      'prefixItems tuples',
      {
        type: 'object',
        required: ['point'],
        properties: {
          point: {
            type: 'array',
            prefixItems: [{ type: 'number' }, { type: 'string', minLength: 3 }],
            items: false,
            minItems: 2,
          },
        },
      },
      '2020-12',
    ],
    [
      'allOf, minProperties and nullable types',
      {
        type: 'object',
        allOf: [
          { required: ['a'], properties: { a: { type: ['string', 'null'], maxLength: 3 } } },
          { required: ['b'], properties: { b: { type: 'boolean' } } },
        ],
        minProperties: 3,
        additionalProperties: { type: ['integer', 'string', 'boolean', 'null'] },
      },
      '2020-12',
    ],
    [
      'formats',
      {
        type: 'object',
        required: ['t', 'u', 'ip', 'h', 'd'],
        properties: {
          t: { type: 'string', format: 'date-time' },
          u: { type: 'string', format: 'uri' },
          ip: { type: 'string', format: 'ipv4' },
          h: { type: 'string', format: 'hostname' },
          d: { type: 'string', format: 'duration' },
        },
      },
      '2020-12',
    ],
    [
      'OpenAPI numeric formats',
      {
        type: 'object',
        required: ['i'],
        properties: {
          i: { type: 'integer', format: 'int32', minimum: -(2 ** 31), maximum: 2 ** 31 - 1 },
          d: { type: 'number', format: 'double' },
        },
      },
      '2020-12',
    ],
    [
      'declared examples',
      { type: 'object', examples: [{ q: 'from the schema' }], properties: { q: { type: 'string' } } },
      '2020-12',
    ],
  ];
  it.each(cases)('%s: every example validates', (_name, schema, dialect) => {
    const examples = schemas.examples(resolved(schema, dialect), 3);
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples)
      expect(v.validate(schema, dialect, example), JSON.stringify(example)).toEqual({ valid: true });
    expect(new Set(examples.map((e) => JSON.stringify(e))).size).toBe(examples.length);
  });

  it('puts a schema’s own examples first and refuses a silly count', () => {
    const schema = {
      type: 'object',
      examples: [{ q: 'from the schema' }],
      properties: { q: { type: 'string' } },
    };
    expect(schemas.examples(resolved(schema, '2020-12'), 2)[0]).toEqual({ q: 'from the schema' });
    expect(() => schemas.examples(resolved(schema, '2020-12'), -1)).toThrow(/Invalid example count/);
  });

  it('samples strings from common patterns', () => {
    for (const pattern of [
      '^[A-Z]{3}-\\d{4}$',
      '^(foo|bar)_[a-z0-9]+$',
      '^\\w+@example\\.com$',
      '^[^\\s]{2,}$',
    ]) {
      const sample = sampleFromPattern(pattern);
      expect(sample, pattern).toBeDefined();
      expect(new RegExp(pattern, 'u').test(sample as string)).toBe(true);
    }
  });

  it('returns what validates even when the schema admits nothing', () => {
    expect(schemas.examples(resolved({ type: 'object', not: {} }, '2020-12'))).toEqual([]);
    expect(isErrorCode(new Error('x'), 'INVALID_REQUEST')).toBe(false);
  });
});
