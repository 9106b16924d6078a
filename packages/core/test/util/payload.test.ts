import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isErrorCode } from '../../src/errors.js';
import { decodePayload, encodePayload, toFunctionErrorInfo } from '../../src/util/payload.js';

const fixture = JSON.parse(
  readFileSync(`${process.env.AWS_FIXTURES_DIR}/lambda-invoke.json`, 'utf8'),
) as Record<string, { 'recorded-content': Record<string, { Payload?: unknown; FunctionError?: string }> }>;
const enc = (s: string) => new TextEncoder().encode(s);
const recorded = (test: string, step: string) => {
  const entry = fixture[`tests/aws/services/lambda_/test_lambda.py::${test}`]?.['recorded-content'][step];
  if (!entry) throw new Error(`fixture ${test} ${step} missing`);
  return entry;
};

describe('decodePayload', () => {
  it('decodes empty, JSON, text and binary bodies', () => {
    expect(decodePayload(new Uint8Array())).toEqual({ kind: 'empty' });
    expect(decodePayload(enc('{"a":1}'))).toEqual({ kind: 'json', value: { a: 1 }, text: '{"a":1}' });
    expect(decodePayload(enc('"hi"'))).toMatchObject({ kind: 'json', value: 'hi' });
    expect(decodePayload(enc('42'))).toMatchObject({ kind: 'json', value: 42 });
    expect(decodePayload(enc('null'))).toMatchObject({ kind: 'json', value: null });
    expect(decodePayload(enc('hello world'))).toEqual({ kind: 'text', text: 'hello world' });
    expect(decodePayload(enc('{broken'))).toEqual({ kind: 'text', text: '{broken' });
    const bin = decodePayload(new Uint8Array([0xff, 0x00, 0x10, 0x80]));
    expect(bin).toEqual({ kind: 'binary', base64: '/wAQgA==', byteLength: 4 });
    expect(decodePayload(enc('a\u0000b'))).toMatchObject({ kind: 'binary' });
  });
  it('strips a byte-order mark before parsing JSON', () => {
    expect(decodePayload(enc('\ufeff{"x":true}'))).toMatchObject({ kind: 'json', value: { x: true } });
  });
});

describe('encodePayload', () => {
  it('serialises JSON values, sends {} for undefined and raw bytes unchanged', () => {
    expect(new TextDecoder().decode(encodePayload({ a: 1 }))).toBe('{"a":1}');
    expect(new TextDecoder().decode(encodePayload(undefined))).toBe('{}');
    const raw = new Uint8Array([1, 2, 3]);
    expect(encodePayload(undefined, raw)).toBe(raw);
    expect(new TextDecoder().decode(encodePayload(undefined, 'text'))).toBe('text');
  });
  it('refuses values JSON cannot represent', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodePayload(cyclic)).toThrow(/cannot be serialised/);
    try {
      encodePayload(10n);
    } catch (error) {
      expect(isErrorCode(error, 'INVALID_INPUT')).toBe(true);
    }
    expect(() => encodePayload(() => 1)).toThrow(/must be a JSON value/);
  });
});

describe('toFunctionErrorInfo', () => {
  it('reads the Node shape', () => {
    const body = {
      errorType: 'Error',
      errorMessage: 'boom',
      trace: ['Error: boom', '    at handler (/var/task/index.js:1:1)'],
    };
    expect(toFunctionErrorInfo('Unhandled', decodePayload(enc(JSON.stringify(body))))).toEqual({
      kind: 'Unhandled',
      errorType: 'Error',
      errorMessage: 'boom',
      trace: ['Error: boom', '    at handler (/var/task/index.js:1:1)'],
      raw: body,
    });
  });
  it('reads the Python shape recorded from AWS (stackTrace entries split into lines)', () => {
    const entry = recorded('TestLambdaErrors::test_lambda_handler_error', 'invocation_error');
    const info = toFunctionErrorInfo(
      entry.FunctionError ?? '',
      decodePayload(enc(JSON.stringify(entry.Payload))),
    );
    expect(info.errorType).toBe('Exception');
    expect(info.errorMessage).toBe('Handler fails');
    expect(info.trace).toEqual([
      '  File "/var/task/lambda_handler_error.py", line 2, in handler',
      '    raise Exception("Handler fails")',
    ]);
  });
  it('reads Sandbox.Timedout and Runtime.ExitError recorded from AWS', () => {
    const timeout = recorded('TestLambdaBehavior::test_lambda_invoke_with_timeout', 'invoke-result');
    const t = toFunctionErrorInfo('Unhandled', decodePayload(enc(JSON.stringify(timeout.Payload))));
    expect(t).toMatchObject({ errorType: 'Sandbox.Timedout', trace: [] });
    expect(t.errorMessage).toContain('Task timed out after 1.00 seconds');
    const exit = recorded('TestLambdaErrors::test_lambda_handler_exit', 'invocation_error');
    expect(toFunctionErrorInfo('Unhandled', decodePayload(enc(JSON.stringify(exit.Payload)))).errorType).toBe(
      'Runtime.ExitError',
    );
  });
  it('handles string, text, binary and empty error bodies', () => {
    expect(toFunctionErrorInfo('Handled', decodePayload(enc('"bad"')))).toMatchObject({
      errorType: 'Handled',
      errorMessage: 'bad',
    });
    expect(toFunctionErrorInfo('Unhandled', decodePayload(enc('oops')))).toMatchObject({
      errorMessage: 'oops',
    });
    expect(toFunctionErrorInfo('Unhandled', decodePayload(new Uint8Array([0xff, 0xfe])))).toMatchObject({
      errorMessage: expect.stringContaining('binary error payload of 2 bytes'),
    });
    expect(toFunctionErrorInfo('Unhandled', decodePayload(new Uint8Array())).errorMessage).toContain(
      'without an error payload',
    );
  });
});
