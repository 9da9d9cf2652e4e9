import { orderCounts, readCountPairs, uniqueById } from "./counts.js";
import { joinMessage } from "./message.js";
import type { Finding, ToolReport } from "./types.js";

const FILE_RESULT = /^(?:FAIL|PASS)\s+(\S+)/;
const BULLET = /^\s{2}● (.+)$/;
const SUITE_FAILED = "Test suite failed to run";

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function messageOf(block: string[]): string {
  const first = block.find((line) => line.trim() !== "") ?? "";
  const detail = block
    .map((line) => line.trim())
    .filter((line) => /^(Expected|Received):\s/.test(line))
    .slice(0, 2);
  return joinMessage([first.replace(/ \/\/ (?:Object\.is|deep) equality$/, ""), ...detail]);
}

function lineOf(block: string[], file: string): number | undefined {
  const inFile = new RegExp(`${escapeRegExp(file)}:(\\d+):\\d+`);
  for (const line of block) {
    const match = inFile.exec(line);
    if (match) return Number(match[1]);
  }
  return undefined;
}

function findingOf(file: string, title: string, block: string[]): Finding {
  const line = lineOf(block, file);
  if (title === SUITE_FAILED) return { id: file, line, message: messageOf(block), group: file };
  return { id: `${file} › ${title}`, line, message: messageOf(block), group: file, name: title };
}

function readFailures(lines: string[]): Finding[] {
  const findings: Finding[] = [];
  let file = "";
  let title: string | null = null;
  let block: string[] = [];
  const close = () => {
    if (title !== null && title !== "Console") findings.push(findingOf(file, title, block));
    title = null;
    block = [];
  };
  for (const line of lines) {
    const result = FILE_RESULT.exec(line);
    const bullet = BULLET.exec(line);
    if (
      result ||
      bullet ||
      /^Test Suites:/.test(line) ||
      /^Summary of all failing tests/.test(line)
    ) {
      close();
    }
    if (result) file = result[1] as string;
    else if (bullet) title = bullet[1] as string;
    else if (title !== null) block.push(line);
  }
  close();
  return uniqueById(findings);
}

function readCounts(lines: string[], findings: Finding[]): Record<string, number> {
  const summary = lines.find((line) => /^Tests:\s+/.test(line));
  const counts = summary ? readCountPairs(summary.slice("Tests:".length)) : {};
  const suitesFailed = findings.filter((f) => f.name === undefined).length;
  if (suitesFailed > 0) counts["failed suites"] = suitesFailed;
  return orderCounts(counts, ["failed", "passed", "skipped", "todo"]);
}

export function digestJest(lines: string[]): ToolReport {
  const findings = readFailures(lines);
  return { counts: readCounts(lines, findings), findings };
}
