import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  CLOSED_OLLAMA,
  type RunningServer,
  type RunTask,
  runCounts,
  runTasks,
  startServer,
} from "../test/support/server.js";
import { scratchDir } from "./workspace.js";

/** Long enough for the slowest squad the bench runs (200 MB of output on a busy machine). */
const CALL_TIMEOUT_MS = 180_000;

/** A task as spawn_squad takes it. */
export interface SquadTask {
  id?: string;
  command?: string;
  prompt?: string;
  worker?: string;
}

/** The parts of spawn_squad's structured answer the bench reads, its status groups flattened. */
export interface SquadAnswer {
  run_id: string;
  status: string;
  /** Tasks per status, those the answer left out for size included. */
  counts: Record<string, number>;
  duration_ms: number;
  /** The tasks the answer shows. */
  tasks: RunTask[];
}

export interface TimedSquad {
  /** From the client sending tools/call to the answer parsed, as the host waits for it. */
  wallMs: number;
  answer: SquadAnswer;
  /** Bytes of the JSON text content the host would read. */
  textBytes: number;
}

/**
 * The built server over stdio in a fresh project folder, SQUAD_HOME and HOME; `config` goes
 * into the project's squad.config.json.
 */
export function startSquadServer(
  ollamaHost: string = CLOSED_OLLAMA,
  config?: Record<string, unknown>,
): Promise<RunningServer> {
  const project = scratchDir("squad-project");
  if (config) writeFileSync(join(project, "squad.config.json"), JSON.stringify(config));
  return startServer({
    cwd: project,
    home: scratchDir("squad-home"),
    env: { HOME: scratchDir("squad-user"), OLLAMA_HOST: ollamaHost, SQUAD_LOG_LEVEL: "warn" },
  });
}

/** One spawn_squad call, waited for; throws if it fails or any task does not end ok. */
export async function timeSquad(
  client: Client,
  tasks: readonly SquadTask[],
  concurrency?: number,
): Promise<TimedSquad> {
  const args = { tasks, ...(concurrency === undefined ? {} : { concurrency }) };
  const started = performance.now();
  const result = await client.callTool({ name: "spawn_squad", arguments: args }, undefined, {
    timeout: CALL_TIMEOUT_MS,
  });
  const wallMs = performance.now() - started;
  if (result.isError) throw new Error(`spawn_squad failed: ${JSON.stringify(result.content)}`);
  const structured = (result.structuredContent ?? {}) as Record<string, unknown>;
  const answer: SquadAnswer = {
    ...(structured as unknown as SquadAnswer),
    tasks: runTasks(structured),
    counts: runCounts(structured),
  };
  const notOk = Object.entries(answer.counts)
    .filter(([status]) => status !== "ok")
    .reduce((sum, [, n]) => sum + n, 0);
  if (answer.status !== "done" || notOk > 0) {
    const first = answer.tasks.find((task) => task.status !== "ok");
    throw new Error(
      `spawn_squad run ${answer.run_id} ended ${answer.status} with ${notOk} task(s) not ok` +
        (first ? `, e.g. ${first.id} ${first.status}: ${first.digest ?? ""}` : ""),
    );
  }
  const content = result.content as { type: string; text?: string }[];
  const textBytes = content.reduce((sum, part) => sum + Buffer.byteLength(part.text ?? ""), 0);
  return { wallMs, answer, textBytes };
}
