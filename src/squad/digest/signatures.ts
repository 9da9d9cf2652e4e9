import type { ToolName } from "./types.js";

/** Most specific first: a vitest log can contain tsc-looking lines, not the reverse. */
const SIGNATURES: [ToolName, RegExp[]][] = [
  ["vitest", [/^\s*Test Files\s+\d+ (?:failed|passed)/m, /^\s*RUN\s+v\d+\.\d+\.\d+ /m]],
  ["jest", [/^Test Suites:\s+\d+/m]],
  [
    "pytest",
    [/^=+ test session starts =+$/m, /^=*\s*\d+ (?:passed|failed|errors?)\b.* in [\d.]+s\b/m],
  ],
  ["unittest", [/^Ran \d+ tests? in [\d.]+s$/m]],
  ["node --test", [/^✖ failing tests:$/m, /^ℹ tests \d+$/m]],
  // Every mocha reporter but the machine-readable ones closes with `  39 passing (25ms)`.
  ["mocha", [/^ {2}\d+ passing \(\d+(?:ms|s|m|h)\)$/m, /^ Exception during run: /m]],
  [
    "cargo test",
    [/^test result: (?:ok|FAILED)\. \d+ passed/m, /^\s+Running (?:unittests )?\S+ \(target\//m],
  ],
  [
    "go test",
    [
      /^(?:ok|FAIL|\?)\s+\S+\s+(?:[\d.]+s|\[no test files\]|\[build failed\])/m,
      /^--- (?:FAIL|PASS): /m,
      /^\{"Time":"[^"]+","Action":"(?:run|output|pass|fail|skip|start)","Package":/m,
    ],
  ],
  ["tsc", [/^.+\(\d+,\d+\): error TS\d+: /m, /^.+:\d+:\d+ - error TS\d+: /m]],
  [
    "mypy",
    [
      /^Found \d+ errors? in \d+ files? \(/m,
      /^Success: no issues found in \d+ source files?$/m,
      /^.+\.pyi?:\d+: error: /m,
    ],
  ],
  [
    "ruff",
    [
      /^Found \d+ errors?(?: \(\d+ fixed, \d+ remaining\))?\.$/m,
      /^All checks passed!$/m,
      // `ruff format`; black prints the same words, but ends the line with a full stop.
      /^\d+ files? (?:reformatted|would be reformatted|left unchanged|already formatted)(?:, \d+ files? [a-z ]+)?$/m,
    ],
  ],
  ["eslint", [/^✖ \d+ problems? \(\d+ errors?, \d+ warnings?\)$/m]],
  ["junit", [/^\s*<testsuites?\b[^>]*>/m]],
  // A version line, node's `# Subtest:` or a plan right before a test line: `ok 5 - … then
  // error` alone is not TAP.
  ["tap", [/^TAP version \d+$/m, /^# Subtest: /m, /^1\.\.\d+\n(?:not )?ok \d+\b/m]],
];

/** Formats many tools print on request: when one appears, it is what was printed. */
export const FORMATS: readonly ToolName[] = ["junit", "tap"];

/** Tools whose output signature appears in the (ANSI-free) output. */
export function toolsInOutput(output: string): ToolName[] {
  return SIGNATURES.filter(([, patterns]) => patterns.some((p) => p.test(output))).map(
    ([tool]) => tool,
  );
}
