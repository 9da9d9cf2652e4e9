import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  CallToolResultSchema,
  ProgressNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { runCounts, runTasks } from "../../test/support/server.js";
import { cell, clip, dim, mark } from "./print.js";

/** The fixture project, relative to the repository root the squad's server runs in. */
export const FIXTURE = "scripts/demo/fixture-project";

/** Routine, skill-free work, run for real over this repository. */
export const SQUAD_TASKS = [
  { id: "type-check", command: "npx tsc -p tsconfig.json --noEmit", timeout_s: 240 },
  { id: "fixture-tests", command: `npx vitest run --root ${FIXTURE}`, timeout_s: 120 },
  { id: "grep", command: 'grep -rn "spawn_squad" src --include=*.ts', timeout_s: 30 },
  { id: "git-status", command: "git status --short", timeout_s: 30 },
];

/** The parts of spawn_squad's structured result the demo shows. */
const runSchema = z.object({
  run_id: z.string(),
  duration_ms: z.number(),
  host_tokens_saved: z.number().optional(),
  logs: z.string(),
  omitted: z.record(z.string(), z.number()).optional(),
  tasks: z
    .record(z.string(), z.record(z.string(), z.object({ digest: z.string().optional() })))
    .optional(),
});

/** One task as the demo shows it; `duration_ms` as the progress notifications timed it. */
interface SquadTask {
  id: string;
  status: string;
  digest?: string | undefined;
  duration_ms: number | null;
}

/** A run as the demo shows it: its tasks in the order given, and how many ended each way. */
export interface SquadRun {
  run_id: string;
  duration_ms: number;
  host_tokens_saved: number;
  logs: string;
  counts: Record<string, number>;
  tasks: SquadTask[];
}

/** A type-check of the repository under load can take a while; progress does not end the wait. */
const CALL_TIMEOUT_MS = 300_000;
export const ID_WIDTH = 14;
const LINE_WIDTH = 100;

/**
 * One spawn_squad call with all the tasks at once, printing each progress notification as it
 * arrives (a task started or ended), then a line per task and what the host gets to read.
 */
export async function runSquad(client: Client): Promise<SquadRun> {
  console.log("  Progress notifications, as they arrive:");
  const started = Date.now();
  // When each task started and ended, as the notifications said: the result gives the run's
  // duration only.
  const starts = new Map<string, number>();
  const durations = new Map<string, number>();
  // Listen to the notifications themselves: the SDK client drops those that arrive in the same
  // read as the response from a request's `onprogress`, and the last one often does.
  client.setNotificationHandler(ProgressNotificationSchema, ({ params }) => {
    const now = Date.now();
    const message = params.message ?? "";
    const at = `${seconds(now - started)}`.padStart(6);
    console.log(dim(`  ${at}  ${clip(message, LINE_WIDTH - 10)}`));
    const what = message.split(" done — ")[1] ?? "";
    for (const { id } of SQUAD_TASKS) {
      if (what === `started ${id}`) starts.set(id, now);
      else if (what.startsWith(`${id} `)) durations.set(id, now - (starts.get(id) ?? started));
    }
  });
  const result = await client.callTool(
    { name: "spawn_squad", arguments: { tasks: SQUAD_TASKS, concurrency: SQUAD_TASKS.length } },
    CallToolResultSchema,
    // `onprogress` makes the client ask for progress; the handler above prints it.
    { timeout: CALL_TIMEOUT_MS, onprogress: () => {} },
  );
  // Notification handlers run a tick after the messages that share the response's read.
  await new Promise((resolve) => setImmediate(resolve));
  if (result.isError) throw new Error(`spawn_squad failed: ${JSON.stringify(result.content)}`);
  const structured = runSchema.parse(result.structuredContent);
  const order = SQUAD_TASKS.map((task) => task.id);
  const run: SquadRun = {
    run_id: structured.run_id,
    duration_ms: structured.duration_ms,
    host_tokens_saved: structured.host_tokens_saved ?? 0,
    logs: structured.logs,
    counts: runCounts(structured),
    // The result groups tasks by status, what went wrong first; the demo lists them as given.
    tasks: runTasks(structured)
      .map((task) => ({ ...task, duration_ms: durations.get(task.id) ?? null }))
      .sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id)),
  };
  console.log("");
  for (const task of run.tasks) {
    const took = task.duration_ms === null ? "" : seconds(task.duration_ms);
    // A command that printed nothing has no digest: its status says it all.
    const first = task.digest?.split("\n", 1)[0] ?? "no output";
    console.log(
      `  ${mark(task.status === "ok")} ${cell(task.id, ID_WIDTH)} ${took.padStart(6)}  ${clip(first, LINE_WIDTH - ID_WIDTH - 14)}`,
    );
  }
  for (const task of run.tasks.filter((t) => t.status !== "ok")) {
    console.log(`  ${task.id} ${task.status}; the rest of its digest names what failed:`);
    for (const line of task.digest?.split("\n").slice(1) ?? []) showFinding(line);
  }
  const work = run.tasks.reduce((sum, task) => sum + (task.duration_ms ?? 0), 0);
  console.log(
    `  ${seconds(run.duration_ms)} wall for ${seconds(work)} of work; ~${run.host_tokens_saved.toLocaleString("en-US")} host tokens saved, net (output the host did not read, less this result)`,
  );
  await showLog(client, run);
  return run;
}

/** Reads one task's full log back through its resource, to set its size against the digest's. */
async function showLog(client: Client, run: SquadRun): Promise<void> {
  const task: SquadTask | undefined =
    run.tasks.find((t) => t.status !== "ok" && t.digest) ?? run.tasks.find((t) => t.digest);
  if (!task) return;
  const log = run.logs.replace("{id}", task.id);
  const resource = await client.readResource({ uri: log });
  const text = resource.contents.map((content) => ("text" in content ? content.text : "")).join("");
  console.log(`  Full logs stay on the server as resources: ${run.logs}`);
  console.log(
    `  ${log}: ${chars(text.length)} read back, against ${chars(task.digest?.length ?? 0)} in its digest`,
  );
}

/** A digest line; a named failure (`- id (line n): message`) gets its message on a line of its own. */
function showFinding(line: string): void {
  const finding = /^(- .+? \(line \d+\)): (.+)$/.exec(line);
  if (!finding) {
    console.log(`    ${clip(line, LINE_WIDTH - 4)}`);
    return;
  }
  console.log(`    ${clip(finding[1] ?? "", LINE_WIDTH - 4)}`);
  console.log(`      ${clip(finding[2] ?? "", LINE_WIDTH - 6)}`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function chars(n: number): string {
  return `${n.toLocaleString("en-US")} characters`;
}
