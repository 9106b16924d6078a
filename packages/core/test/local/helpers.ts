import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalBackend } from '../../src/local/index.js';
import type { Logger } from '../../src/logger.js';
import type { BackendInvokeRequest, BackendInvokeResult } from '../../src/types.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export interface Invoked {
  result: BackendInvokeResult;
  text: string;
  body: unknown;
  /** The decoded log tail split into lines (each keeps no trailing newline). */
  logs: string[];
  tail: string;
}

export async function invoke(
  backend: LocalBackend,
  functionName: string,
  payload: unknown = {},
  extra: Partial<BackendInvokeRequest> = {},
  signal?: AbortSignal,
): Promise<Invoked> {
  const result = await backend.invoke(
    {
      functionName,
      invocationType: 'RequestResponse',
      logType: 'Tail',
      payload: new TextEncoder().encode(JSON.stringify(payload)),
      ...extra,
    },
    signal ? { signal } : {},
  );
  const text = Buffer.from(result.payload).toString('utf8');
  const tail = result.logResult ? Buffer.from(result.logResult, 'base64').toString('utf8') : '';
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  return { result, text, body, tail, logs: tail.split('\n').filter((l) => l !== '') };
}

export { type CapturedLog, captureLogger, waitFor } from '../../../../tests/shared/wait-and-log.js';

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'lambda-mcp-local-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const STREAM_NAME = /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/;
