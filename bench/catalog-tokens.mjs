#!/usr/bin/env node
// Measurement: what a model is sent by tools/list (names, descriptions, input and output schemas),
// in bytes of JSON and in an estimate of tokens (bytes / 4), using the BUILT stdio server.
//
//   pnpm --filter @lambda-mcp/stdio-server... build && node bench/catalog-tokens.mjs [--json]
//
// Two catalogs: the five bundled functions (examples/functions), and 100 synthetic local functions
// (each with a description and a small input schema of three properties, in a temporary folder).
// For each: the whole tools/list result, the generic tools alone, the per-function tools alone,
// and the largest single tool. The figures are exact byte counts of JSON.stringify(result.tools).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const SDK = join(root, 'apps/stdio-server/node_modules/@modelcontextprotocol/sdk/dist/esm');
const { Client } = await import(join(SDK, 'client/index.js'));
const { StdioClientTransport } = await import(join(SDK, 'client/stdio.js'));
const json = process.argv.includes('--json');
const GENERIC = new Set([
  'list_functions',
  'search_functions',
  'invoke_function',
  'invoke_functions',
  'get_function_schema',
  'monitor_executions',
]);

async function toolsOf(dir) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [join(root, 'apps/stdio-server/dist/cli.cjs'), '--local', dir],
    env: { ...process.env, LAMBDA_MCP_DISK_CACHE: 'false', LAMBDA_MCP_LOG_LEVEL: 'error' },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'catalog-tokens', version: '1.0.0' });
  await client.connect(transport);
  try {
    return (await client.listTools()).tools;
  } finally {
    await client.close();
  }
}

const bytes = (value) => Buffer.byteLength(JSON.stringify(value), 'utf8');

function measure(tools) {
  const generic = tools.filter((t) => GENERIC.has(t.name));
  const perFunction = tools.filter((t) => !GENERIC.has(t.name));
  const largest = [...tools].sort((a, b) => bytes(b) - bytes(a))[0];
  const total = bytes(tools);
  return {
    tools: tools.length,
    total_bytes: total,
    approx_tokens: Math.round(total / 4),
    generic_bytes: bytes(generic),
    per_function_bytes: bytes(perFunction),
    per_function_avg_bytes: perFunction.length ? Math.round(bytes(perFunction) / perFunction.length) : 0,
    output_schema_bytes: tools.reduce((n, t) => n + (t.outputSchema ? bytes(t.outputSchema) : 0), 0),
    description_bytes: tools.reduce((n, t) => n + Buffer.byteLength(t.description ?? '', 'utf8'), 0),
    largest: largest ? { name: largest.name, bytes: bytes(largest) } : undefined,
  };
}

const words = [
  'orders',
  'customers',
  'invoices',
  'images',
  'reports',
  'payments',
  'shipments',
  'users',
  'tickets',
  'coupons',
];
const verbs = [
  'create',
  'get',
  'list',
  'update',
  'delete',
  'export',
  'import',
  'sync',
  'archive',
  'validate',
];
const tmp = await mkdtemp(join(tmpdir(), 'catalog-tokens-'));
try {
  for (let i = 0; i < 100; i++) {
    const entity = words[i % 10];
    const verb = verbs[Math.floor(i / 10)];
    const name = `${entity}-${verb}`;
    const dir = join(tmp, name);
    await mkdir(dir);
    await writeFile(
      join(dir, 'index.mjs'),
      'export const handler = async (event) => ({ ok: true, event });\n',
    );
    await writeFile(
      join(dir, 'function.json'),
      JSON.stringify({
        description: `${verb[0].toUpperCase()}${verb.slice(1)}s ${entity} records in the ${entity} service and returns the result.`,
        handler: 'index.handler',
        runtime: 'nodejs20.x',
        timeout: 10,
        memorySize: 256,
        tags: { team: entity },
        inputSchema: {
          type: 'object',
          required: ['id'],
          properties: {
            id: { type: 'string', description: `The ${entity.slice(0, -1)} id.` },
            dry_run: { type: 'boolean', default: false, description: 'Validate only.' },
            limit: { type: 'integer', minimum: 1, maximum: 100, description: 'Page size.' },
          },
          additionalProperties: false,
        },
      }),
    );
  }
  const bundled = measure(await toolsOf(join(root, 'examples/functions')));
  const hundred = measure(await toolsOf(tmp));
  const result = { bundled, hundred };
  if (json) console.log(JSON.stringify(result, null, 2));
  else {
    for (const [name, m] of Object.entries(result)) {
      console.log(
        `${name === 'bundled' ? 'bundled 5 functions' : '100 synthetic functions'}: tools/list ${m.tools} tools, ${m.total_bytes} bytes (~${m.approx_tokens} tokens); generic tools ${m.generic_bytes} B, per-function tools ${m.per_function_bytes} B (avg ${m.per_function_avg_bytes} B), output schemas ${m.output_schema_bytes} B, descriptions ${m.description_bytes} B, largest ${m.largest?.name} ${m.largest?.bytes} B`,
      );
    }
  }
} finally {
  await rm(tmp, { recursive: true, force: true });
}
