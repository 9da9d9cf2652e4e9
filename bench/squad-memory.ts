import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { startSquadServer, timeSquad } from "./squad-server.js";
import { progress, round } from "./stats.js";

export interface LoudTaskMemory {
  command: string;
  /** Bytes the task wrote to its log, as the server's log file holds them. */
  logBytes: number;
  wallMs: number;
  /** Bytes of the answer's text the host reads. */
  answerBytes: number;
  /** The server's resident memory (MB = 10^6 bytes) after start-up and a warm-up call. */
  before: { rssMB: number; hwmMB: number };
  /** VmRSS sampled every `sampleEveryMs` during the call: its peak and how many samples. */
  sampled: { peakRssMB: number; samples: number; sampleEveryMs: number };
  /** VmHWM after the call: the peak RSS of the server's whole life, sampled or not. */
  hwmMB: number;
  rssAfterMB: number;
}

const SAMPLE_EVERY_MS = 10;

/** One task that prints `bytes` bytes through spawn_squad, with the server's memory watched. */
export async function measureLoudTask(bytes: number): Promise<LoudTaskMemory> {
  const command = `head -c ${bytes} /dev/zero | tr '\\0' x`;
  const server = await startSquadServer();
  try {
    const pid = server.pid();
    if (pid === null) throw new Error("the server has no pid");
    await timeSquad(server.client, [{ command: "true" }]);
    const start = memory(pid);
    let peak = start.rssMB;
    let samples = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, memory(pid).rssMB);
      samples++;
    }, SAMPLE_EVERY_MS);
    let timed: Awaited<ReturnType<typeof timeSquad>>;
    try {
      timed = await timeSquad(server.client, [{ id: "loud", command }]);
    } finally {
      clearInterval(sampler);
    }
    const end = memory(pid);
    const logBytes = statSync(join(server.home, "runs", timed.answer.run_id, "loud.log")).size;
    progress(
      `${command}: ${timed.wallMs.toFixed(0)} ms, server VmHWM ${end.hwmMB} MB, sampled VmRSS peak ${round(peak, 1)} MB`,
    );
    return {
      command,
      logBytes,
      wallMs: round(timed.wallMs),
      answerBytes: timed.textBytes,
      before: start,
      sampled: { peakRssMB: round(peak, 1), samples, sampleEveryMs: SAMPLE_EVERY_MS },
      hwmMB: end.hwmMB,
      rssAfterMB: end.rssMB,
    };
  } finally {
    await server.close();
  }
}

/** VmRSS and VmHWM of a process from /proc/<pid>/status, in MB. */
function memory(pid: number): { rssMB: number; hwmMB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kB = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
    return round((Number(match[1]) * 1024) / 1e6, 1);
  };
  return { rssMB: kB("VmRSS"), hwmMB: kB("VmHWM") };
}
