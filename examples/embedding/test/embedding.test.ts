import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('..', import.meta.url));
const functions = fileURLToPath(new URL('../../functions', import.meta.url));

function run(file: string) {
  return spawnSync(process.execPath, [file, functions], { cwd: here, encoding: 'utf8', timeout: 30_000 });
}

describe('embedding @lambda-mcp/core without MCP', () => {
  it('discovers, validates and invokes from ESM', () => {
    const out = run('index.mjs');
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toMatch(
      /^5 functions: always-fails, customer-lookup, data-processor, echo, slow-report$/m,
    );
    expect(out.stdout).toMatch(/data-processor takes: .*data_source/);
    expect(out.stdout).toMatch(/refused \(INVALID_INPUT\): .*data_source/);
    expect(out.stdout).toMatch(/echo answered \{"hello":"from an embedding app"\} in [\d.]+ ms/);
  });

  it('works from CommonJS too', () => {
    const out = run('index.cjs');
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain('5 functions');
    expect(out.stdout).toContain('echo answered {"from":"cjs"}');
    expect(out.stdout).toContain('refused: FUNCTION_NOT_ALLOWED');
  });
});
