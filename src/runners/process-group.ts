import { readdirSync, readFileSync } from "node:fs";

/** Signals a whole process group; a group already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Whether a process still exists (EPERM: it does, just not ours to signal). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * True while a process of the group runs. kill(-pgid, 0) alone also counts zombies, which
 * linger where the reaper of orphans does not reap (some containers), so on Linux the members
 * are looked up in /proc and zombies ignored.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return true;
  }
  return entries.some((entry) => /^\d+$/.test(entry) && isLiveMember(entry, pgid));
}

function isLiveMember(pid: string, pgid: number): boolean {
  const fields = statFields(pid);
  return fields !== null && fields[0] !== "Z" && Number(fields[2]) === pgid;
}

/**
 * When the process started, in clock ticks after boot (field 22 of /proc/<pid>/stat): with the
 * pid it names one process for good, so a recorded group is never confused with a later
 * process that got the same pid. null where there is no /proc or the process is gone.
 */
export function startTicks(pid: number): number | null {
  const fields = statFields(String(pid));
  // Field 22 is the 20th after the command name (fields 1 and 2).
  const ticks = fields?.[19];
  return ticks === undefined ? null : Number(ticks);
}

/** The stat fields after the command name, which may itself hold spaces and parentheses. */
function statFields(pid: string): string[] | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/**
 * Kills a group recorded by a server that is gone, unless its pid now names another process
 * (a different start time). With the leader gone, what is left of the group is still ours:
 * Linux does not reuse a pid while a group of that id exists.
 */
export function killRecordedGroup(pgid: number, ticks: number | null): void {
  const fields = statFields(String(pgid));
  if (fields !== null && ticks !== null && Number(fields[19]) !== ticks) return;
  signalGroup(pgid, "SIGKILL");
}
