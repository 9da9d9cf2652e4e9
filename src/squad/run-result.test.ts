import { describe, expect, it } from "vitest";
import type { RunRecord, TaskRecord, TaskStatus } from "../memory/runs.js";
import { buildRunResult, countTasks, renderRunResult, tokensSaved } from "./run-result.js";

const run: RunRecord = {
  id: "r-1",
  createdAt: 1_000,
  finishedAt: 2_500,
  status: "done",
  pid: 1,
  project: "/p",
};

function task(
  taskId: string,
  status: TaskStatus,
  digest: string | null,
  over: Partial<TaskRecord> = {},
): TaskRecord {
  return {
    runId: "r-1",
    taskId,
    position: 0,
    kind: "command",
    label: taskId,
    status,
    worker: null,
    model: null,
    exitCode: status === "ok" ? 0 : status === "failed" ? 1 : null,
    signal: null,
    startedAt: 1_000,
    durationMs: 10,
    digest,
    log: `/logs/${taskId}.log`,
    rawBytes: null,
    tokensIn: null,
    tokensOut: null,
    decisionId: null,
    detail: null,
    ...over,
  };
}

const build = (tasks: TaskRecord[], maxChars = 2_000) =>
  buildRunResult({ run, tasks, now: 3_000, hostTokensSaved: 0 }, maxChars);

describe("buildRunResult", () => {
  it("groups tasks by status, what went wrong first, and leaves out what is absent or default", () => {
    const result = build([
      task("lint", "ok", "eslint: clean"),
      task("tests", "failed", "pytest: 1 failed\nFAILED t.py::x"),
      task("ask", "ok", "answered", {
        kind: "prompt",
        worker: "flash",
        decisionId: "d-1",
        exitCode: null,
      }),
    ]);
    expect(result).toEqual({
      run_id: "r-1",
      status: "done",
      duration_ms: 1_500,
      logs: "squad://runs/r-1/{id}",
      tasks: {
        failed: { tests: { exit_code: 1, digest: "pytest: 1 failed\nFAILED t.py::x" } },
        ok: {
          lint: { digest: "eslint: clean" },
          ask: { worker: "flash", decision_id: "d-1", digest: "answered" },
        },
      },
    });
    expect(Object.keys(result.tasks ?? {})).toEqual(["failed", "ok"]);
    expect(countTasks(result)).toEqual({ failed: 1, ok: 2 });
  });

  it("gives no digest to a command that printed nothing, and says a prompt nobody took is one", () => {
    const result = build([
      task("mkdir", "ok", "mkdir: exit 0, 0 lines of output", { rawBytes: 0 }),
      task("ask", "error", "no usable worker", { kind: "prompt", exitCode: null }),
    ]);
    expect(result.tasks).toEqual({
      error: { ask: { kind: "prompt", digest: "no usable worker" } },
      ok: { mkdir: {} },
    });
  });

  it("stays within max_chars: tasks counted in omitted when they do not fit, digests cut at a line", () => {
    const tasks = [
      task(
        "broken",
        "failed",
        `pytest: 40 failed\n${"FAILED tests/test_x.py::test_case\n".repeat(40)}`,
      ),
      ...Array.from({ length: 300 }, (_, i) => task(`t${i}`, "ok", "ok: nothing to say")),
    ];
    const result = build(tasks, 2_000);
    expect(JSON.stringify(result).length).toBeLessThanOrEqual(2_000);
    expect(result.tasks?.failed?.broken?.digest).toMatch(/^pytest: 40 failed\n/);
    expect(result.omitted?.ok).toBeGreaterThan(0);
    expect(Object.keys(result.tasks?.ok ?? {}).length + (result.omitted?.ok ?? 0)).toBe(300);
    expect(countTasks(result)).toEqual({ failed: 1, ok: 300 });
    const larger = build(tasks, 20_000);
    expect(larger.omitted).toBeUndefined();
    expect(JSON.stringify(larger).length).toBeLessThanOrEqual(20_000);
  });

  it("gives the failure's digest room before the digests of tasks that went well", () => {
    const tasks = [
      task("chatty", "ok", "x\n".repeat(2_000)),
      task("broken", "failed", `tsc: 2 errors\n${"src/a.ts(1,1): error TS2322\n".repeat(2)}`),
    ];
    const result = build(tasks, 1_000);
    expect(result.tasks?.failed?.broken?.digest).toBe(tasks[1]?.digest);
    expect(result.tasks?.ok?.chatty?.digest?.endsWith("…")).toBe(true);
  });
});

describe("renderRunResult", () => {
  it("says the same as the JSON, as lines", () => {
    const result = build([
      task("tests", "failed", "pytest: 1 failed\nFAILED t.py::x"),
      task("slow", "timeout", "timed out after 5 s", { signal: "SIGTERM" }),
    ]);
    expect(renderRunResult(result)).toBe(
      [
        "squad r-1 done in 1.5 s: 1 failed, 1 timeout",
        "✗ tests failed (exit 1)",
        "pytest: 1 failed",
        "FAILED t.py::x",
        "✗ slow timeout (SIGTERM)",
        "timed out after 5 s",
        "logs: squad://runs/r-1/{id}",
      ].join("\n"),
    );
  });
});

describe("tokensSaved", () => {
  it("counts output and attached files the host did not read, less the digest, never below 0", () => {
    expect(
      tokensSaved(
        task("a", "ok", "x".repeat(400), { rawBytes: 10_000, detail: { fileBytes: 2_000 } }),
      ),
    ).toBe(2_900);
    expect(tokensSaved(task("b", "ok", "y".repeat(1_000), { rawBytes: 100 }))).toBe(0);
  });
});
