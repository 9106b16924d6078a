import type { ToolCallContext } from './types.js';

/**
 * Runs `work` while sending progress heartbeats (when the caller asked for progress): one at
 * the start, then one every `intervalMs`, each with a higher `progress`, and none after `work`
 * settles. Lambda gives no intermediate progress, so these say "still running" and keep client
 * timeouts (which progress resets) from firing on long invocations.
 */
export async function withHeartbeats<T>(
  context: ToolCallContext,
  intervalMs: number,
  label: string,
  work: () => Promise<T>,
): Promise<T> {
  const report = context.reportProgress;
  if (!report) return work();
  let progress = 0;
  let done = false;
  const started = Date.now();
  const send = (message: string) => {
    if (done || context.signal?.aborted) return;
    const update = { progress, message };
    progress += 1;
    try {
      void Promise.resolve(report(update)).catch(() => {});
    } catch {
      // A transport that cannot send progress must not fail the call.
    }
  };
  send(`${label}: started`);
  const timer = setInterval(() => {
    send(`${label}: still running (${Math.round((Date.now() - started) / 1000)} s)`);
  }, intervalMs);
  timer.unref?.();
  try {
    return await work();
  } finally {
    done = true;
    clearInterval(timer);
  }
}
