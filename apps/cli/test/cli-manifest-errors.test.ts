/**
 * A local function folder whose manifest is wrong is shown, not hidden: `functions --all` lists it
 * with the reason (and `functions` warns), `doctor` fails on it, and `invoke` names the error
 * instead of "unknown function". Covers a bad field, unparsable JSON and a duplicate name.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, makeFunctionsDir, removeDir, runBin } from './helpers.js';

let dir: string;
const cli = (args: string[]) =>
  runBin([...args, '--local', dir], { env: { LAMBDA_MCP_DISK_CACHE: 'false' } });

beforeAll(async () => {
  dir = await makeFunctionsDir({
    good: { manifest: {}, code: 'export const handler = async (e) => e;\n' },
    typo: { manifest: { timout: 3 }, code: 'export const handler = async (e) => e;\n' },
  });
  await mkdir(join(dir, 'notjson'));
  await writeFile(join(dir, 'notjson', 'function.json'), '{ "handler": ');
  await writeFile(join(dir, 'notjson', 'index.mjs'), 'export const handler = async () => 1;\n');
  // A second folder claiming the name "good".
  await mkdir(join(dir, 'zz-copy'));
  await writeFile(
    join(dir, 'zz-copy', 'function.json'),
    JSON.stringify({ name: 'good', handler: 'index.handler' }),
  );
  await writeFile(join(dir, 'zz-copy', 'index.mjs'), 'export const handler = async () => 2;\n');
});

afterAll(async () => {
  await removeDir(dir);
});

describe('a local function folder with a wrong manifest', () => {
  it('functions --all lists it with the reason; functions warns about it on stderr', async () => {
    const all = await cli(['functions', '--all']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/^good\s/m);
    expect(all.stdout).toContain('Not loaded: the manifest is wrong (3):');
    expect(all.stdout).toMatch(/^typo\s+\S*typo\s+.*timout/m);
    expect(all.stdout).toMatch(/^notjson\s+\S*notjson\s+.*JSON/m);
    expect(all.stdout).toMatch(/^good\s+\S*zz-copy\s+.*already used by folder/m);

    const plain = await cli(['functions']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain('typo');
    expect(plain.stderr).toMatch(/warning: local function 'typo' is not loaded: .*timout/);

    const json = await cli(['functions', '--all', '--json']);
    const body = JSON.parse(json.stdout) as { notLoaded: Array<{ name: string; problem: string }> };
    expect(body.notLoaded.map((u) => u.name).sort()).toEqual(['good', 'notjson', 'typo']);
  });

  it('doctor fails on it and names each folder and its problem', async () => {
    const r = await cli(['doctor']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/^FAIL\s+local manifests\s+3 function folders are not loaded/m);
    expect(r.stdout).toMatch(/typo \(.*typo\): .*timout/);
    expect(lines(r.stdout).at(-1)).toMatch(/[1-9]\d* failed/);
  });

  it('doctor passes that check when every folder loads', async () => {
    const clean = await makeFunctionsDir({
      good: { manifest: {}, code: 'export const handler = async (e) => e;\n' },
    });
    try {
      const r = await runBin(['doctor', '--local', clean], { env: { LAMBDA_MCP_DISK_CACHE: 'false' } });
      expect(r.stdout).toMatch(/^PASS\s+local manifests\s+every function folder loaded/m);
    } finally {
      await removeDir(clean);
    }
  });

  it('invoke names the manifest error instead of "unknown function"', async () => {
    const r = await cli(['invoke', 'typo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/local function 'typo' is not loaded: .*timout/);
    expect(r.stderr).not.toContain('unknown function');
    const j = await cli(['invoke', 'notjson']);
    expect(j.code).toBe(2);
    expect(j.stderr).toMatch(/local function 'notjson' is not loaded: .*JSON/);
    // A name nobody uses is still "unknown".
    const u = await cli(['invoke', 'nothing-here']);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain("unknown function 'nothing-here'");
  });
});
