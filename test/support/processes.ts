import { readdirSync, readFileSync } from "node:fs";
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

/**
 * Pids of running processes whose command line starts with `marker` (e.g. a `sleep 31.417` of
 * one test; not the shell or bwrap whose arguments quote it), seen from outside any PID
 * namespace: a sandboxed command's own pids mean nothing here.
 */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
    } catch {
      continue;
    }
    if (cmdline.startsWith(marker) && isRunning(Number(entry))) found.push(Number(entry));
  }
  return found;
}

/** True once no process whose command line starts with `marker` runs, polling for up to `withinMs`. */
export async function waitUntilNoneWith(marker: string, withinMs = 2_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (processesWith(marker).length === 0) return true;
    await sleep(20);
  }
  return processesWith(marker).length === 0;
}

/** Waits until a process whose command line starts with `marker` runs; throws after `withinMs`. */
export async function waitForProcessWith(marker: string, withinMs = 5_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (processesWith(marker).length > 0) return;
    await sleep(20);
  }
  throw new Error(`no process running '${marker}' within ${withinMs} ms`);
}
