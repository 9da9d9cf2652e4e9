import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EvalReport } from "../../src/eval/run-eval.js";
import { answerShape, EVAL_SUITE, type EvalTask } from "../../src/eval/suite.js";
import { openSqlite } from "../../src/memory/sqlite.js";
import { type FakeGemini, startFakeGemini } from "../fakes/gemini.js";
import { type FakeOllama, startFakeOllama } from "../fakes/ollama.js";
import { runCli } from "../support/cli.js";
import { CLI, tempDir } from "../support/server.js";

/** The suite task a prompt is about (each prompt starts with its task's text). */
function taskIn(text: string): EvalTask {
  const task = EVAL_SUITE.find((candidate) => text.includes(candidate.prompt));
  if (!task) throw new Error(`no suite task in prompt: ${text.slice(0, 80)}`);
  return task;
}

const GOOD_LOCAL = "qwen2.5-coder:7b"; // qwen-fast
const BAD_LOCAL = "qwen2.5-coder:32b"; // qwen-coder
/** Categories small enough for flash's 10 requests a minute: 2 + 2 + 1 + 1 + 1 tasks. */
const SOME = "codegen,debug,review,command,git";
const SOME_TASKS = EVAL_SUITE.filter((task) => SOME.split(",").includes(task.category)).length;

let ollama: FakeOllama;
let gemini: FakeGemini;

beforeAll(async () => {
  ollama = await startFakeOllama({
    models: [{ name: GOOD_LOCAL }, { name: BAD_LOCAL }],
    reply: (request) => {
      const task = taskIn(request.messages.at(-1)?.content ?? "");
      return JSON.stringify(request.model === GOOD_LOCAL ? task.reference : task.wrong);
    },
  });
  gemini = await startFakeGemini({
    models: ["gemini-2.5-flash"],
    // Right on everything but the review task, where it answers prose instead of JSON.
    reply: (request) => {
      const task = taskIn(request.text);
      return task.id === "review.find-bug"
        ? "The bug is on line 4."
        : JSON.stringify(task.reference);
    },
  });
});

afterAll(async () => {
  await ollama.close();
  await gemini.close();
});

function evalCli(args: string[], env: Record<string, string> = {}, home = tempDir()) {
  return runCli(["eval", ...args], {
    env: { PATH: process.env.PATH ?? "", SQUAD_HOME: home, SQUAD_LOG_LEVEL: "silent", ...env },
    timeout: 120_000,
  });
}

describe("squad-mcp eval", () => {
  it("runs the suite on each usable worker, checks every answer and records eval outcomes", async () => {
    const home = tempDir();
    const result = await evalCli(
      ["--workers", "qwen-fast,qwen-coder,flash,qwen-moe", "--categories", SOME],
      { OLLAMA_HOST: ollama.url, GEMINI_API_KEY: "test-key", GEMINI_BASE_URL: gemini.url },
      home,
    );
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.exitCode).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(
      new RegExp(
        `^Evaluated 3 workers on ${SOME_TASKS} tasks \\(5 categories\\) in [\\d.]+ s; ${3 * SOME_TASKS} evaluation outcomes recorded\\.`,
      ),
    );
    const row = (worker: string) => out.split("\n").find((line) => line.startsWith(`${worker} `));
    expect(row("worker")).toMatch(/^worker\s+codegen\s+debug\s+review\s+command\s+git\s+total/);
    expect(row("qwen-fast")).toMatch(/^qwen-fast\s+2\/2\s+2\/2\s+1\/1\s+1\/1\s+1\/1\s+7\/7\s/);
    expect(row("qwen-coder")).toMatch(/^qwen-coder\s+0\/2\s+0\/2\s+0\/1\s+0\/1\s+0\/1\s+0\/7\s/);
    expect(row("flash")).toMatch(/^flash\s+2\/2\s+2\/2\s+0\/1\s+1\/1\s+1\/1\s+6\/7\s/);
    expect(out).toMatch(/Failed:\n(.*\n)*\s+flash review\.find-bug: not JSON/);
    expect(out).toMatch(
      /qwen-coder codegen\.roman: \d\/9 cases pass; toRoman\(4\) returned "IIII"/,
    );
    expect(out).toMatch(/Not evaluated:\n\s+qwen-moe: .*qwen3:30b-a3b/);
    expect(out).toMatch(/^\s+qwen-coder\s+codegen 0\.\d\d \(below\)/m);
    // Progress on stderr, one line per answer where there is no terminal.
    expect(result.stderr.match(new RegExp(`^eval \\d+/${3 * SOME_TASKS} `, "gm"))).toHaveLength(
      3 * SOME_TASKS,
    );

    // Every model got the answer format as structured output.
    const chats = ollama.requests.filter((request) => request.path === "/api/chat");
    const roman = chats.find((request) => JSON.stringify(request.body).includes("toRoman(n)"))
      ?.body as { format?: unknown } | undefined;
    expect(roman?.format).toEqual(
      answerShape(EVAL_SUITE.find((task) => task.id === "codegen.roman") as EvalTask),
    );

    const db = openSqlite(join(home, "squad.db"), { readOnly: true });
    try {
      const rows = db
        .prepare(
          "SELECT worker, sum(success) AS passed, count(*) AS n FROM outcomes WHERE source = 'eval' GROUP BY worker ORDER BY worker",
        )
        .all();
      expect(rows).toEqual([
        { worker: "flash", passed: SOME_TASKS - 1, n: SOME_TASKS },
        { worker: "qwen-coder", passed: 0, n: SOME_TASKS },
        { worker: "qwen-fast", passed: SOME_TASKS, n: SOME_TASKS },
      ]);
      const note = db
        .prepare(
          "SELECT notes, latency_ms FROM outcomes WHERE worker = 'qwen-fast' AND notes LIKE 'eval git.%'",
        )
        .get() as { notes: string; latency_ms: number };
      expect(note.notes).toBe('eval git.previous-subject: printed "Parse quoted fields"');
      expect(note.latency_ms).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  }, 120_000);

  it("prints a JSON report with every result", async () => {
    const result = await evalCli(
      ["--workers", "qwen-fast", "--categories", "docs,other", "--json"],
      {
        OLLAMA_HOST: ollama.url,
      },
    );
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as EvalReport;
    expect(report.workers).toEqual(["qwen-fast"]);
    expect(report.results.map((r) => [r.task, r.pass])).toEqual([
      ["docs.describe", true],
      ["other.extract-meeting", true],
    ]);
    expect(report.recorded).toBe(2);
    expect(report.standings.map((s) => `${s.worker}/${s.category}/${s.n}`)).toEqual([
      "qwen-fast/docs/1",
      "qwen-fast/other/1",
    ]);
  });

  it("says on stderr when a worker waits before a retry, so a still bar is not taken for a hang", async () => {
    const home = tempDir();
    writeFileSync(join(home, "config.json"), JSON.stringify({ gemini: { retryBaseMs: 50 } }));
    gemini.script("gemini-2.5-flash", [
      { status: 503, error: { message: "The model is overloaded.", status: "UNAVAILABLE" } },
    ]);
    const result = await evalCli(
      ["--workers", "flash", "--categories", "git"],
      { GEMINI_API_KEY: "test-key", GEMINI_BASE_URL: gemini.url },
      home,
    );
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/^eval 0\/1 flash: waiting 0\.\d s for a retry after 503$/m);
    expect(result.stderr).toMatch(/^eval 1\/1 flash git\.previous-subject: pass/m);
  });

  it("draws a progress bar on a terminal", async () => {
    const command = [process.execPath, CLI, "eval", "--workers", "qwen-fast", "--categories", "git"]
      .map((word) => `'${word}'`)
      .join(" ");
    const result = await execa("script", ["-qec", command, "/dev/null"], {
      env: {
        ...process.env,
        SQUAD_HOME: tempDir(),
        OLLAMA_HOST: ollama.url,
        SQUAD_LOG_LEVEL: "silent",
      },
      reject: false,
      timeout: 60_000,
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      "\r\x1b[2K[########################] 1/1 qwen-fast git.previous-subject ✓",
    );
    expect(result.stdout).not.toMatch(/^eval 1\/1/m);
    expect(result.stdout).toMatch(/qwen-fast\s+1\/1\s+1\/1/);
  });

  it("says so and exits 0 when no worker is usable", async () => {
    const home = tempDir();
    const result = await evalCli([], {}, home);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^No usable worker to evaluate; nothing was recorded\./);
    expect(result.stdout).toMatch(/^\s+flash: .*GEMINI_API_KEY/m);
    expect(result.stdout).toMatch(/^\s+qwen-fast: /m);
    const db = openSqlite(join(home, "squad.db"), { readOnly: true });
    try {
      expect(db.prepare("SELECT count(*) AS n FROM outcomes").get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it.each([
    [["--workers", "nope"], /--workers: unknown worker 'nope'; configured: qwen-fast/],
    [
      ["--categories", "architecture"],
      /--categories: the suite has no tasks for 'architecture'; it covers codegen/,
    ],
    [["--workers"], /--workers needs a comma-separated list/],
    [["--fast"], /unknown option '--fast' for eval/],
  ])("%j → a clear message and exit 2", async (args, message) => {
    const result = await evalCli(args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/usage: squad-mcp eval/);
  });

  it("lists the suite", async () => {
    const result = await evalCli(["--list"]);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(EVAL_SUITE.length);
    expect(lines[0]).toMatch(/^codegen\.chunk\s+codegen\s+runs the function on its cases$/);
  });
});
