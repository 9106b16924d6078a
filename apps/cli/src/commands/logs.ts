import type { LogEvent } from '@lambda-mcp/core';
import { isLambdaMcpError } from '@lambda-mcp/core';
import { stringValue } from '../args.js';
import { type Context, withSpinner } from '../context.js';
import { usageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { formatTime } from '../ui/format.js';
import { colorLogLine } from './invoke.js';
import { timeRangeFromFlags } from './monitor.js';
import { resolveFunction } from './unavailable.js';

const POLL_MS = 2_000;
const MAX_BACKOFF_MS = 30_000;

export function logEventToJson(event: LogEvent): Record<string, unknown> {
  return {
    timestamp: event.timestamp.toISOString(),
    message: event.message.replace(/\n$/, ''),
    ...(event.logStreamName ? { logStream: event.logStreamName } : {}),
    ...(event.eventId ? { eventId: event.eventId } : {}),
  };
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return 100;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(n) || n < 1 || n > 10_000) {
    throw usageError(`invalid --limit '${text}'. Accepted: a whole number from 1 to 10000.`);
  }
  return n;
}

/** Oldest first; events of the same millisecond in the order of their ids (CloudWatch's order). */
function byTime(a: LogEvent, b: LogEvent): number {
  const d = a.timestamp.getTime() - b.timestamp.getTime();
  if (d !== 0) return d;
  const x = a.eventId ?? '';
  const y = b.eventId ?? '';
  return x.length - y.length || (x < y ? -1 : x > y ? 1 : 0);
}

function eventKey(event: LogEvent): string {
  return event.eventId ?? `${event.timestamp.getTime()}|${event.logStreamName ?? ''}|${event.message}`;
}

export async function runLogs(ctx: Context): Promise<ExitCode> {
  const name = ctx.positionals[0] ?? '';
  if (stringValue(ctx.values, 'from') !== undefined) throw usageError('logs takes --since, not --from.');
  const { start } = timeRangeFromFlags({ since: stringValue(ctx.values, 'since') }, '15m');
  const limit = parseLimit(stringValue(ctx.values, 'limit'));
  const filterPattern = stringValue(ctx.values, 'filter');
  const follow = ctx.values.follow === true;

  const services = await withSpinner(ctx, 'Loading configuration…', () => ctx.services());
  const { function: fn } = await withSpinner(ctx, `Resolving ${name}…`, () =>
    resolveFunction(services, name, ctx.signal),
  );
  const fetch = (from: Date) =>
    services.metrics.getLogs(
      {
        functionName: fn.name,
        start: from,
        ...(filterPattern === undefined ? {} : { filterPattern }),
        limit,
      },
      { signal: ctx.signal },
    );

  const first = await withSpinner(ctx, `Reading logs of ${fn.name}…`, () => fetch(start));
  const events = [...first].sort(byTime);
  if (!follow) {
    if (ctx.flags.json) {
      ctx.printJson({
        function: fn.name,
        start: start.toISOString(),
        count: events.length,
        events: events.map(logEventToJson),
      });
      return EXIT.OK;
    }
    if (events.length === 0)
      ctx.note(ctx.err.dim(`No log events for ${fn.name} since ${formatTime(start)}.`));
    for (const event of events) printEvent(ctx, event);
    return EXIT.OK;
  }

  // Follow: poll from the newest timestamp seen, skipping events already printed at that instant.
  let newest = start.getTime();
  let seenAtNewest = new Set<string>();
  const emit = (batch: LogEvent[]) => {
    for (const event of [...batch].sort(byTime)) {
      const t = event.timestamp.getTime();
      const key = eventKey(event);
      if (t < newest || (t === newest && seenAtNewest.has(key))) continue;
      if (t > newest) {
        newest = t;
        seenAtNewest = new Set();
      }
      seenAtNewest.add(key);
      if (ctx.flags.json) ctx.io.stdout.write(`${JSON.stringify(logEventToJson(event))}\n`);
      else printEvent(ctx, event);
    }
  };
  emit(events);
  if (!ctx.flags.json) ctx.note(ctx.err.dim(`Following ${fn.name}… (Ctrl-C to stop)`));
  let delay = POLL_MS;
  while (!ctx.signal.aborted) {
    await sleep(delay, ctx.signal);
    if (ctx.signal.aborted) break;
    try {
      emit(await fetch(new Date(newest)));
      delay = POLL_MS;
    } catch (error) {
      if (ctx.signal.aborted) break;
      if (!isLambdaMcpError(error) || !error.retryable) throw error;
      delay = Math.min(MAX_BACKOFF_MS, delay * 2);
      ctx.logger.warn(`reading logs failed, retrying in ${Math.round(delay / 1000)} s`, { code: error.code });
    }
  }
  // Stopping a follow is how it is meant to end: success.
  return EXIT.OK;
}

function printEvent(ctx: Context, event: LogEvent): void {
  const time = ctx.out.dim(formatTime(event.timestamp));
  const lines = event.message.replace(/\n$/, '').split('\n');
  ctx.print(`${time}  ${colorLogLine(lines[0] ?? '', ctx.out)}`);
  for (const line of lines.slice(1)) ctx.print(`${' '.repeat(22)}${colorLogLine(line, ctx.out)}`);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
