/**
 * What every finished tool call leaves behind: its metrics (count by tool family and outcome,
 * duration) and its audit line (with the arguments when payload logging is on).
 */
import type { ToolCallEvent } from '@lambda-mcp/mcp-server';
import { methodOf, requestIdOf } from '../json-rpc.js';
import type { AppContext } from './context.js';

/** Who made a call, read when it finishes. */
export interface CallOwner {
  subject: string;
  session?: string;
  /** tools/call arguments by request id, kept for the audit line (payload logging only). */
  pending?: Map<string | number, unknown>;
}

export function createToolCallRecorder(ctx: AppContext) {
  const { metrics, options } = ctx;
  const { audit } = options;

  /** The MCP server's onToolCall hook for calls made by `who()`. */
  const onToolCall = (who: () => CallOwner) => (event: ToolCallEvent) => {
    const { subject, session, pending } = who();
    let args: unknown;
    if (pending && event.requestId !== undefined) {
      args = pending.get(event.requestId);
      pending.delete(event.requestId);
    }
    const family = event.family === 'generic' ? event.tool : event.family;
    metrics.toolCalls.inc({ outcome: event.outcome, tool: family });
    metrics.toolCallDuration.observe(event.durationMs / 1000, { outcome: event.outcome });
    audit.record(event, {
      subject,
      ...(session ? { session } : {}),
      ...(args !== undefined ? { arguments: args } : {}),
    });
  };

  /** With payload logging on, the arguments of a tools/call, for the audit line. */
  const pendingFor = (body: unknown): { pending?: Map<string | number, unknown> } => {
    if (!options.logPayloads || methodOf(body) !== 'tools/call') return {};
    const id = requestIdOf(body);
    if (id === null) return {};
    const params = (body as { params?: { arguments?: unknown } }).params;
    return { pending: new Map([[id, params?.arguments ?? {}]]) };
  };

  return { onToolCall, pendingFor };
}
