import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** Running and not a zombie: orphans may stay unreaped in containers without a real init. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** True once `pid` no longer runs, polling for up to `withinMs`. */
export async function waitUntilGone(pid: number, withinMs = 2_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!isRunning(pid)) return true;
    await sleep(20);
  }
  return !isRunning(pid);
}
