import { describe, expect, it } from "vitest";
import { tempContexts } from "../../test/support/temp-context.js";
import { BASH_OUTPUT_CAP } from "../memory/stats.js";
import { type RunRecord, readRun, type TaskRecord } from "./records.js";
import {
  buildRunResult,
  countTasks,
  readingAvoided,
  renderRunResult,
  runResultOf,
  writingAvoided,
} from "./run-result.js";
import type { TaskStatus } from "./status.js";

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
  buildRunResult({ run, tasks, now: 3_000 }, maxChars);

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

  it("keeps every task's id before any digest, and shares the room between failures' digests", () => {
    const flood = `unparsed\n${"squad\n".repeat(2_000)}`;
    const result = build([
      task("flood", "error", flood),
      task("tests", "failed", `pytest: 3 failed\n${"FAILED tests/test_a.py::test_b\n".repeat(3)}`),
      task("quiet", "ok", null),
      task("answer", "ok", "42"),
    ]);
    expect(JSON.stringify(result).length).toBeLessThanOrEqual(2_000);
    expect(countTasks(result)).toEqual({ failed: 1, error: 1, ok: 2 });
    expect(result.omitted).toBeUndefined();
    expect(result.tasks?.failed?.tests?.digest).toBe(
      `pytest: 3 failed\n${"FAILED tests/test_a.py::test_b\n".repeat(3)}`,
    );
    expect(result.tasks?.error?.flood?.digest?.endsWith("…")).toBe(true);
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

describe("the host's ledger", () => {
  it("counts a command's output as the Bash tool would show it, a prompt's files, and answers not written", () => {
    expect(readingAvoided(task("big", "failed", "x", { rawBytes: 200_000 }))).toBe(BASH_OUTPUT_CAP);
    expect(readingAvoided(task("small", "ok", "x", { rawBytes: 120 }))).toBe(120);
    const prompt = { kind: "prompt" as const, detail: { fileBytes: 8_000 }, tokensOut: 300 };
    expect(readingAvoided(task("ask", "ok", "answer", prompt))).toBe(8_000);
    expect(writingAvoided(task("ask", "ok", "answer", prompt))).toBe(300);
    expect(writingAvoided(task("ask", "error", "no worker", prompt))).toBe(0);
    expect(writingAvoided(task("cmd", "ok", "x", { tokensOut: 50 }))).toBe(0);
  });

  const openContext = tempContexts("run-ledger-");

  it("says net saved once the run ended: avoided reading, less the result and the arguments at output weight", () => {
    const ctx = openContext(5_000);
    const start = { taskId: "t", position: 0, kind: "command" as const, label: "t", worker: null };
    ctx.store.runs.start({ id: "r-l", createdAt: 1_000, pid: 1, project: "/p" }, [start]);
    ctx.store.runs.updateTask("r-l", "t", {
      status: "failed",
      exitCode: 1,
      rawBytes: 100_000,
      digest: "pytest: 1 failed\nFAILED t.py::x",
    });
    const running = readRun(ctx, "r-l");
    if (!running) throw new Error("run r-l was not stored");
    expect(
      runResultOf(ctx, running, 2_000, { argsChars: 400, outputWeight: 5 }).host_tokens_saved,
    ).toBeUndefined();
    ctx.store.runs.finish("r-l", "done", 4_000);
    const done = readRun(ctx, "r-l");
    if (!done) throw new Error("run r-l was not stored");
    const result = runResultOf(ctx, done, 2_000, { argsChars: 400, outputWeight: 5 });
    const read = JSON.stringify(result).length;
    // 30,000 characters not read, less what was read here and 400 characters written at 5×.
    expect(result.host_tokens_saved).toBeGreaterThan(7_500 - read / 4 - 500 - 10);
    expect(result.host_tokens_saved).toBeLessThan(7_500 - read / 4 - 500 + 10);
    expect(Object.keys(result).slice(0, 4)).toEqual([
      "run_id",
      "status",
      "duration_ms",
      "host_tokens_saved",
    ]);
    expect(renderRunResult(result)).toMatch(
      /^squad r-l done in 3\.0 s: 1 failed; net ~6,\d{3} host tokens saved/,
    );
    // A run whose output was shorter than its result cost the host more than its own shell.
    expect(renderRunResult({ ...result, host_tokens_saved: -191 })).toMatch(
      /^squad r-l done in 3\.0 s: 1 failed; ~191 host tokens more than your own shell/,
    );
  });
});
