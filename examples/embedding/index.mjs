#!/usr/bin/env node
// Embedding @lambda-mcp/core without MCP: discover the functions of a folder, show their schemas,
// invoke one with validation, and print the result and the REPORT figures. Usage:
//   node index.mjs [FUNCTIONS_DIR]
import { isLambdaMcpError } from '@lambda-mcp/core';
import { createLocalServices } from '@lambda-mcp/core/local';

const dir = process.argv[2] ?? new URL('../functions', import.meta.url).pathname;
const services = createLocalServices({
  dir,
  config: { tagFilters: [{ key: 'MCPEnabled', values: ['true'] }] },
});

try {
  const catalog = await services.discovery.getCatalog();
  console.log(`${catalog.functions.length} functions: ${catalog.functions.map((f) => f.name).join(', ')}`);

  const processor = catalog.functions.find((f) => f.name === 'data-processor');
  if (processor) {
    const { input } = await services.schemas.getSchemas(processor);
    console.log(`data-processor takes: ${Object.keys(input?.schema.properties ?? {}).join(', ')}`);
  }

  // Validation happens before anything runs: this one names the failing field.
  try {
    await services.invocation.invoke({ functionName: 'data-processor', payload: { data_source: 42 } });
  } catch (error) {
    if (!isLambdaMcpError(error)) throw error;
    console.log(`refused (${error.code}): ${error.message}`);
  }

  const result = await services.invocation.invoke({
    functionName: 'echo',
    payload: { hello: 'from an embedding app' },
    logType: 'Tail',
  });
  const value = result.payload.kind === 'json' ? result.payload.value : result.payload;
  console.log(`echo answered ${JSON.stringify(value)} in ${result.report?.durationMs ?? '?'} ms`);
} finally {
  await services.close();
}
