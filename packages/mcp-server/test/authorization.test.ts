/**
 * A function a caller may not see is indistinguishable from one that does not exist (issue 10,
 * item 2): tool names (collision suffixes), counts and tools/list_changed notifications are
 * computed over what the caller may see.
 */
import { compileFunctionPolicy } from '@lambda-mcp/core/internal';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, setup, text, waitFor } from './support/harness.js';
import { createInMemoryServices, type FakeFunction, fnInfo } from './support/services.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const fake = (name: string): FakeFunction => ({ info: fnInfo(name), handler: (e) => ({ from: name, e }) });

async function start(functions: FakeFunction[]) {
  const services = createInMemoryServices(functions);
  const s = await setup(services, {}, {});
  cleanups.push(s.close);
  return { ...s, services };
}

describe('what a restricted caller sees is computed over what it may see', () => {
  it('tool names: no collision suffix caused by a function the caller cannot see', async () => {
    const { lambda } = await start([fake('my-fn'), fake('my_fn'), fake('echo')]);
    const all = await connect(lambda);
    const limited = await connect(lambda, { authorize: compileFunctionPolicy(['*', '!my_fn']) });
    cleanups.push(all.close, limited.close);

    const allNames = (await all.client.listTools()).tools.map((t) => t.name);
    expect(allNames).toContain('my_fn');
    expect(allNames.some((n) => /^my_fn_[0-9a-f]{6}$/.test(n))).toBe(true);

    const names = (await limited.client.listTools()).tools.map((t) => t.name);
    expect(names.filter((n) => n.startsWith('my_fn'))).toEqual(['my_fn']);
    const called = await limited.client.callTool({ name: 'my_fn', arguments: { x: 1 } });
    expect(called.isError).not.toBe(true);
    expect(called.structuredContent).toMatchObject({ from: 'my-fn' });

    const listed = await limited.client.callTool({ name: 'list_functions', arguments: {} });
    expect(listed.structuredContent).toMatchObject({
      functions: [
        { name: 'echo', tool_name: 'echo' },
        { name: 'my-fn', tool_name: 'my_fn' },
      ],
      total_count: 2,
    });
    const schema = await limited.client.callTool({
      name: 'get_function_schema',
      arguments: { function_name: 'my-fn' },
    });
    expect(schema.structuredContent).toMatchObject({ tool_name: 'my_fn' });
    // The caller learns nothing from the instructions either.
    expect(limited.client.getInstructions()).not.toMatch(/\b3 functions\b/);
  });

  it('tools/list_changed and its log message reach a caller only when its own view changed', async () => {
    const { lambda, services } = await start([fake('echo'), fake('report')]);
    const all = await connect(lambda);
    const limited = await connect(lambda, { authorize: compileFunctionPolicy(['echo*', 'report']) });
    cleanups.push(all.close, limited.close);
    await all.client.setLoggingLevel('debug');
    await limited.client.setLoggingLevel('debug');

    // A function the restricted caller cannot see: only the other caller hears of it.
    services.setFunctions([fake('echo'), fake('report'), fake('secret-payments')]);
    await lambda.refresh();
    await waitFor(() => all.listChanged.count === 1 && all.logs.length === 1, 5_000, 'list_changed');
    expect(all.logs[0]).toMatchObject({ data: { functions: 3 } });

    // A function both can see: both hear of it, each with its own count.
    services.setFunctions([fake('echo'), fake('echo-2'), fake('report'), fake('secret-payments')]);
    await lambda.refresh();
    await waitFor(() => all.listChanged.count === 2 && limited.listChanged.count === 1, 5_000, 'both');
    await waitFor(() => limited.logs.length === 1, 5_000, 'the log message');
    expect(limited.logs[0]).toMatchObject({ data: { functions: 3 } });
    expect(JSON.stringify(limited.logs)).not.toMatch(/secret/);

    // The restricted caller got exactly one notification in all (notifications arrive in order).
    await limited.client.ping();
    expect(limited.listChanged.count).toBe(1);
    expect(limited.logs).toHaveLength(1);
  });

  it('a hidden function and a missing one get the same answer on every generic tool', async () => {
    const { lambda } = await start([fake('echo'), fake('hidden-fn')]);
    const limited = await connect(lambda, { authorize: compileFunctionPolicy(['*', '!hidden-fn']) });
    cleanups.push(limited.close);
    const same = async (tool: string, extra: Record<string, unknown> = {}) => {
      const a = await limited.client.callTool({
        name: tool,
        arguments: { function_name: 'hidden-fn', ...extra },
      });
      const b = await limited.client.callTool({
        name: tool,
        arguments: { function_name: 'nothere-x', ...extra },
      });
      expect(text(a).replace('hidden-fn', 'X'), tool).toBe(text(b).replace('nothere-x', 'X'));
      expect(a.isError).toBe(true);
    };
    await same('invoke_function');
    await same('invoke_function', { qualifier: 'live' });
    await same('get_function_schema');
    await same('monitor_executions');
  });
});
