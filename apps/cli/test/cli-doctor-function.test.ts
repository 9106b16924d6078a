// `doctor FUNCTION` and `doctor --all` (issue 14.6), in-process over the local backend.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/main.js';
import type { Io } from '../src/ui/io.js';
import { childEnv, makeFunctionsDir, removeDir } from './helpers.js';

function memoryIo(env: Record<string, string> = {}): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const stdin = new PassThrough();
  stdin.end();
  return {
    out,
    err,
    stdin,
    env: childEnv({ LAMBDA_MCP_DISK_CACHE: 'false', ...env }),
    cwd: process.cwd(),
    stdout: { write: (c: string) => (out.push(c), true) },
    stderr: { write: (c: string) => (err.push(c), true) },
  };
}

interface Check {
  id: string;
  status: string;
  message: string;
  details?: string[];
}

async function doctor(args: string[], env: Record<string, string> = {}) {
  const io = memoryIo(env);
  const code = await runCli(['doctor', ...args, '--json'], io);
  const report = JSON.parse(io.out.join('')) as { checks: Check[] };
  return { code, byId: new Map(report.checks.map((c) => [c.id, c])) };
}

let dir: string;
beforeAll(async () => {
  const code = 'export const handler = async (e) => e;\n';
  const fns: Record<string, { manifest: Record<string, unknown>; code: string }> = {};
  for (const n of [
    'billing-a',
    'billing-b',
    'billing-c',
    'ops-x',
    'ops-y',
    'ops-z',
    'ops-w',
    'ops-v',
    'ops-u',
  ]) {
    fns[n] = { manifest: { runtime: 'nodejs20.x' }, code };
  }
  // Two functions whose tool names collide (both map to billing_d_e), and one that takes a
  // generic tool's name.
  fns['billing-d-e'] = { manifest: { runtime: 'nodejs20.x' }, code };
  fns.billing_d_e = { manifest: { runtime: 'nodejs20.x' }, code };
  fns.invoke_function = { manifest: { runtime: 'nodejs20.x' }, code };
  dir = await makeFunctionsDir(fns);
}, 60_000);
afterAll(() => removeDir(dir));

describe('doctor FUNCTION', () => {
  it('names the filter that dropped a function', async () => {
    const { byId } = await doctor(['ops-x', '--local', dir], { FUNCTION_PREFIX: 'billing-' });
    expect(byId.get('function')).toMatchObject({ status: 'fail' });
    expect(byId.get('function')?.message).toMatch(/^dropped by prefix/);
    expect(byId.get('function-tool')?.status).toBe('skip');
  });

  it('a kept function: its tool, the tool cap, its schema, its invoke permission', async () => {
    const kept = await doctor(['billing-a', '--local', dir]);
    expect(kept.byId.get('function')).toMatchObject({ status: 'pass' });
    expect(kept.byId.get('function-tool')).toMatchObject({
      status: 'pass',
      message: 'exposed as tool billing_a',
    });
    expect(kept.byId.get('function-schema')?.message).toMatch(/no schema ARN tag/);
    expect(kept.byId.get('function-invoke')).toMatchObject({ status: 'pass' });
    const capped = await doctor(['ops-z', '--local', dir], { LAMBDA_MCP_MAX_TOOLS: '3' });
    expect(capped.byId.get('function-tool')?.status).toBe('warn');
    expect(capped.byId.get('function-tool')?.message).toMatch(/per-function tool cap is 3/);
  });

  it('a renamed tool and an unknown name', async () => {
    const generic = await doctor(['invoke_function', '--local', dir]);
    expect(generic.byId.get('function-tool')?.details?.[0]).toMatch(/is a generic tool's name/);
    // A name collision: one of the two keeps billing_d_e, the other is renamed, and says why.
    const pair = await Promise.all(['billing-d-e', 'billing_d_e'].map((n) => doctor([n, '--local', dir])));
    const tools = pair.map((r) => r.byId.get('function-tool'));
    expect(tools.map((t) => t?.status).sort()).toEqual(['pass', 'warn']);
    expect(tools.find((t) => t?.status === 'pass')?.message).toBe('exposed as tool billing_d_e');
    const renamed = tools.find((t) => t?.status === 'warn');
    expect(renamed?.message).toMatch(/^exposed as tool billing_d_e_[0-9a-f]{6}/);
    expect(renamed?.details?.[0]).toMatch(
      /^renamed to billing_d_e_[0-9a-f]{6}: another function also maps to "billing_d_e"$/,
    );
    const missing = await doctor(['billing-q', '--local', dir]);
    expect(missing.code).toBe(1);
    expect(missing.byId.get('function')?.message).toMatch(/no function named "billing-q".*did you mean/);
  });
});

describe('doctor --all', () => {
  it('lists every dropped function (not five per reason) and the tool cap', async () => {
    const { byId } = await doctor(['--all', '--local', dir], {
      FUNCTION_PREFIX: 'billing-',
      LAMBDA_MCP_MAX_TOOLS: '2',
    });
    const all = byId.get('functions-all');
    expect(all?.message).toMatch(/4 kept, 8 dropped; 2 over the tool cap of 2/);
    const dropped = all?.details?.find((d) => d.startsWith('dropped by prefix'));
    for (const n of ['ops-u', 'ops-v', 'ops-w', 'ops-x', 'ops-y', 'ops-z', 'invoke_function'])
      expect(dropped).toContain(n);
    expect(all?.details?.some((d) => d.startsWith('no tool of their own (cap 2'))).toBe(true);
  });

  it('lists the renamed tools: a name collision and a generic tool name', async () => {
    const { byId } = await doctor(['--all', '--local', dir]);
    const details = byId.get('functions-all')?.details ?? [];
    expect(
      details.filter((d) =>
        /^billing[-_]d[-_]e: renamed to billing_d_e_[0-9a-f]{6}: another function/.test(d),
      ),
    ).toHaveLength(1);
    expect(details.some((d) => /^invoke_function: renamed to .*is a generic tool's name/.test(d))).toBe(true);
  });
});
