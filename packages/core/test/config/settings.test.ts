import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';
import { CONFIG_SETTINGS, formatSettingsHelp, formatSettingsMarkdown } from '../../src/config/settings.js';

describe('CONFIG_SETTINGS', () => {
  it('covers every configuration key', () => {
    const keys = Object.keys(ConfigSchema.shape);
    const covered = new Set(CONFIG_SETTINGS.map((s) => s.name));
    expect(keys.filter((k) => !covered.has(k as never))).toEqual([]);
  });

  it('has unique environment variables and flags', () => {
    const envs = CONFIG_SETTINGS.flatMap((s) => [s.env, ...(s.envAliases ?? [])]);
    expect(new Set(envs).size).toBe(envs.length);
    const flags = CONFIG_SETTINGS.flatMap((s) => (s.flag ? [s.flag] : []));
    expect(new Set(flags).size).toBe(flags.length);
  });

  it('shows the schema’s defaults for numbers and booleans', () => {
    const defaults = ConfigSchema.parse({}) as Record<string, unknown>;
    for (const s of CONFIG_SETTINGS) {
      if (
        s.kind === 'integer' ||
        s.kind === 'boolean' ||
        (s.kind === 'duration' && s.name === 'cacheTtlSeconds')
      ) {
        expect(s.default.split(' ')[0], s.env).toBe(String(defaults[s.name]));
      }
    }
  });

  it('renders Markdown and --help text', () => {
    const md = formatSettingsMarkdown();
    expect(md.split('\n')).toHaveLength(CONFIG_SETTINGS.length + 2);
    expect(md).toContain('| `FUNCTION_PREFIX` | `--function-prefix` | `functionPrefixes` |');
    const help = formatSettingsHelp();
    expect(help).toContain('--max-tools <value>');
    expect(help).toContain('[env LAMBDA_MCP_MAX_TOOLS; default 100]');
  });

  it('docs/configuration.md holds the generated table (cells compared, alignment ignored)', () => {
    // Table rows as trimmed cells, separator rows left out: a Markdown formatter may pad the columns.
    const rows = (text: string) =>
      text
        .split('\n')
        .filter((line) => line.trim().startsWith('|') && !/^\|[\s|:-]+\|$/.test(line.trim()))
        .map((line) =>
          line
            .trim()
            .slice(1, -1)
            .split(/(?<!\\)\|/)
            .map((cell) => cell.trim())
            .join(' | '),
        );
    const doc = readFileSync(join(__dirname, '../../docs/configuration.md'), 'utf8');
    const generated = rows(formatSettingsMarkdown());
    const documented = rows(doc);
    const start = documented.indexOf(generated[0] as string);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(documented.slice(start, start + generated.length)).toEqual(generated);
  });
});
