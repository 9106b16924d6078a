// The built bin's usage surface: version, help, and every kind of bad command line. None of these
// needs a backend, so nothing here touches functions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_DIR, lines, runBin } from './helpers.js';

const pkg = JSON.parse(readFileSync(join(CLI_DIR, 'package.json'), 'utf8')) as { version: string };
const COMMANDS = ['functions', 'invoke', 'schema', 'monitor', 'logs', 'tools', 'doctor'];
const ANSI = new RegExp(String.fromCharCode(27) + '\\[');

/** A usage error: exit 2, nothing on stdout, exactly one line on stderr. */
async function expectUsageError(args: string[], ...fragments: string[]) {
  const r = await runBin(args);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const errLines = lines(r.stderr);
  expect(errLines).toHaveLength(1);
  expect(errLines[0]).toMatch(/^error: /);
  for (const fragment of fragments) expect(errLines[0]).toContain(fragment);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return errLines[0] as string;
}

describe('lambda-mcp --version and --help', () => {
  it('prints the version from package.json', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await runBin([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${pkg.version}\n`);
      expect(r.stderr).toBe('');
    }
  });

  it('prints general help with every command, the global options and the exit codes', async () => {
    const r = await runBin(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\s+\\S`, 'm'));
    for (const flag of [
      '--local DIR',
      '--region',
      '--profile',
      '--config FILE',
      '--json',
      '--log-level',
      '--no-color',
      '--debug',
    ]) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toMatch(/^ {2}70 {2}internal error/m);
    expect(r.stdout).not.toMatch(ANSI);
  });

  it('prints help with examples for every command (--help, -h and `help <command>`)', async () => {
    for (const c of COMMANDS) {
      const r = await runBin([c, '--help']);
      expect(r.code, c).toBe(0);
      expect(r.stdout).toContain(`Usage\n  lambda-mcp ${c}`);
      expect(r.stdout).toContain('Examples');
      expect(r.stdout.match(/^ {2}lambda-mcp /gm)?.length ?? 0).toBeGreaterThanOrEqual(2);
      expect(r.stdout).toContain('Exit codes');
    }
    const short = await runBin(['invoke', '-h']);
    const word = await runBin(['help', 'invoke']);
    expect(short.stdout).toContain('--payload JSON|@FILE|-');
    expect(word.stdout).toBe(short.stdout);
  });

  it('--json makes --version and --help parseable too', async () => {
    const v = await runBin(['--version', '--json']);
    expect(JSON.parse(v.stdout)).toEqual({ version: pkg.version });
    const h = await runBin(['logs', '--help', '--json']);
    const body = JSON.parse(h.stdout) as { command: string; help: string };
    expect(body.command).toBe('logs');
    expect(body.help).toContain('--follow');
  });

  it('shows help even when the command line has no function yet', async () => {
    const r = await runBin(['invoke', '--help']);
    expect(r.code).toBe(0);
  });
});

describe('bad command lines: one line, exit 2', () => {
  it('no command', async () => {
    await expectUsageError(
      [],
      'missing command',
      'Accepted: functions, invoke, schema, monitor, logs, tools, doctor',
    );
  });
  it('unknown command, with a suggestion', async () => {
    await expectUsageError(
      ['fnuctions'],
      "unknown command 'fnuctions'",
      "did you mean 'functions'?",
      'Accepted:',
    );
  });
  it('unknown option, with a suggestion and the accepted options', async () => {
    await expectUsageError(
      ['invoke', 'echo', '--payloda', '{}'],
      "unknown option '--payloda' for 'invoke'",
      "'--payload'",
      '--dry-run',
    );
    await expectUsageError(
      ['functions', '--everything'],
      "unknown option '--everything' for 'functions'",
      '--all',
    );
  });
  it('option without its value, value on a boolean option', async () => {
    await expectUsageError(['invoke', 'echo', '--payload'], 'option --payload needs a value');
    await expectUsageError(['functions', '--all=yes'], 'option --all takes no value');
  });
  it('missing and extra arguments', async () => {
    await expectUsageError(['invoke'], 'missing <function>', 'lambda-mcp invoke <function>');
    await expectUsageError(['schema', 'a', 'b'], "unexpected argument 'b'");
    await expectUsageError(
      ['invoke', 'echo', '{"a":1}'],
      'unexpected argument \'{"a":1}\'',
      'after --payload',
    );
  });
  it('invalid --log-level', async () => {
    await expectUsageError(
      ['functions', '--log-level', 'loud'],
      "invalid --log-level 'loud'",
      'debug, info, warn, error, silent',
    );
  });
  it('--async with --dry-run, and --logs with --async', async () => {
    await expectUsageError(
      ['invoke', 'echo', '--async', '--dry-run'],
      '--async and --dry-run cannot be combined',
    );
    await expectUsageError(
      ['invoke', 'echo', '--async', '--logs'],
      '--logs works only with synchronous invocations',
    );
  });
  it('--json makes even a usage error parseable on stdout', async () => {
    const r = await runBin(['nope', '--json']);
    expect(r.code).toBe(2);
    const body = JSON.parse(r.stdout) as { error: { code: string; message: string; exitCode: number } };
    expect(body.error).toMatchObject({ code: 'USAGE', exitCode: 2 });
    expect(body.error.message).toContain("unknown command 'nope'");
    expect(lines(r.stderr)).toHaveLength(1);
  });
  it('--debug adds the stack trace', async () => {
    const r = await runBin(['nope', '--debug']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});
