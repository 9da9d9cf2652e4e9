import { type Budget, cutToBudget, fitLines, fits } from "./budget.js";
import { oneLine } from "./message.js";

const NUMBERED = /^(.+?):(\d+):/;
const SINGLE_NUMBERED = /^(\d+):/;
const BINARY = /^(?:Binary file (.+) matches|(?:grep|rg): (.+): binary file matches.*)$/;
const WITH_NAME = /^([^\s:][^:]*):/;
const PROBLEM = /^(?:grep|rg): /;
/** Name for matches printed without a file name (one file searched, or stdin). */
const ONE_INPUT = "";

export interface GrepReport {
  counts: Record<string, number>;
  /** Matches per file in the order first seen. */
  files: Map<string, number>;
  matchLines: string[];
  problems: string[];
}

function looksLikePath(name: string): boolean {
  return /[/.]/.test(name) && !/\s/.test(name);
}

/** Which file a line names, or undefined for separators and context lines. */
function fileOf(line: string, namesWithoutNumbers: boolean): string | undefined {
  const binary = BINARY.exec(line);
  if (binary) return binary[1] ?? binary[2];
  const numbered = NUMBERED.exec(line);
  if (numbered) return numbered[1];
  if (SINGLE_NUMBERED.test(line)) return ONE_INPUT;
  if (line === "--") return undefined;
  if (namesWithoutNumbers) return WITH_NAME.exec(line)?.[1];
  return ONE_INPUT;
}

export function readGrep(lines: string[]): GrepReport {
  const content = lines.filter((line) => line !== "");
  const problems = content.filter((line) => PROBLEM.test(line) && !BINARY.test(line));
  const matches = content.filter((line) => !problems.includes(line));
  // `grep -r` without -n prints `path:text`; a single file without -n prints bare lines.
  const named = matches.filter((line) => looksLikePath(WITH_NAME.exec(line)?.[1] ?? "")).length;
  const namesWithoutNumbers = matches.length > 0 && named / matches.length >= 0.8;
  const files = new Map<string, number>();
  const matchLines: string[] = [];
  for (const line of matches) {
    const file = fileOf(line, namesWithoutNumbers);
    if (file === undefined) continue;
    files.set(file, (files.get(file) ?? 0) + 1);
    matchLines.push(line);
  }
  const counts: Record<string, number> = { matches: matchLines.length, files: files.size };
  if (problems.length > 0) counts.errors = problems.length;
  return { counts, files, matchLines, problems };
}

function fileLabel(file: string, count: number): string {
  return `${file === ONE_INPUT ? "(input)" : file} (${count})`;
}

/**
 * Few matches: the matching lines themselves, which is what the host wanted. Many: the files
 * with their match counts, as many as fit, then how many files were left out.
 */
export function renderGrep(
  summary: string,
  report: GrepReport,
  maxFiles: number,
  budget: Budget,
): string {
  const head = [summary, ...report.problems.slice(0, 3).map((line) => oneLine(line))];
  const everything = [...head, ...report.matchLines.map((line) => oneLine(line))].join("\n");
  if (fits(everything, budget)) return everything;
  const entries = [...report.files.entries()];
  const listed = entries.slice(0, Math.max(0, maxFiles)).map(([file, n]) => fileLabel(file, n));
  let shown = listed.length;
  for (;;) {
    const hidden = entries.length - shown;
    const more = hidden > 0 ? [`… and ${hidden} more files`] : [];
    const kept = fitLines([...head, ...more], listed.slice(0, shown), budget);
    // Showing fewer files can lengthen the count line, so settle before answering.
    if (kept.length === shown) {
      const text = [...head, ...kept, ...more].join("\n");
      return fits(text, budget) ? text : cutToBudget(summary, budget);
    }
    shown = kept.length;
  }
}
