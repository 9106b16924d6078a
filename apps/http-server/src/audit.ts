import { appendFileSync } from 'node:fs';
import type { ToolCallEvent } from '@lambda-mcp/mcp-server';

/**
 * The audit log: one JSON line per tool call, independent of the log level. Payloads (the call's
 * arguments) only when the operator opted in (`--log-payloads`).
 */
export interface AuditRecord {
  time: string;
  type: 'audit';
  event: 'tool_call';
  subject: string;
  session?: string;
  tool: string;
  family: ToolCallEvent['family'];
  function?: string;
  qualifier?: string;
  outcome: ToolCallEvent['outcome'];
  errorCode?: string;
  durationMs: number;
  requestId?: string | number;
  items?: ToolCallEvent['items'];
  arguments?: unknown;
}

export interface AuditLog {
  record(event: ToolCallEvent, who: { subject: string; session?: string; arguments?: unknown }): void;
}

/** `stderr` (default), `off`, or a file path (appended to). */
export type AuditTarget = string;

export function createAuditLog(target: AuditTarget, write?: (line: string) => void): AuditLog {
  let sink: ((line: string) => void) | undefined;
  if (write) sink = write;
  else if (target === 'off') sink = undefined;
  else if (target === 'stderr' || target === '') sink = (line) => void process.stderr.write(line);
  else sink = (line) => appendFileSync(target, line);

  return {
    record(event, who) {
      if (!sink) return;
      const record: AuditRecord = {
        time: event.time,
        type: 'audit',
        event: 'tool_call',
        subject: who.subject,
        ...(who.session ? { session: who.session } : {}),
        tool: event.tool,
        family: event.family,
        ...(event.function ? { function: event.function } : {}),
        ...(event.qualifier ? { qualifier: event.qualifier } : {}),
        outcome: event.outcome,
        ...(event.errorCode ? { errorCode: event.errorCode } : {}),
        durationMs: Math.round(event.durationMs * 1000) / 1000,
        ...(event.requestId !== undefined ? { requestId: event.requestId } : {}),
        ...(event.items ? { items: event.items } : {}),
        ...(who.arguments !== undefined ? { arguments: who.arguments } : {}),
      };
      try {
        sink(`${JSON.stringify(record)}\n`);
      } catch {
        // An unwritable audit target must not fail the call; the operator sees it in the file's absence.
      }
    },
  };
}
