import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  CallToolResultSchema,
  ProgressNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
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
  counts: z.record(z.string(), z.number()),
  duration_ms: z.number(),
  host_tokens_saved: z.number(),
  tasks: z.array(
    z.object({
      id: z.string(),
      status: z.string(),
      duration_ms: z.number().nullable(),
      digest: z.string().nullable(),
      log: z.string().nullable(),
    }),
  ),
});
export type SquadRun = z.infer<typeof runSchema>;
type SquadTask = SquadRun["tasks"][number];

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
  // Listen to the notifications themselves: the SDK client drops those that arrive in the same
  // read as the response from a request's `onprogress`, and the last one often does.
  client.setNotificationHandler(ProgressNotificationSchema, ({ params }) => {
    const at = `${seconds(Date.now() - started)}`.padStart(6);
    console.log(dim(`  ${at}  ${clip(params.message ?? "", LINE_WIDTH - 10)}`));
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
  const run = runSchema.parse(result.structuredContent);
  console.log("");
  for (const task of run.tasks) {
    const took = task.duration_ms === null ? "" : seconds(task.duration_ms);
    const first = task.digest?.split("\n", 1)[0] ?? "";
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
    `  ${seconds(run.duration_ms)} wall for ${seconds(work)} of work; ~${run.host_tokens_saved.toLocaleString("en-US")} host tokens saved (output the host did not read)`,
  );
  await showLog(client, run);
  return run;
}

/** Reads one task's full log back through its resource, to set its size against the digest's. */
async function showLog(client: Client, run: SquadRun): Promise<void> {
  const task: SquadTask | undefined =
    run.tasks.find((t) => t.status !== "ok" && t.log) ?? run.tasks.find((t) => t.log);
  if (!task?.log) return;
  const resource = await client.readResource({ uri: task.log });
  const text = resource.contents.map((content) => ("text" in content ? content.text : "")).join("");
  console.log(`  Full logs stay on the server as resources: squad://runs/${run.run_id}/<task>`);
  console.log(
    `  ${task.log}: ${chars(text.length)} read back, against ${chars(task.digest?.length ?? 0)} in its digest`,
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
