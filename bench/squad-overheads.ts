import { spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CommandLauncher } from "../src/runners/command.js";
import { CLOSED_OLLAMA } from "../test/support/server.js";
import { type BenchContext, type CommandModule, type DigestModule, loadDist } from "./dist.js";
import { openContext } from "./route.js";
import { round, type Summary, summarize, timeEach } from "./stats.js";
import { removeScratch, scratchDir } from "./workspace.js";

/** Where a trivial command's time goes in the server's own code, each part timed alone. */
export interface CommandOverheads {
  tasks: number;
  concurrency: number;
  /** runCommand() `tasks` × `true`, `concurrency` at once, started by perl; no squad. */
  runCommandMs: number;
  /** The same with commands.launcher "node": execa's spawn from this process. */
  runCommandNodeMs: number;
  /** runs.start() for a run of `tasks` tasks: one transaction. */
  runStartMs: number;
  /** Per task: the two run_tasks updates a squad makes (running, then the outcome), written. */
  sqliteWrites: Summary;
  /** Per task: creating its log (mkdir -p of the run folder, open for writing, close). */
  logFile: Summary;
  /** Per task: reading the log back as the squad does (its size, then digestLogFile), empty log. */
  readBack: Summary;
}

const DIGEST_OPTIONS = { maxChars: 2000, maxFailures: 30 };
const THIS_FILE = fileURLToPath(import.meta.url);

/**
 * The parts, measured in a fresh Node process: a fork copies the parent's page tables, so in
 * the bench's own process (its heap grown by the routing benches) every spawn would be slower
 * than in the server.
 */
export async function measureCommandOverheadsApart(
  tasks: number,
  concurrency: number,
  repetitions: number,
): Promise<CommandOverheads> {
  const child = spawn(
    process.execPath,
    [THIS_FILE, String(tasks), String(concurrency), String(repetitions)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`${THIS_FILE} exited with ${code}`);
  return JSON.parse(stdout) as CommandOverheads;
}

export async function measureCommandOverheads(
  tasks: number,
  concurrency: number,
  repetitions: number,
): Promise<CommandOverheads> {
  const { runCommand } = await loadDist<CommandModule>("runners/command.js");
  const { digestLogFile } = await loadDist<DigestModule>("squad/digest/index.js");
  const dir = scratchDir("overheads");
  const runs: Record<CommandLauncher, number[]> = { perl: [], node: [] };
  for (let round = 0; round <= repetitions * 2 + 1; round++) {
    // Alternating, so a burst of load on the machine hits both alike.
    const launcher: CommandLauncher = round % 2 === 0 ? "perl" : "node";
    let next = 0;
    const slot = async (index: number) => {
      while (next < tasks) {
        next++;
        const result = await runCommand({
          command: "true",
          cwd: dir,
          env: { PATH: process.env.PATH ?? "" },
          timeoutMs: 60_000,
          killGraceMs: 2_000,
          logFile: join(dir, "runs", `slot-${index}.log`),
          launcher,
          tailBytes: 0,
        });
        if (result.exitCode !== 0) throw new Error(`runCommand(true): ${JSON.stringify(result)}`);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, (_, index) => slot(index)));
    // The first round of each only warms up perl, execa and the file system.
    if (round > 1) runs[launcher].push(performance.now() - started);
  }

  const logs = join(dir, "logs");
  const logFile = await timeEach(tasks, async (i) => {
    const file = join(logs, `t${i}.log`);
    await mkdir(logs, { recursive: true });
    closeSync(openSync(file, "w"));
  });
  const readBack = await timeEach(tasks, async (i) => {
    const file = join(logs, `t${i}.log`);
    statSync(file);
    await digestLogFile(file, { command: "true", exitCode: 0 }, DIGEST_OPTIONS);
  });

  const ctx = await openContext(scratchDir("overheads-home"), CLOSED_OLLAMA);
  try {
    const { runStartMs, writes } = timeRunWrites(ctx, tasks, join(logs, "t0.log"));
    return {
      tasks,
      concurrency,
      runCommandMs: summarize(runs.perl).p50,
      runCommandNodeMs: summarize(runs.node).p50,
      runStartMs: round(runStartMs),
      sqliteWrites: summarize(writes),
      logFile: summarize(logFile),
      readBack: summarize(readBack),
    };
  } finally {
    ctx.close();
  }
}

/** The rows a squad of `tasks` commands writes, as run-squad.ts writes them. */
function timeRunWrites(
  ctx: BenchContext,
  tasks: number,
  log: string,
): { runStartMs: number; writes: number[] } {
  const runId = "r-bench0000001";
  const ids = Array.from({ length: tasks }, (_, i) => `t${i + 1}`);
  const started = performance.now();
  ctx.store.runs.start(
    { id: runId, createdAt: Date.now(), pid: process.pid, project: "/bench" },
    ids.map((taskId, position) => ({
      taskId,
      position,
      kind: "command",
      label: "true",
      worker: null,
    })),
  );
  const runStartMs = performance.now() - started;
  const writes = ids.map((taskId) => {
    const began = performance.now();
    ctx.store.runs.updateTask(runId, taskId, { status: "running", startedAt: Date.now() });
    ctx.store.runs.updateTask(runId, taskId, {
      status: "ok",
      worker: null,
      model: null,
      exitCode: 0,
      signal: null,
      durationMs: 5,
      digest: "(no output)",
      log,
      rawBytes: 0,
      tokensIn: null,
      tokensOut: null,
      decisionId: null,
      detail: {
        summary: "(no output)",
        counts: {},
        failures: [],
        failuresOmitted: 0,
        fileBytes: 0,
        host: null,
        notes: [],
      },
    });
    // The squad writes what a turn of the event loop queued in one transaction; a turn of a
    // busy squad holds about one task's start and another's end.
    ctx.store.runs.flush();
    return performance.now() - began;
  });
  return { runStartMs, writes };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [tasks, concurrency, repetitions] = process.argv.slice(2).map(Number);
  measureCommandOverheads(tasks ?? 200, concurrency ?? 4, repetitions ?? 2)
    .then((figures) => process.stdout.write(`${JSON.stringify(figures)}\n`))
    .finally(removeScratch);
}
