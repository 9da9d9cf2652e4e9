import { describe, expect, it } from "vitest";
import type { CodeReport } from "./report.js";
import type { CodeSpec } from "./spec.js";
import { renderReport, renderSpec } from "./spec-markdown.js";

const spec: CodeSpec = {
  title: "Retry flaky fetches",
  objective: "Fetches to the registry fail one time in fifty; retry them twice.",
  priority: "P0",
  files: [
    {
      path: "src/fetch.ts",
      action: "MODIFY",
      function: "fetchPackage",
      change: "Wrap the request in withRetry.",
      signature: "export async function fetchPackage(name: string): Promise<Package>",
      constraints: ["At most 2 retries", "Never retry a 4xx"],
    },
    {
      path: "src/retry.ts",
      action: "NEW",
      change: "withRetry(fn, attempts) with exponential backoff.",
      constraints: [],
    },
    {
      path: "src/old-retry.ts",
      action: "DELETE",
      change: "Replaced by retry.ts.",
      constraints: [],
    },
  ],
  tests: [{ name: "retries_a_503_twice", verifies: "two retries, then the error" }],
  guardrails: ["Do not touch src/cache.ts", "No new dependencies"],
  verification: "npm test -- fetch",
  context: "type Package = { name: string; version: string }",
};

const headings = (markdown: string) => markdown.split("\n").filter((line) => /^#{1,3} /.test(line));

describe("renderSpec", () => {
  it("puts the sections in the fixed order, one block per file", () => {
    expect(headings(renderSpec("CS-007", spec))).toEqual([
      "# Code Spec CS-007 — Retry flaky fetches",
      "## Objective",
      "## Files to Modify",
      "### [MODIFY] `src/fetch.ts`",
      "### [NEW] `src/retry.ts`",
      "### [DELETE] `src/old-retry.ts`",
      "## Test Expectations",
      "## Guardrails — Do NOT",
      "## Verification Command",
      "## Context (Read-Only Reference)",
    ]);
  });

  it("includes every field of the spec", () => {
    const markdown = renderSpec("CS-007", spec);
    for (const expected of [
      "**Spec ID:** CS-007",
      "**Priority:** P0",
      spec.objective,
      "**Function:** `fetchPackage`",
      "**Change:** Wrap the request in withRetry.",
      "```ts\nexport async function fetchPackage(name: string): Promise<Package>\n```",
      "**Constraints:**\n\n- At most 2 retries\n- Never retry a 4xx",
      "**Contents:** withRetry(fn, attempts) with exponential backoff.",
      "**Reason:** Replaced by retry.ts.",
      "- [ ] `retries_a_503_twice` — two retries, then the error",
      "- Do not touch src/cache.ts\n- No new dependencies",
      "```bash\nnpm test -- fetch\n```",
      "type Package = { name: string; version: string }",
    ]) {
      expect(markdown).toContain(expected);
    }
    expect(markdown).not.toContain("Batch");
  });

  it("says None where a list is empty instead of leaving a bare heading", () => {
    const markdown = renderSpec("CS-001", { ...spec, tests: [], guardrails: [], context: "" });
    expect(markdown).toContain("## Test Expectations\n\nNone specified.");
    expect(markdown).toContain("## Guardrails — Do NOT\n\nNone.");
    expect(markdown).toContain("## Context (Read-Only Reference)\n\nNone.");
  });

  it("keeps a verification command holding backticks inside its fence", () => {
    const markdown = renderSpec("CS-001", { ...spec, verification: "echo ```; npm test" });
    expect(markdown).toContain("````bash\necho ```; npm test\n````");
  });

  it("heads the first spec of a batch with the batch note, and numbers the rest", () => {
    const batch = { ids: ["CS-004", "CS-005", "CS-006"] };
    const first = renderSpec("CS-004", spec, batch);
    expect(first).toContain(
      [
        "> [!NOTE]",
        "> **Batch Mode Active.** Implement specs CS-004 through CS-006 sequentially.",
        "> File a single consolidated Code Report when all are complete.",
      ].join("\n"),
    );
    expect(first.indexOf("[!NOTE]")).toBeLessThan(first.indexOf("## Objective"));
    const second = renderSpec("CS-005", spec, batch);
    expect(second).not.toContain("Batch Mode Active");
    expect(second).toContain("**Batch:** 2 of 3 (CS-004 through CS-006)");
  });
});

const report: CodeReport = {
  spec_id: "CS-007",
  verdict: "fail",
  attempts: 2,
  worker: "qwen-coder",
  files_changed: [
    { path: "src/fetch.ts", added: 25, removed: 10, action: "MODIFY" },
    { path: "src/retry.ts", added: 80, removed: 0, action: "NEW" },
    { path: "src/a|b.ts", added: 1, removed: 3 },
  ],
  verification: {
    command: "npm test -- fetch",
    exit_code: 1,
    digest: "FAIL src/fetch.test.ts > retries_a_503_twice",
  },
  blockers: ["Should a 429 be retried?"],
  deviations: ["Used setTimeout instead of the clock helper"],
  candidates: [
    {
      worker: "qwen-coder",
      verdict: "fail",
      attempts: 2,
      files_changed: 3,
      blockers: ["Should a 429 be retried?"],
      deviations: ["d"],
    },
    {
      worker: "flash",
      verdict: "fail",
      attempts: 2,
      files_changed: 5,
      blockers: [],
      deviations: ["a", "b"],
    },
  ],
};

describe("renderReport", () => {
  it("puts the sections in the fixed order, candidates last", () => {
    expect(headings(renderReport(report))).toEqual([
      "# Code Report — CS-007",
      "## Summary",
      "## Files Changed",
      "## Test Results",
      "## Build Status",
      "## Blockers",
      "## Deviations from Spec",
      "## Candidates",
    ]);
  });

  it("counts added and removed lines per file and in total", () => {
    const markdown = renderReport(report);
    expect(markdown).toContain("| `src/fetch.ts` | Modified | +25 / -10 |");
    expect(markdown).toContain("| `src/retry.ts` | Created | +80 / -0 |");
    expect(markdown).toContain("| `src/a\\|b.ts` | Changed | +1 / -3 |");
    expect(markdown).toContain("**Total:** 3 files, +106 / -13");
    expect(markdown).toMatch(
      /## Summary\n\nqwen-coder's implementation of CS-007 failed verification after 2 attempts \(exit code 1\); 3 files changed \(\+106 \/ -13\)\. 1 blocker needs the architect\. Best of 2 candidates\./,
    );
  });

  it("shows the verification, its digest and verdict, the blockers and the deviations", () => {
    const markdown = renderReport(report);
    expect(markdown).toContain("**Spec:** squad://specs/CS-007");
    expect(markdown).toContain("`npm test -- fetch` exited with code 1.");
    expect(markdown).toContain("```text\nFAIL src/fetch.test.ts > retries_a_503_twice\n```");
    expect(markdown).toContain("**Result:** FAIL (exit code 1; details above)");
    expect(markdown).toContain("**Result:** NOT CLEAN");
    expect(markdown).toContain("## Blockers\n\n- Should a 429 be retried?");
    expect(markdown).toContain(
      "## Deviations from Spec\n\n- Used setTimeout instead of the clock helper",
    );
  });

  it("ranks every candidate with its verdict and counts", () => {
    const markdown = renderReport(report);
    expect(markdown).toContain("| 1 | qwen-coder | FAIL | 2 | 3 | 1 | 1 |");
    expect(markdown).toContain("| 2 | flash | FAIL | 2 | 5 | 0 | 2 |");
  });

  it("reports a clean pass with no blockers, deviations or candidates in the report's own words", () => {
    const markdown = renderReport({
      ...report,
      verdict: "pass",
      attempts: 1,
      verification: { ...report.verification, exit_code: 0, digest: "" },
      blockers: [],
      deviations: [],
      candidates: undefined,
    });
    expect(markdown).toContain("passed verification on attempt 1;");
    expect(markdown).toContain("**Result:** PASS");
    expect(markdown).toContain("**Result:** CLEAN");
    expect(markdown).toContain("## Blockers\n\nNone.");
    expect(markdown).toContain(
      "## Deviations from Spec\n\nNone — implemented exactly as specified.",
    );
    expect(markdown).not.toContain("## Candidates");
  });

  it("says so when the verification never finished", () => {
    const markdown = renderReport({
      ...report,
      verification: { ...report.verification, exit_code: null },
    });
    expect(markdown).toContain("did not finish (timed out or stopped).");
    expect(markdown).toContain("(did not finish)");
  });
});
