import type { AppContext } from "../context.js";
import type { StoredRun, StoredTask } from "../memory/runs.js";
import type { TaskOutcome } from "./outcome.js";
import type { ScheduledTask } from "./scheduler.js";
import { isTaskStatus, type RunStatus, type TaskStatus } from "./status.js";

/** What the store keeps of a task beyond its columns. */
export type TaskDetail = Pick<
  TaskOutcome,
  "summary" | "counts" | "failures" | "failuresOmitted" | "fileBytes" | "host" | "notes"
>;

/** A run as the squad reads it from the store. */
export interface RunRecord extends Omit<StoredRun, "status"> {
  status: RunStatus;
}

/** A task as the squad reads it from the store. */
export interface TaskRecord extends Omit<StoredTask, "status" | "detail"> {
  status: TaskStatus;
  detail: Partial<TaskDetail> | null;
}

/** The run `runId`, or null when the store has none. */
export function readRun(ctx: AppContext, runId: string): RunRecord | null {
  const run = ctx.store.runs.get(runId);
  // The runs table admits only RUN_STATUSES (a CHECK constraint).
  return run ? { ...run, status: run.status as RunStatus } : null;
}

/** The run's tasks in order; a status this version does not know reads as `error`. */
export function readTasks(ctx: AppContext, runId: string): TaskRecord[] {
  return ctx.store.runs.tasks(runId).map(asTaskRecord);
}

function asTaskRecord(task: StoredTask): TaskRecord {
  return {
    ...task,
    status: isTaskStatus(task.status) ? task.status : "error",
    detail: isDetail(task.detail) ? task.detail : null,
  };
}

function isDetail(value: unknown): value is Partial<TaskDetail> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Writes how a task ended: the one mapping from an outcome to what the store keeps. */
export function saveOutcome(
  ctx: AppContext,
  runId: string,
  taskId: string,
  outcome: TaskOutcome,
): void {
  const detail: TaskDetail = {
    summary: outcome.summary,
    counts: outcome.counts,
    failures: outcome.failures,
    failuresOmitted: outcome.failuresOmitted,
    fileBytes: outcome.fileBytes,
    host: outcome.host,
    notes: outcome.notes,
  };
  ctx.store.runs.updateTask(runId, taskId, {
    status: outcome.status,
    worker: outcome.worker,
    model: outcome.model,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    durationMs: Math.round(outcome.durationMs),
    digest: outcome.digest,
    log: outcome.logFile,
    rawBytes: outcome.rawBytes,
    tokensIn: outcome.tokensIn,
    tokensOut: outcome.tokensOut,
    decisionId: outcome.decisionId,
    detail,
  });
}

/** Records a new run of this process and its tasks, all pending. */
export function saveRunStart(
  ctx: AppContext,
  runId: string,
  tasks: readonly ScheduledTask[],
): void {
  ctx.store.runs.start(
    { id: runId, createdAt: ctx.now(), pid: process.pid, project: ctx.projectRoot },
    tasks.map((task) => ({
      taskId: task.id,
      position: task.position,
      kind: task.kind,
      label: task.label,
      worker: task.kind === "prompt" && "alias" in task.route ? task.route.alias : null,
    })),
  );
}

/** Marks a task started. */
export function saveStarted(ctx: AppContext, runId: string, taskId: string): void {
  ctx.store.runs.updateTask(runId, taskId, {
    status: "running" satisfies TaskStatus,
    startedAt: ctx.now(),
  });
}

/** Ends a run: unfinished tasks become `interrupted` when the run was, else `cancelled`. */
export function saveFinished(
  ctx: AppContext,
  runId: string,
  status: Exclude<RunStatus, "running">,
): void {
  ctx.store.runs.finish(runId, status, ctx.now());
}
