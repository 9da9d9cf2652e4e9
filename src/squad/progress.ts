import { oneLine } from "../text/clip.js";
import type { TaskOutcome } from "./outcome.js";
import type { ScheduledTask } from "./scheduler.js";

const VERB: Record<TaskOutcome["status"], string> = {
  ok: "ok",
  failed: "failed",
  timeout: "timed out",
  cancelled: "cancelled",
  interrupted: "interrupted",
  skipped: "skipped",
  denied: "denied",
  error: "error",
};

/** "3/8 done — started backend tests" */
export function describeStart(task: ScheduledTask, done: number, total: number): string {
  return `${done}/${total} done — started ${task.label}`;
}

/** "5/8 done — backend tests failed: pytest: 12 failed, 200 passed" */
export function describeFinish(
  task: ScheduledTask,
  outcome: TaskOutcome,
  done: number,
  total: number,
): string {
  const summary = oneLine(outcome.summary, 120);
  return `${done}/${total} done — ${task.label} ${VERB[outcome.status]}${summary ? `: ${summary}` : ""}`;
}
