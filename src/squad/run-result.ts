import { z } from "zod";
import type { AppContext } from "../context.js";
import { BASH_OUTPUT_CAP } from "../memory/stats.js";
import { cutToJsonChars } from "../text/cut.js";
import type { RunRecord, TaskRecord } from "./records.js";
import { readTasks } from "./records.js";
import { RUN_STATUSES, TASK_STATUSES, type TaskStatus } from "./status.js";

/** `squad://runs/<run>/<task>`: the full output, readable as an MCP resource. */
export function logUri(runId: string, taskId: string): string {
  return `squad://runs/${encodeURIComponent(runId)}/${encodeURIComponent(taskId)}`;
}

/** The order a reader meets the groups in: what went wrong first. */
const GROUP_ORDER: readonly TaskStatus[] = [
  "failed",
  "error",
  "timeout",
  "denied",
  "interrupted",
  "cancelled",
  "skipped",
  "running",
  "pending",
  "ok",
];
/** The share of a result that task ids may fill before the digests get the rest. */
const ID_SHARE = 0.6;
const WRONG = new Set<TaskStatus>(["failed", "error", "timeout", "denied", "interrupted"]);

const taskResult = z.object({
  kind: z
    .literal("prompt")
    .optional()
    .describe("A prompt task no worker took; a task with a worker is a prompt task too."),
  exit_code: z.number().optional().describe("Absent: 0, or the command never exited."),
  signal: z.string().optional().describe("The signal that ended it, if any."),
  worker: z.string().optional().describe("The alias that answered a prompt task."),
  digest: z
    .string()
    .optional()
    .describe("What its output says: failures named, counts; the full output is at `logs`."),
  decision_id: z.string().optional().describe("The routing decision a prompt task ran under."),
});
export type TaskResult = z.infer<typeof taskResult>;

const taskGroups = z
  .partialRecord(z.enum(TASK_STATUSES), z.record(z.string(), taskResult))
  .describe("Tasks by status (what went wrong first), each status's tasks by id.");
export type TaskGroups = z.infer<typeof taskGroups>;

/** What spawn_squad and squad_status return: the run, then its tasks by status. */
export const runResult = z.object({
  run_id: z.string().describe("For squad_status."),
  status: z.enum(RUN_STATUSES).describe("interrupted: the server running it stopped."),
  duration_ms: z.number().describe("Since the run started."),
  host_tokens_saved: z
    .number()
    .optional()
    .describe(
      "Net, in input tokens, once the run ended: output the host would have read in its own Bash tool (30,000 characters at most each) and answers it would have written, less this result and its arguments.",
    ),
  logs: z.string().describe("Each task's full output: this URI with {id} replaced by its id."),
  omitted: z
    .partialRecord(z.enum(TASK_STATUSES), z.number())
    .optional()
    .describe(
      "Tasks left out to keep the result short, by status: ask again with a larger max_chars.",
    ),
  tasks: taskGroups.optional(),
});
export type RunResult = z.infer<typeof runResult>;

/** Characters per token, for every estimate here. */
const CHARS_PER_TOKEN = 4;

/** What the host would have read doing the task itself: a command's output as its Bash tool shows it, or the files attached to a prompt. */
export function readingAvoided(task: TaskRecord): number {
  if (task.kind === "command") return Math.min(task.rawBytes ?? 0, BASH_OUTPUT_CAP);
  return task.detail?.fileBytes ?? 0;
}

/** Tokens the host would have written doing the task itself: a prompt task's answer. */
export function writingAvoided(task: TaskRecord): number {
  return task.kind === "prompt" && task.status === "ok" ? (task.tokensOut ?? 0) : 0;
}

export interface HostCall {
  /** Characters of the arguments the host wrote for this call. */
  argsChars: number;
  /** What the host pays per output token, in input tokens (output price ÷ input price). */
  outputWeight: number;
}

/**
 * The run `run` as the host reads it now, in at most `maxChars` characters of JSON. A finished
 * run says what it saved the host, net: the output it would have read through its own Bash
 * tool and the answers it would have written, less this result and the arguments it wrote
 * (writing weighed at the output price), in input tokens.
 */
export function runResultOf(
  ctx: AppContext,
  run: RunRecord,
  maxChars: number,
  call: HostCall,
): RunResult {
  const tasks = readTasks(ctx, run.id);
  const result = buildRunResult({ run, tasks, now: ctx.now() }, maxChars);
  if (run.status === "running") return result;
  const avoided =
    tasks.reduce((sum, task) => sum + readingAvoided(task), 0) / CHARS_PER_TOKEN +
    tasks.reduce((sum, task) => sum + writingAvoided(task), 0) * call.outputWeight;
  // The field itself adds a few characters to what the host reads.
  const read = JSON.stringify(result).length + 30;
  const spent = read / CHARS_PER_TOKEN + (call.argsChars / CHARS_PER_TOKEN) * call.outputWeight;
  return withSaved(result, Math.round(avoided - spent));
}

/** The result with `host_tokens_saved` placed after the run's own fields. */
function withSaved(result: RunResult, saved: number): RunResult {
  const { run_id, status, duration_ms, ...rest } = result;
  return { run_id, status, duration_ms, host_tokens_saved: saved, ...rest };
}

/** The facts a run result is made of, as the store holds them. */
export interface RunFacts {
  run: RunRecord;
  tasks: readonly TaskRecord[];
  now: number;
}

/**
 * The run as the host reads it, at most `maxChars` characters of JSON: every task by id and
 * status while they fit (what went wrong first), then their digests while room is left, each
 * cut at a line. Tasks whose ids do not fit are counted in `omitted`.
 */
export function buildRunResult(facts: RunFacts, maxChars: number): RunResult {
  const { run, tasks } = facts;
  const result: RunResult = {
    run_id: run.id,
    status: run.status,
    duration_ms: (run.finishedAt ?? facts.now) - run.createdAt,
    logs: logUri(run.id, "{id}").replace("%7Bid%7D", "{id}"),
  };
  // Room for `omitted` and the group keys, kept back so they always fit.
  const reserve = 40 + 14 * GROUP_ORDER.length;
  let used = JSON.stringify(result).length + reserve;
  const kept = new Map<TaskRecord, TaskResult>();
  const omitted: Partial<Record<TaskStatus, number>> = {};
  const keep = (limit: number) => (task: TaskRecord) => {
    const entry = identity(task);
    const cost = JSON.stringify({ [task.taskId]: entry }).length;
    if (used + cost > limit) {
      omitted[task.status] = (omitted[task.status] ?? 0) + 1;
      return;
    }
    used += cost;
    kept.set(task, entry);
  };
  // Each digest in turn gets an equal share of the room left, so one long digest cannot
  // crowd out the others; what a short one leaves goes to those after it.
  const describeAll = (group: readonly TaskRecord[]) => {
    const shown = group.filter((task) => kept.has(task) && task.digest && !printedNothing(task));
    shown.forEach((task, index) => {
      const entry = kept.get(task) as TaskResult;
      const room = Math.floor((maxChars - used) / (shown.length - index)) - 12;
      if (room < 24) return;
      const digest = cutToJsonChars(task.digest ?? "", room);
      if (!digest) return;
      entry.digest = digest;
      used += JSON.stringify(digest).length + 10;
    });
  };
  const wrong = tasks.filter((task) => WRONG.has(task.status));
  const rest = tasks.filter((task) => !WRONG.has(task.status));
  // Every task by id first (what went wrong before the rest), ids taking at most
  // ID_SHARE of the room while there are digests to show; then the digests, wrong first.
  wrong.forEach(keep(maxChars));
  rest.forEach(keep(Math.max(used, Math.floor(maxChars * ID_SHARE))));
  describeAll(wrong);
  describeAll(rest);
  if (Object.keys(omitted).length > 0) result.omitted = omitted;
  const grouped: TaskGroups = {};
  for (const status of GROUP_ORDER) {
    const members = tasks.filter((task) => task.status === status && kept.has(task));
    if (members.length > 0) {
      grouped[status] = Object.fromEntries(
        members.map((task) => [task.taskId, kept.get(task) as TaskResult]),
      );
    }
  }
  if (Object.keys(grouped).length > 0) result.tasks = grouped;
  return result;
}

/** A command that ran and printed nothing: its status and exit code say it all. */
function printedNothing(task: TaskRecord): boolean {
  return (
    task.kind === "command" &&
    task.rawBytes === 0 &&
    (task.status === "ok" || task.status === "failed")
  );
}

function identity(task: TaskRecord): TaskResult {
  const entry: TaskResult = {};
  // A worker means a prompt task; without one, the kind says so.
  if (task.kind === "prompt" && !task.worker) entry.kind = "prompt";
  if (task.exitCode !== null && task.exitCode !== 0) entry.exit_code = task.exitCode;
  if (task.signal) entry.signal = task.signal;
  if (task.worker) entry.worker = task.worker;
  if (task.decisionId) entry.decision_id = task.decisionId;
  return entry;
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

/** The same result as lines: a head, then each task with its digest under it, as grouped. */
export function renderRunResult(result: RunResult): string {
  const counts = countTasks(result);
  const tally = Object.entries(counts)
    .map(([status, n]) => `${n} ${status}`)
    .join(", ");
  const seconds = (result.duration_ms / 1000).toFixed(1);
  const net = result.host_tokens_saved;
  const saved =
    net === undefined
      ? ""
      : net >= 0
        ? `; net ~${net.toLocaleString("en-US")} host tokens saved`
        : `; ~${(-net).toLocaleString("en-US")} host tokens more than your own shell`;
  const lines = [
    result.status === "running"
      ? `squad ${result.run_id} running after ${seconds} s: ${tally} — squad_status to follow it`
      : `squad ${result.run_id} ${result.status} in ${seconds} s: ${tally}${saved}`,
  ];
  for (const status of GROUP_ORDER) {
    for (const [id, task] of Object.entries(result.tasks?.[status] ?? {})) {
      const how = [
        task.exit_code !== undefined ? `exit ${task.exit_code}` : "",
        task.signal ?? "",
        task.worker ?? "",
        task.decision_id ? `decision ${task.decision_id}` : "",
      ]
        .filter(Boolean)
        .join(", ");
      lines.push(`${MARK[status]} ${id} ${status}${how ? ` (${how})` : ""}`);
      if (task.digest) lines.push(task.digest);
    }
  }
  if (result.omitted) {
    const left = Object.entries(result.omitted)
      .map(([status, n]) => `${n} ${status}`)
      .join(", ");
    lines.push(`not shown: ${left} (squad_status with a larger max_chars lists them)`);
  }
  lines.push(`logs: ${result.logs}`);
  return lines.join("\n");
}

/** Tasks per status, shown and omitted together. */
export function countTasks(result: RunResult): Partial<Record<TaskStatus, number>> {
  const counts: Partial<Record<TaskStatus, number>> = {};
  for (const status of GROUP_ORDER) {
    const shown = Object.keys(result.tasks?.[status] ?? {}).length;
    const n = shown + (result.omitted?.[status] ?? 0);
    if (n > 0) counts[status] = n;
  }
  return counts;
}
