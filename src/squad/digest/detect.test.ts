import { describe, expect, it } from "vitest";
import { detectTool } from "./index.js";

const VITEST_SUMMARY = " Test Files  1 failed (1)\n      Tests  1 failed | 3 passed (4)\n";
const PYTEST_SUMMARY = "==== 1 failed, 2 passed in 0.12s ====\n";

describe("detectTool", () => {
  it.each([
    ["npx vitest run", "vitest"],
    ["node_modules/.bin/vitest run --reporter=default", "vitest"],
    ["FORCE_COLOR=0 npx jest --ci", "jest"],
    ["python -m pytest -q", "pytest"],
    ["/usr/bin/python3 -m pytest tests/unit", "pytest"],
    ["uv run pytest", "pytest"],
    ["tsc --noEmit", "tsc"],
    ["pnpm exec tsc -b", "tsc"],
    ["npx eslint .", "eslint"],
    ["ruff check", "ruff"],
    ["poetry run mypy src", "mypy"],
    ["go test ./...", "go test"],
    ["cargo test --offline", "cargo test"],
    ["grep -rn 'TODO' src", "grep"],
    ["rg -n useEffect", "grep"],
    ["git grep -n createServer", "grep"],
    ["cd api && go test -v ./internal/...", "go test"],
    ["python3 -m unittest discover -s tests", "unittest"],
    ["npx mocha --reporter dot", "mocha"],
    ["node_modules/.bin/_mocha test/*.spec.js", "mocha"],
  ])("recognises %s", (command, tool) => {
    expect(detectTool(command, "")).toBe(tool);
  });

  it("recognises the tool from its output when the command is a script", () => {
    expect(detectTool("cd web && npm test", VITEST_SUMMARY)).toBe("vitest");
    expect(detectTool("make check", PYTEST_SUMMARY)).toBe("pytest");
    expect(detectTool("npm test", "  2 passing (13ms)\n  1 pending\n  3 failing\n")).toBe("mocha");
    expect(detectTool("npm test", "\n Exception during run: test/a.test.js:3\n")).toBe("mocha");
    expect(detectTool("make lint", "Found 9 errors (6 fixed, 3 remaining).\n")).toBe("ruff");
    expect(detectTool("make fmt", "2 files reformatted, 3 files left unchanged\n")).toBe("ruff");
    // black says the same with a full stop; it is not ruff.
    expect(detectTool("make fmt", "2 files reformatted, 3 files left unchanged.\n")).toBeNull();
  });

  it("prefers the command's tool whose output actually appears", () => {
    const tscOutput =
      "src/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\n";
    expect(detectTool("tsc --noEmit && eslint .", tscOutput)).toBe("tsc");
  });

  it("reads a standard format a tool was asked to print as that format", () => {
    const tap = "TAP version 13\n1..2\nok 1 - a > b\nnot ok 2 - a > c\n";
    expect(detectTool("npx vitest run --reporter=tap-flat", tap)).toBe("tap");
    expect(detectTool("node --test", "# Subtest: x\nok 1 - x\n1..1\n")).toBe("tap");
    const junit =
      '<?xml version="1.0"?>\n<testsuites name="vitest tests" tests="1">\n</testsuites>\n';
    expect(detectTool("npx vitest run --reporter=junit", junit)).toBe("junit");
    // A log line that happens to start like a TAP test line is not TAP.
    expect(detectTool("./deploy.sh", "ok 5 - upload then error\nERROR: failed\n")).toBeNull();
  });

  it("does not mistake a word inside quotes or a script name for a tool", () => {
    expect(detectTool("npm test", "")).toBeNull();
    expect(detectTool("echo 'vitest run'", "")).toBeNull();
    expect(detectTool("make lint", "all good\n")).toBeNull();
  });
});
