/**
 * Fault injection, decided per request from a seed so that runs repeat: request number N of a run
 * with seed S always draws the same latency and the same fate.
 */
export interface FaultOptions {
  /** Added to every response (ms). */
  latencyMs?: number;
  /** Extra latency drawn uniformly in [0, jitterMs). */
  jitterMs?: number;
  /** Share of requests answered 429 / throttling (0..1). */
  throttleRate?: number;
  /** Share of requests answered with a 5xx (0..1). */
  serverErrorRate?: number;
  /** Share of requests whose connection is destroyed without an answer (0..1). */
  dropRate?: number;
  /**
   * Share of requests never answered: the connection stays open, silent, until the client gives
   * up or the emulator closes (0..1). For Invoke, `afterExecutionShare` decides whether the
   * function ran first. Drawn after the other faults, so adding it shifts none of their draws.
   */
  stallRate?: number;
  /** Retry-After sent with injected throttles (seconds, default 1). */
  retryAfterSeconds?: number;
  /**
   * For Invoke: the share of injected 5xx and drops that happen after the function ran (its
   * answer is lost), the rest before it ran. Default 0.5.
   */
  afterExecutionShare?: number;
  /** Only these operations get faults (e.g. ["Invoke"]); latency applies to all. Default: all. */
  operations?: string[];
  /** Only these services (SigV4 names: lambda, tagging, logs, monitoring, schemas, sts). Default: all. */
  services?: string[];
}

export type FaultKind = 'throttle' | 'server-error' | 'drop' | 'stall';

export interface FaultDecision {
  delayMs: number;
  fault?: FaultKind;
  /** For Invoke: inject after the function ran. */
  afterExecution: boolean;
}

/** A 32-bit mix of seed and sequence (splitmix-like), then a small PRNG stream. */
function streamFor(seed: number, seq: number): () => number {
  let state = (seed ^ Math.imul(seq + 1, 0x9e3779b9)) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function decideFault(
  faults: FaultOptions,
  seed: number,
  seq: number,
  service: string,
  operation: string,
): FaultDecision {
  const rand = streamFor(seed, seq);
  // Always draw the same number of values so one setting does not shift the others' draws.
  const jitter = rand();
  const pick = rand();
  const phase = rand();
  const delayMs = Math.max(0, (faults.latencyMs ?? 0) + (faults.jitterMs ?? 0) * jitter);
  const applies =
    (!faults.operations || faults.operations.includes(operation)) &&
    (!faults.services || faults.services.includes(service));
  const afterExecution = phase < (faults.afterExecutionShare ?? 0.5);
  if (!applies) return { delayMs, afterExecution };
  const throttle = faults.throttleRate ?? 0;
  const server = faults.serverErrorRate ?? 0;
  const drop = faults.dropRate ?? 0;
  const stall = faults.stallRate ?? 0;
  let fault: FaultKind | undefined;
  if (pick < throttle) fault = 'throttle';
  else if (pick < throttle + server) fault = 'server-error';
  else if (pick < throttle + server + drop) fault = 'drop';
  else if (pick < throttle + server + drop + stall) fault = 'stall';
  return fault ? { delayMs, fault, afterExecution } : { delayMs, afterExecution };
}
