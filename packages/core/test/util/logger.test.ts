import { describe, expect, it } from 'vitest';
import { createStreamLogger } from '../../src/logger.js';

function capture(options: Parameters<typeof createStreamLogger>[0] = {}) {
  const lines: string[] = [];
  const logger = createStreamLogger({
    now: () => new Date('2026-12-02T00:00:00.000Z'),
    ...options,
    write: (line) => lines.push(line),
  });
  return { logger, lines };
}

describe('createStreamLogger (json)', () => {
  it('writes one JSON object a line: time, level, msg, then the bindings and the fields', () => {
    const { logger, lines } = capture({ bindings: { app: 'test' } });
    logger.child({ component: 'audit' }).info('invocation', {
      function: 'echo',
      statusCode: 200,
      ok: true,
      qualifier: undefined,
      nothing: null,
    });
    expect(lines).toEqual([
      '{"time":"2026-12-02T00:00:00.000Z","level":"info","msg":"invocation","app":"test","component":"audit","function":"echo","statusCode":200,"ok":true,"nothing":null}\n',
    ]);
  });

  it('a field named like a standard one replaces its value in place, as before', () => {
    const { logger, lines } = capture();
    logger.warn('m', { level: 'custom', time: 'then' });
    expect(JSON.parse(lines[0] as string)).toEqual({ time: 'then', level: 'custom', msg: 'm' });
    expect(Object.keys(JSON.parse(lines[0] as string))).toEqual(['time', 'level', 'msg']);
  });

  it('errors (also nested) become name, message and code; bigints become strings', () => {
    const { logger, lines } = capture();
    const error = Object.assign(new Error('boom'), { code: 'E_BOOM' });
    logger.error('failed', { error, size: 12n, nested: { cause: new TypeError('bad'), n: 1n } });
    expect(JSON.parse(lines[0] as string)).toEqual({
      time: '2026-12-02T00:00:00.000Z',
      level: 'error',
      msg: 'failed',
      error: { name: 'Error', message: 'boom', code: 'E_BOOM' },
      size: '12',
      nested: { cause: { name: 'TypeError', message: 'bad' }, n: '1' },
    });
  });

  it('a value that cannot be serialized gives a placeholder line, never a throw', () => {
    const { logger, lines } = capture();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => logger.info('cyclic', { cyclic })).not.toThrow();
    expect(lines).toEqual(['"[unserializable]"\n']);
  });

  it('lines under the level are not written', () => {
    const { logger, lines } = capture({ level: 'warn' });
    logger.info('quiet', { a: 1 });
    logger.debug('quieter');
    expect(lines).toEqual([]);
  });
});
