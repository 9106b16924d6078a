/**
 * One tool call from start to end: a generic tool or a per-function tool, progress heartbeats
 * while it runs, one audit event when it ends, and the count of calls running (for shutdown).
 */
import { type Logger, toLambdaMcpError } from '@lambda-mcp/core';
import { isUnknownToolError, UnknownToolError } from './errors.js';
import { type FunctionTool, label } from './function-tools.js';
import { type GenericToolName, isGenericToolName } from './generic/index.js';
import { withHeartbeats } from './progress.js';
import type { FailureMapper, ToolOutcome } from './tool-failure.js';
import type { FunctionAuthorizer, ToolCallContext, ToolCallEvent, ToolResult } from './types.js';

export interface ToolCallsDeps {
  logger: Logger;
  progressIntervalMs: number;
  /** Whether the generic tools are served. */
  generic: boolean;
  generics: { call(name: GenericToolName, args: unknown, context: ToolCallContext): Promise<ToolOutcome> };
  failure: FailureMapper;
  isReady(): boolean;
  waitForFirstCatalog(): Promise<void>;
  /** This caller's per-function tool of that name, built. */
  findFunctionTool(name: string, authorize?: FunctionAuthorizer): Promise<FunctionTool | undefined>;
  callFunctionTool(tool: FunctionTool, args: unknown, context: ToolCallContext): Promise<ToolOutcome>;
}

export function createToolCalls(deps: ToolCallsDeps) {
  const { logger, failure } = deps;
  let active = 0;
  let idleWaiters: Array<() => void> = [];

  async function runTool(name: string, args: unknown, context: ToolCallContext): Promise<ToolResult> {
    const started = performance.now();
    const emit = (
      family: ToolCallEvent['family'],
      audit: Omit<ToolCallEvent, 'time' | 'tool' | 'family' | 'durationMs' | 'requestId'>,
    ) => {
      if (!context.onToolCall) return;
      const event: ToolCallEvent = {
        time: new Date().toISOString(),
        tool: name,
        family,
        ...audit,
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        ...(context.requestId !== undefined ? { requestId: context.requestId } : {}),
      };
      try {
        context.onToolCall(event);
      } catch (error) {
        logger.error('The onToolCall hook threw', { error: toLambdaMcpError(error).message });
      }
    };
    try {
      if (deps.generic && isGenericToolName(name)) {
        const out = await withHeartbeats(context, deps.progressIntervalMs, name, () =>
          // The handlers map their own failures; what escapes is unexpected (INTERNAL).
          deps.generics
            .call(name, args, context)
            .catch((error) =>
              failure(error, { tool: name, ...(context.signal ? { signal: context.signal } : {}) }),
            ),
        );
        emit('generic', out.audit);
        return out.result;
      }
      if (!deps.isReady()) await deps.waitForFirstCatalog();
      const tool = await deps.findFunctionTool(name, context.authorize);
      if (!tool) throw new UnknownToolError(name);
      const out = await withHeartbeats(context, deps.progressIntervalMs, label(tool.function), () =>
        deps.callFunctionTool(tool, args, context),
      );
      emit('function', out.audit);
      return out.result;
    } catch (error) {
      if (isUnknownToolError(error)) {
        emit('unknown', { outcome: 'unknown_tool' });
        throw error;
      }
      const f = failure(error, { tool: name, ...(context.signal ? { signal: context.signal } : {}) });
      emit('unknown', f.audit);
      return f.result;
    }
  }

  return {
    async callTool(name: string, args: unknown, context: ToolCallContext = {}): Promise<ToolResult> {
      active += 1;
      try {
        return await runTool(name, args, context);
      } finally {
        active -= 1;
        if (active === 0) {
          const waiters = idleWaiters;
          idleWaiters = [];
          for (const w of waiters) w();
        }
      }
    },
    activeCalls: () => active,
    whenIdle: () =>
      active === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            idleWaiters.push(resolve);
          }),
  };
}
