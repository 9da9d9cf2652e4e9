import { orderCounts, uniqueById } from "./counts.js";
import { joinMessage } from "./message.js";
import type { Finding, ToolReport } from "./types.js";

const RULE = /^={50,}$/;
const DASHES = /^-{50,}$/;
/** `FAIL: test_x (tests.test_a.Case.test_x) (args=1)`; before Python 3.11 `(tests.test_a.Case)`. */
const HEADER = /^(FAIL|ERROR|UNEXPECTED SUCCESS): (\S+) \(([\w.]+)\)(?: (\(.*\)))?$/;
const FRAME = /^\s*File "(.+?)", line (\d+), in (\S+)/;
const EXCEPTION =
  /^(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Exit|Warning|Interrupt|Failure)\b/;
const RAN = /^Ran (\d+) tests? in /;
const VERDICT = /^(?:FAILED|OK)(?: \((.*)\))?$/;

function idOf(name: string, where: string): string {
  return where === name || where.endsWith(`.${name}`) ? where : `${where}.${name}`;
}

/** The line in the test itself: the frame running the test's own function. */
function lineOf(block: string[], name: string): number | undefined {
  const frames = block.map((line) => FRAME.exec(line)).filter((m) => m !== null);
  const own = frames.find((m) => m[3] === name || (m[3] as string).endsWith(`.${name}`));
  return own ? Number(own[2]) : undefined;
}

/** The exception line; for a failed doctest, the example and what it gave. */
function messageOf(block: string[]): string {
  const example = block.indexOf("Failed example:");
  if (example !== -1) {
    const after = block.slice(example + 1).map((line) => line.trim());
    const got = after.indexOf("Got:");
    const expected = after.indexOf("Expected:");
    return joinMessage([
      `doctest failed: ${after[0] ?? ""}`,
      expected === -1 ? "" : `expected ${after[expected + 1] ?? ""}`,
      got === -1 ? "" : `got ${after[got + 1] ?? ""}`,
    ]);
  }
  const exception = block.filter((line) => EXCEPTION.test(line)).pop();
  return joinMessage([exception ?? block.find((line) => line.trim() !== "") ?? "failed"]);
}

function readCounts(lines: string[], findings: Finding[]): Record<string, number> {
  const ran = lines.map((line) => RAN.exec(line)).find((m) => m);
  const verdict = lines.map((line) => VERDICT.exec(line)).find((m) => m);
  const counts: Record<string, number> = {};
  for (const pair of (verdict?.[1] ?? "").split(", ")) {
    const [key, value] = pair.split("=");
    if (key && value) counts[key === "failures" ? "failed" : key] = Number(value);
  }
  if (!verdict && findings.length > 0) counts.failed = findings.length;
  if (ran) counts.ran = Number(ran[1]);
  return orderCounts(counts, ["failed", "errors", "skipped", "ran"]);
}

/** `python -m unittest`: one block per failure between rules of `=`, then `Ran N tests`. */
export function digestUnittest(lines: string[]): ToolReport {
  const findings: Finding[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!RULE.test(lines[i] as string)) continue;
    const header = HEADER.exec(lines[i + 1] ?? "");
    if (!header) continue;
    const name = header[2] as string;
    const id = idOf(name, header[3] as string);
    const block: string[] = [];
    let j = i + 2;
    while (j < lines.length && !RULE.test(lines[j] as string) && !RAN.test(lines[j] as string)) {
      block.push(lines[j] as string);
      j++;
    }
    const body = block.slice(
      Math.max(
        0,
        block.findIndex((line) => DASHES.test(line)),
      ),
    );
    const subtest = header[4] ? `subtest ${header[4]}: ` : "";
    const group = id.slice(0, id.lastIndexOf("."));
    findings.push({
      id,
      line: lineOf(body, name),
      message: joinMessage([`${subtest}${messageOf(body)}`]),
      group,
      name: id.slice(group.length + 1),
    });
    i = j - 1;
  }
  // Failed subtests of one test share its id, and each counts as a failure.
  return { counts: readCounts(lines, findings), findings: uniqueById(findings) };
}
