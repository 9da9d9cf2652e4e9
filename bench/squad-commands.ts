import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { timePerlFloor } from "./perl-floor.js";
import type { SpawnFloorRound } from "./spawn-floor.js";
import { startSquadServer, timeSquad } from "./squad-server.js";
import { cpuTimeMs } from "./startup.js";
import { progress, round, type Summary, summarize } from "./stats.js";
import { scratchDir } from "./workspace.js";

const SPAWN_FLOOR = fileURLToPath(new URL("./spawn-floor.js", import.meta.url));

export interface CommandRace {
  tasks: number;
  concurrency: number;
  /** Wall time of one spawn_squad call over stdio, per repetition (ms). */
  squadMs: number[];
  /** Wall time of `xargs -P<concurrency> -I{} sh -c {}` over the same list, per repetition. */
  xargsMs: number[];
  squad: Summary;
  xargs: Summary;
  /** The same calls to a server with commands.launcher "node" (Node's spawn, no perl). */
  squadNode: Summary;
  /** Median squad ÷ median xargs. */
  ratio: number;
  /** CPU time (user + system) the server used per task during the timed calls; null without /proc. */
  serverCpuMsPerTask: number | null;
  /** The same list from a small Node process with bare child_process.spawn: what Node costs. */
  nodeSpawn: NodeSpawnFigures;
  /** perl alone, no server: each command started as the launcher starts one (perl-floor.ts). */
  perlFloor: Summary;
  /** perl alone, fork and exec only. */
  perlBareFloor: Summary;
}

export interface NodeSpawnFigures {
  wall: Summary;
  /** How long each spawn() call held the event loop (libuv forks, then waits for the exec). */
  blockedMsPerSpawn: number;
  /** Resident memory of that process, which a fork copies the page tables of. */
  rssMB: number;
}

/**
 * The same `tasks` trivial commands through spawn_squad, through `xargs -P` and through bare
 * child_process.spawn in a small Node process, taking turns so that a burst of load on the
 * machine hits all alike. One untimed round of each goes first.
 */
export async function raceTrueCommands(
  tasks: number,
  concurrency: number,
  repetitions: number,
): Promise<CommandRace> {
  const list = Array.from({ length: tasks }, () => ({ command: "true" }));
  const logDir = scratchDir("node-spawn");
  const server = await startSquadServer();
  const nodeServer = await startSquadServer(undefined, { commands: { launcher: "node" } });
  const squadNodeMs: number[] = [];
  const squadMs: number[] = [];
  const xargsMs: number[] = [];
  const nodeMs: number[] = [];
  const perlMs: number[] = [];
  const perlBareMs: number[] = [];
  let blocked = 0;
  let nodeRssMB = 0;
  let cpuMs: number | null = 0;
  try {
    await timeSquad(server.client, list, concurrency);
    await timeSquad(nodeServer.client, list, concurrency);
    await timeXargs(tasks, concurrency);
    await timeNodeSpawn(tasks, concurrency, logDir);
    await timePerlFloor(tasks, concurrency, logDir, "launcher");
    const pid = server.pid();
    for (let rep = 1; rep <= repetitions; rep++) {
      const cpuBefore = pid === null ? null : cpuTimeMs(pid);
      const squad = await timeSquad(server.client, list, concurrency);
      const cpuAfter = pid === null ? null : cpuTimeMs(pid);
      cpuMs =
        cpuMs === null || cpuBefore === null || cpuAfter === null
          ? null
          : cpuMs + cpuAfter - cpuBefore;
      const xargs = await timeXargs(tasks, concurrency);
      const node = await timeNodeSpawn(tasks, concurrency, logDir);
      const squadNode = await timeSquad(nodeServer.client, list, concurrency);
      perlMs.push(await timePerlFloor(tasks, concurrency, logDir, "launcher"));
      perlBareMs.push(await timePerlFloor(tasks, concurrency, logDir, "bare"));
      squadMs.push(squad.wallMs);
      squadNodeMs.push(squadNode.wallMs);
      xargsMs.push(xargs);
      nodeMs.push(node.wallMs);
      blocked += node.blockedMs;
      nodeRssMB = Math.max(nodeRssMB, node.rssMB);
      progress(
        `${tasks} × true, ${rep}/${repetitions}: spawn_squad ${squad.wallMs.toFixed(0)} ms (launcher node: ${squadNode.wallMs.toFixed(0)} ms), xargs -P${concurrency} ${xargs.toFixed(0)} ms, bare child_process.spawn ${node.wallMs.toFixed(0)} ms, perl alone ${perlMs.at(-1)?.toFixed(0)} ms`,
      );
    }
  } finally {
    await Promise.all([server.close(), nodeServer.close()]);
  }
  const squad = summarize(squadMs);
  const xargs = summarize(xargsMs);
  return {
    tasks,
    concurrency,
    squadMs: squadMs.map((value) => round(value)),
    xargsMs: xargsMs.map((value) => round(value)),
    squad,
    xargs,
    squadNode: summarize(squadNodeMs),
    ratio: round(squad.p50 / xargs.p50),
    serverCpuMsPerTask: cpuMs === null ? null : round(cpuMs / (tasks * repetitions)),
    nodeSpawn: {
      wall: summarize(nodeMs),
      blockedMsPerSpawn: round(blocked / (tasks * repetitions)),
      rssMB: round(nodeRssMB, 1),
    },
    perlFloor: summarize(perlMs),
    perlBareFloor: summarize(perlBareMs),
  };
}

/** `printf 'true\n%.0s' {1..N} | xargs -P<c> -I{} sh -c {}`, timed from spawn to exit. */
async function timeXargs(tasks: number, concurrency: number): Promise<number> {
  const started = performance.now();
  const child = spawn("xargs", [`-P${concurrency}`, "-I{}", "sh", "-c", "{}"], {
    stdio: ["pipe", "ignore", "inherit"],
  });
  const exited = once(child, "exit");
  child.stdin.end("true\n".repeat(tasks));
  const [code] = (await exited) as [number | null];
  const elapsed = performance.now() - started;
  if (code !== 0) throw new Error(`xargs exited with ${code}`);
  return elapsed;
}

/** One timed round of spawn-floor.js in a fresh Node process. */
async function timeNodeSpawn(
  tasks: number,
  concurrency: number,
  logDir: string,
): Promise<SpawnFloorRound> {
  const child = spawn(process.execPath, [SPAWN_FLOOR, String(tasks), String(concurrency), logDir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`spawn-floor.js exited with ${code}`);
  return JSON.parse(stdout) as SpawnFloorRound;
}
