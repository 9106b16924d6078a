import { type FakeFunction, fnInfo, functionError, schema2020 } from './services.js';

export const dataProcessorInput = schema2020({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    data_source: { type: 'string', enum: ['customer-analytics', 'sales'] },
    filters: { type: 'object', properties: { region: { type: 'string' } }, additionalProperties: false },
    output_format: { type: 'string', enum: ['json', 'csv'] },
    $defs_user: { $ref: '#/$defs/user' },
  },
  required: ['data_source'],
  additionalProperties: false,
  $defs: { user: { type: 'object', properties: { id: { type: 'string' } } } },
});

export const customerOutput = schema2020({
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' } },
  required: ['id', 'name'],
});

/** Waits `ms` or until aborted. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new Error('aborted'));
    });
  });
}

export function standardFunctions(): FakeFunction[] {
  return [
    {
      info: fnInfo('echo', { description: 'Returns its event.', tags: { MCPEnabled: 'true', team: 'core' } }),
      handler: (e, context) => {
        context.log('hello from the function');
        return e;
      },
      logHistory: ['2026-01-01T00:00:00.000Z\t00000000-0000-4000-8000-00000000beef\tERROR\tboom'],
    },
    {
      info: fnInfo('data-processor', {
        description: 'Runs an analytics request.',
        tags: { MCPEnabled: 'true', 'mcp:readOnly': 'true' },
        runtime: 'python3.12',
        inputSchemaArn: 'arn:aws:schemas:us-east-1:123456789012:schema/reg/data',
      }),
      input: dataProcessorInput,
      handler: (e) => ({ records: 3, source: (e as { data_source: string }).data_source }),
    },
    {
      info: fnInfo('customer-lookup', { tags: { MCPEnabled: 'true' } }),
      input: schema2020({
        type: 'object',
        properties: { customer_id: { type: 'string', pattern: '^c-[0-9]+$' } },
        required: ['customer_id'],
      }),
      output: customerOutput,
      handler: (e) => {
        const id = (e as { customer_id: string }).customer_id;
        if (id === 'c-999') return { id: 999 };
        return { id, name: 'Ada Lovelace' };
      },
    },
    {
      info: fnInfo('always-fails', { tags: { MCPEnabled: 'true' } }),
      handler: () => functionError('OrderError', 'the order service is down'),
    },
    {
      info: fnInfo('slow-report', { tags: { MCPEnabled: 'true' } }),
      handler: async (e, { signal }) => {
        await sleep((e as { ms?: number }).ms ?? 1_000, signal);
        return { done: true };
      },
    },
    {
      info: fnInfo('big-output'),
      handler: (e) => ({
        rows: Array.from({ length: (e as { n?: number }).n ?? 5_000 }, (_, i) => ({
          id: i,
          v: 'x'.repeat(20),
        })),
      }),
    },
    { info: fnInfo('text-output'), raw: () => 'plain text, not JSON' },
    { info: fnInfo('binary-output'), raw: () => new Uint8Array([0xff, 0xd8, 0xff, 0x00, 0x10]) },
    {
      info: fnInfo('list-summer'),
      input: schema2020({ type: 'array', items: { type: 'number' } }),
      handler: (e) => (e as number[]).reduce((a, b) => a + b, 0),
    },
  ];
}
