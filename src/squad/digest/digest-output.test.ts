import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cleanLines } from "./clean.js";
import { digestOutput } from "./index.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/digests/", import.meta.url));
const fixture = (name: string) => readFileSync(`${FIXTURES}${name}`, "utf8");
const vitestLarge = {
  command: "npx vitest run",
  output: fixture("vitest-large-failing.txt"),
  exitCode: 1,
};

describe("the cap on listed failures", () => {
  it("lists maxFailures failures and says how many more there were", () => {
    const digest = digestOutput(vitestLarge, { maxChars: 2000, maxFailures: 5 });
    expect(digest.failures).toHaveLength(5);
    expect(digest.failuresOmitted).toBe(20);
    expect(digest.text).toMatch(/… and 20 more failing$/);
    for (const failure of digest.failures) expect(digest.text).toContain(failure.id);
  });

  it("with room to spare, gives each listed failure its line and message", () => {
    const digest = digestOutput(vitestLarge, { maxChars: 2000, maxFailures: 3 });
    const lines = digest.text.split("\n");
    expect(lines[0]).toBe("vitest: 25 failed, 268 passed, 7 skipped (exit 1)");
    expect(lines[1]).toBe(
      "- src/mod01.test.ts > module 01 > case 11 handles input 111 (line 39): TypeError: Cannot read properties of undefined (reading 'host') while loading config for module 1 — this message is deliberately long so that the digest has to shorten it to two hundred characters or…",
    );
    expect(digest.failures[0]).toEqual({
      id: "src/mod01.test.ts > module 01 > case 11 handles input 111",
      line: 39,
      message: expect.stringMatching(/^TypeError: Cannot read properties of undefined/),
    });
  });

  it("lists no failures with maxFailures 0, only the count", () => {
    const digest = digestOutput(vitestLarge, { maxChars: 2000, maxFailures: 0 });
    expect(digest.failures).toEqual([]);
    expect(digest.failuresOmitted).toBe(25);
    expect(digest.text).toBe(
      "vitest: 25 failed, 268 passed, 7 skipped (exit 1)\n… and 25 more failing",
    );
  });
});

describe("shrinking the text to maxChars", () => {
  const small = {
    command: "npm test",
    output: fixture("vitest-npm-test-failing.txt"),
    exitCode: 1,
  };

  it("shortens messages before it drops any id", () => {
    const roomy = digestOutput(small, { maxChars: 2000, maxFailures: 30 });
    const tight = digestOutput(small, { maxChars: 320, maxFailures: 30 });
    expect(tight.text.length).toBeLessThanOrEqual(320);
    expect(tight.text.length).toBeLessThan(roomy.text.length);
    for (const failure of roomy.failures) expect(tight.text).toContain(failure.id);
    expect(tight.text).toContain("AssertionError");
  });

  it("drops messages, then keeps as many ids as fit and counts the rest", () => {
    const digest = digestOutput(vitestLarge, { maxChars: 400, maxFailures: 30 });
    expect(digest.text.length).toBeLessThanOrEqual(400);
    expect(digest.text).not.toContain("TypeError");
    const more = /… and (\d+) more failing$/.exec(digest.text);
    expect(more).not.toBeNull();
    const named = digest.failures.filter((f) =>
      digest.text.includes(f.id.split(" > ").pop() ?? ""),
    );
    expect(named.length + Number(more?.[1])).toBe(25);
    // The structured list does not shrink with the text.
    expect(digest.failures).toHaveLength(25);
  });

  it("never exceeds a tiny maxChars", () => {
    for (const maxChars of [0, 1, 10, 40]) {
      expect(
        digestOutput(vitestLarge, { maxChars, maxFailures: 30 }).text.length,
      ).toBeLessThanOrEqual(maxChars);
    }
  });
});

describe("passing runs", () => {
  it("come back as the summary line alone", () => {
    const output = fixture("vitest-passing.txt");
    const digest = digestOutput(
      { command: "npx vitest run", output, exitCode: 0 },
      { maxChars: 2000, maxFailures: 30 },
    );
    expect(digest.text).toBe("vitest: 2 passed (exit 0)");
  });

  it("say zero problems when a checker prints nothing", () => {
    const digest = digestOutput(
      { command: "npx tsc --noEmit", output: "", exitCode: 0 },
      { maxChars: 2000, maxFailures: 30 },
    );
    expect(digest.text).toBe("tsc: 0 errors (exit 0)");
  });
});

describe("output a parser cannot explain", () => {
  it("keeps error lines and the tail when a known tool fails without a summary", () => {
    const output = [
      "",
      " RUN  v4.1.12 /work/web",
      "",
      "failed to load config from /work/web/vitest.config.ts",
      "",
      "⎯⎯⎯⎯⎯⎯⎯ Startup Error ⎯⎯⎯⎯⎯⎯⎯⎯",
      "Error: Cannot find module '@vitejs/plugin-react'",
    ].join("\n");
    const digest = digestOutput(
      { command: "npx vitest run", output, exitCode: 1 },
      { maxChars: 2000, maxFailures: 30 },
    );
    expect(digest.tool).toBe("vitest");
    expect(digest.text).toContain("Error: Cannot find module '@vitejs/plugin-react'");
    expect(digest.text).toContain("failed to load config");
  });

  it("reports a killed run that printed nothing as having no exit code", () => {
    const digest = digestOutput(
      { command: "make deploy", output: "", exitCode: null },
      { maxChars: 2000, maxFailures: 30 },
    );
    expect(digest.text).toBe("make: no exit code, 0 lines of output");
  });
});

describe("large checker runs", () => {
  it("show the first problems with their messages, then where the rest are", () => {
    const output = fixture("tsc-large-errors.txt");
    const digest = digestOutput(
      { command: "npx tsc --noEmit", output, exitCode: 2 },
      { maxChars: 2_000, maxFailures: 30 },
    );
    const lines = digest.text.split("\n");
    expect(lines[1]).toBe(
      "- src/features/module03.ts:3: TS7006: Parameter 'items' implicitly has an 'any' type.",
    );
    // As many in full as the budget holds, then the rest by file.
    expect(lines.filter((line) => /: TS\d+: /.test(line))).toHaveLength(15);
    expect(digest.text).toContain("src/features/module15.ts: 3, 5, 8, 11, 13, 15");
    expect(digest.text).toMatch(/… and 285 more problems \(63 more files\)/);
    expect(Buffer.byteLength(digest.text)).toBeLessThanOrEqual(output.length * 0.05);
  });
});

describe("a run's real failures", () => {
  const run = (name: string, command: string, exitCode: number) =>
    digestOutput({ command, output: fixture(name), exitCode }, { maxChars: 2000, maxFailures: 30 });

  it("names every failing id even when the ids alone take more than 5 % of the output", () => {
    const output = fixture("jest-commander-15-failing.txt");
    const digest = run("jest-commander-15-failing.txt", "npx jest", 1);
    expect(Buffer.byteLength(digest.text)).toBeGreaterThan(output.length * 0.05);
    expect(digest.text).not.toMatch(/more failing/);
    for (const { id } of digest.failures) expect(digest.text).toContain(id.split(" › ").pop());
    // A describe block shared by a file's failures is said once.
    expect(digest.text).toContain(
      "tests/command.exitOverride.test.js › .exitOverride and error details: when specify unknown program option",
    );
    expect(digest.text).toMatch(/^most common \(2 of 15\): expect\(received\)\.toBe\(expected\)/m);
  });

  it("measures the 5 % on the text a reader sees, not on colour codes", () => {
    const plain = cleanLines(fixture("vitest-large-failing.txt")).join("\n");
    const coloured = plain.replace(/^(.*)$/gm, "\u001b[31m$1\u001b[39m");
    const options = { maxChars: 2000, maxFailures: 30 };
    const a = digestOutput({ command: "npx vitest run", output: plain, exitCode: 1 }, options);
    const b = digestOutput({ command: "npx vitest run", output: coloured, exitCode: 1 }, options);
    expect(b.text).toBe(a.text);
  });

  it("says a run stopped early", () => {
    expect(run("pytest9-x-stop.txt", "python3 -m pytest -x tests", 1).text.split("\n")[0]).toBe(
      "pytest: 1 failed, 5 passed, stopped early: stopping after 1 failures, 736 collected (exit 1)",
    );
    expect(run("jest-commander-process-exit.txt", "npx jest --silent", 1).text.split("\n")[0]).toBe(
      "jest: 1 failed suite, aborted by process.exit in tests/command.parse.test.js:414 before its summary (exit 1)",
    );
  });

  it("cargo: says it stopped at the first failing target when run without --no-fail-fast", () => {
    const stopped = run(
      "cargo-test-tally-fail-fast.txt",
      "RUST_BACKTRACE=0 cargo test --offline",
      101,
    );
    expect(stopped.text.split("\n")[0]).toBe(
      "cargo test: 3 failed, 8 passed, stopped at its first failing target (--lib), any later ones not run (exit 101)",
    );
    // With --no-fail-fast the same line follows each failing target, and cargo goes on.
    const command = "RUST_BACKTRACE=0 cargo test --offline --no-fail-fast";
    const whole = run("cargo-test-tally-same-names.txt", command, 101);
    expect(whole.text).not.toContain("stopped at");
  });

  it("cargo: the header counts what the list names, and says when the run was cut short", () => {
    const command = "RUST_BACKTRACE=0 cargo test --offline --no-fail-fast";
    // Killed while tests/slow.rs waited: that binary printed two failures but no result line.
    const cut = digestOutput(
      { command, output: fixture("cargo-test-tally-killed.txt"), exitCode: null },
      { maxChars: 2000, maxFailures: 30 },
    );
    expect(cut.counts.failed).toBe(cut.failures.length);
    expect(cut.text.split("\n")[0]).toBe(
      "cargo test: 10 failed, 15 passed, cut short: the log ends before tests/slow.rs finished, still running waits_for_the_ledger (over 60 s) (no exit code)",
    );
    expect(cut.text).toContain("- sum_of_a_big_tally: failed; its output was never printed");
    // Two binaries each have a failing round_trip: both are listed, each with its own panic.
    const whole = run("cargo-test-tally-same-names.txt", command, 101);
    expect(whole.text.split("\n")[0]).toBe("cargo test: 11 failed, 18 passed (exit 101)");
    expect(whole.failures).toHaveLength(11);
    expect(whole.failuresOmitted).toBe(0);
    expect(whole.failures.filter((f) => f.id.startsWith("round_trip"))).toEqual([
      expect.objectContaining({ id: "round_trip (tests/api.rs)", line: 6 }),
      expect.objectContaining({ id: "round_trip (tests/cli.rs)", line: 7 }),
    ]);
    // A finished run says nothing about being cut.
    expect(whole.text).not.toContain("cut short");
    // A long log read as head and tail: failures counted by a result line in the tail whose
    // names were in the skipped middle are said as `… and 3 more`.
    const lines = fixture("cargo-test-tally-same-names.txt").split("\n");
    const sample = (from: number, to: number) => {
      const skipped = lines.slice(from, to).join("\n").length + 1;
      const output = [
        ...lines.slice(0, from),
        `[… ${skipped} bytes of log not read …]`,
        ...lines.slice(to),
      ].join("\n");
      return digestOutput(
        { command, output, exitCode: 101, omittedBytes: skipped },
        { maxChars: 2000, maxFailures: 30 },
      );
    };
    const from = lines.indexOf("test parse_ignores_comments ... FAILED");
    const sampled = sample(
      from,
      lines.findIndex((line, i) => i > from && line.startsWith("test result:")),
    );
    expect(sampled.counts.failed).toBe(11);
    expect(sampled.failures).toHaveLength(8);
    expect(sampled.failuresOmitted).toBe(3);
    expect(sampled.text).toContain("… and 3 more failing");
    // The head ends inside src/lib.rs and the tail starts inside tests/cli.rs: the lib's
    // failures count once, and their panics were skipped, not missing from the run.
    const across = sample(
      lines.indexOf("test tests::top_after_repeats ... FAILED") + 1,
      lines.indexOf("test round_trip ... FAILED", lines.indexOf("running 5 tests")),
    );
    expect(across.counts.failed).toBe(across.failures.length);
    expect(across.failures.map((f) => f.id)).toContain("tests::top_after_repeats");
    expect(across.text).not.toMatch(/never printed|cut short/);
    // A binary that died is not a run cut short: cargo went on to the doctests.
    expect(run("cargo-test-abort.txt", command, 101).text.split("\n")[0]).toBe(
      "cargo test: 1 failed, src/lib.rs crashed (signal: 6, SIGABRT: process abort signal) (exit 101)",
    );
  });

  it("returns the output itself when it is shorter than a digest of it", () => {
    const output =
      "src/a.ts(1,7): error TS2322: Type 'string' is not assignable to type 'number'.\n";
    const digest = digestOutput(
      { command: "npx tsc --noEmit", output, exitCode: 2 },
      { maxChars: 2000, maxFailures: 30 },
    );
    expect(digest.text).toBe(output.trim());
    expect(digest.failures).toEqual([
      { id: "src/a.ts", line: 1, message: expect.stringContaining("TS2322") },
    ]);
  });
});

describe("a run that changed files on disk", () => {
  const run = (name: string, command: string, exitCode: number) =>
    digestOutput({ command, output: fixture(name), exitCode }, { maxChars: 2000, maxFailures: 30 });

  it("ruff with fixes on: counts what remains and says the fixes were written", () => {
    // `fix = true` in pyproject.toml: the command does not say files will change.
    const digest = run("ruff-fix-in-config.txt", "ruff check .", 1);
    expect(digest.text.split("\n")[0]).toBe(
      "ruff: 3 errors in 2 files, 6 fixed, fixes written to disk (exit 1)",
    );
    expect(digest.failuresOmitted).toBe(0);
    expect(digest.text).not.toMatch(/more problems/);
    const shown = run(
      "ruff-fix-show-fixes.txt",
      "ruff check --fix --show-fixes --output-format concise .",
      1,
    );
    expect(shown.text.split("\n")[0]).toBe(
      "ruff: 3 errors in 2 files, 6 fixed, fixes written to app/cli.py, app/orders.py, app/stock.py (exit 1)",
    );
  });

  it("ruff format: what it rewrote, and what --check would rewrite, by file", () => {
    const output = fixture("ruff-format.txt");
    const digest = digestOutput(
      { command: "ruff format .", output, exitCode: 0, omittedBytes: 1 },
      { maxChars: 2000, maxFailures: 30 },
    );
    expect(digest.text).toBe(
      "ruff: 2 files reformatted, 3 files left unchanged, reformatted files written to disk (exit 0, 1 B of log not read)",
    );
    const check = run("ruff-format-check.txt", "ruff format --check .", 1);
    expect(check.text).toBe(
      [
        "ruff: 2 files would be reformatted, 3 files already formatted (exit 1)",
        "- app/cli.py:8: unformatted: File would be reformatted",
        "- app/report.py:1: unformatted: File would be reformatted",
      ].join("\n"),
    );
  });
});

describe("grep that prints nothing", () => {
  const options = { maxChars: 2_000, maxFailures: 30 };

  it("says a quiet grep matched when it exits 0", () => {
    const digest = digestOutput(
      { command: "grep -q 'a + b' add.ts", output: "", exitCode: 0 },
      options,
    );
    expect(digest.text).toBe("grep: matched, nothing printed (exit 0)");
  });

  it("says it found nothing when it exits 1", () => {
    const digest = digestOutput(
      { command: "grep -q 'a + b' add.ts", output: "", exitCode: 1 },
      options,
    );
    expect(digest.text).toMatch(/^grep: 0 matches/);
  });
});

describe("paths under the folder the command ran in", () => {
  const eslint = { command: "npx eslint src", output: fixture("eslint-small.txt"), exitCode: 1 };
  const options = { maxChars: 2000, maxFailures: 30 };

  it("are shown relative to it, in the ids and the text", () => {
    const absolute = digestOutput(eslint, options);
    expect(absolute.failures[0]?.id).toBe("/tmp/dg/esl/src/api/file03.js");
    const relative = digestOutput({ ...eslint, cwd: "/tmp/dg/esl" }, options);
    expect(relative.failures.map((failure) => failure.id)).toEqual(
      absolute.failures.map((failure) => failure.id.replace("/tmp/dg/esl/", "")),
    );
    expect(relative.text).not.toContain("/tmp/dg/esl");
    expect(relative.text.length).toBeLessThan(absolute.text.length - 6 * "/tmp/dg/esl/".length + 1);
  });

  it("are changed where a path or a file URL starts, never inside a longer folder name", () => {
    const output = [
      "Error: ENOENT: no such file or directory, open '/home/me/app/config.json'",
      "    at load (/home/me/app/src/load.js:4:9)",
      "    at file:///home/me/app/test/a.test.mjs:3:5",
      "see http://example.com/home/me/app/x, /srv/home/me/app/y and /home/me/app-old/notes.txt",
    ].join("\n");
    const digest = digestOutput(
      { command: "node build.mjs", output, exitCode: 1, cwd: "/home/me/app" },
      options,
    );
    expect(digest.text).toContain("open 'config.json'");
    expect(digest.text).toContain("at load (src/load.js:4:9)");
    expect(digest.text).toContain("at test/a.test.mjs:3:5");
    expect(digest.text).toContain("http://example.com/home/me/app/x");
    expect(digest.text).toContain("/srv/home/me/app/y");
    expect(digest.text).toContain("/home/me/app-old/notes.txt");
  });
});
