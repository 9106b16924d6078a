import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createServices, type Services } from '@lambda-mcp/core';
import { createLocalBackend } from '@lambda-mcp/core/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFunctionUrlHandler, type FunctionUrlEvent, type FunctionUrlResult } from '../src/lambda.js';
import { APP_DIR, FUNCTIONS_DIR, parseMessages } from './helpers.js';

const TOKEN = 'function-url-token-0123456789abcdef';
const HOST = 'abcdefghij1234567890.lambda-url.us-east-1.on.aws';

/** A Function URL event (payload format 2.0) as AWS sends it. */
function urlEvent(
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
  path = '/mcp',
): FunctionUrlEvent {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: {
      host: HOST,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'x-forwarded-proto': 'https',
      ...headers,
    },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghij1234567890',
      domainName: HOST,
      domainPrefix: 'abcdefghij1234567890',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' },
      requestId: '11111111-2222-3333-4444-555555555555',
      routeKey: '$default',
      stage: '$default',
      time: '24/Nov/2026:00:00:00 +0000',
      timeEpoch: 1_795_000_000_000,
    },
    ...(text === undefined ? {} : { body: Buffer.from(text).toString('base64'), isBase64Encoded: true }),
  } as FunctionUrlEvent;
}

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'url', version: '1' } },
};
const AFTER_INIT = { 'mcp-protocol-version': '2025-11-25', authorization: `Bearer ${TOKEN}` };

function message(result: FunctionUrlResult): Record<string, unknown> {
  return parseMessages(result.body)[0] as Record<string, unknown>;
}

describe('the Function URL handler, called directly', () => {
  it('answers initialize, tools/list and tools/call statelessly, and refuses what it should', async () => {
    const audit: string[] = [];
    const handler = createFunctionUrlHandler({
      env: {
        LAMBDA_MCP_LOCAL_DIR: FUNCTIONS_DIR,
        LAMBDA_MCP_AUTH_TOKENS: `client=${TOKEN}`,
        LAMBDA_MCP_DISK_CACHE: 'false',
        LOG_LEVEL: 'silent',
      },
      writeAudit: (l) => void audit.push(l),
    });
    const noAuth = await handler(urlEvent('POST', INIT));
    expect(noAuth.statusCode).toBe(401);
    expect(noAuth.headers['www-authenticate']).toMatch(/^Bearer realm="lambda-mcp"/);

    const init = await handler(urlEvent('POST', INIT, { authorization: `Bearer ${TOKEN}` }));
    expect(init.statusCode).toBe(200);
    expect(init.headers['mcp-session-id']).toBeUndefined();
    expect(message(init)).toMatchObject({ id: 1, result: { serverInfo: { name: 'lambda-mcp' } } });

    const list = await handler(urlEvent('POST', { jsonrpc: '2.0', id: 2, method: 'tools/list' }, AFTER_INIT));
    expect(list.statusCode).toBe(200);
    const names = ((message(list).result as { tools: Array<{ name: string }> }).tools ?? []).map(
      (t) => t.name,
    );
    expect(names).toContain('echo');
    expect(names).toContain('invoke_function');

    const call = await handler(
      urlEvent(
        'POST',
        {
          jsonrpc: '2.0',
          id: 3,
          method: 'tools/call',
          params: { name: 'echo', arguments: { via: 'function-url' } },
        },
        AFTER_INIT,
      ),
    );
    expect(message(call)).toMatchObject({ id: 3, result: { structuredContent: { via: 'function-url' } } });
    expect(JSON.parse(audit[0] as string)).toMatchObject({
      tool: 'echo',
      subject: 'token:client',
      outcome: 'success',
    });

    expect((await handler(urlEvent('GET', undefined, AFTER_INIT))).statusCode).toBe(405);
    expect((await handler(urlEvent('POST', '{bad', AFTER_INIT))).statusCode).toBe(400);
    const health = await handler(urlEvent('GET', undefined, {}, '/health'));
    expect(JSON.parse(health.body)).toMatchObject({
      status: 'ok',
      backend: 'local',
      functions: 5,
      mode: 'lambda',
    });
    expect(
      (
        await handler(
          urlEvent('POST', INIT, { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' }),
        )
      ).statusCode,
    ).toBe(403);
  });

  it('refuses to run without authentication unless the URL uses AWS_IAM auth', async () => {
    const handler = createFunctionUrlHandler({
      env: { LAMBDA_MCP_LOCAL_DIR: FUNCTIONS_DIR, LAMBDA_MCP_DISK_CACHE: 'false', LOG_LEVEL: 'silent' },
      logger: {
        debug() {},
        info() {},
        warn() {},
        error() {},
        child() {
          return this;
        },
      },
    });
    const r = await handler(urlEvent('POST', INIT));
    expect(r.statusCode).toBe(500);
    expect(r.body).toMatch(/needs authentication/);
  });
});

describe('the Function URL handler, deployed as a function in the local backend', () => {
  let dir: string;
  let services: Services;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lambda-mcp-url-'));
    const fn = join(dir, 'mcp-server');
    mkdirSync(fn);
    // The function's code is the built Lambda entry of this package, as a deployment would ship it.
    writeFileSync(
      join(fn, 'index.mjs'),
      `export { handler } from ${JSON.stringify(pathToFileURL(join(APP_DIR, 'dist/lambda.js')).href)};\n`,
    );
    writeFileSync(
      join(fn, 'function.json'),
      JSON.stringify({
        description: 'lambda-mcp behind a Function URL',
        handler: 'index.handler',
        timeout: 30,
        memorySize: 1024,
        environment: {
          LAMBDA_MCP_LOCAL_DIR: FUNCTIONS_DIR,
          LAMBDA_MCP_AUTH_TOKENS: `client=${TOKEN}`,
          LAMBDA_MCP_DISK_CACHE: 'false',
          LOG_LEVEL: 'warn',
        },
      }),
    );
    services = createServices({
      backend: createLocalBackend({ dir }),
      config: { backend: 'local', localDir: dir },
    });
  });

  afterAll(async () => {
    await services?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const invoke = async (event: FunctionUrlEvent): Promise<FunctionUrlResult> => {
    const r = await services.invocation.invoke({
      functionName: 'mcp-server',
      payload: event,
      validate: false,
    });
    expect(r.functionError).toBeUndefined();
    if (r.payload.kind !== 'json') throw new Error(`unexpected payload: ${JSON.stringify(r.payload)}`);
    return r.payload.value as FunctionUrlResult;
  };

  it('answers an MCP initialize and tools/list sent as Function URL events', async () => {
    const init = await invoke(urlEvent('POST', INIT, { authorization: `Bearer ${TOKEN}` }));
    expect(init.statusCode).toBe(200);
    expect(message(init)).toMatchObject({
      jsonrpc: '2.0',
      id: 1,
      // Nothing outlives a buffered Function URL request: list_changed could never be delivered.
      result: { protocolVersion: '2025-11-25', capabilities: { tools: { listChanged: false } } },
    });
    const list = await invoke(urlEvent('POST', { jsonrpc: '2.0', id: 2, method: 'tools/list' }, AFTER_INIT));
    expect(list.statusCode).toBe(200);
    const tools = (message(list).result as { tools: Array<{ name: string }> }).tools.map((t) => t.name);
    expect(tools).toEqual(expect.arrayContaining(['echo', 'data_processor', 'list_functions']));
    const call = await invoke(
      urlEvent(
        'POST',
        {
          jsonrpc: '2.0',
          id: 3,
          method: 'tools/call',
          params: { name: 'echo', arguments: { nested: true } },
        },
        AFTER_INIT,
      ),
    );
    expect(message(call)).toMatchObject({ id: 3, result: { structuredContent: { nested: true } } });
    const denied = await invoke(urlEvent('POST', INIT));
    expect(denied.statusCode).toBe(401);
  }, 60_000);
});
