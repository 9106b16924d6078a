/**
 * The client configurations the READMEs show work as written: every `mcpServers` / `servers` JSON
 * block of README.md and apps/stdio-server/README.md is started the way a client would start it,
 * with `/absolute/path/to/lambda-mcp` replaced by this checkout and `lambda-mcp-stdio` (the bin the
 * tarballs install) by the built file, and must answer initialize and tools/list. The AWS ones run
 * against the emulator (its endpoint and static keys added; a named AWS_PROFILE dropped, as this
 * machine has none). None may start with `npx` (the packages are not published yet: that form is
 * only mentioned, labelled as the published one).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@lambda-mcp/aws-emulator';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, EXAMPLES_DIR, REPO_ROOT, STDIO_BIN } from '../../shared/bins.js';

interface ServerEntry {
  command: string;
  args?: string[];
  env?: Record<string, string>;
}

const PLACEHOLDER = '/absolute/path/to/lambda-mcp';

function clientConfigs(file: string): Array<{ where: string; name: string; entry: ServerEntry }> {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  const out: Array<{ where: string; name: string; entry: ServerEntry }> = [];
  for (const [i, m] of [...text.matchAll(/```json\n([\s\S]*?)\n```/g)].entries()) {
    const json = JSON.parse(m[1] as string) as {
      mcpServers?: Record<string, ServerEntry>;
      servers?: Record<string, ServerEntry>;
    };
    for (const [name, entry] of Object.entries(json.mcpServers ?? json.servers ?? {})) {
      if (entry.command) out.push({ where: `${file} json block ${i + 1}`, name, entry });
    }
  }
  return out;
}

const CONFIGS = [...clientConfigs('README.md'), ...clientConfigs('apps/stdio-server/README.md')];

describe('the client configurations in the READMEs', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ functionsDir: EXAMPLES_DIR });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('finds them: a clone one and an AWS one in each README, none with npx', () => {
    expect(CONFIGS.filter((c) => c.where.startsWith('README.md')).length).toBeGreaterThanOrEqual(2);
    expect(CONFIGS.filter((c) => c.where.startsWith('apps/')).length).toBeGreaterThanOrEqual(4);
    expect(CONFIGS.filter((c) => c.entry.command === 'npx').map((c) => c.where)).toEqual([]);
    expect(CONFIGS.some((c) => c.entry.command === 'node')).toBe(true);
  });

  for (const { where, name, entry } of CONFIGS) {
    it(`${where} ("${name}": ${entry.command}) answers initialize and tools/list`, async () => {
      const args = (entry.args ?? []).map((a) => a.replace(PLACEHOLDER, REPO_ROOT));
      let command: string;
      if (entry.command === 'node') {
        command = process.execPath;
        expect(args[0]).toBe(STDIO_BIN);
      } else {
        // The bin the tarballs install (tests/release's install tests run that one).
        const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'apps/stdio-server/package.json'), 'utf8')) as {
          bin: Record<string, string>;
        };
        expect(Object.keys(pkg.bin)).toContain(entry.command);
        command = process.execPath;
        args.unshift(STDIO_BIN);
      }
      const local = args.includes('--local');
      const env = { ...(entry.env ?? {}) };
      delete env.AWS_PROFILE;
      const transport = new StdioClientTransport({
        command,
        args,
        env: childEnv({
          ...env,
          ...(local
            ? {}
            : {
                AWS_ENDPOINT_URL: emulator.url,
                AWS_ACCESS_KEY_ID: 'AKIDREADME',
                AWS_SECRET_ACCESS_KEY: 'readme-secret',
              }),
        }),
        stderr: 'pipe',
      });
      let stderr = '';
      transport.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString('utf8');
      });
      const client = new Client({ name: 'readme-configs', version: '1.0.0' });
      try {
        await client.connect(transport);
        const tools = (await client.listTools()).tools.map((t) => t.name);
        expect(tools, stderr).toContain('list_functions');
        if (local) expect(tools, stderr).toContain('echo');
        // Bad settings would have stopped the server (exit 2) before initialize.
        expect(stderr).not.toMatch(/"level":"error"/);
      } finally {
        await client.close();
      }
    });
  }
});
