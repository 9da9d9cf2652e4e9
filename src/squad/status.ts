/**
 * What a squad task and a squad run can be. The store keeps these as text; the squad reads
 * them back through `records.ts`, where a task status this version does not know reads as
 * `error`.
 */
export const TASK_STATUSES = [
  "pending",
  "running",
  "ok",
  "failed",
  "timeout",
  "cancelled",
  "interrupted",
  "skipped",
  "denied",
  "error",
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type FinalTaskStatus = Exclude<TaskStatus, "pending" | "running">;

export const RUN_STATUSES = ["running", "done", "cancelled", "interrupted"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export function isFinalStatus(status: TaskStatus): status is FinalTaskStatus {
  return status !== "pending" && status !== "running";
}

export function isTaskStatus(text: string): text is TaskStatus {
  return (TASK_STATUSES as readonly string[]).includes(text);
}
