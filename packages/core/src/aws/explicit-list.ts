/**
 * Discovery of an explicit FUNCTION_LIST without account-wide permissions: each listed function is
 * read with GetFunction (configuration, and its tags when lambda:ListTags is allowed) and, when the
 * answer carries no tags, ListTags, with bounded concurrency. Never ListFunctions, never
 * tag:GetResources, so the IAM policy can name the listed functions as its only resources
 * (docs/iam/explicit-list.json). A listed function that is missing or cannot be read is reported
 * by name (`listProblems()`), and the others still work.
 *
 * With `trust`, nothing is read: the list is taken as given (for AWS-compatible endpoints that
 * implement only Invoke). Used when the configuration has a list and no prefix.
 */
import type { FunctionConfiguration, LambdaClient } from '@aws-sdk/client-lambda';
import type { Backend } from '../backend.js';
import { isLambdaMcpError, LambdaMcpError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { CallOptions, FunctionConfig, Tags } from '../types.js';
import { mapWithConcurrency } from '../util/concurrency.js';
import { type FunctionReference, parseFunctionReference } from '../util/function-ref.js';
import { mapAwsError } from './errors.js';
import { toFunctionConfig, unqualifyArn } from './mappers.js';
import { sdk } from './sdk.js';
import type { LeanReads } from './tags.js';
import { withThrottleRetry } from './throttle-retry.js';

export interface ExplicitListOptions {
  /** FUNCTION_LIST entries as configured (names, name:qualifier, full or partial ARNs). */
  entries: readonly string[];
  /** Take the list as given; read nothing (Invoke-only endpoints). */
  trust?: boolean;
  /**
   * GetFunction/ListTags calls in flight. Default: every function of a list of up to 16 at once
   * (one round trip; GetFunction's quota is 100 requests a second), else 8 (Lambda's control plane
   * is rate-limited).
   */
  concurrency?: number;
}

/** A list this short is read all at once; a longer one LONG_LIST_CONCURRENCY functions at a time. */
const SHORT_LIST = 16;
const LONG_LIST_CONCURRENCY = 8;

/** Timeout of a function whose configuration was not read: Lambda's maximum, so none is cut short. */
const TRUSTED_TIMEOUT_SECONDS = 900;

function callOpts(options?: CallOptions) {
  return options?.signal ? { abortSignal: options.signal } : {};
}

/** The unqualified spelling of an entry Lambda accepts as FunctionName (name or ARN). */
function functionNameOf(ref: FunctionReference, partition = 'aws'): string {
  if (ref.kind === 'arn')
    return `arn:${ref.partition ?? partition}:lambda:${ref.region}:${ref.accountId}:function:${ref.name}`;
  if (ref.kind === 'partial-arn') return `${ref.accountId}:function:${ref.name}`;
  return ref.name;
}

/** Distinct unqualified functions of the list, keyed by their FunctionName spelling. */
function targetsOf(entries: readonly string[]): Map<string, FunctionReference> {
  const out = new Map<string, FunctionReference>();
  for (const entry of entries) {
    const ref = parseFunctionReference(entry);
    const key = functionNameOf(ref);
    if (!out.has(key)) out.set(key, ref);
  }
  return out;
}

/**
 * Wraps the AWS backend so that listFunctions, getTags and (trusted) getFunction follow the
 * explicit list. Everything else is the backend's own.
 */
export function withExplicitList<B extends Backend>(
  backend: B,
  deps: { lambda: () => LambdaClient; logger: Logger; region: string; lean?: LeanReads },
  options: ExplicitListOptions,
): B {
  const targets = targetsOf(options.entries);
  const concurrency = Math.max(
    1,
    options.concurrency ?? (targets.size <= SHORT_LIST ? targets.size : LONG_LIST_CONCURRENCY),
  );
  let problems = new Map<string, string>();

  const trusted = (ref: FunctionReference): FunctionConfig => ({
    name: ref.name,
    arn: `arn:${ref.partition ?? 'aws'}:lambda:${ref.region ?? deps.region}:${ref.accountId ?? '000000000000'}:function:${ref.name}`,
    timeoutSeconds: TRUSTED_TIMEOUT_SECONDS,
    memorySizeMb: 128,
    logGroup: `/aws/lambda/${ref.name}`,
    description: 'Listed in FUNCTION_LIST (configuration not read: LAMBDA_MCP_TRUST_FUNCTION_LIST).',
    tags: {},
  });

  async function listTags(arn: string, callOptions?: CallOptions): Promise<Tags> {
    try {
      const response = await withThrottleRetry(
        () =>
          deps.lambda().send(new (sdk.lambda().ListTagsCommand)({ Resource: arn }), callOpts(callOptions)),
        callOptions?.signal ? { signal: callOptions.signal } : {},
      );
      return { ...(response.Tags ?? {}) };
    } catch (error) {
      throw mapAwsError(error, { service: 'lambda', operation: 'ListTags', functionName: arn });
    }
  }

  async function read(
    key: string,
    ref: FunctionReference,
    callOptions?: CallOptions,
  ): Promise<FunctionConfig | undefined> {
    let fn: FunctionConfig | undefined;
    const lean = deps.lean;
    if (lean?.on() && !callOptions?.signal?.aborted) {
      // Without the SDK where that sends what the SDK would (./lean-read.ts): a start that reads a
      // short list does not load the SDK for it. Any failure is read again through the SDK, which
      // reports it (a missing function, a denial) or retries it (a throttle) as always.
      try {
        const answer = await lean.reader.getFunction(key, callOptions?.signal);
        fn = toFunctionConfig(
          answer.configuration as FunctionConfiguration,
          answer.tags ? { tags: answer.tags } : {},
        );
      } catch (error) {
        if (!callOptions?.signal?.aborted) lean.failed('GetFunction', error);
      }
    }
    if (!fn) {
      const viaSdk = await readWithSdk(key, ref, callOptions);
      if (!viaSdk) return undefined;
      fn = viaSdk;
    }
    if (fn.tags === undefined) {
      // GetFunction carries tags only where lambda:ListTags is allowed (and the function has some).
      try {
        fn.tags = await listTags(fn.arn, callOptions);
      } catch (error) {
        if (!isLambdaMcpError(error) || (error as LambdaMcpError).code !== 'ACCESS_DENIED') throw error;
        // Left unread: discovery asks getTags, which reports why once for all functions.
      }
    }
    return fn;
  }

  /** GetFunction through the SDK; undefined (and the reason kept) for a function that cannot be read. */
  async function readWithSdk(
    key: string,
    ref: FunctionReference,
    callOptions?: CallOptions,
  ): Promise<FunctionConfig | undefined> {
    try {
      const response = await withThrottleRetry(
        () =>
          deps
            .lambda()
            .send(new (sdk.lambda().GetFunctionCommand)({ FunctionName: key }), callOpts(callOptions)),
        callOptions?.signal ? { signal: callOptions.signal } : {},
      );
      if (!response.Configuration) {
        problems.set(ref.name, 'GetFunction returned no configuration');
        return undefined;
      }
      return toFunctionConfig(response.Configuration, response.Tags ? { tags: response.Tags } : {});
    } catch (error) {
      const err = mapAwsError(error, { service: 'lambda', operation: 'GetFunction', functionName: ref.name });
      if (err.code === 'FUNCTION_NOT_FOUND') {
        problems.set(ref.name, 'no such function');
        return undefined;
      }
      if (err.code === 'ACCESS_DENIED' || err.code === 'INVALID_REQUEST') {
        problems.set(ref.name, `cannot be read: ${err.message}`);
        return undefined;
      }
      throw err;
    }
  }

  // A copy of the backend's own properties (getters kept), with discovery replaced.
  const wrapped = Object.defineProperties({}, Object.getOwnPropertyDescriptors(backend)) as B;
  Object.defineProperties(wrapped, {
    discoveryMode: { value: options.trust ? 'trusted-list' : 'explicit-list', enumerable: true },
    listProblems: { value: () => new Map(problems) },
    listFunctions: {
      value: async (callOptions?: CallOptions): Promise<FunctionConfig[]> => {
        if (options.trust) return [...targets.values()].map(trusted);
        const next = new Map<string, string>();
        const previous = problems;
        problems = next;
        try {
          const read_ = await mapWithConcurrency([...targets.entries()], concurrency, ([key, ref]) =>
            read(key, ref, callOptions),
          );
          const found = read_.filter((f): f is FunctionConfig => f !== undefined);
          for (const [name, why] of next)
            if (previous.get(name) !== why)
              deps.logger.warn('FUNCTION_LIST entry not read', { function: name, why });
          return found;
        } catch (error) {
          problems = previous;
          throw error;
        }
      },
    },
    getTags: {
      value: async (request: { arns: string[] }, callOptions?: CallOptions): Promise<Map<string, Tags>> => {
        const out = new Map<string, Tags>();
        if (options.trust) return out;
        const arns = [...new Set(request.arns.map(unqualifyArn))];
        await mapWithConcurrency(arns, concurrency, async (arn) => {
          out.set(arn, await listTags(arn, callOptions));
        });
        return out;
      },
    },
    getFunction: {
      value: async (name: string, qualifier?: string, callOptions?: CallOptions): Promise<FunctionConfig> => {
        if (!options.trust) return backend.getFunction(name, qualifier, callOptions);
        const ref = [...targets.values()].find((r) => r.name === name || functionNameOf(r) === name);
        if (!ref) {
          throw new LambdaMcpError(
            'FUNCTION_NOT_FOUND',
            `Function ${JSON.stringify(name)} is not in FUNCTION_LIST (its configuration is not read: LAMBDA_MCP_TRUST_FUNCTION_LIST).`,
          );
        }
        const fn = trusted(ref);
        if (qualifier) fn.version = qualifier;
        return fn;
      },
    },
  });
  return wrapped;
}
