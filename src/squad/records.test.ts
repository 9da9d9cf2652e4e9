import { describe, expect, it } from "vitest";
import { tempContexts } from "../../test/support/temp-context.js";
import { outcomeWithout } from "./outcome.js";
import { readRun, readTasks, saveFinished, saveOutcome, saveStarted } from "./records.js";

const openContext = tempContexts("records-");

function startRun(now: number) {
  const ctx = openContext(now);
  const tasks = ["a", "b", "c"].map((taskId, position) => ({
    taskId,
    position,
    kind: "command" as const,
    label: taskId,
    worker: null,
  }));
  ctx.store.runs.start({ id: "r-1", createdAt: now, pid: 1, project: "/p" }, tasks);
  return ctx;
}

describe("the squad's records in the store", () => {
  it("reads back an outcome as it was saved, its detail included", () => {
    const ctx = startRun(1_000);
    saveStarted(ctx, "r-1", "a");
    expect(readTasks(ctx, "r-1")[0]).toMatchObject({ status: "running", startedAt: 1_000 });
    saveOutcome(
      ctx,
      "r-1",
      "a",
      outcomeWithout("failed", "pytest: 1 failed", {
        exitCode: 1,
        durationMs: 12.6,
        rawBytes: 900,
        fileBytes: 0,
        counts: { failed: 1 },
        failures: [{ id: "t.py::x", message: "assert 1 == 2" }],
        logFile: "/logs/a.log",
      }),
    );
    const [a] = readTasks(ctx, "r-1");
    expect(a).toMatchObject({
      taskId: "a",
      status: "failed",
      exitCode: 1,
      durationMs: 13,
      rawBytes: 900,
      digest: "pytest: 1 failed",
      log: "/logs/a.log",
    });
    expect(a?.detail).toMatchObject({
      counts: { failed: 1 },
      failures: [{ id: "t.py::x", message: "assert 1 == 2" }],
    });
  });

  it("leaves unfinished tasks cancelled when the run is cancelled, interrupted when it was interrupted", () => {
    const ctx = startRun(1_000);
    saveOutcome(ctx, "r-1", "a", outcomeWithout("ok", "done"));
    saveFinished(ctx, "r-1", "cancelled");
    expect(readRun(ctx, "r-1")?.status).toBe("cancelled");
    expect(readTasks(ctx, "r-1").map((task) => task.status)).toEqual([
      "ok",
      "cancelled",
      "cancelled",
    ]);

    const other = startRun(2_000);
    saveFinished(other, "r-1", "interrupted");
    expect(readTasks(other, "r-1").map((task) => task.status)).toEqual([
      "interrupted",
      "interrupted",
      "interrupted",
    ]);
  });

  it("reads a task status this version does not know as error", () => {
    const ctx = startRun(1_000);
    ctx.store.db.exec("UPDATE run_tasks SET status = 'paused' WHERE task_id = 'b'");
    expect(readTasks(ctx, "r-1").map((task) => task.status)).toEqual([
      "pending",
      "error",
      "pending",
    ]);
    expect(readRun(ctx, "r-1")?.status).toBe("running");
    expect(readRun(ctx, "r-2")).toBeNull();
  });
});
