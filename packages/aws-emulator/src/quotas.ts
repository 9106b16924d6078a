/**
 * Lambda's control-plane request quotas, per account and region (Lambda Developer Guide, "Lambda
 * quotas", https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html#api-requests):
 *   GetFunction API requests: 100 requests per second (cannot be increased)
 *   GetPolicy API requests: 15 requests per second (cannot be increased)
 *   Remainder of the control plane API requests (excludes invocation, GetFunction and GetPolicy
 *   requests): 15 requests per second (cannot be increased)
 * Enforced as token buckets holding one second of requests. A request over the quota is answered
 * as Lambda does: 429 TooManyRequestsException, `Type: User`, `Reason: CallerRateLimitExceeded`
 * (the Reason enum in the Lambda API reference's TooManyRequestsException).
 */
export interface QuotaOptions {
  /** ListFunctions, GetFunctionConfiguration, ListTags... (default 15 per second). */
  controlPlanePerSecond?: number;
  /** GetFunction (default 100 per second). */
  getFunctionPerSecond?: number;
}

export const LAMBDA_CONTROL_PLANE_RPS = 15;
export const LAMBDA_GET_FUNCTION_RPS = 100;

interface Bucket {
  rate: number;
  tokens: number;
  at: number;
}

export interface QuotaGate {
  /** True when the request may go; false when it is over the quota (throttle it). */
  take(operation: string): boolean;
  /** Requests throttled so far, by bucket. */
  readonly throttled: Readonly<Record<'getFunction' | 'controlPlane', number>>;
}

export function createQuotaGate(
  options: QuotaOptions = {},
  now: () => number = () => performance.now(),
): QuotaGate {
  const make = (rate: number): Bucket => ({ rate, tokens: rate, at: now() });
  const buckets = {
    getFunction: make(options.getFunctionPerSecond ?? LAMBDA_GET_FUNCTION_RPS),
    controlPlane: make(options.controlPlanePerSecond ?? LAMBDA_CONTROL_PLANE_RPS),
  };
  const throttled = { getFunction: 0, controlPlane: 0 };
  return {
    throttled,
    take(operation) {
      if (operation === 'Invoke') return true;
      const key = operation === 'GetFunction' ? 'getFunction' : 'controlPlane';
      const bucket = buckets[key];
      const t = now();
      bucket.tokens = Math.min(bucket.rate, bucket.tokens + ((t - bucket.at) / 1000) * bucket.rate);
      bucket.at = t;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return true;
      }
      throttled[key]++;
      return false;
    },
  };
}
