import { bullets, cell, codeSpan, fence, languageOf, oneLine } from "./markdown.js";
import type { ChangedFile, CodeReport } from "./report.js";
import type { CodeSpec, FileAction, SpecFile } from "./spec.js";
import { specUri } from "./spec-files.js";

/** The specs written together in one batch, in order. */
export interface SpecBatch {
  ids: readonly string[];
}

/**
 * A Code Spec as Markdown, sections in a fixed order. The first spec of a batch carries the
 * batch header; every spec of a batch also says where it stands in it, since a coder
 * may be handed one spec alone.
 */
export function renderSpec(id: string, spec: CodeSpec, batch?: SpecBatch): string {
  return [
    `# Code Spec ${id} — ${oneLine(spec.title)}`,
    batchHeader(id, batch),
    [`**Spec ID:** ${id}`, `**Priority:** ${spec.priority}`, batchPosition(id, batch)]
      .filter(Boolean)
      .join("\n"),
    `## Objective\n\n${spec.objective.trim()}`,
    `## Files to Modify\n\n${spec.files.map(fileBlock).join("\n\n")}`,
    `## Test Expectations\n\n${testList(spec)}`,
    `## Guardrails — Do NOT\n\n${spec.guardrails.length ? bullets(spec.guardrails) : "None."}`,
    `## Verification Command\n\n${fence(spec.verification, "bash")}`,
    `## Context (Read-Only Reference)\n\n${spec.context?.trim() || "None."}`,
  ]
    .filter(Boolean)
    .join("\n\n")
    .concat("\n");
}

function batchHeader(id: string, batch: SpecBatch | undefined): string {
  if (!batch || batch.ids[0] !== id) return "";
  return [
    "> [!NOTE]",
    `> **Batch Mode Active.** Implement specs ${batchRange(batch)} sequentially.`,
    "> File a single consolidated Code Report when all are complete.",
  ].join("\n");
}

function batchPosition(id: string, batch: SpecBatch | undefined): string {
  const index = batch ? batch.ids.indexOf(id) : -1;
  if (!batch || index < 0) return "";
  return `**Batch:** ${index + 1} of ${batch.ids.length} (${batchRange(batch)})`;
}

function batchRange(batch: SpecBatch): string {
  return `${batch.ids[0]} through ${batch.ids[batch.ids.length - 1]}`;
}

/** What the `change` field means depends on the action, one meaning per kind of block. */
const CHANGE_LABEL: Readonly<Record<FileAction, string>> = {
  MODIFY: "Change",
  NEW: "Contents",
  DELETE: "Reason",
};

function fileBlock(file: SpecFile): string {
  const change = file.change.trim();
  // Multi-line text may hold lists or code, which only render as their own paragraph.
  const changeLine = change.includes("\n")
    ? `**${CHANGE_LABEL[file.action]}:**\n\n${change}`
    : `**${CHANGE_LABEL[file.action]}:** ${change}`;
  const parts = [
    `### [${file.action}] ${codeSpan(file.path)}`,
    [file.function ? `**Function:** ${codeSpan(file.function)}` : "", changeLine]
      .filter(Boolean)
      .join("\n"),
    file.signature?.trim()
      ? `**Signature:**\n\n${fence(file.signature.trim(), languageOf(file.path))}`
      : "",
    file.constraints.length ? `**Constraints:**\n\n${bullets(file.constraints)}` : "",
  ];
  return parts.filter(Boolean).join("\n\n");
}

function testList(spec: CodeSpec): string {
  if (spec.tests.length === 0) return "None specified.";
  return spec.tests
    .map((test) => `- [ ] ${codeSpan(test.name)} — ${oneLine(test.verifies)}`)
    .join("\n");
}

/** A Code Report as Markdown, sections in a fixed order; competitive candidates come last. */
export function renderReport(report: CodeReport): string {
  const passed = report.verdict === "pass";
  return [
    `# Code Report — ${report.spec_id}`,
    [
      `**Coder:** ${report.worker}`,
      `**Spec:** ${specUri(report.spec_id)}`,
      `**Attempts:** ${report.attempts}`,
    ].join("\n"),
    `## Summary\n\n${summary(report)}`,
    `## Files Changed\n\n${filesTable(report.files_changed)}`,
    `## Test Results\n\n${testResults(report)}`,
    `## Build Status\n\nNo separate build step: the spec's verification command is the build check.\n\n**Result:** ${passed ? "CLEAN" : "NOT CLEAN — see Test Results"}`,
    `## Blockers\n\n${report.blockers.length ? bullets(report.blockers) : "None."}`,
    `## Deviations from Spec\n\n${report.deviations.length ? bullets(report.deviations) : "None — implemented exactly as specified."}`,
    report.candidates?.length ? candidatesSection(report) : "",
  ]
    .filter(Boolean)
    .join("\n\n")
    .concat("\n");
}

function summary(report: CodeReport): string {
  const { attempts, verification } = report;
  const outcome =
    report.verdict === "pass"
      ? `passed verification on attempt ${attempts}`
      : `failed verification after ${attempts} attempt${attempts === 1 ? "" : "s"} (${exitText(verification.exit_code)})`;
  const files = report.files_changed;
  const sentences = [
    `${report.worker}'s implementation of ${report.spec_id} ${outcome}; ${plural(files.length, "file")} changed (${lineCounts(totalLines(files))}).`,
  ];
  if (report.blockers.length) {
    const count = report.blockers.length;
    sentences.push(`${count === 1 ? "1 blocker needs" : `${count} blockers need`} the architect.`);
  }
  if (report.candidates?.length) {
    sentences.push(`Best of ${plural(report.candidates.length, "candidate")}.`);
  }
  return sentences.join(" ");
}

const ACTION_WORD: Readonly<Record<FileAction, string>> = {
  NEW: "Created",
  MODIFY: "Modified",
  DELETE: "Deleted",
};

function filesTable(files: readonly ChangedFile[]): string {
  if (files.length === 0) return "No files changed.";
  const rows = files.map(
    (file) =>
      `| ${cell(codeSpan(file.path))} | ${file.action ? ACTION_WORD[file.action] : "Changed"} | ${lineCounts(file)} |`,
  );
  return [
    "| File | Action | Lines Changed |",
    "|------|--------|---------------|",
    ...rows,
    "",
    `**Total:** ${plural(files.length, "file")}, ${lineCounts(totalLines(files))}`,
  ].join("\n");
}

function testResults(report: CodeReport): string {
  const { command, exit_code, digest } = report.verification;
  const ran = `${codeSpan(command)} ${exit_code === null ? "did not finish (timed out or stopped)" : `exited with code ${exit_code}`}.`;
  const result =
    report.verdict === "pass" ? "PASS" : `FAIL (${exitText(exit_code)}; details above)`;
  return [ran, fence(digest.trim() || "(no output)", "text"), `**Result:** ${result}`].join("\n\n");
}

function candidatesSection(report: CodeReport): string {
  const candidates = report.candidates ?? [];
  const rows = candidates.map(
    (candidate, index) =>
      `| ${index + 1} | ${cell(candidate.worker)} | ${candidate.verdict.toUpperCase()} | ${candidate.attempts} | ${candidate.files_changed} | ${candidate.blockers.length} | ${candidate.deviations.length} |`,
  );
  return [
    "## Candidates",
    "Competitive mode, ranked by verification, then fewer blockers and deviations, then the smaller diff. Rank 1 is the implementation reported above.",
    [
      "| Rank | Coder | Verdict | Attempts | Files | Blockers | Deviations |",
      "|------|-------|---------|----------|-------|----------|------------|",
      ...rows,
    ].join("\n"),
  ].join("\n\n");
}

function totalLines(files: readonly ChangedFile[]): { added: number; removed: number } {
  return files.reduce(
    (sum, file) => ({ added: sum.added + file.added, removed: sum.removed + file.removed }),
    { added: 0, removed: 0 },
  );
}

function lineCounts({ added, removed }: { added: number; removed: number }): string {
  return `+${added} / -${removed}`;
}

function exitText(exitCode: number | null): string {
  return exitCode === null ? "did not finish" : `exit code ${exitCode}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
