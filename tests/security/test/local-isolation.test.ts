/**
 * A local function sees only its own environment (issue 10, item 8): not the host's
 * credentials or tokens, neither in process.env nor in /proc/self/environ. Through the built
 * stdio server with secrets planted in its environment.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStdio, type McpConnection } from './support.js';

const FUNCTIONS = resolve(import.meta.dirname, '../../reliability/isolation-functions');
const SECRET = `planted-secret-${process.pid}-${Date.now()}`;
const TOKEN = `planted-token-${process.pid}-${Date.now()}`;
let mcp: McpConnection;

beforeAll(async () => {
  mcp = await connectStdio(['--local', FUNCTIONS], {
    AWS_ACCESS_KEY_ID: 'AKIDPLANTED',
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_SESSION_TOKEN: TOKEN,
    LAMBDA_MCP_AUTH_TOKEN: TOKEN,
  });
});

afterAll(async () => {
  await mcp?.close();
});

describe('a local function cannot read the host secrets', () => {
  it('process.env and /proc/self/environ hold only its own and Lambda variables', async () => {
    const result = (await mcp.client.callTool({
      name: 'reads_environ',
      arguments: {},
    })) as { structuredContent?: { processEnv: Record<string, string>; environ: string[] } };
    const seen = result.structuredContent;
    expect(seen).toBeDefined();
    const everything = JSON.stringify(seen);
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain('AKIDPLANTED');
    expect(seen?.processEnv.GREETING).toBe('hi');
    expect(seen?.processEnv.AWS_LAMBDA_FUNCTION_NAME).toBe('reads-environ');
    // Nothing of the host's own environment beyond what a Lambda environment has.
    const names = (seen?.environ ?? []).map((entry) => entry.slice(0, entry.indexOf('=')));
    for (const name of names)
      expect(name).toMatch(/^(PATH|LANG|TZ|GREETING|AWS_[A-Z_]+|LAMBDA_[A-Z_]+|_HANDLER|NODE_PATH)$/);
  });
});
