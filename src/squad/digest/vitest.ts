import { orderCounts, readCountPairs, uniqueById } from "./counts.js";
import { joinMessage } from "./message.js";
import type { Finding, ToolReport } from "./types.js";

const FAIL_HEADER = /^\s*FAIL\s+(.+?)\s*$/;
const BLOCK_END = /^\s*⎯{3,}/;
/** ` ❯ src/a.test.ts:12:5`, or with the function: ` ❯ withoutHost src/utils.ts:773:11`. */
const LOCATION = /^\s*❯\s+(?:[^\s:]+\s+)?(\S+?):(\d+):\d+/;
const FAILED_SECTION = /⎯ Failed (?:Tests|Suites) \d+ ⎯/;

function idOfHeader(header: string): string {
  // A suite that failed to load is printed as `src/a.test.ts [ src/a.test.ts ]`.
  return header.replace(/\s+\[ .+ \]$/, "").trim();
}

function splitId(id: string): { group: string; name?: string } {
  const at = id.indexOf(" > ");
  return at === -1 ? { group: id } : { group: id.slice(0, at), name: id.slice(at + 3) };
}

/** The error line, plus Expected/Received when printed: the first line rarely says it all. */
function messageOf(block: string[]): string {
  const first = block.find((line) => line.trim() !== "" && !LOCATION.test(line)) ?? "";
  const detail = block.filter((line) => /^(Expected|Received):\s/.test(line.trim())).slice(0, 2);
  return joinMessage([first.replace(/ \/\/ Object\.is equality$/, ""), ...detail]);
}

function lineOf(block: string[], file: string): number | undefined {
  let fallback: number | undefined;
  for (const line of block) {
    const match = LOCATION.exec(line);
    if (!match) continue;
    if (match[1] === file) return Number(match[2]);
    fallback ??= Number(match[2]);
  }
  return fallback;
}

/** Where the error was thrown when that is not the test file: `src/utils.ts:773`. */
function sourceFrame(block: string[], file: string): string | undefined {
  const first = block.map((line) => LOCATION.exec(line)).find((m) => m !== null);
  return first && first[1] !== file ? `${first[1]}:${first[2]}` : undefined;
}

/** Failure blocks: one or more `FAIL id` headers sharing the error printed under them. */
function readFailures(lines: string[]): Finding[] {
  const findings: Finding[] = [];
  let i = 0;
  while (i < lines.length) {
    const headers: string[] = [];
    let header = FAIL_HEADER.exec(lines[i] as string);
    while (header) {
      headers.push(idOfHeader(header[1] as string));
      i++;
      header = i < lines.length ? FAIL_HEADER.exec(lines[i] as string) : null;
    }
    if (headers.length === 0) {
      i++;
      continue;
    }
    const block: string[] = [];
    while (
      i < lines.length &&
      !BLOCK_END.test(lines[i] as string) &&
      !FAIL_HEADER.test(lines[i] as string)
    ) {
      block.push(lines[i] as string);
      i++;
    }
    const message = messageOf(block);
    for (const id of headers) {
      const { group, name } = splitId(id);
      const thrown = sourceFrame(block, group);
      const said = thrown ? joinMessage([`${message} (at ${thrown})`]) : message;
      findings.push({ id, line: lineOf(block, group), message: said, group, name });
    }
  }
  return uniqueById(findings);
}

function readCounts(lines: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of lines) {
    const tests = /^\s*Tests\s+(.+?)\s*\(\d+\)\s*$/.exec(line);
    if (tests) Object.assign(counts, readCountPairs(tests[1] as string));
    const errors = /^\s*Errors\s+(\d+) errors?/.exec(line);
    if (errors) counts.errors = Number(errors[1]);
    const suites = /Failed Suites (\d+)/.exec(line);
    if (suites) counts["failed suites"] = Number(suites[1]);
  }
  return orderCounts(counts, ["failed", "passed", "skipped", "todo"]);
}

const UNHANDLED = /^⎯+ Unhandled (?:Source )?(?:Error|Rejection) ⎯+$/;

/**
 * Errors outside any test (`--typecheck`'s errors in source files, unhandled rejections): the
 * error line and the first location under it, named by that file.
 */
function readUnhandled(lines: string[]): Finding[] {
  const findings: Finding[] = [];
  lines.forEach((line, i) => {
    if (!UNHANDLED.test(line.trim())) return;
    const block: string[] = [];
    for (const next of lines.slice(i + 1)) {
      if (/^\s*⎯{3,}/.test(next)) break;
      block.push(next);
    }
    const location = block.map((l) => LOCATION.exec(l)).find((m) => m !== null);
    const id = location ? (location[1] as string) : "(unhandled error)";
    findings.push({
      id,
      line: location ? Number(location[2]) : undefined,
      message: messageOf(block),
    });
  });
  return findings;
}

/** `--bail` stops the run: fewer test files reported than the run collected. */
function noteOf(lines: string[]): string | undefined {
  const files = lines
    .map((line) => /^\s*Test Files\s+(.+?)\s*\((\d+)\)\s*$/.exec(line))
    .find((m) => m);
  if (!files) return undefined;
  const reported = Object.values(readCountPairs(files[1] as string)).reduce((a, b) => a + b, 0);
  const collected = Number(files[2]);
  return reported < collected
    ? `stopped early: ${reported} of ${collected} test files ran`
    : undefined;
}

export function digestVitest(lines: string[]): ToolReport {
  // Console output printed by tests comes earlier; only the failure sections hold FAIL headers.
  const start = lines.findIndex((line) => FAILED_SECTION.test(line));
  const findings = readFailures(start === -1 ? lines : lines.slice(start));
  const unhandled = readUnhandled(lines);
  return {
    counts: readCounts(lines),
    findings: uniqueById([...findings, ...unhandled]),
    note: noteOf(lines),
  };
}
