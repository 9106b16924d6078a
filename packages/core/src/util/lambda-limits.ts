/** Lambda's own limits, as AWS documents and enforces them; the one definition in the project. */
export const LAMBDA_LIMITS = {
  /** Synchronous request and response payloads (and DryRun). */
  syncPayloadBytes: 6_291_456,
  /** Event (asynchronous) payloads, since October 2025. */
  asyncPayloadBytes: 1_048_576,
  /** The response size AWS names in Function.ResponseSizeTooLarge. */
  responseBytes: 6_291_556,
  /** Base64 client context. */
  clientContextBytes: 3_583,
  /** Lambda's INIT phase limit. */
  initTimeoutMs: 10_000,
} as const;

/** Lambda's payload limit for synchronous invocations (`RequestResponse`, `DryRun`): 6 MB. */
export const SYNC_PAYLOAD_LIMIT_BYTES = LAMBDA_LIMITS.syncPayloadBytes;
/** Lambda's payload limit for asynchronous (`Event`) invocations: 1 MB. */
export const ASYNC_PAYLOAD_LIMIT_BYTES = LAMBDA_LIMITS.asyncPayloadBytes;
/** Lambda's limit on the base64 client context. */
export const CLIENT_CONTEXT_LIMIT_BYTES = LAMBDA_LIMITS.clientContextBytes;
