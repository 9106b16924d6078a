import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { APP_DIR, assertBuilt, CLI, EXAMPLES, testEnv } from './support.js';

const run = promisify(execFile);
// The inspector's bin wrapper; run from a subfolder of a package (its package.json lookup is cwd-relative).
const INSPECTOR = join(APP_DIR, 'node_modules/@modelcontextprotocol/inspector-cli/build/cli.js');

async function inspector(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [INSPECTOR, '--cli', process.execPath, CLI, '--local', EXAMPLES, ...args], {
    cwd: join(APP_DIR, 'test'),
    env: testEnv(),
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}

describe('a third-party client: @modelcontextprotocol/inspector-cli 1.0.3', () => {
  beforeAll(() => assertBuilt());

  it('tools/list', async () => {
    const { stdout } = await inspector(['--method', 'tools/list']);
    const { tools } = JSON.parse(stdout) as { tools: Array<{ name: string; inputSchema: { type: string } }> };
    expect(tools.map((t) => t.name)).toEqual([
      'always_fails',
      'customer_lookup',
      'data_processor',
      'echo',
      'get_function_schema',
      'invoke_function',
      'invoke_functions',
      'list_functions',
      'monitor_executions',
      'search_functions',
      'slow_report',
    ]);
    for (const t of tools) expect(t.inputSchema.type).toBe('object');
  });

  it('tools/call with structured output it validates against the outputSchema', async () => {
    const { stdout } = await inspector([
      '--method',
      'tools/call',
      '--tool-name',
      'customer_lookup',
      '--tool-arg',
      'customer_id=CUST-0001',
    ]);
    const result = JSON.parse(stdout) as { structuredContent: { customer_id: string }; isError?: boolean };
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent.customer_id).toBe('CUST-0001');
  });

  it('tools/call of a generic tool and of a failing function', async () => {
    const list = JSON.parse(
      (
        await inspector([
          '--method',
          'tools/call',
          '--tool-name',
          'invoke_function',
          '--tool-arg',
          'function_name=echo',
          '--tool-arg',
          'payload={"from":"inspector"}',
        ])
      ).stdout,
    ) as { structuredContent: { execution_result: { payload: unknown } } };
    expect(list.structuredContent.execution_result.payload).toEqual({ from: 'inspector' });
    const failed = JSON.parse(
      (await inspector(['--method', 'tools/call', '--tool-name', 'always_fails'])).stdout,
    ) as {
      isError: boolean;
      content: Array<{ text: string }>;
    };
    expect(failed.isError).toBe(true);
    expect(failed.content[0]?.text).toContain('PaymentDeclinedError');
  });

  it('an unknown tool is a JSON-RPC error (exit code 1)', async () => {
    const failure = await inspector(['--method', 'tools/call', '--tool-name', 'no_such_tool']).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('-32602');
    expect(failure?.stderr).toContain('Unknown tool: "no_such_tool"');
  });
});
