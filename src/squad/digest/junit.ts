import { orderCounts } from "./counts.js";
import { joinMessage } from "./message.js";
import type { Finding, ToolReport } from "./types.js";

const TESTCASE = /<testcase\b([^>]*?)(\/>|>)/g;
const ATTRIBUTE = /([\w:-]+)="([^"]*)"/g;
const PROBLEM = /<(failure|error)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/;
const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

function decode(text: string): string {
  return text.replace(/&(#x[\da-f]+|#\d+|\w+);/gi, (whole, name: string) => {
    if (name.startsWith("#x") || name.startsWith("#X"))
      return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name] ?? whole;
  });
}

function attributes(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of text.matchAll(ATTRIBUTE)) {
    found.set(match[1] as string, decode(match[2] as string));
  }
  return found;
}

/** `file:line` in the body (a stack frame, vitest's `❯ file:15:41`) for the test's own file. */
function lineIn(body: string, file: string | undefined): number | undefined {
  if (!file) return undefined;
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`${escaped}:(\\d+)`).exec(body);
  return match ? Number(match[1]) : undefined;
}

function findingOf(testcase: Map<string, string>, kind: string, problem: string): Finding {
  const [, head = "", body = ""] = /^([^>]*)>?([\s\S]*)$/.exec(problem) ?? [];
  const attrs = attributes(head);
  const text = decode(body).trim();
  const type = attrs.get("type");
  const said = attrs.get("message") || text.split("\n")[0] || kind;
  const message = type && !said.startsWith(type) ? `${type}: ${said}` : said;
  const classname = testcase.get("classname") ?? "";
  const name = testcase.get("name") ?? "";
  const file = testcase.get("file") ?? (/\.\w+$/.test(classname) ? classname : undefined);
  const line = Number(testcase.get("line")) || lineIn(text, file);
  const group = classname || file;
  const id = group && !name.startsWith(group) ? `${group} > ${name}` : name;
  return {
    id,
    line: line || undefined,
    message: joinMessage([message.replace(/ \/\/ Object\.is equality$/, "")]),
    group,
    name: group && id.startsWith(`${group} > `) ? id.slice(group.length + 3) : undefined,
  };
}

/** JUnit XML, as vitest, jest-junit, pytest `--junitxml`, gotestsum and most CI tools write it. */
export function digestJunit(lines: string[]): ToolReport {
  const xml = lines.join("\n");
  const findings: Finding[] = [];
  const counts: Record<string, number> = { failed: 0, passed: 0, skipped: 0, errors: 0 };
  for (const match of xml.matchAll(TESTCASE)) {
    const testcase = attributes(match[1] as string);
    const start = (match.index ?? 0) + match[0].length;
    const content = match[2] === "/>" ? "" : xml.slice(start, xml.indexOf("</testcase>", start));
    const problem = PROBLEM.exec(content);
    if (problem) {
      const kind = problem[1] as string;
      const key = kind === "error" ? "errors" : "failed";
      counts[key] = (counts[key] ?? 0) + 1;
      findings.push(findingOf(testcase, kind, `${problem[2] ?? ""}>${problem[3] ?? ""}`));
    } else if (/<skipped\b/.test(content)) {
      counts.skipped = (counts.skipped ?? 0) + 1;
    } else {
      counts.passed = (counts.passed ?? 0) + 1;
    }
  }
  for (const key of ["skipped", "errors"]) if (counts[key] === 0) delete counts[key];
  return { counts: orderCounts(counts, ["failed", "passed", "skipped", "errors"]), findings };
}
