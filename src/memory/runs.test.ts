import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "./db.js";
import { createRunStore } from "./runs.js";
import { openSqlite } from "./sqlite.js";
import { openStore, type Store } from "./store.js";

const dbFile = () => join(mkdtempSync(join(tmpdir(), "runs-")), "squad.db");
const TASKS = ["a", "b", "c"].map((taskId, position) => ({
  taskId,
  position,
  kind: "command" as const,
  label: taskId,
  worker: null,
}));
const RUN = { id: "r-1", createdAt: 1_000, pid: 1, project: "/p" };

/** What another process sees: its own connection to the file. */
function statusesSeenElsewhere(file: string): Record<string, string> {
  const other = openSqlite(file, { readOnly: true });
  try {
    const rows = other.prepare("SELECT task_id, status FROM run_tasks ORDER BY position").all();
    return Object.fromEntries(
      (rows as { task_id: string; status: string }[]).map((row) => [row.task_id, row.status]),
    );
  } finally {
    other.close();
  }
}

describe("run store task updates", () => {
  let store: Store | null = null;
  afterEach(() => {
    store?.close();
    store = null;
  });

  it("are read back at once through the store and reach the file within the same turn", async () => {
    const file = dbFile();
    store = openStore(file);
    store.runs.start(RUN, TASKS);
    store.runs.updateTask("r-1", "a", { status: "running", startedAt: 1_001 });
    store.runs.updateTask("r-1", "a", { status: "ok", exitCode: 0 });
    store.runs.updateTask("r-1", "b", { status: "failed", exitCode: 1 });
    expect(
      store.runs.tasks("r-1").map((task) => [task.taskId, task.status, task.exitCode]),
    ).toEqual([
      ["a", "ok", 0],
      ["b", "failed", 1],
      ["c", "pending", null],
    ]);
    store.runs.updateTask("r-1", "c", { status: "running" });
    await nextTurn();
    expect(statusesSeenElsewhere(file)).toEqual({ a: "ok", b: "failed", c: "running" });
  });

  it("are written when the store closes, even with no turn in between", () => {
    const file = dbFile();
    store = openStore(file);
    store.runs.start(RUN, TASKS);
    store.runs.updateTask("r-1", "a", { status: "timeout", signal: "SIGKILL" });
    store.close();
    store = null;
    expect(statusesSeenElsewhere(file).a).toBe("timeout");
  });

  it("that fail to be written later are reported, not thrown into the event loop", async () => {
    const db = openDatabase(dbFile());
    const errors: string[] = [];
    const runs = createRunStore(db, (error) => errors.push(String(error)));
    runs.start(RUN, TASKS);
    db.exec(`CREATE TRIGGER full BEFORE UPDATE ON run_tasks
      BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    runs.updateTask("r-1", "a", { status: "ok" });
    await nextTurn();
    expect(errors).toEqual([expect.stringContaining("database or disk is full")]);
    db.exec("DROP TRIGGER full");
    runs.updateTask("r-1", "b", { status: "ok" });
    expect(runs.tasks("r-1").map((task) => task.status)).toEqual(["pending", "ok", "pending"]);
    db.close();
  });
});

describe("a run that ends before its tasks", () => {
  let dir = "";
  let store: Store | null = null;
  afterEach(() => {
    store?.close();
    store = null;
    rmSync(dir, { recursive: true, force: true });
  });
  const open = () => {
    dir = mkdtempSync(join(tmpdir(), "runs-end-"));
    store = openStore(join(dir, "squad.db"));
    return store;
  };
  const statuses = (runs: Store, id: string) =>
    Object.fromEntries(runs.runs.tasks(id).map((task) => [task.taskId, task.status]));

  it("leaves unfinished tasks cancelled when the host cancelled it, interrupted when its server stopped", () => {
    const runs = open();
    for (const id of ["r-c", "r-i"]) {
      runs.runs.start({ ...RUN, id }, TASKS);
      runs.runs.updateTask(id, "a", { status: "ok" });
      runs.runs.updateTask(id, "b", { status: "running" });
    }
    runs.runs.finish("r-c", "cancelled", 2_000);
    runs.runs.finish("r-i", "interrupted", 2_000);
    expect(statuses(runs, "r-c")).toEqual({ a: "ok", b: "cancelled", c: "cancelled" });
    expect(statuses(runs, "r-i")).toEqual({ a: "ok", b: "interrupted", c: "interrupted" });
    expect(runs.runs.tasks("r-i")[1]?.digest).toBe("interrupted: the server running it stopped");
  });

  it("marks the runs of a server that is gone interrupted, and hands over the process groups it recorded", () => {
    const runs = open();
    runs.runs.start({ ...RUN, id: "r-dead", pid: 111 }, TASKS);
    runs.runs.start({ ...RUN, id: "r-live", pid: 222 }, TASKS);
    runs.commandGroups.started(111, 5001, 42, 1_000);
    runs.commandGroups.started(222, 5002, 43, 1_000);
    const alive = (pid: number) => pid === 222;
    expect(runs.commandGroups.takeOrphans(alive)).toEqual([
      { serverPid: 111, pgid: 5001, startTicks: 42 },
    ]);
    expect(runs.commandGroups.takeOrphans(alive)).toEqual([]);
    expect(runs.runs.markInterrupted(alive, 3_000)).toEqual(["r-dead"]);
    expect(runs.runs.get("r-dead")?.status).toBe("interrupted");
    expect(runs.runs.get("r-live")?.status).toBe("running");
    expect(statuses(runs, "r-dead")).toEqual({
      a: "interrupted",
      b: "interrupted",
      c: "interrupted",
    });
  });
});
