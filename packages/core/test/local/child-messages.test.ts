// The host's reading of a runtime process's channel: every line the function's process sends is
// checked before use; anything else is a violation, reported once and never thrown.
import { describe, expect, it } from 'vitest';
import { checkMessage, MessageReader } from '../../src/local/child-messages.js';
import type { WorkerToHost } from '../../src/local/protocol.js';

function read(chunks: (string | Buffer)[], maxBytes?: number) {
  const messages: WorkerToHost[] = [];
  const violations: string[] = [];
  const reader = new MessageReader(
    (m) => messages.push(m),
    (r) => violations.push(r),
    maxBytes,
  );
  for (const c of chunks) reader.push(typeof c === 'string' ? Buffer.from(c) : c);
  return { messages, violations };
}

describe('runtime channel messages', () => {
  it('accepts each message of the protocol, and only its fields', () => {
    const good: WorkerToHost[] = [
      { t: 'ready', memoryBytes: 1 },
      { t: 'init-error', error: { errorType: 'Runtime.HandlerNotFound', errorMessage: 'x', trace: ['a'] } },
      { t: 'log', ts: 1, text: 'line\n' },
      { t: 'log-dropped', bytes: 10 },
      { t: 'done', requestId: 'r', body: '{"a":1}', memoryBytes: 2 },
      {
        t: 'done',
        requestId: 'r',
        error: { errorType: 'E', errorMessage: 'm' },
        memoryBytes: 2,
        fatal: true,
      },
    ];
    for (const m of good)
      expect(checkMessage(JSON.parse(JSON.stringify(m)))).toEqual({ ok: true, message: m });
  });

  it.each([
    [null, 'must be a JSON object, got null'],
    [42, 'must be a JSON object, got number'],
    ['text', 'must be a JSON object, got string'],
    [[{ t: 'ready' }], 'must be a JSON object'],
    [
      { t: 'nonsense' },
      'unknown message type "nonsense" (accepted: ready, init-error, log, log-dropped, done)',
    ],
    [{}, 'unknown message type "undefined"'],
    [{ t: 'ready', memoryBytes: -1 }, 'ready: memoryBytes is not a non-negative number'],
    [{ t: 'ready', memoryBytes: 1, extra: 1 }, 'ready: unknown field "extra"'],
    [{ t: 'log', ts: 'yesterday', text: 'x' }, 'log: ts is not a timestamp'],
    [{ t: 'log', ts: 1, text: 42 }, 'log: text is not a string'],
    [{ t: 'log-dropped', bytes: 'many' }, 'log-dropped: bytes is not a non-negative number'],
    [{ t: 'init-error', error: 'boom' }, 'init-error: error is not an object'],
    [
      { t: 'init-error', error: { errorType: 1, errorMessage: 'm' } },
      'init-error: error.errorType is not a string',
    ],
    [{ t: 'done', requestId: 7, memoryBytes: 1 }, 'done: requestId is not a string'],
    [{ t: 'done', requestId: 'r', memoryBytes: 'lots' }, 'done: memoryBytes is not a non-negative number'],
    [{ t: 'done', requestId: 'r', memoryBytes: 1, body: { a: 1 } }, 'done: body is not a string'],
    [{ t: 'done', requestId: 'r', memoryBytes: 1, fatal: 'yes' }, 'done: fatal is not a boolean'],
    [
      { t: 'done', requestId: 'r', memoryBytes: 1, body: '1', error: { errorType: 'E', errorMessage: 'm' } },
      'done: both body and error',
    ],
    [
      { t: 'done', requestId: 'r', memoryBytes: 1, error: { errorType: 'E', errorMessage: 'm', trace: [1] } },
      'done: error.trace is not a list of strings',
    ],
  ])('refuses %j', (value, reason) => {
    const checked = checkMessage(value);
    expect(checked.ok).toBe(false);
    expect(checked.ok ? '' : checked.reason).toContain(reason);
  });

  it('reads lines split across chunks and several lines in one chunk', () => {
    const { messages, violations } = read([
      '{"t":"log","ts":1,',
      '"text":"a"}\n{"t":"log","ts":2,"text":"b"}\n\n{"t":"ready",',
      '"memoryBytes":3}\n',
    ]);
    expect(violations).toEqual([]);
    expect(messages).toEqual([
      { t: 'log', ts: 1, text: 'a' },
      { t: 'log', ts: 2, text: 'b' },
      { t: 'ready', memoryBytes: 3 },
    ]);
  });

  it('reports a line that is not JSON once and ignores the rest of the stream', () => {
    const { messages, violations } = read([
      '{"t":"done", not json\n{"t":"ready","memoryBytes":1}\n',
      'more\n',
    ]);
    expect(violations).toEqual(['a line that is not JSON']);
    expect(messages).toEqual([]);
  });

  it('refuses a line longer than the limit, even before its newline arrives', () => {
    const { violations } = read(['{"t":"log","ts":1,"text":"', 'x'.repeat(200)], 100);
    expect(violations).toEqual(['a message longer than 100 bytes']);
    const complete = read([`{"t":"log","ts":1,"text":"${'x'.repeat(200)}"}\n`], 100);
    expect(complete.violations).toEqual(['a message longer than 100 bytes']);
  });
});
