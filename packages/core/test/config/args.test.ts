import { describe, expect, it } from 'vitest';
import { isLambdaMcpError } from '../../src/index.js';
import { parseServerArgs } from '../../src/internal.js';

const settings = [
  { flag: '--port', kind: 'integer' },
  { flag: '--disk-cache', kind: 'boolean' },
  { flag: '--function-prefix', kind: 'list' },
];

function failure(argv: string[]): string {
  try {
    parseServerArgs(argv, { program: 'prog', settings });
  } catch (error) {
    expect(isLambdaMcpError(error) && error.code).toBe('INVALID_CONFIG');
    return (error as Error).message;
  }
  throw new Error('expected a failure');
}

describe('parseServerArgs', () => {
  it('maps flags to loadConfig flags, with --no- negation and repeated list flags', () => {
    const args = parseServerArgs(
      [
        '--port',
        '8080',
        '--no-disk-cache',
        '--function-prefix',
        'a-',
        '--function-prefix',
        'b-',
        '--log-format',
        'pretty',
      ],
      { program: 'prog', settings },
    );
    expect(args).toEqual({
      help: false,
      version: false,
      logFormat: 'pretty',
      flags: { port: '8080', 'disk-cache': false, 'function-prefix': ['a-', 'b-'] },
    });
    expect(parseServerArgs(['-h'], { program: 'prog', settings }).help).toBe(true);
  });

  it('refuses an unknown flag, a stray argument and a bad log format in one line naming them', () => {
    expect(failure(['--nope'])).toMatch(/--nope.*Run prog --help for the accepted flags\.$/);
    expect(failure(['extra'])).toBe('Unexpected argument "extra". Run prog --help for the accepted flags.');
    expect(failure(['--log-format', 'xml'])).toBe('Invalid --log-format "xml": expected json or pretty.');
  });
});
