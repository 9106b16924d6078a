/**
 * The local backend's invocation history shared by the replicas through Redis (one stream per
 * functions folder), so `monitor_executions` on any replica shows what every replica ran, as
 * CloudWatch would. Records use the history file's format (`encodeHistoryRecord`); the stream is
 * capped (approximately) at `maxRecords`. While Redis is unavailable records are kept by the
 * replica that ran them (and in the file, when there is one): per-replica, never an error.
 */
import { createHash, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Logger } from '@lambda-mcp/core';
import type { HistoryEntry, InvocationHistory } from '@lambda-mcp/core/local';
import type { FleetRedis } from './redis.js';

export interface SharedHistoryOptions {
  redis: FleetRedis;
  /** The resolved functions folder: replicas on the same folder share one history. */
  dir: string;
  logger: Logger;
  /** The file history of this machine, kept as well (the CLI reads it). */
  file?: InvocationHistory;
  maxRecords?: number;
  /** The history format's own encoder and decoder (from @lambda-mcp/core/local). */
  codec: {
    encode(record: Parameters<InvocationHistory['append']>[0], instance: string): string;
    decode(text: string): (HistoryEntry & { instance: string }) | undefined;
  };
}

export function createSharedHistory(options: SharedHistoryOptions): InvocationHistory {
  const { redis, codec, file } = options;
  const instance = randomUUID();
  const key = `${redis.prefix}hist:${createHash('sha256').update(resolve(options.dir)).digest('hex').slice(0, 16)}`;
  const maxRecords = options.maxRecords ?? 10_000;
  /** The last stream entry read; `undefined` before the first read (which reads it all). */
  let lastId: string | undefined;
  /** Request ids merged lately, so a record seen in the file and in Redis is merged once. */
  const seen = new Set<string>();
  let reading: Promise<unknown> = Promise.resolve();

  const remember = (id: string) => {
    seen.add(id);
    if (seen.size > 20_000) {
      const keep = [...seen].slice(-10_000);
      seen.clear();
      for (const k of keep) seen.add(k);
    }
  };

  async function readAll(): Promise<HistoryEntry[]> {
    const out: HistoryEntry[] = [];
    if (file) {
      for (const e of await file.readNew()) {
        if (seen.has(e.record.requestId)) continue;
        remember(e.record.requestId);
        out.push(e);
      }
    }
    const start = lastId === undefined ? '-' : `(${lastId}`;
    const entries = await redis.run('history read', (c) => c.xrange(key, start, '+', 'COUNT', maxRecords));
    if (!entries) return out;
    for (const [id, fields] of entries) {
      lastId = id;
      const text = fields[1];
      if (typeof text !== 'string') continue;
      const entry = codec.decode(text);
      if (!entry || entry.instance === instance || seen.has(entry.record.requestId)) continue;
      remember(entry.record.requestId);
      out.push({ record: entry.record, lines: entry.lines });
    }
    return out;
  }

  return {
    append(record) {
      file?.append(record);
      if ((record as { discarded?: boolean }).discarded) return;
      remember(record.requestId);
      const text = codec.encode(record, instance);
      void redis.run('history append', (c) => c.xadd(key, 'MAXLEN', '~', maxRecords, '*', 'r', text));
    },
    readNew() {
      // One read at a time, so two concurrent queries never merge the same records twice.
      const next = reading.then(readAll, readAll);
      reading = next.catch(() => {});
      return next;
    },
  };
}
