import type { ActiveRun, ProgressUpdate } from "../squad/active-runs.js";
import type { ToolExtra } from "./define-tool.js";

/**
 * Forwards a run's progress as MCP progress notifications when the caller asked for them
 * (Claude Code shows them and resets its timeout on each). Returns the unsubscribe.
 */
export function followProgress(run: ActiveRun, extra: ToolExtra): () => void {
  const listener = progressSender(extra);
  if (!listener) return () => {};
  run.listeners.add(listener);
  return () => run.listeners.delete(listener);
}

/** A listener that sends progress notifications, or null when the caller did not ask. */
export function progressSender(extra: ToolExtra): ((update: ProgressUpdate) => void) | null {
  const token = extra._meta?.progressToken;
  if (token === undefined) return null;
  return (update) => {
    extra
      .sendNotification({
        method: "notifications/progress",
        params: { progressToken: token, ...update },
      })
      .catch(() => {
        // The client went away; the run goes on and its results persist.
      });
  };
}
