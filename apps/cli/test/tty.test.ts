// The bin in a real terminal: a pseudo-terminal from util-linux `script` (installed on Linux CI
// images; the tests say so and skip when it is missing). Checks colour, the spinner on stderr, the
// cursor being restored, and that NO_COLOR, --no-color and pipes get plain output.
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, childEnv, copyExamples, removeDir, runBin } from './helpers.js';

const HAS_SCRIPT = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const ESC = String.fromCharCode(27);
const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

let dir: string;
beforeAll(async () => {
  dir = await copyExamples();
});
afterAll(() => removeDir(dir));

/** Runs the bin inside a pty of 120x40 and returns everything the terminal received. */
function inTerminal(
  args: string[],
  env: Record<string, string | undefined> = {},
  redirect = '',
): Promise<{ code: number | null; screen: string }> {
  const command = `stty cols 120 rows 40; ${quote(process.execPath)} ${quote(BIN)} ${args.map(quote).join(' ')}${redirect}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: childEnv({ TERM: 'xterm-256color', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      screen += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit in 20 s; screen so far:\n${screen}`));
    }, 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

const plain = (screen: string) =>
  screen.replace(new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g'), '').replace(/\r/g, '');

describe.skipIf(!HAS_SCRIPT)('in a terminal (pty via util-linux script)', () => {
  it('a slow invocation shows a spinner on stderr, restores the cursor, then prints coloured JSON', async () => {
    const { code, screen } = await inTerminal([
      'invoke',
      'slow-report',
      '--payload',
      '{"seconds":0.8}',
      '--local',
      dir,
    ]);
    expect(code, screen).toBe(0);
    expect(screen).toContain(`${ESC}[?25l`);
    const frames = SPINNER_FRAMES.filter((f) => screen.includes(`${f}${ESC}[39m Invoking slow-report…`));
    expect(frames.length).toBeGreaterThanOrEqual(3);
    // The spinner line is cleared and the cursor shown again before the result.
    const restore = screen.indexOf(`${ESC}[?25h`);
    expect(restore).toBeGreaterThan(screen.indexOf(`${ESC}[?25l`));
    expect(screen.indexOf('"title"')).toBeGreaterThan(restore);
    expect(screen).toContain(`${ESC}[36m"title"${ESC}[39m`);
    expect(JSON.parse(plain(screen.slice(restore)).trim().split('\nslow-report · ')[0] ?? '')).toMatchObject({
      seconds: 0.8,
    });
  });

  it('tables get a bold header and a summary line', async () => {
    const { code, screen } = await inTerminal(['functions', '--local', dir]);
    expect(code).toBe(0);
    expect(screen).toContain(`${ESC}[1mNAME${ESC}[22m`);
    expect(plain(screen)).toMatch(/^echo +nodejs24\.x +128 MB +3 s /m);
    expect(plain(screen)).toContain('5 functions exposed as tools');
    // A quick command shows no spinner.
    expect(SPINNER_FRAMES.some((f) => screen.includes(f))).toBe(false);
  });

  it('NO_COLOR and --no-color turn colour off on a terminal', async () => {
    for (const [args, env] of [
      [['functions', '--local', dir], { NO_COLOR: '1' }],
      [['functions', '--local', dir, '--no-color'], {}],
    ] as const) {
      const { code, screen } = await inTerminal([...args], env);
      expect(code).toBe(0);
      expect(screen).not.toMatch(new RegExp(`${ESC}\\[(1|2|3\\d|9\\d)m`));
      expect(plain(screen)).toContain('NAME');
    }
  });

  it('--json on a terminal is plain JSON', async () => {
    const { code, screen } = await inTerminal(['functions', '--local', dir, '--json'], {}, ' 2>/dev/null');
    expect(code).toBe(0);
    expect(screen).not.toContain(ESC);
    expect((JSON.parse(screen.replace(/\r/g, '')) as { count: number }).count).toBe(5);
  });

  it('an error line is red on a terminal', async () => {
    const { code, screen } = await inTerminal(['invok']);
    expect(code).toBe(2);
    expect(screen).toContain(`${ESC}[31m${ESC}[1merror:${ESC}[22m${ESC}[39m unknown command 'invok'`);
  });
});

describe('piped (no terminal)', () => {
  it('the same slow invocation prints no spinner and no escape codes', async () => {
    const r = await runBin(['invoke', 'slow-report', '--payload', '{"seconds":0.8}', '--local', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(ESC);
    expect(SPINNER_FRAMES.some((f) => r.stderr.includes(f))).toBe(false);
    expect(JSON.parse(r.stdout)).toMatchObject({ seconds: 0.8 });
  });

  it('FORCE_COLOR=1 forces colour into a pipe', async () => {
    const r = await runBin(['functions', '--local', dir], { env: { FORCE_COLOR: '1' } });
    expect(r.stdout).toContain(`${ESC}[1mNAME`);
  });
});

if (!HAS_SCRIPT) {
  describe('in a terminal', () => {
    it.skip('skipped: util-linux `script` is not installed, so no pty is available (apt-get install util-linux)', () => {});
  });
}
