import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { CLI, INITIALIZE_LINE } from "../test/support/server.js";
import { progress } from "./stats.js";
import { scratchDir } from "./workspace.js";

const INITIALIZE = INITIALIZE_LINE;

/** How long a start may take before the bench calls it a hang rather than a slow start. */
const START_TIMEOUT_MS = 15_000;

/**
 * Spawns `node dist/cli.js` with a fresh SQUAD_HOME (so each start also creates and migrates
 * its database), writes `initialize` at once, and times until the answer's line is on stdout.
 */
export async function timeStartup(runs: number, ollamaHost: string): Promise<StartSample[]> {
  const samples: StartSample[] = [];
  for (let run = 1; run <= runs; run++) {
    const sample = await startOnce(ollamaHost);
    samples.push(sample);
    const cpu = sample.cpuMs === null ? "" : ` (server CPU ${sample.cpuMs} ms)`;
    progress(`start-up ${run}/${runs}: ${sample.wallMs.toFixed(1)} ms${cpu}`);
  }
  return samples;
}

export interface StartSample {
  /** From spawn to the answer's line on stdout. */
  wallMs: number;
  /**
   * CPU time the server process had used by then (Linux only, clock-tick resolution): unlike
   * the wall time, barely affected by other load on the machine.
   */
  cpuMs: number | null;
}

async function startOnce(ollamaHost: string): Promise<StartSample> {
  const home = scratchDir("start-home");
  const started = performance.now();
  const child = spawn(process.execPath, [CLI], {
    cwd: home,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: scratchDir("start-user"),
      SQUAD_HOME: home,
      OLLAMA_HOST: ollamaHost,
      SQUAD_LOG_LEVEL: "warn",
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  try {
    child.stdin.write(INITIALIZE);
    const line = await firstLine(child);
    const elapsed = performance.now() - started;
    const cpuMs = child.pid === undefined ? null : cpuTimeMs(child.pid);
    const answer = JSON.parse(line) as {
      id?: unknown;
      result?: { serverInfo?: { name?: string } };
    };
    if (answer.id !== 1 || answer.result?.serverInfo?.name !== "squad-mcp") {
      throw new Error(`unexpected answer to initialize: ${line.slice(0, 300)}`);
    }
    return { wallMs: elapsed, cpuMs };
  } finally {
    await stop(child);
  }
}

function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(
      () =>
        reject(new Error(`no initialize answer within ${START_TIMEOUT_MS} ms; stderr: ${stderr}`)),
      START_TIMEOUT_MS,
    );
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const end = stdout.indexOf("\n");
      if (end < 0) return;
      clearTimeout(timer);
      resolve(stdout.slice(0, end));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before answering; stderr: ${stderr}`));
    });
  });
}

/** Closing stdin is how a host ends the server; it must exit on its own. */
async function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.stdin.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

let ticksPerSecond: number | undefined;

/** utime + stime from /proc/<pid>/stat, or null where there is no /proc. */
export function cpuTimeMs(pid: number): number | null {
  try {
    ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) && ticksPerSecond
      ? Math.round((ticks * 1000) / ticksPerSecond)
      : null;
  } catch {
    return null;
  }
}
