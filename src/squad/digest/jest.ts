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
    .filter((line) => /^(?:Expected|Received)(?: [a-z]+)?:\s/.test(line))
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

const PROCESS_EXIT = /^\s*process\.exit called with "?(\d+)"?/;
const FRAME = /\(?((?:[^\s():]+\/)*[^\s():]+\.[cm]?[jt]sx?):(\d+):\d+\)?$/;
const TEST_FILE = /(?:\.(?:test|spec)\.[cm]?[jt]sx?$|(?:^|\/)__tests__\/)/;

/**
 * A test that calls `process.exit` ends the whole run: jest prints the call after whatever
 * file it last reported, so the culprit is the test file in the stack, not that file.
 */
function exitFinding(title: string, block: string[], before: string): Finding {
  const frames = block.map((line) => FRAME.exec(line.trim())).filter((m) => m !== null);
  const frame = frames.find((m) => TEST_FILE.test(m[1] as string)) ?? frames[0];
  const file = frame ? (frame[1] as string) : "(unknown test file)";
  const said = before.trim() === "" || FILE_RESULT.test(before) ? [] : [`after: ${before}`];
  return {
    id: file,
    line: frame ? Number(frame[2]) : undefined,
    message: joinMessage([title.trim(), ...said]),
    group: file,
  };
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
  let before = "";
  let previous = "";
  const close = () => {
    if (title !== null && PROCESS_EXIT.test(title)) {
      findings.push(exitFinding(title, block, before));
    } else if (title !== null && title !== "Console") {
      findings.push(findingOf(file, title, block));
    }
    title = null;
    block = [];
  };
  for (const line of lines) {
    if (line.trim() !== "" && !BULLET.test(line)) previous = line;
    else if (BULLET.test(line)) before = previous;
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
  // The call that ended the run explains every missing result: it goes first.
  const exits = findings.filter((f) => PROCESS_EXIT.test(f.message));
  return uniqueById([...exits, ...findings.filter((f) => !exits.includes(f))]);
}

function readCounts(lines: string[], findings: Finding[]): Record<string, number> {
  const summary = lines.find((line) => /^Tests:\s+/.test(line));
  const counts = summary ? readCountPairs(summary.slice("Tests:".length)) : {};
  const suitesFailed = findings.filter((f) => f.name === undefined).length;
  if (suitesFailed > 0) counts["failed suites"] = suitesFailed;
  return orderCounts(counts, ["failed", "passed", "skipped", "todo"]);
}

/** Why the run has no summary, when it has none. */
function noteOf(lines: string[], findings: Finding[]): string | undefined {
  if (lines.some((line) => /^Test Suites:/.test(line))) return undefined;
  const exit = findings.find((f) => PROCESS_EXIT.test(f.message));
  if (!exit) return "no summary: the run stopped early";
  const where = exit.line === undefined ? exit.id : `${exit.id}:${exit.line}`;
  return `aborted by process.exit in ${where} before its summary`;
}

export function digestJest(lines: string[]): ToolReport {
  const findings = readFailures(lines);
  return { counts: readCounts(lines, findings), findings, note: noteOf(lines, findings) };
}
