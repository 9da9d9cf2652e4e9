import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CLOSED_OLLAMA } from "../test/support/server.js";
import {
  type ConfigModule,
  type ContextModule,
  type DenyModule,
  loadDist,
  type SquadModule,
} from "./dist.js";
import { round, type Summary, summarize } from "./stats.js";
import { removeScratch, scratchDir } from "./workspace.js";

/** What the server's own event loop does during a squad of trivial commands, in process. */
export interface CommandOverheads {
  tasks: number;
  concurrency: number;
  /** Longest event-loop delay (monitorEventLoopDelay, max) during the squad, sandbox on / off. */
  loopMaxMs: Summary;
  loopMaxOffMs: Summary;
  /** The deny check of a 1 MB command of backticks. */
  deny1MBMs: Summary;
}

const THIS_FILE = fileURLToPath(import.meta.url);

/** Measured in a fresh Node process: the bench's own heap would slow every fork. */
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

async function loopDelays(
  sandbox: string,
  tasks: number,
  concurrency: number,
  repetitions: number,
): Promise<number[]> {
  const { createContext } = await loadDist<ContextModule>("context.js");
  const { startSquad } = await loadDist<SquadModule>("squad/run-squad.js");
  const home = scratchDir(`loop-${sandbox}`);
  const config = join(home, "config.json");
  writeFileSync(config, JSON.stringify({ commands: { sandbox } }));
  const ctx = createContext({
    cwd: home,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: home,
      SQUAD_HOME: home,
      SQUAD_CONFIG: config,
      OLLAMA_HOST: CLOSED_OLLAMA,
      SQUAD_LOG_LEVEL: "warn",
    },
  });
  const list = Array.from({ length: tasks }, () => ({ command: "true" }));
  const maxima: number[] = [];
  try {
    const models = await ctx.models();
    for (let rep = 0; rep <= repetitions; rep++) {
      const histogram = monitorEventLoopDelay({ resolution: 1 });
      histogram.enable();
      const run = await startSquad(ctx, models, { tasks: list, concurrency, failFast: false });
      await run.finished;
      histogram.disable();
      // The first round warms up the modules, the database and bwrap's probe.
      if (rep > 0) maxima.push(histogram.max / 1e6);
    }
  } finally {
    ctx.close();
  }
  return maxima;
}

async function denyTimes(repetitions: number): Promise<number[]> {
  const { deniedBy } = await loadDist<DenyModule>("runners/deny.js");
  const { DEFAULT_DENY } = await loadDist<ConfigModule>("config.js");
  const line = "`".repeat(1_000_000);
  deniedBy(line, DEFAULT_DENY);
  return Array.from({ length: repetitions }, () => {
    const started = performance.now();
    deniedBy(line, DEFAULT_DENY);
    return performance.now() - started;
  });
}

export async function measureCommandOverheads(
  tasks: number,
  concurrency: number,
  repetitions: number,
): Promise<CommandOverheads> {
  const on = await loopDelays("required", tasks, concurrency, repetitions);
  const off = await loopDelays("off", tasks, concurrency, repetitions);
  return {
    tasks,
    concurrency,
    loopMaxMs: summarize(on.map((value) => round(value))),
    loopMaxOffMs: summarize(off.map((value) => round(value))),
    deny1MBMs: summarize(await denyTimes(5)),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [tasks, concurrency, repetitions] = process.argv.slice(2).map(Number);
  measureCommandOverheads(tasks ?? 200, concurrency ?? 4, repetitions ?? 3)
    .then((figures) => process.stdout.write(`${JSON.stringify(figures)}\n`))
    .finally(removeScratch);
}
