import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { loadSettingsTable, parseSettingValue, type SettingRow } from '../../src/config/setting-value.js';

// One settings engine for loadConfig and the apps' own tables: the two cases where the HTTP
// server's engine and core's used to differ (negative integers, repeated list items) are pinned here.
interface AppSettings {
  retries: number;
  hosts: string[];
}
const ROWS: readonly SettingRow<keyof AppSettings>[] = [
  {
    key: 'retries',
    flag: '--retries',
    env: 'APP_RETRIES',
    kind: 'integer',
    min: 0,
    max: 10,
    accepts: 'an integer from 0 to 10',
  },
  { key: 'hosts', flag: '--hosts', env: 'APP_HOSTS', kind: 'list', accepts: 'a comma-separated list' },
];
const DEFAULTS: AppSettings = { retries: 3, hosts: [] };

describe('the settings engine', () => {
  it('refuses a negative integer below the range, naming the source and the range, from either table', () => {
    expect(() => loadSettingsTable(ROWS, DEFAULTS, {}, { APP_RETRIES: '-1' })).toThrow(
      'Invalid APP_RETRIES "-1": expected an integer from 0 to 10.',
    );
    expect(() => loadSettingsTable(ROWS, DEFAULTS, { retries: '-1' }, {})).toThrow(
      'Invalid --retries "-1": expected an integer from 0 to 10.',
    );
    expect(() => loadConfig({ env: { LAMBDA_MCP_MAX_TOOLS: '-1' }, cwd: '/' })).toThrow(
      'Invalid LAMBDA_MCP_MAX_TOOLS "-1": expected an integer from 0 to 10000.',
    );
    // A negative integer where the range allows it is read as one (not refused as "not a number").
    expect(
      parseSettingValue({ kind: 'integer', min: -5, max: 5, accepts: 'x' }, { label: 'X', raw: '-3' }),
    ).toBe(-3);
    expect(loadSettingsTable(ROWS, DEFAULTS, {}, { APP_RETRIES: '0' }).retries).toBe(0);
  });

  it('keeps the first of repeated list items, from either table', () => {
    expect(loadSettingsTable(ROWS, DEFAULTS, { hosts: ['a, b', 'a', 'c,b'] }, {}).hosts).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(loadSettingsTable(ROWS, DEFAULTS, {}, { APP_HOSTS: 'a,,a, b' }).hosts).toEqual(['a', 'b']);
    expect(
      loadConfig({ env: { FUNCTION_PREFIX: 'team-a-,team-b-,team-a-' }, cwd: '/' }).functionPrefixes,
    ).toEqual(['team-a-', 'team-b-']);
  });

  it('takes flags over the environment over defaults, and empty environment values as unset', () => {
    expect(loadSettingsTable(ROWS, DEFAULTS, { retries: '5' }, { APP_RETRIES: '7' }).retries).toBe(5);
    expect(loadSettingsTable(ROWS, DEFAULTS, {}, { APP_RETRIES: '7' }).retries).toBe(7);
    expect(loadSettingsTable(ROWS, DEFAULTS, {}, { APP_RETRIES: '  ' }).retries).toBe(3);
  });

  it('reads proxy hops and URLs with clear errors', () => {
    const hops = { kind: 'hops', max: 16, accepts: 'true, false or hops' } as const;
    expect(parseSettingValue(hops, { label: 'H', raw: 'true' })).toBe(1);
    expect(parseSettingValue(hops, { label: 'H', raw: 'off' })).toBe(0);
    expect(parseSettingValue(hops, { label: 'H', raw: '3' })).toBe(3);
    expect(() => parseSettingValue(hops, { label: 'H', raw: '17' })).toThrow(
      'Invalid H "17": expected true, false or hops.',
    );
    const url = { kind: 'url', accepts: 'an http(s) URL' } as const;
    expect(parseSettingValue(url, { label: 'U', raw: ' https://x.example/a ' })).toBe('https://x.example/a');
    expect(() => parseSettingValue(url, { label: 'U', raw: 'ftp://x' })).toThrow(/expected an http\(s\) URL/);
  });
});
