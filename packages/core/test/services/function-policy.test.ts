import { afterEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';
import { isLambdaMcpError, LambdaMcpError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { createDiscoveryService } from '../../src/services/discovery-service.js';
import {
  compileFunctionPolicy,
  type FunctionTarget,
  parseFunctionPattern,
} from '../../src/services/function-policy.js';
import type { DiscoveryService } from '../../src/services/types.js';
import { ACCOUNT, arnOf, createMemoryBackend, fn } from './memory-backend.js';

const t = (name: string, qualifier?: string, arn: string | undefined = arnOf(name)): FunctionTarget => ({
  name,
  ...(qualifier ? { qualifier } : {}),
  ...(arn ? { arn } : {}),
});

describe('function patterns', () => {
  it('name every spelling of a function: name, name:qualifier, partial and full ARN, globs in any part', () => {
    const cases: Array<[string, FunctionTarget, boolean]> = [
      ['echo', t('echo'), true],
      ['echo', t('echo', 'live'), true],
      ['echo', t('echoes'), false],
      ['ech?', t('echo', '3'), true],
      ['echo:live', t('echo', 'live'), true],
      ['echo:live', t('echo'), false],
      ['echo:live', t('echo', 'prod'), false],
      ['echo:$LATEST', t('echo'), true],
      ['echo:*', t('echo'), true],
      ['*:live', t('any-fn', 'live'), true],
      [`${ACCOUNT}:function:echo`, t('echo', 'live'), true],
      [`${ACCOUNT}:function:echo`, t('echo', undefined, arnOf('echo', 'us-east-1', '111111111111')), false],
      ['*:function:echo', t('echo'), true],
      ['*:function:echo:live', t('echo', 'live'), true],
      ['*:function:echo:live', t('echo'), false],
      ['arn:aws:lambda:*:function:echo', t('echo', 'live'), true],
      ['arn:aws:lambda:*:function:echo', t('echo', undefined, arnOf('echo', 'eu-west-1')), true],
      ['arn:aws:lambda:eu-*:function:echo', t('echo'), false],
      ['arn:aws-cn:lambda:*:function:echo', t('echo'), false],
      [`arn:aws:lambda:us-east-1:${ACCOUNT}:function:echo:live`, t('echo', 'live'), true],
      [`arn:aws:lambda:us-east-1:${ACCOUNT}:function:echo:live`, t('echo'), false],
      ['arn:aws:lambda:*', t('anything'), true],
      // A name pattern never matches through an ARN: `*east*` is not every function in us-east-1.
      ['*east*', t('echo'), false],
      ['*1*', t('echo'), false],
    ];
    for (const [pattern, target, expected] of cases) {
      const policy = compileFunctionPolicy([pattern]);
      expect(policy(target), `${pattern} ~ ${JSON.stringify(target)}`).toBe(expected);
    }
  });

  it('denials win over allows, and an ARN denial denies a target whose ARN is unknown', () => {
    const policy = compileFunctionPolicy([
      '*',
      '!data-processor:live',
      '!arn:aws:lambda:*:function:always-fails',
      '!*:function:customer-lookup',
    ]);
    expect(policy(t('data-processor'))).toBe(true);
    expect(policy(t('data-processor', 'live'))).toBe(false);
    expect(policy(t('always-fails'))).toBe(false);
    expect(policy(t('always-fails', 'prod'))).toBe(false);
    expect(policy(t('customer-lookup', '$LATEST'))).toBe(false);
    expect(policy(t('echo'))).toBe(true);
    expect(policy('echo')).toBe(false); // no ARN: the ARN denials cannot tell, so they deny
    expect(compileFunctionPolicy(['*', '!nope'])('echo')).toBe(true);
    expect(compileFunctionPolicy([])(t('echo'))).toBe(false);
  });

  it('refuses, with one line saying why, a pattern that cannot name a function', () => {
    const bad: Array<[string, RegExp]> = [
      ['', /empty/],
      ['!', /empty/],
      ['data.processor', /patterns may use/],
      ['bad pattern', /patterns may use/],
      ['echo:', /qualifier part is empty/],
      ['function:echo', /partial ARN without its account.*\*:function:echo/],
      ['us-east-1:x:y', /expected a function name/],
      ['arn:aws:lambda:*:layer:x', /must name functions|names a "layer"/],
      ['arn:aws:iam::000000000000:role/x', /patterns may use/],
      ['arn:aws:s3:us-east-1:000000000000:function:x', /service "s3"/],
      ['arn:aws:lambda:us-east-1:12:function:x', /12-digit account/],
      ['arn:aws:lambda:us-east-1:000000000000:function', /7 parts/],
      ['abc:function:x', /12-digit account/],
      [`${'a'.repeat(65)}`, /cannot be a function name/],
      ['x:$$$bad', /cannot be a qualifier|patterns may use/],
    ];
    for (const [pattern, why] of bad) {
      let message = '';
      try {
        parseFunctionPattern(pattern);
      } catch (error) {
        expect(isLambdaMcpError(error) && error.code).toBe('INVALID_CONFIG');
        message = (error as Error).message;
      }
      expect(message, pattern).toMatch(why);
      expect(message.split('\n')).toHaveLength(1);
    }
  });
});

describe('discovery.resolve with a caller policy: a hidden function is a missing one', () => {
  const open: DiscoveryService[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((d) => d.close()));
  });

  async function messageOf(promise: Promise<unknown>, given: string): Promise<string> {
    try {
      await promise;
    } catch (error) {
      return `${(error as { code?: string }).code}: ${(error as Error).message.split(JSON.stringify(given)).join('"X"')}`;
    }
    return 'resolved';
  }

  it('authorizes the qualifier the call would use, and computes every message over what the caller sees', async () => {
    const backend = createMemoryBackend({ functions: [fn('data-processor'), fn('report'), fn('echo')] });
    backend.versions.set('report:live', fn('report'));
    backend.versions.set('report:prod', fn('report'));
    const discovery = createDiscoveryService({
      backend,
      config: ConfigSchema.parse({ functionList: ['echo', 'data-processor', 'report:live', 'report:prod'] }),
      logger: silentLogger,
    });
    open.push(discovery);
    const authorize = compileFunctionPolicy(['*', '!data-processor:live', '!report:prod']);
    // A denied alias of a visible function reads as an alias that does not exist (`ghost`, which
    // the backend does not know: checked with verifyQualifier, as the tools that do not invoke do).
    backend.onInvoke = async (request) => {
      if (request.qualifier === 'ghost')
        throw new LambdaMcpError('FUNCTION_NOT_FOUND', 'Function not found: data-processor:ghost');
      return { statusCode: 204, payload: new Uint8Array(0) };
    };
    const ghost = await messageOf(
      discovery.resolve('data-processor', { authorize, qualifier: 'ghost', verifyQualifier: true }),
      'data-processor',
    );
    expect(ghost).toMatch(/^INVALID_REQUEST: Function 'data-processor' has no version or alias 'ghost'/);
    expect(backend.calls.invoke.map((r) => [r.qualifier, r.invocationType])).toEqual([['ghost', 'DryRun']]);
    backend.calls.invoke.length = 0;
    for (const [given, qualifier] of [
      ['data-processor', 'live'],
      ['data-processor:live', undefined],
      [`${arnOf('data-processor')}:live`, undefined],
    ] as const) {
      for (const verifyQualifier of [false, true]) {
        const opts = { authorize, verifyQualifier, ...(qualifier ? { qualifier } : {}) };
        expect(
          (await messageOf(discovery.resolve(given, opts), given)).replaceAll('live', 'ghost'),
          given,
        ).toBe(ghost);
      }
      // An invocation defers the refusal to where the backend would refuse `ghost`.
      await expect(
        discovery.resolve(given, {
          authorize,
          deferHiddenQualifier: true,
          ...(qualifier ? { qualifier } : {}),
        }),
      ).resolves.toMatchObject({ function: { name: 'data-processor' }, qualifier: 'live', hidden: true });
    }
    // A missing function is still a missing function.
    expect(await messageOf(discovery.resolve('nothere', { authorize }), 'nothere')).toMatch(
      /^FUNCTION_NOT_ALLOWED: /,
    );
    // A hidden qualifier of a visible function reads as a qualifier that is not configured.
    expect(await messageOf(discovery.resolve('report:prod', { authorize }), 'report:prod')).toBe(
      await messageOf(discovery.resolve('report:nope', { authorize }), 'report:nope'),
    );
    expect(await messageOf(discovery.resolve('report', { authorize, qualifier: 'prod' }), 'report')).toBe(
      await messageOf(discovery.resolve('report', { authorize, qualifier: 'nope' }), 'report'),
    );
    // Only report:live is visible: the bare name resolves to it, no "several qualifiers" message.
    await expect(discovery.resolve('report', { authorize })).resolves.toMatchObject({ qualifier: 'live' });
    await expect(discovery.resolve('data-processor', { authorize })).resolves.toMatchObject({
      function: { name: 'data-processor' },
    });
    // Without the policy the same name names both qualifiers.
    await expect(discovery.resolve('report')).rejects.toThrow(/several qualifiers \(live, prod\)/);
    expect(backend.calls.invoke).toHaveLength(0);
  });

  it('LAMBDA_MCP_EXCLUDE denies a qualifier at resolve time, not only catalog entries', async () => {
    const backend = createMemoryBackend({ functions: [fn('data-processor'), fn('always-fails')] });
    const discovery = createDiscoveryService({
      backend,
      config: ConfigSchema.parse({
        exclude: ['data-processor:live', 'arn:aws:lambda:*:function:always-fails'],
      }),
      logger: silentLogger,
    });
    open.push(discovery);
    const names = (await discovery.getCatalog()).functions.map((f) => f.name);
    expect(names).toEqual(['data-processor']);
    await expect(discovery.resolve('data-processor')).resolves.toBeDefined();
    // The denied alias of a visible function: the answer an alias that does not exist gets.
    await expect(discovery.resolve('data-processor', { qualifier: 'live' })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      details: { unknownQualifier: true, qualifier: 'live' },
    });
    await expect(discovery.resolve('data-processor:live')).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      details: { unknownQualifier: true, qualifier: 'live' },
    });
    await expect(discovery.resolve('always-fails:live')).rejects.toMatchObject({
      code: 'FUNCTION_NOT_ALLOWED',
    });
  });

  it('refuses an exclude entry that cannot name a function when the service is created', () => {
    expect(() =>
      createDiscoveryService({
        backend: createMemoryBackend(),
        config: ConfigSchema.parse({ exclude: ['arn:aws:lambda:*:layer:x'] }),
        logger: silentLogger,
      }),
    ).toThrow(/Invalid exclude entry .*arn:aws:lambda:\*:layer:x/);
  });
});
