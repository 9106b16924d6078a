import { describe, expect, it } from 'vitest';
import { isErrorCode } from '../../src/errors.js';
import { assertQualifier, parseFunctionArn, parseFunctionReference } from '../../src/util/function-ref.js';

function rejects(input: string, fragment: string): void {
  let caught: unknown;
  try {
    parseFunctionReference(input);
  } catch (error) {
    caught = error;
  }
  expect(
    isErrorCode(caught, 'INVALID_REQUEST'),
    `expected INVALID_REQUEST for ${JSON.stringify(input)}`,
  ).toBe(true);
  expect((caught as Error).message).toContain(fragment);
}

describe('parseFunctionReference', () => {
  it('parses a name, name:qualifier, a full ARN and a partial ARN', () => {
    expect(parseFunctionReference('echo')).toEqual({ kind: 'name', name: 'echo' });
    expect(parseFunctionReference('echo:prod')).toEqual({ kind: 'name', name: 'echo', qualifier: 'prod' });
    expect(parseFunctionReference('echo:$LATEST').qualifier).toBe('$LATEST');
    expect(parseFunctionReference('arn:aws:lambda:us-east-1:123456789012:function:echo:7')).toEqual({
      kind: 'arn',
      name: 'echo',
      qualifier: '7',
      partition: 'aws',
      region: 'us-east-1',
      accountId: '123456789012',
    });
    expect(parseFunctionReference('arn:aws-cn:lambda:cn-north-1:123456789012:function:echo').partition).toBe(
      'aws-cn',
    );
    expect(parseFunctionReference('123456789012:function:echo')).toEqual({
      kind: 'partial-arn',
      name: 'echo',
      accountId: '123456789012',
    });
  });

  it('refuses surrounding whitespace', () => rejects(' echo ', 'whitespace'));
  it('refuses a trailing newline', () => rejects('echo\n', 'whitespace'));
  it('refuses Unicode look-alikes (Cyrillic e)', () => rejects('\u0435cho', 'printable ASCII'));
  it('refuses a zero-width space inside the name', () => rejects('ec\u200bho', 'printable ASCII'));
  it('refuses a fullwidth letter', () => rejects('ｅcho', 'printable ASCII'));
  it('refuses names longer than 64 characters', () => rejects('a'.repeat(65), 'at most 64'));
  it('refuses references longer than 170 characters', () =>
    rejects(
      `arn:aws:lambda:us-east-1:123456789012:function:${'a'.repeat(64)}:${'q'.repeat(70)}`,
      'at most 170',
    ));
  it('refuses an empty name', () => rejects('', 'empty'));
  it('refuses path or wildcard characters', () => rejects('ec*ho', 'may only contain'));
  it('refuses an ARN of another service', () =>
    rejects('arn:aws:s3:us-east-1:123456789012:function:echo', 'not lambda'));
  it('refuses an ARN with a malformed account', () =>
    rejects('arn:aws:lambda:us-east-1:12345:function:echo', '12-digit'));
  it('refuses an ARN naming a layer', () =>
    rejects('arn:aws:lambda:us-east-1:123456789012:layer:echo', 'not a function'));
  it('refuses too many parts', () => rejects('echo:a:b', 'too many'));
  it('refuses a bad qualifier', () => rejects('echo:pr*d', 'qualifier'));
  it('refuses a qualifier longer than 128', () => rejects(`e:${'q'.repeat(129)}`, 'longer than 128'));

  it('names what is accepted in the message', () => {
    expect(() => parseFunctionReference('bad name')).toThrow(/Accepted: a function name/);
  });
});

describe('parseFunctionArn and assertQualifier', () => {
  it('parses unqualified and qualified ARNs, and returns undefined for others', () => {
    expect(parseFunctionArn('arn:aws:lambda:eu-west-1:111111111111:function:f')).toEqual({
      partition: 'aws',
      region: 'eu-west-1',
      accountId: '111111111111',
      name: 'f',
    });
    expect(parseFunctionArn('arn:aws:lambda:eu-west-1:111111111111:function:f:prod')?.qualifier).toBe('prod');
    expect(parseFunctionArn('f')).toBeUndefined();
  });
  it('assertQualifier accepts $LATEST, versions and aliases and refuses others', () => {
    expect(assertQualifier('$LATEST')).toBe('$LATEST');
    expect(assertQualifier('12')).toBe('12');
    expect(() => assertQualifier('a b')).toThrow(/Invalid qualifier/);
  });
});
