import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readManifest } from "../../../test/support/digest-fixtures.js";
import { cleanLines } from "./clean.js";
import { digestOutput, type ToolName } from "./index.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/digests/", import.meta.url));
const OPTIONS = { maxChars: 2000, maxFailures: 30 };

const manifest = readManifest(FIXTURES);

/** The tool and the counts each real run printed in its own summary. */
const PRINTED: Record<string, { tool: ToolName | null; counts: Record<string, number> }> = {
  "vitest-large-failing.txt": { tool: "vitest", counts: { failed: 25, passed: 268, skipped: 7 } },
  "vitest-npm-test-failing.txt": {
    tool: "vitest",
    counts: { failed: 2, passed: 5, todo: 1, "failed suites": 1 },
  },
  "vitest-passing.txt": { tool: "vitest", counts: { passed: 2 } },
  "jest-large-failing.txt": { tool: "jest", counts: { failed: 25, passed: 268, skipped: 7 } },
  "jest-npm-test-failing.txt": {
    tool: "jest",
    counts: { failed: 2, passed: 3, skipped: 1, "failed suites": 1 },
  },
  "jest-passing.txt": { tool: "jest", counts: { passed: 1, skipped: 1 } },
  "tsc-large-errors.txt": { tool: "tsc", counts: { errors: 315, files: 70 } },
  "tsc-pretty-errors.txt": { tool: "tsc", counts: { errors: 2, files: 2 } },
  "tsc-clean.txt": { tool: "tsc", counts: { errors: 0 } },
  "eslint-large.txt": { tool: "eslint", counts: { errors: 207, warnings: 122, files: 81 } },
  "eslint-small.txt": { tool: "eslint", counts: { errors: 4, warnings: 2, files: 1 } },
  "eslint-clean.txt": { tool: "eslint", counts: { errors: 0, warnings: 0 } },
  "pytest-large-failing.txt": { tool: "pytest", counts: { failed: 26, passed: 285, skipped: 7 } },
  "pytest-small-failing.txt": {
    tool: "pytest",
    counts: { failed: 2, passed: 2, errors: 1, xfailed: 1 },
  },
  "pytest-collection-error.txt": { tool: "pytest", counts: { errors: 1 } },
  "pytest-passing.txt": { tool: "pytest", counts: { passed: 2, deselected: 4 } },
  "mypy-large-errors.txt": { tool: "mypy", counts: { errors: 246, files: 54 } },
  "mypy-small-errors.txt": { tool: "mypy", counts: { errors: 1, files: 1 } },
  "mypy-pretty-itsdangerous.txt": { tool: "mypy", counts: { errors: 31, files: 3 } },
  "mypy-clean.txt": { tool: "mypy", counts: { errors: 0 } },
  "go-test-failing.txt": { tool: "go test", counts: { failed: 25, "failed packages": 5 } },
  "go-test-verbose-large.txt": {
    tool: "go test",
    counts: { failed: 25, passed: 262, skipped: 13, "failed packages": 5 },
  },
  "go-test-pflag-failing.txt": { tool: "go test", counts: { failed: 10, "failed packages": 1 } },
  "go-test-json-pflag.txt": {
    tool: "go test",
    counts: { failed: 10, passed: 9, "failed packages": 1 },
  },
  "go-test-panic-build.txt": { tool: "go test", counts: { failed: 2, "failed packages": 3 } },
  "cargo-test-large-failing.txt": {
    tool: "cargo test",
    counts: { failed: 25, passed: 266, ignored: 9 },
  },
  "cargo-test-multi-target.txt": {
    tool: "cargo test",
    counts: { failed: 3, passed: 4, ignored: 0 },
  },
  "cargo-test-strsim-panics.txt": {
    tool: "cargo test",
    counts: { failed: 3, passed: 104, ignored: 0 },
  },
  "cargo-test-tally-same-names.txt": {
    tool: "cargo test",
    counts: { failed: 11, passed: 18, ignored: 0 },
  },
  // Killed inside tests/slow.rs: the result lines of the binaries that finished (8 failed, 14
  // passed), plus the 2 failed and 1 passed that slow.rs reported before the end.
  "cargo-test-tally-killed.txt": {
    tool: "cargo test",
    counts: { failed: 10, passed: 15, ignored: 0 },
  },
  "cargo-test-tally-fail-fast.txt": {
    tool: "cargo test",
    counts: { failed: 3, passed: 8, ignored: 0 },
  },
  "cargo-test-abort.txt": { tool: "cargo test", counts: { failed: 1, passed: 0, ignored: 0 } },
  "cargo-test-passing.txt": { tool: "cargo test", counts: { failed: 0, passed: 2, ignored: 0 } },
  "cargo-test-compile-error.txt": { tool: "cargo test", counts: { "compile errors": 1 } },
  "grep-large.txt": { tool: "grep", counts: { matches: 745, files: 236 } },
  "rg-large.txt": { tool: "grep", counts: { matches: 967, files: 64 } },
  "grep-small.txt": { tool: "grep", counts: { matches: 6, files: 1 } },
  "grep-no-match.txt": { tool: "grep", counts: { matches: 0, files: 0 } },
  "ruff-concise-large.txt": { tool: "ruff", counts: { errors: 324, files: 72, fixable: 108 } },
  "ruff-full-small.txt": { tool: "ruff", counts: { errors: 3, files: 1, fixable: 1 } },
  "ruff-clean.txt": { tool: "ruff", counts: { errors: 0 } },
  "ruff-fix-in-config.txt": { tool: "ruff", counts: { errors: 3, files: 2, fixed: 6 } },
  "ruff-fix-in-config-all-fixed.txt": { tool: "ruff", counts: { errors: 0, fixed: 2 } },
  "ruff-fix-show-fixes.txt": { tool: "ruff", counts: { errors: 3, files: 2, fixed: 6 } },
  "ruff-format-check.txt": {
    tool: "ruff",
    counts: { "files would be reformatted": 2, "files already formatted": 3 },
  },
  "ruff-format.txt": {
    tool: "ruff",
    counts: { "files reformatted": 2, "files left unchanged": 3 },
  },
  "jest-commander-15-failing.txt": { tool: "jest", counts: { failed: 15, passed: 1354 } },
  "jest-commander-process-exit.txt": { tool: "jest", counts: { "failed suites": 1 } },
  "pytest9-subtests-failing.txt": { tool: "pytest", counts: { failed: 8, passed: 731 } },
  "pytest9-q.txt": {
    tool: "pytest",
    counts: { failed: 8, passed: 731, "subtests passed": 21036 },
  },
  "pytest9-q-rN.txt": {
    tool: "pytest",
    counts: { failed: 8, passed: 731, "subtests passed": 21036 },
  },
  "pytest9-inherited-q-rN.txt": { tool: "pytest", counts: { failed: 14, passed: 13 } },
  "pytest9-inherited-q.txt": { tool: "pytest", counts: { failed: 14, passed: 13 } },
  "pytest9-inherited-q-rN-tb-short.txt": { tool: "pytest", counts: { failed: 14, passed: 13 } },
  "pytest9-teardown-q.txt": { tool: "pytest", counts: { failed: 1, passed: 1, errors: 1 } },
  "pytest9-teardown-q-rN.txt": { tool: "pytest", counts: { failed: 1, passed: 1, errors: 1 } },
  "pytest9-qq.txt": { tool: "pytest", counts: { failed: 8 } },
  "pytest9-tb-line.txt": { tool: "pytest", counts: { failed: 8, passed: 731 } },
  "pytest9-tb-native.txt": { tool: "pytest", counts: { failed: 8, passed: 731 } },
  "pytest9-x-stop.txt": { tool: "pytest", counts: { failed: 1, passed: 5 } },
  "pytest9-collection-syntax-error.txt": { tool: "pytest", counts: { errors: 1 } },
  "vitest-ufo-failing.txt": { tool: "vitest", counts: { failed: 10, passed: 475 } },
  "vitest-ufo-agent-env.txt": { tool: "vitest", counts: { failed: 10, passed: 475 } },
  "vitest-ufo-source-frame.txt": { tool: "vitest", counts: { failed: 12, passed: 473 } },
  "vitest-ufo-bail.txt": { tool: "vitest", counts: { failed: 1, passed: 25 } },
  "vitest-ufo-typecheck.txt": { tool: "vitest", counts: { failed: 10, passed: 477, errors: 3 } },
  "vitest-ufo-tap-flat.txt": { tool: "tap", counts: { failed: 10, passed: 475 } },
  "vitest-ufo-junit.txt": { tool: "junit", counts: { failed: 10, passed: 475 } },
  "node-test-commander-tap.txt": { tool: "tap", counts: { failed: 10, passed: 127 } },
  "node-test-commander-spec.txt": { tool: "node --test", counts: { failed: 10, passed: 127 } },
  "mocha-mime-types-failing.txt": { tool: "mocha", counts: { failed: 8, passed: 39 } },
  "mocha-mime-types-npm-test.txt": { tool: "mocha", counts: { failed: 8, passed: 39 } },
  "mocha-mime-types-dot.txt": { tool: "mocha", counts: { failed: 8, passed: 39 } },
  "mocha-mime-types-passing.txt": { tool: "mocha", counts: { passed: 47 } },
  "mocha11-hooks-timeout.txt": { tool: "mocha", counts: { failed: 4, passed: 2, pending: 1 } },
  // A test file that does not load stops mocha before its summary: it printed no counts.
  "mocha11-syntax-error.txt": { tool: "mocha", counts: {} },
  "mocha11-npm-test-missing-module.txt": { tool: "mocha", counts: {} },
  "tsc-eslint-two-tools.txt": {
    tool: "tsc",
    counts: { errors: 1, files: 1, "eslint errors": 14, "eslint warnings": 0, "eslint files": 2 },
  },
  "unittest-more-itertools.txt": { tool: "unittest", counts: { failed: 6, errors: 4, ran: 901 } },
  "unknown-npm-ls-missing.txt": { tool: null, counts: {} },
  "unknown-git-log-stat.txt": { tool: null, counts: {} },
  "unknown-python-traceback.txt": { tool: null, counts: {} },
  "unknown-node-crash.txt": { tool: null, counts: {} },
};

function load(fixture: string) {
  const entry = manifest[fixture];
  if (!entry) throw new Error(`${fixture} is missing from manifest.json`);
  const raw = readFileSync(join(FIXTURES, fixture));
  const input = { command: entry.command, output: raw.toString("utf8"), exitCode: entry.exitCode };
  return { entry, input };
}

/** The part of a test id after its file or package, which every way of listing keeps. */
function testName(id: string): string {
  const parts = id.split(/ > | › |::|(?<=\.test\.ts|\.test\.js|\.py) |(?<=[a-z])\.(?=Test)/);
  return parts[parts.length - 1] ?? id;
}

it("covers every fixture file in the folder", () => {
  const files = readdirSync(FIXTURES).filter((file) => file.endsWith(".txt"));
  expect(files.sort()).toEqual(Object.keys(PRINTED).sort());
  expect(Object.keys(manifest).sort()).toEqual(files.sort());
});

describe.each(Object.entries(PRINTED))("%s", (fixture, printed) => {
  const { entry, input } = load(fixture);
  const digest = digestOutput(input, OPTIONS);

  it("detects the tool and reads the counts the tool printed", () => {
    expect(digest.tool).toBe(printed.tool);
    expect(digest.counts).toEqual(printed.counts);
  });

  it("keeps messages on one line within 200 characters, with no colour codes", () => {
    for (const failure of digest.failures) {
      expect(failure.message.length).toBeLessThanOrEqual(200);
      expect(failure.message).not.toMatch(/[\n\r]/);
      expect(failure.message).not.toContain("\u001b");
      expect(failure.message.trim()).not.toBe("");
    }
    expect(digest.text).not.toContain("\u001b");
  });

  it("keeps the text within maxChars, and within 5 % of the raw bytes over 20 KB or what its ids need", () => {
    expect(digest.text.length).toBeLessThanOrEqual(OPTIONS.maxChars);
    // The share is of the text a reader sees: colour codes do not count.
    const plain = cleanLines(input.output).join("\n");
    const plainBytes = Buffer.byteLength(plain);
    if (plainBytes > 20_000) {
      // Failing ids win over the share: the text may grow by what naming them all takes.
      const idBytes = (entry.failing ?? []).reduce((n, id) => n + Buffer.byteLength(id) + 2, 0);
      const summaryAndMessage = 300;
      expect(Buffer.byteLength(digest.text)).toBeLessThanOrEqual(
        Math.max(plainBytes * 0.05, idBytes + summaryAndMessage),
      );
    }
    // Never longer than the output itself: a short output comes back whole instead.
    const trimmed = plain.trim();
    if (trimmed !== "") expect(digest.text.length).toBeLessThanOrEqual(trimmed.length);
    if (digest.text !== trimmed) {
      const exit = entry.exitCode === null ? "no exit code" : `exit ${entry.exitCode}`;
      expect(digest.text.split("\n")[0]).toContain(exit);
    }
  });

  if (entry.failing) {
    const failing = entry.failing;
    it(`keeps all ${failing.length} failing ids in failures and names each in the text`, () => {
      expect(digest.failures.map((f) => f.id).sort()).toEqual([...failing].sort());
      expect(digest.failuresOmitted).toBe(0);
      for (const id of failing) expect(digest.text).toContain(testName(id));
    });
  }

  if (entry.problems) {
    const problems = entry.problems;
    it(`finds all ${problems.length} problem locations when the cap allows`, () => {
      const all = digestOutput(input, { ...OPTIONS, maxFailures: 10_000 });
      expect(all.failures.map((f) => `${f.id}:${f.line}`).sort()).toEqual([...problems].sort());
      expect(digest.failures).toHaveLength(Math.min(problems.length, OPTIONS.maxFailures));
      expect(digest.failures.length + digest.failuresOmitted).toBe(problems.length);
    });
  }

  if (entry.files) {
    const files = entry.files;
    it(`finds problems in all ${files.length} files when the cap allows`, () => {
      const all = digestOutput(input, { ...OPTIONS, maxFailures: 10_000 });
      expect([...new Set(all.failures.map((f) => f.id))].sort()).toEqual([...files].sort());
    });
  }

  if (!entry.failing && !entry.problems && !entry.files && printed.tool !== null) {
    it("lists no failures", () => {
      expect(digest.failures).toEqual([]);
      expect(digest.failuresOmitted).toBe(0);
    });
  }
});
