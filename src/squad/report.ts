import type { AppContext } from "../context.js";
import type { RunRecord, RunStatus, TaskRecord, TaskStatus } from "../memory/runs.js";
import { oneLine } from "../text/clip.js";

export interface TaskView {
  id: string;
  kind: "command" | "prompt";
  status: TaskStatus;
  exit_code: number | null;
  signal: string | null;
  duration_ms: number | null;
  worker: string | null;
  digest: string | null;
  log: string | null;
  decision_id: string | null;
}

export interface RunView {
  run_id: string;
  status: RunStatus;
  done: number;
  total: number;
  counts: Partial<Record<TaskStatus, number>>;
  duration_ms: number;
  host_tokens_saved: number;
  tasks: TaskView[];
}

/** `squad://runs/<run>/<task>`: the full output, readable as an MCP resource. */
export function logUri(runId: string, taskId: string): string {
  return `squad://runs/${encodeURIComponent(runId)}/${encodeURIComponent(taskId)}`;
}

export function viewRun(ctx: AppContext, run: RunRecord): RunView {
  const tasks = ctx.store.runs.tasks(run.id);
  const counts: Partial<Record<TaskStatus, number>> = {};
  for (const task of tasks) counts[task.status] = (counts[task.status] ?? 0) + 1;
  const open = (counts.pending ?? 0) + (counts.running ?? 0);
  return {
    run_id: run.id,
    status: run.status,
    done: tasks.length - open,
    total: tasks.length,
    counts,
    duration_ms: (run.finishedAt ?? ctx.now()) - run.createdAt,
    host_tokens_saved: tasks.reduce((sum, task) => sum + tokensSaved(task), 0),
    tasks: tasks.map((task) => ({
      id: task.taskId,
      kind: task.kind,
      status: task.status,
      exit_code: task.exitCode,
      signal: task.signal,
      duration_ms: task.durationMs,
      worker: task.worker,
      digest: task.digest,
      log: task.log ? logUri(run.id, task.taskId) : null,
      decision_id: task.decisionId,
    })),
  };
}

/** ≈ characters the host did not have to read ÷ 4: output and attached files, less the digest. */
function tokensSaved(task: TaskRecord): number {
  const detail = task.detail as { fileBytes?: number } | null;
  const avoided = (task.rawBytes ?? 0) + (detail?.fileBytes ?? 0) - (task.digest?.length ?? 0);
  return Math.max(0, Math.round(avoided / 4));
}

const MARK: Record<TaskStatus, string> = {
  pending: "·",
  running: "…",
  ok: "✓",
  failed: "✗",
  timeout: "✗",
  cancelled: "✗",
  interrupted: "✗",
  skipped: "-",
  denied: "✗",
  error: "✗",
};

/**
 * The few lines the host reads: one per task, and the digests of tasks that went wrong, cut
 * to `maxChars` in all. Full text stays behind each task's log URI.
 */
export function renderRun(view: RunView, maxChars: number): string {
  const counts = Object.entries(view.counts)
    .map(([status, n]) => `${n} ${status}`)
    .join(", ");
  const seconds = (view.duration_ms / 1000).toFixed(1);
  const head =
    view.status === "running"
      ? `squad ${view.run_id} running: ${view.done}/${view.total} done (${counts}) after ${seconds} s — squad_status to follow it`
      : `squad ${view.run_id} ${view.status}: ${counts} in ${seconds} s; ~${view.host_tokens_saved.toLocaleString("en-US")} host tokens saved`;
  const lines = [head];
  const wrong = new Set(["failed", "timeout", "cancelled", "denied", "error"]);
  for (const task of view.tasks) {
    const exit = task.exit_code !== null && task.status !== "ok" ? ` (exit ${task.exit_code})` : "";
    const first = oneLine(task.digest?.split("\n", 1)[0] ?? "", 140);
    lines.push(
      `${MARK[task.status]} ${task.id} ${task.status}${exit}${first ? ` — ${first}` : ""}`,
    );
  }
  let text = lines.join("\n");
  // What went wrong first; then what ok tasks printed (a grep's matches, git status), if room.
  const detailed = [
    ...view.tasks.filter((task) => wrong.has(task.status)),
    ...view.tasks.filter((task) => task.status === "ok"),
  ];
  for (const task of detailed) {
    const rest = task.digest?.split("\n").slice(1).join("\n").trim();
    if (!rest) continue;
    const block = `\n[${task.id}]${task.log ? ` ${task.log}` : ""}\n${rest}`;
    if (text.length + block.length > maxChars) {
      const room = maxChars - text.length - 60;
      if (room > 200) text += `${block.slice(0, room)}…`;
      text += "\n(more in the structured result and the logs)";
      break;
    }
    text += block;
  }
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}
