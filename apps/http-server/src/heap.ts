import { readFileSync } from 'node:fs';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';

/**
 * The memory limit of the container (cgroup) this process runs in, in bytes, or undefined when
 * none is set or it cannot be read: cgroup v2 `memory.max` ("max" = no limit), then cgroup v1
 * `memory.limit_in_bytes` (a value near 2^63 = no limit).
 */
export function containerMemoryLimit(
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): number | undefined {
  for (const path of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    let text: string;
    try {
      text = read(path).trim();
    } catch {
      continue;
    }
    if (text === 'max') return undefined;
    const bytes = Number(text);
    if (!Number.isSafeInteger(bytes) || bytes <= 0) return undefined;
    // cgroup v1 reports "no limit" as a page-aligned value near 2^63.
    return bytes >= 2 ** 52 ? undefined : bytes;
  }
  return undefined;
}

/** The share of the container limit the V8 heap may take; the rest is for code, buffers, malloc. */
export const HEAP_SHARE = 0.5;

export interface HeapCheck {
  containerLimitMb: number | undefined;
  heapLimitMb: number;
  /** Set when the heap may grow past HEAP_SHARE of the container limit: what to set instead. */
  advice?: string;
}

/**
 * Compares V8's heap limit with the container limit. Node sizes the heap from the cgroup limit, but
 * up to about the whole limit (a 256 MB container gets a ~260 MB heap), which leaves nothing for
 * the memory outside the heap: the container is killed before V8 collects.
 */
export function checkHeapLimit(
  containerLimit: number | undefined = containerMemoryLimit(),
  heapLimit: number = getHeapStatistics().heap_size_limit,
): HeapCheck {
  const mb = (b: number) => Math.round(b / 1048576);
  const check: HeapCheck = {
    containerLimitMb: containerLimit === undefined ? undefined : mb(containerLimit),
    heapLimitMb: mb(heapLimit),
  };
  if (containerLimit !== undefined && heapLimit > containerLimit * HEAP_SHARE) {
    const suggested = Math.max(64, Math.floor(mb(containerLimit) * HEAP_SHARE));
    check.advice =
      `the V8 heap may grow to ${check.heapLimitMb} MB in a container limited to ${check.containerLimitMb} MB, ` +
      `so the container can be killed for memory before the heap is collected; set ` +
      `NODE_OPTIONS="--max-old-space-size=${suggested}" (half the limit) and MALLOC_ARENA_MAX=2`;
  }
  return check;
}

/** Default resident-memory target of the memory governor, in MB. */
export const DEFAULT_MEMORY_TARGET_MB = 192;

/**
 * The resident-memory target in bytes, from LAMBDA_MCP_MEMORY_TARGET_MB (0 = off; default 192 MB,
 * or half the container limit when that is lower), or undefined when off. Throws for a value that
 * is not a whole number of MB.
 */
export function memoryTargetBytes(
  env: Record<string, string | undefined>,
  containerLimit: number | undefined = containerMemoryLimit(),
): number | undefined {
  const raw = env.LAMBDA_MCP_MEMORY_TARGET_MB?.trim();
  if (raw !== undefined && raw !== '') {
    if (!/^\d+$/.test(raw) || Number(raw) > 1_048_576) {
      throw new Error(
        `LAMBDA_MCP_MEMORY_TARGET_MB=${JSON.stringify(raw)} is not valid: expected a whole number of MB (e.g. 192), or 0 to turn the memory governor off.`,
      );
    }
    return Number(raw) === 0 ? undefined : Number(raw) * 1048576;
  }
  const fallback = DEFAULT_MEMORY_TARGET_MB * 1048576;
  return containerLimit === undefined ? fallback : Math.min(fallback, Math.floor(containerLimit / 2));
}

/** The old generation may grow to this percent above the live heap before the next full collection. */
export const HEAP_GROWING_PERCENT = 60;

/**
 * Makes V8 collect the old generation before it grows far past the live heap. V8's own growing
 * factor (up to 4x the live heap with a large heap limit) lets this server's live heap of ~30 MB
 * reach 200 MB of mostly garbage under load. 60% kept the throughput of V8's default in bench/http-memory.mjs (30% cost about a quarter of it). Set unless the operator set it (NODE_OPTIONS or node
 * flags) or LAMBDA_MCP_HEAP_GROWING_PERCENT=0. Returns the percent set, or undefined.
 */
export function applyHeapGrowing(
  env: Record<string, string | undefined> = process.env,
  execArgv: readonly string[] = process.execArgv,
): number | undefined {
  const given = `${env.NODE_OPTIONS ?? ''} ${execArgv.join(' ')}`;
  if (/--heap[-_]growing[-_]percent/.test(given)) return undefined;
  const raw = env.LAMBDA_MCP_HEAP_GROWING_PERCENT?.trim();
  let percent = HEAP_GROWING_PERCENT;
  if (raw !== undefined && raw !== '') {
    if (!/^\d+$/.test(raw) || Number(raw) > 1000) {
      throw new Error(
        `LAMBDA_MCP_HEAP_GROWING_PERCENT=${JSON.stringify(raw)} is not valid: expected a whole number from 1 to 1000 (percent), or 0 to leave V8's default.`,
      );
    }
    percent = Number(raw);
  }
  if (percent === 0) return undefined;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  return percent;
}

/** Environment variables about memory the deploy files may set (read by Node, glibc or this server). */
export const MEMORY_ENV = [
  'NODE_OPTIONS',
  'MALLOC_ARENA_MAX',
  'LAMBDA_MCP_MEMORY_TARGET_MB',
  'LAMBDA_MCP_HEAP_GROWING_PERCENT',
] as const;
