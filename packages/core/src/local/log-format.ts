import { randomBytes } from 'node:crypto';

/** Lambda's Text log format: platform lines as the AWS runtime writes them. */

export const startLine = (requestId: string, version = '$LATEST'): string =>
  `START RequestId: ${requestId} Version: ${version}\n`;

export const endLine = (requestId: string): string => `END RequestId: ${requestId}\n`;

export const timeoutLine = (ts: number, requestId: string, timeoutSeconds: number): string =>
  `${new Date(ts).toISOString()} ${requestId} Task timed out after ${timeoutSeconds.toFixed(2)} seconds\n`;

export interface ReportFields {
  requestId: string;
  durationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  initDurationMs?: number;
  /** `timeout` or `error` (appended as AWS does for failed invocations). */
  status?: string;
  errorType?: string;
}

/** Billed duration: ceil(duration), plus the INIT phase on a cold start (AWS since 2025-08-01). */
export function billedDurationMs(durationMs: number, initDurationMs?: number): number {
  return Math.ceil(durationMs + (initDurationMs ?? 0));
}

/**
 * `REPORT RequestId: <id>\tDuration: 3.01 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory
 * Used: 36 MB\tInit Duration: 110.10 ms\t\n`: every field is followed by a tab, so the line ends in
 * `\t\n`. `Status:` and `Error Type:` fields follow on failures.
 */
export function reportLine(fields: ReportFields): string {
  let line =
    `REPORT RequestId: ${fields.requestId}\t` +
    `Duration: ${fields.durationMs.toFixed(2)} ms\t` +
    `Billed Duration: ${billedDurationMs(fields.durationMs, fields.initDurationMs)} ms\t` +
    `Memory Size: ${fields.memorySizeMb} MB\t` +
    `Max Memory Used: ${fields.maxMemoryUsedMb} MB\t`;
  if (fields.initDurationMs !== undefined) line += `Init Duration: ${fields.initDurationMs.toFixed(2)} ms\t`;
  if (fields.status) line += `Status: ${fields.status}\t`;
  if (fields.errorType) line += `Error Type: ${fields.errorType}\t`;
  return `${line}\n`;
}

/** `2026/11/24/[$LATEST]<32 hex>`, as Lambda names a new execution environment's stream. */
export function logStreamName(now: Date = new Date(), version = '$LATEST'): string {
  const y = now.getUTCFullYear();
  const m = String(now.getUTCMonth() + 1).padStart(2, '0');
  const d = String(now.getUTCDate()).padStart(2, '0');
  return `${y}/${m}/${d}/[${version}]${randomBytes(16).toString('hex')}`;
}

/** Lambda's LastModified format: `2025-09-23T18:32:33.857+0000`. */
export function lambdaTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export const TAIL_BYTES = 4096;

/** Base64 of the last 4 KB of the log text, cut at a character boundary. */
export function logTail(text: string, maxBytes = TAIL_BYTES): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return bytes.toString('base64');
  let start = bytes.length - maxBytes;
  // Skip UTF-8 continuation bytes so the tail decodes cleanly.
  while (start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('base64');
}
