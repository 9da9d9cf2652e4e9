import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  PACKAGE_ROOT,
  type RunningServer,
  runCounts,
  startServer,
} from "../test/support/server.js";
import { startSquadServer, timeSquad } from "./squad-server.js";
import { progress, round, type Summary, summarize } from "./stats.js";
import { scratchDir } from "./workspace.js";

export interface TrueRace {
  tasks: number;
  concurrency: number;
  /** spawn_squad over stdio, sandbox on (bwrap) and off. */
  squad: Summary;
  squadOff: Summary;
  /** `xargs -P<c> -I{} setsid sh -c 'true >"$0" 2>&1' <log>`: own session, a log each. */
  xargs: Summary;
  /** (squad − xargs) ÷ tasks × concurrency, from the medians. */
  overheadMsPerTask: number;
  overheadOffMsPerTask: number;
}

/**
 * `tasks` × `true` through spawn_squad (sandbox on and off) and through xargs, taking turns so
 * that a burst of load on the machine hits all alike. One untimed round of each goes first.
 */
export async function raceTrueCommands(
  tasks: number,
  concurrency: number,
  repetitions: number,
): Promise<TrueRace> {
  const list = Array.from({ length: tasks }, () => ({ command: "true" }));
  const logDir = scratchDir("xargs-logs");
  const sandboxed = await startSquadServer(undefined, { commands: { sandbox: "required" } });
  const open = await startSquadServer(undefined, { commands: { sandbox: "off" } });
  // The log's path is the shell's $0, as each task's log is the runner's.
  const xargsArgs = [`-P${concurrency}`, "-I{}", "setsid", "sh", "-c", `true >"$0" 2>&1`, "{}"];
  const input = Array.from({ length: tasks }, (_, i) => join(logDir, `log.${i}`)).join("\n");
  const squadMs: number[] = [];
  const offMs: number[] = [];
  const xargsMs: number[] = [];
  try {
    await timeSquad(sandboxed.client, list, concurrency);
    await timeSquad(open.client, list, concurrency);
    await timeXargs(xargsArgs, input);
    for (let rep = 1; rep <= repetitions; rep++) {
      squadMs.push((await timeSquad(sandboxed.client, list, concurrency)).wallMs);
      offMs.push((await timeSquad(open.client, list, concurrency)).wallMs);
      xargsMs.push(await timeXargs(xargsArgs, input));
      progress(
        `${tasks} × true, ${rep}/${repetitions}: spawn_squad ${ms(squadMs)} (sandbox off ${ms(offMs)}), xargs ${ms(xargsMs)}`,
      );
    }
  } finally {
    await Promise.all([sandboxed.close(), open.close()]);
  }
  const squad = summarize(squadMs);
  const squadOff = summarize(offMs);
  const xargs = summarize(xargsMs);
  const perTask = (wall: number) => round(((wall - xargs.p50) / tasks) * concurrency);
  return {
    tasks,
    concurrency,
    squad,
    squadOff,
    xargs,
    overheadMsPerTask: perTask(squad.p50),
    overheadOffMsPerTask: perTask(squadOff.p50),
  };
}

/** The squad of real checks: this repository's type-check, the demo fixture's tests, a lint, a grep. */
export const REAL_CHECKS = [
  { id: "type-check", command: "npx tsc -p tsconfig.json --noEmit" },
  { id: "fixture-tests", command: "npx vitest run --root scripts/demo/fixture-project" },
  { id: "lint", command: "npx biome check src" },
  { id: "grep", command: 'grep -rn "spawn_squad" src --include=*.ts' },
];

export interface RealChecksRace {
  /** Makespan of spawn_squad over stdio (sandbox on and off), and of xargs -P4 over the same. */
  squad: Summary;
  squadOff: Summary;
  xargs: Summary;
  ratio: number;
  ratioOff: number;
}

/** The four real checks at concurrency 4: spawn_squad (sandbox on, off) vs `xargs -P4`, interleaved. */
export async function raceRealChecks(repetitions: number): Promise<RealChecksRace> {
  const start = (sandbox: string) =>
    startServer({
      cwd: PACKAGE_ROOT,
      home: scratchDir("real-home"),
      env: { HOME: scratchDir("real-user"), SQUAD_CONFIG: configFile(sandbox) },
    });
  const sandboxed = await start("required");
  const open = await start("off");
  // The fixture's tests fail on purpose (the demo digests them): any status will do.
  const tasks = REAL_CHECKS.map((check) => ({ ...check, timeout_s: 600 }));
  const input = REAL_CHECKS.map((check) => check.command).join("\0");
  const xargsArgs = ["-0", "-P4", "-I{}", "sh", "-c", "{} >/dev/null 2>&1; true"];
  const squadMs: number[] = [];
  const offMs: number[] = [];
  const xargsMs: number[] = [];
  try {
    for (let rep = 0; rep <= repetitions; rep++) {
      const squad = await timeAnySquad(sandboxed, tasks);
      const off = await timeAnySquad(open, tasks);
      const xargs = await timeXargs(xargsArgs, input, PACKAGE_ROOT);
      // The first round warms the caches (tsc, vitest, biome) for all three alike.
      if (rep === 0) continue;
      squadMs.push(squad);
      offMs.push(off);
      xargsMs.push(xargs);
      progress(
        `real checks ${rep}/${repetitions}: spawn_squad ${ms(squadMs)} (sandbox off ${ms(offMs)}), xargs -P4 ${ms(xargsMs)}`,
      );
    }
  } finally {
    await Promise.all([sandboxed.close(), open.close()]);
  }
  const squad = summarize(squadMs);
  const squadOff = summarize(offMs);
  const xargs = summarize(xargsMs);
  return {
    squad,
    squadOff,
    xargs,
    ratio: round(squad.p50 / xargs.p50),
    ratioOff: round(squadOff.p50 / xargs.p50),
  };
}

function configFile(sandbox: string): string {
  const file = join(scratchDir("real-config"), "config.json");
  writeFileSync(file, JSON.stringify({ commands: { sandbox } }));
  return file;
}

/** One spawn_squad call whose tasks may fail (the fixture's tests do); wall time. */
async function timeAnySquad(
  server: RunningServer,
  tasks: readonly { id: string; command: string; timeout_s: number }[],
): Promise<number> {
  const client: Client = server.client;
  const started = performance.now();
  const result = await client.callTool(
    { name: "spawn_squad", arguments: { tasks, concurrency: 4 } },
    undefined,
    { timeout: 900_000 },
  );
  const wall = performance.now() - started;
  const answer = (result.structuredContent ?? {}) as Record<string, unknown> & { status?: string };
  if (result.isError || answer.status !== "done") {
    throw new Error(`spawn_squad failed: ${JSON.stringify(result.content)}`);
  }
  const counts = runCounts(answer);
  const broken = Object.keys(counts).filter((key) => !["ok", "failed"].includes(key));
  if (broken.length > 0) throw new Error(`real checks ended ${JSON.stringify(counts)}`);
  return wall;
}

/** xargs over `input`, timed from spawn to exit. */
async function timeXargs(args: string[], input: string, cwd?: string): Promise<number> {
  const started = performance.now();
  const child = spawn("xargs", args, { cwd, stdio: ["pipe", "ignore", "inherit"] });
  const exited = once(child, "exit");
  child.stdin.end(input);
  const [code] = (await exited) as [number | null];
  const elapsed = performance.now() - started;
  if (code !== 0) throw new Error(`xargs exited with ${code}`);
  return elapsed;
}

function ms(values: number[]): string {
  return `${(values.at(-1) ?? 0).toFixed(0)} ms`;
}
