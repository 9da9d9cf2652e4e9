import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "./db.js";
import { createRunStore } from "./runs.js";
import { openSqlite } from "./sqlite.js";
import { openStore, type Store } from "./store.js";

let base = "";
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), "squad-runs-test-"));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));
let files = 0;
const dbFile = () => join(mkdtempSync(join(base, `db-${++files}-`)), "squad.db");
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

function runStatusSeenElsewhere(file: string): string {
  const other = openSqlite(file, { readOnly: true });
  try {
    return (other.prepare("SELECT status FROM runs WHERE id = 'r-1'").get() as { status: string })
      .status;
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

  it("that fail to be written are reported once, shown as kept, and written once the database takes them", async () => {
    const file = dbFile();
    const db = openDatabase(file);
    const errors: string[] = [];
    const runs = createRunStore(db, (error) => errors.push(String(error)));
    runs.start(RUN, TASKS);
    db.exec(`CREATE TRIGGER full BEFORE UPDATE ON run_tasks
      BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    runs.updateTask("r-1", "a", { status: "ok" });
    await nextTurn();
    runs.updateTask("r-1", "b", { status: "error", digest: "disk full writing /x/b.log" });
    runs.finish("r-1", "done", 2_000);

    expect(errors).toEqual([expect.stringContaining("database or disk is full")]);
    expect(runs.get("r-1")).toMatchObject({ status: "done", finishedAt: 2_000 });
    expect(runs.tasks("r-1").map((task) => task.status)).toEqual(["ok", "error", "cancelled"]);
    expect(statusesSeenElsewhere(file)).toEqual({ a: "pending", b: "pending", c: "pending" });

    db.exec("DROP TRIGGER full");
    expect(runs.tasks("r-1").map((task) => task.status)).toEqual(["ok", "error", "cancelled"]);
    expect(statusesSeenElsewhere(file)).toEqual({ a: "ok", b: "error", c: "cancelled" });
    expect(runStatusSeenElsewhere(file)).toBe("done");
    expect(errors).toHaveLength(1);
    db.close();
  });

  it("that fail are tried again on their own, with no read to prompt them", async () => {
    const file = dbFile();
    const db = openDatabase(file);
    const runs = createRunStore(db, () => {});
    runs.start(RUN, TASKS);
    db.exec(`CREATE TRIGGER full BEFORE UPDATE ON runs
      BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    runs.finish("r-1", "done", 2_000);
    expect(runStatusSeenElsewhere(file)).toBe("running");
    db.exec("DROP TRIGGER full");
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(runStatusSeenElsewhere(file)).toBe("done");
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
