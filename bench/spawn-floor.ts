/**
 * Run as its own small Node process by squad-commands.ts: `tasks` × `sh -c true`, `concurrency`
 * at once, started the way the command runner starts a command (own process group, output to a
 * log file) with bare child_process.spawn. The floor for any runner that spawns from Node's
 * main thread; a fresh process, so the bench's own heap does not slow its forks.
 * Prints {"wallMs", "blockedMs", "rssMB"} for one timed round after an untimed one.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";

export interface SpawnFloorRound {
  wallMs: number;
  /** Summed time spawn() held the event loop: libuv forks, then waits for the exec. */
  blockedMs: number;
  rssMB: number;
}

async function round(tasks: number, concurrency: number, logDir: string): Promise<SpawnFloorRound> {
  let next = 0;
  let blockedMs = 0;
  const slot = async (index: number) => {
    const log = join(logDir, `slot-${index}.log`);
    while (next < tasks) {
      next++;
      const fd = openSync(log, "w");
      const called = performance.now();
      const child = spawn("/bin/sh", ["-c", "true"], { stdio: ["ignore", fd, fd], detached: true });
      blockedMs += performance.now() - called;
      closeSync(fd);
      const [code] = (await once(child, "exit")) as [number | null];
      if (code !== 0) throw new Error(`sh -c true exited with ${code}`);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, index) => slot(index)));
  const wallMs = performance.now() - started;
  return { wallMs, blockedMs, rssMB: process.memoryUsage().rss / 1e6 };
}

const [tasks, concurrency, logDir] = process.argv.slice(2);
if (!tasks || !concurrency || !logDir) {
  process.stderr.write("usage: spawn-floor.js <tasks> <concurrency> <log dir>\n");
  process.exitCode = 2;
} else {
  await round(Number(tasks), Number(concurrency), logDir);
  const timed = await round(Number(tasks), Number(concurrency), logDir);
  process.stdout.write(`${JSON.stringify(timed)}\n`);
}
