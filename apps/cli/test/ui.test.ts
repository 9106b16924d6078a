import { describe, expect, it } from 'vitest';
import { closest, parseCommandLine, prescan } from '../src/args.js';
import { classifyError } from '../src/classify.js';
import { isCliError } from '../src/errors.js';
import { columnChart, resample, sparkline } from '../src/ui/chart.js';
import { createStyle, stripAnsi, truncate, visibleWidth } from '../src/ui/color.js';
import { formatJson, formatMs, formatTags } from '../src/ui/format.js';
import { colorEnabled } from '../src/ui/io.js';
import { renderTable } from '../src/ui/table.js';

const plain = createStyle(false);
const colour = createStyle(true);

describe('colour detection', () => {
  const tty = { write: () => true, isTTY: true };
  const pipe = { write: () => true, isTTY: false };
  it('is on for a terminal and off for a pipe', () => {
    expect(colorEnabled(tty, {}, false)).toBe(true);
    expect(colorEnabled(pipe, {}, false)).toBe(false);
  });
  it('is off with --no-color, NO_COLOR or TERM=dumb, even on a terminal', () => {
    expect(colorEnabled(tty, {}, true)).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: '1' }, false)).toBe(false);
    expect(colorEnabled(tty, { TERM: 'dumb' }, false)).toBe(false);
  });
  it('ignores an empty NO_COLOR and honours FORCE_COLOR both ways', () => {
    expect(colorEnabled(tty, { NO_COLOR: '' }, false)).toBe(true);
    expect(colorEnabled(pipe, { FORCE_COLOR: '1' }, false)).toBe(true);
    expect(colorEnabled(tty, { FORCE_COLOR: '0' }, false)).toBe(false);
    expect(colorEnabled(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' }, false)).toBe(false);
  });
});

describe('styles and widths', () => {
  it('adds ANSI codes only when enabled', () => {
    expect(plain.red('x')).toBe('x');
    expect(colour.red('x')).toBe('\u001b[31mx\u001b[39m');
    expect(stripAnsi(colour.bold(colour.red('abc')))).toBe('abc');
    expect(visibleWidth(colour.green('héllo'))).toBe(5);
  });
  it('truncates with an ellipsis', () => {
    expect(truncate('abcdefgh', 5)).toBe('abcd…');
    expect(truncate('abc', 5)).toBe('abc');
  });
});

describe('tables', () => {
  const cols = [
    { header: 'NAME' },
    { header: 'MEMORY', align: 'right' as const },
    { header: 'TAGS', flex: true },
  ];
  const rows = [
    ['echo', '128 MB', 'MCPEnabled=true,team=platform'],
    ['data-processor', '1024 MB', '-'],
  ];
  it('aligns columns and right-aligns numbers, without trailing spaces', () => {
    const text = renderTable(cols, rows, { style: plain });
    expect(text.split('\n')).toEqual([
      'NAME             MEMORY  TAGS',
      'echo             128 MB  MCPEnabled=true,team=platform',
      'data-processor  1024 MB  -',
    ]);
  });
  it('shrinks flex columns to the terminal width', () => {
    const text = renderTable(cols, rows, { style: plain, maxWidth: 40 });
    for (const line of text.split('\n')) expect(visibleWidth(line)).toBeLessThanOrEqual(40);
    expect(text).toContain('…');
  });
});

describe('charts', () => {
  it('draws a sparkline with zero as the lowest bar and the peak as the highest', () => {
    expect(sparkline([0, 1, 2, 4, 8])).toBe('▁▂▃▅█');
    expect(sparkline([0, 0, 0])).toBe('▁▁▁');
  });
  it('keeps spikes when squeezing a long series', () => {
    const values = Array.from({ length: 100 }, (_, i) => (i === 57 ? 50 : 1));
    const squeezed = resample(values, 10);
    expect(squeezed).toHaveLength(10);
    expect(Math.max(...squeezed)).toBe(50);
  });
  it('draws a column chart with a y axis and time labels', () => {
    const chart = columnChart([0, 5, 10], {
      width: 20,
      height: 2,
      format: String,
      xLabels: ['10:00', '11:00'],
    });
    const lines = chart.split('\n');
    expect(lines[0]).toBe('10 ┤  █');
    expect(lines[1]).toBe(' 0 ┤ ██');
    expect(lines[2]).toBe('   └───');
    expect(lines[3]).toContain('10:00');
  });
});

describe('formatting', () => {
  it('formats durations and tags', () => {
    expect(formatMs(1.234)).toBe('1.23 ms');
    expect(formatMs(845.4)).toBe('845 ms');
    expect(formatMs(2400)).toBe('2.40 s');
    expect(formatMs(undefined)).toBe('-');
    expect(formatTags({ b: '2', a: '1', flag: '' })).toBe('a=1,b=2,flag');
  });
  it('colours JSON by token and stays valid JSON once stripped', () => {
    const value = { name: 'x', n: -1.5e3, ok: true, none: null, list: ['a:b'] };
    const text = formatJson(value, colour);
    expect(text).toContain('\u001b[');
    expect(JSON.parse(stripAnsi(text))).toEqual(value);
    expect(formatJson(value, plain)).toBe(JSON.stringify(value, null, 2));
  });
});

describe('argument parsing', () => {
  const usage = (argv: string[]) => {
    try {
      parseCommandLine(argv);
    } catch (error) {
      expect(isCliError(error)).toBe(true);
      return classifyError(error);
    }
    throw new Error('expected a usage error');
  };
  it('takes global options before or after the command', () => {
    const a = parseCommandLine(['--local', 'dir', 'invoke', 'echo', '--payload', '-', '--json']);
    expect(a.command?.name).toBe('invoke');
    expect(a.positionals).toEqual(['echo']);
    expect(a.values).toMatchObject({ local: 'dir', payload: '-', json: true });
  });
  it('accepts a payload that starts with a dash', () => {
    expect(parseCommandLine(['invoke', 'echo', '--payload', '-1']).values.payload).toBe('-1');
  });
  it('reads `schema --version V` as the schema version', () => {
    expect(parseCommandLine(['schema', 'f', '--version', '3']).values.version).toBe('3');
  });
  it('treats `help <command>` as `<command> --help`', () => {
    const a = parseCommandLine(['help', 'logs']);
    expect(a.command?.name).toBe('logs');
    expect(a.values.help).toBe(true);
  });
  it('rejects unknown commands with a suggestion and the accepted list', () => {
    const e = usage(['invok', 'x']);
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(
      "unknown command 'invok' (did you mean 'invoke'?). Accepted: functions, invoke, schema, monitor, logs, tools, doctor.",
    );
  });
  it('rejects unknown options naming the accepted ones', () => {
    const e = usage(['invoke', 'x', '--paylod', '{}']);
    expect(e.message).toContain("unknown option '--paylod' for 'invoke' (did you mean '--payload'?)");
    expect(e.message).toContain('--payload, --async, --dry-run, --qualifier, --logs');
  });
  it('rejects a missing value, a value on a boolean, a missing argument and an extra one', () => {
    expect(usage(['invoke', 'x', '--payload']).message).toContain('option --payload needs a value');
    expect(usage(['functions', '--json=yes']).message).toContain('option --json takes no value');
    expect(usage(['invoke']).message).toContain('missing <function>');
    expect(usage(['invoke', 'a', 'b']).message).toContain("unexpected argument 'b'");
  });
  it('prescans output flags even when parsing fails', () => {
    expect(prescan(['--nope', '--json', '--no-color'])).toEqual({ json: true, noColor: true, debug: false });
    expect(prescan(['--', '--json'])).toEqual({ json: false, noColor: false, debug: false });
  });
  it('suggests only close words', () => {
    expect(closest('fnctions', ['functions', 'tools'])).toBe('functions');
    expect(closest('zzz', ['functions', 'tools'])).toBeUndefined();
  });
});
