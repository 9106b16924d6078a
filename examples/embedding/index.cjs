#!/usr/bin/env node
// The same embedding from CommonJS: @lambda-mcp/core ships CJS builds of every entry.
const { isLambdaMcpError } = require('@lambda-mcp/core');
const { createLocalServices } = require('@lambda-mcp/core/local');

async function main() {
  const dir = process.argv[2] || require('node:path').join(__dirname, '..', 'functions');
  const services = createLocalServices({ dir });
  try {
    const catalog = await services.discovery.getCatalog();
    console.log(`${catalog.functions.length} functions`);
    const result = await services.invocation.invoke({ functionName: 'echo', payload: { from: 'cjs' } });
    console.log(
      `echo answered ${result.payload.kind === 'json' ? result.payload.text : result.payload.kind}`,
    );
    try {
      await services.invocation.invoke({ functionName: 'not-a-function', payload: {} });
    } catch (error) {
      console.log(`refused: ${isLambdaMcpError(error) ? error.code : 'unexpected'}`);
    }
  } finally {
    await services.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
