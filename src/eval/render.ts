import { duration, seconds } from "../text/duration.js";
import type { EvalProgress, EvalReport, EvalResult, EvalWait } from "./run-eval.js";
import { EVAL_SUITE } from "./suite.js";

const FAILURES_SHOWN = 20;

/** The summary printed at the end of `squad-mcp eval`. */
export function renderEvalReport(report: EvalReport, qualityBar: number): string {
  const lines: string[] = [];
  if (report.workers.length === 0) {
    lines.push("No usable worker to evaluate; nothing was recorded.");
    for (const { worker, reason } of report.unusable) lines.push(`  ${worker}: ${reason}`);
    lines.push(
      "Start Ollama and pull a worker's model, or set GEMINI_API_KEY; `squad-mcp doctor` shows what is missing.",
    );
    return lines.join("\n");
  }
  const taskCount = EVAL_SUITE.filter((task) => report.categories.includes(task.category)).length;
  lines.push(
    `Evaluated ${plural(report.workers.length, "worker")} on ${plural(taskCount, "task")} ` +
      `(${plural(report.categories.length, "category", "categories")}) in ${seconds(report.durationMs)}; ` +
      `${plural(report.recorded, "evaluation outcome")} recorded.` +
      (report.cancelled ? " Cancelled: the rest was not run." : ""),
  );
  lines.push("");
  lines.push(...matrix(report));

  const failures = report.results.filter((result) => result.pass === false);
  if (failures.length > 0) {
    lines.push("", "Failed:");
    for (const failure of failures.slice(0, FAILURES_SHOWN)) {
      lines.push(`  ${failure.worker} ${failure.task}: ${failure.detail}`);
    }
    if (failures.length > FAILURES_SHOWN) {
      lines.push(`  … and ${failures.length - FAILURES_SHOWN} more (--json lists all)`);
    }
  }
  const unmeasured = report.results.filter((result) => result.pass === null);
  if (unmeasured.length > 0) {
    lines.push("", "Not measured (nothing recorded):");
    for (const worker of report.workers) {
      const mine = unmeasured.filter((result) => result.worker === worker);
      if (mine.length > 0) lines.push(`  ${worker}: ${mine.length} tasks; ${mine[0]?.detail}`);
    }
  }
  if (report.unusable.length > 0) {
    lines.push("", "Not evaluated:");
    for (const { worker, reason } of report.unusable) lines.push(`  ${worker}: ${reason}`);
  }
  if (report.standings.length > 0) {
    lines.push("", `Routing standing now (expected success; the bar is ${qualityBar}):`);
    for (const worker of report.workers) {
      const mine = report.standings.filter((standing) => standing.worker === worker);
      if (mine.length === 0) continue;
      const cells = mine.map(
        (standing) =>
          `${standing.category} ${standing.expected.toFixed(2)}${standing.expected < qualityBar ? " (below)" : ""}`,
      );
      lines.push(`  ${worker.padEnd(12)}${cells.join(", ")}`);
    }
  }
  return lines.join("\n");
}

/** Workers down, categories across: passed/measured per cell, then totals. */
function matrix(report: EvalReport): string[] {
  const header = ["worker", ...report.categories, "total", "latency", "tokens in/out"];
  const rows = report.workers.map((worker) => {
    const mine = report.results.filter((result) => result.worker === worker);
    const cells = report.categories.map((category) =>
      score(mine.filter((result) => result.category === category)),
    );
    const timed = mine.filter((result) => result.latencyMs !== null);
    const latency =
      timed.length === 0
        ? "–"
        : duration(timed.reduce((sum, result) => sum + (result.latencyMs ?? 0), 0) / timed.length);
    const tokensIn = mine.reduce((sum, result) => sum + result.tokensIn, 0);
    const tokensOut = mine.reduce((sum, result) => sum + result.tokensOut, 0);
    return [
      worker,
      ...cells,
      score(mine),
      latency,
      `${tokensIn.toLocaleString("en-US")}/${tokensOut.toLocaleString("en-US")}`,
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** `2/3` over the measured results; `–` when none was measured. */
function score(results: EvalResult[]): string {
  const measured = results.filter((result) => result.pass !== null);
  if (measured.length === 0) return "–";
  return `${measured.filter((result) => result.pass).length}/${measured.length}`;
}

const BAR_WIDTH = 24;

/** One line of the terminal progress bar, e.g. `[######------] 9/24 qwen-fast debug.median ✗`. */
export function progressBar(progress: EvalProgress): string {
  const filled = Math.round((progress.done / Math.max(progress.total, 1)) * BAR_WIDTH);
  const bar = `${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}`;
  const mark = progress.result.pass === null ? "?" : progress.result.pass ? "✓" : "✗";
  return `[${bar}] ${progress.done}/${progress.total} ${progress.result.worker} ${progress.result.task} ${mark}`;
}

/** The bar while a worker waits on purpose, so a still bar does not look like a hang. */
export function waitingBar(wait: EvalWait): string {
  const filled = Math.round((wait.done / Math.max(wait.total, 1)) * BAR_WIDTH);
  const bar = `${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}`;
  return `[${bar}] ${wait.done}/${wait.total} ${waitingText(wait)}`;
}

/** The same as a line where there is no terminal. */
export function waitingLine(wait: EvalWait): string {
  return `eval ${wait.done}/${wait.total} ${waitingText(wait)}`;
}

function waitingText(wait: EvalWait): string {
  return `${wait.worker}: waiting ${seconds(wait.ms)} for ${wait.reason}`;
}

/** One line per result where there is no terminal (logs, CI). */
export function progressLine(progress: EvalProgress): string {
  const { result } = progress;
  const verdict = result.pass === null ? "not measured" : result.pass ? "pass" : "fail";
  return `eval ${progress.done}/${progress.total} ${result.worker} ${result.task}: ${verdict} — ${result.detail}`;
}

/** `squad-mcp eval --list`: the suite, one task per line. */
export function renderSuite(): string {
  const width = Math.max(...EVAL_SUITE.map((task) => task.id.length));
  const checks = {
    function: "runs the function on its cases",
    json: "checks JSON against a schema",
    command: "runs the command, checks its output",
  };
  return EVAL_SUITE.map(
    (task) => `${task.id.padEnd(width)}  ${task.category.padEnd(9)} ${checks[task.check.kind]}`,
  ).join("\n");
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
