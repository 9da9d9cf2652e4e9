import type { Db } from "./db.js";

export interface RecordedGroup {
  serverPid: number;
  pgid: number;
  startTicks: number | null;
}

/**
 * The process groups each server has running. Written as a command starts and ends (one
 * small autocommit write each), so what a server killed with SIGKILL left is known.
 */
export function createCommandGroupStore(db: Db) {
  const insert = db.prepare(
    "INSERT OR REPLACE INTO command_groups (server_pid, pgid, start_ticks, started_at) VALUES (?, ?, ?, ?)",
  );
  const remove = db.prepare("DELETE FROM command_groups WHERE server_pid = ? AND pgid = ?");
  const servers = db.prepare<[], { server_pid: number }>(
    "SELECT DISTINCT server_pid FROM command_groups",
  );
  const ofServer = db.prepare<[number], { pgid: number; start_ticks: number | null }>(
    "SELECT pgid, start_ticks FROM command_groups WHERE server_pid = ?",
  );
  const forgetServer = db.prepare("DELETE FROM command_groups WHERE server_pid = ?");

  return {
    started(serverPid: number, pgid: number, startTicks: number | null, at: number): void {
      if (db.open) insert.run(serverPid, pgid, startTicks, at);
    },
    ended(serverPid: number, pgid: number): void {
      if (db.open) remove.run(serverPid, pgid);
    },
    /** Removes and returns the groups recorded by servers that are gone. */
    takeOrphans(isAlive: (pid: number) => boolean): RecordedGroup[] {
      const gone = servers
        .all()
        .map((row) => row.server_pid)
        .filter((pid) => !isAlive(pid));
      const groups: RecordedGroup[] = [];
      for (const serverPid of gone) {
        for (const row of ofServer.all(serverPid)) {
          groups.push({ serverPid, pgid: row.pgid, startTicks: row.start_ticks });
        }
        forgetServer.run(serverPid);
      }
      return groups;
    },
  };
}

export type CommandGroupStore = ReturnType<typeof createCommandGroupStore>;
