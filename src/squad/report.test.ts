import { describe, expect, it } from "vitest";
import { type RunView, renderRun, type TaskView } from "./report.js";

const task = (id: string, status: TaskView["status"], digest: string): TaskView => ({
  id,
  kind: "command",
  status,
  exit_code: status === "ok" ? 0 : 1,
  signal: null,
  duration_ms: 10,
  worker: null,
  digest,
  log: `squad://runs/r-1/${id}`,
  decision_id: null,
});

const run = (tasks: TaskView[]): RunView => ({
  run_id: "r-1",
  status: "done",
  done: tasks.length,
  total: tasks.length,
  counts: { ok: 1, failed: 1 },
  duration_ms: 1234,
  host_tokens_saved: 5000,
  tasks,
});

describe("renderRun", () => {
  it("puts one line per task first, then what went wrong before what ok tasks printed", () => {
    const text = renderRun(
      run([
        task("grep", "ok", "grep: 2 matches in 1 file (exit 0)\nsrc/a.ts: 2"),
        task(
          "tests",
          "failed",
          "vitest: 1 failed (exit 1)\n- a.test.ts > adds (line 3): expected 3",
        ),
      ]),
      2_000,
    );
    const lines = text.split("\n");
    expect(lines[0]).toBe("squad r-1 done: 1 ok, 1 failed in 1.2 s; ~5,000 host tokens saved");
    expect(lines[1]).toBe("✓ grep ok — grep: 2 matches in 1 file (exit 0)");
    expect(lines[2]).toBe("✗ tests failed (exit 1) — vitest: 1 failed (exit 1)");
    expect(text.indexOf("[tests]")).toBeLessThan(text.indexOf("[grep]"));
    expect(text).toContain("- a.test.ts > adds (line 3): expected 3");
  });

  it("never exceeds the character budget, and says where the rest is", () => {
    const long = Array.from({ length: 200 }, (_, i) => `- test ${i} failed: boom`).join("\n");
    const text = renderRun(
      run([task("a", "failed", `vitest: 200 failed\n${long}`), task("b", "failed", `x\n${long}`)]),
      800,
    );
    expect(text.length).toBeLessThanOrEqual(800);
    expect(text).toContain("(more in the structured result and the logs)");
  });
});
