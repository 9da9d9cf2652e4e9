import { orderCounts } from "./counts.js";
import { joinMessage } from "./message.js";
import type { Finding, ToolReport } from "./types.js";

/** `ok 3 - name # SKIP`, indented four spaces per level of nesting (`node --test`). */
const TEST_LINE = /^(\s*)(not ok|ok) \d+(?: - (.*?))?(?: # (SKIP|TODO)\b.*| # time=\S+)?$/i;
const SUBTEST = /^(\s*)# Subtest: (.*)$/;
/** Node's closing counts: `# pass 127` in TAP, `ℹ pass 127` from its spec reporter. */
const FOOTER = /^[#ℹ] (tests|suites|pass|fail|cancelled|skipped|todo) (\d+)$/;
/** Where a diagnostic says the test is: `location:` (node), `at:` (vitest). */
const LOCATION_KEYS = new Set(["location", "at"]);
/** A directory a project keeps its tests or sources in: the id starts there. */
const PROJECT_DIR = /\/(?:tests?|__tests__|spec|src|lib)\//;

interface TapTest {
  indent: number;
  failed: boolean;
  directive?: string;
  name: string;
  /** The `# Subtest:` names enclosing it. */
  parents: string[];
  yaml: string[];
}

function unquote(value: string): string {
  const text = value.trim();
  if (text.startsWith('"')) {
    try {
      return String(JSON.parse(text));
    } catch {
      return text.slice(1, -1);
    }
  }
  if (text.startsWith("'") && text.endsWith("'")) return text.slice(1, -1).replace(/''/g, "'");
  return text;
}

/** Top-level `key: value` pairs of a YAML diagnostic, with a block's first line as its value. */
function readYaml(lines: string[]): Map<string, string> {
  const indent = Math.min(...lines.map((l) => l.search(/\S/)).filter((n) => n >= 0));
  const values = new Map<string, string>();
  let open: string | null = null;
  for (const line of lines) {
    const depth = line.search(/\S/);
    if (depth < 0) continue;
    const pair = /^(\w+):\s*(.*)$/.exec(line.trim());
    if (depth === indent && pair) {
      const [, key, value] = pair as unknown as [string, string, string];
      open = value === "" || value === "|-" || value === "|" || value === ">-" ? key : null;
      if (open === null) values.set(key, unquote(value));
    } else if (open !== null) {
      // `error:` followed by `name:` and `message:` (vitest), or a block scalar (node).
      const nested = pair ? (pair as unknown as [string, string, string]) : null;
      if (nested) values.set(`${open}.${nested[1]}`, unquote(nested[2]));
      else values.set(open, `${values.get(open) ?? ""}${line.trim()}\n`);
    }
  }
  return values;
}

function relativePath(path: string): string {
  const file = path.replace(/^file:\/\//, "");
  const at = file.search(PROJECT_DIR);
  return at === -1 ? file : file.slice(at + 1);
}

function locationOf(yaml: Map<string, string>): { file: string; line: number } | undefined {
  for (const [key, value] of yaml) {
    if (!LOCATION_KEYS.has(key)) continue;
    const match = /^(.+?):(\d+)(?::\d+)?$/.exec(value);
    if (match) return { file: relativePath(match[1] as string), line: Number(match[2]) };
  }
  return undefined;
}

/** The message of a failure described by YAML-like keys: `error` (or `error.message`), `expected`, `actual`. */
export function messageOf(yaml: Map<string, string>): string {
  const name = yaml.get("error.name") ?? yaml.get("name");
  const error = yaml.get("error.message") ?? yaml.get("error") ?? yaml.get("message") ?? "failed";
  const sides = ["expected", "actual"]
    .filter((key) => yaml.has(key))
    .map((key) => `${key}: ${yaml.get(key)}`);
  const [head = "", next] = error.split("\n").filter((line) => line.trim() !== "");
  const named = name && !head.startsWith(name) ? `${name}: ${head}` : head;
  const message = named.replace(/ \/\/ Object\.is equality$/, "");
  // A head ending in `:` introduces what says more: the expression that was falsy, or, for a
  // diff (`+ actual - expected`), the two sides.
  if (!head.endsWith(":")) return joinMessage([message]);
  if (next !== undefined && !/^\+ actual - expected/.test(next))
    return joinMessage([message, next]);
  return joinMessage([message.replace(/[^:]*:$/, "").trim() || message, ...sides]);
}

function readTests(lines: string[]): TapTest[] {
  const tests: TapTest[] = [];
  const subtests: string[] = [];
  let last: TapTest | null = null;
  let yamlOf: TapTest | null = null;
  for (const line of lines) {
    if (yamlOf) {
      if (/^\s*\.\.\.\s*$/.test(line)) yamlOf = null;
      else yamlOf.yaml.push(line);
      continue;
    }
    // A diagnostic block belongs to the test line right before it.
    if (last && /^\s*---\s*$/.test(line)) {
      yamlOf = last;
      last = null;
      continue;
    }
    last = null;
    const subtest = SUBTEST.exec(line);
    if (subtest) {
      const level = Math.floor((subtest[1] as string).length / 4);
      subtests.length = level;
      subtests[level] = subtest[2] as string;
      continue;
    }
    const test = TEST_LINE.exec(line);
    if (!test) continue;
    const indent = Math.floor((test[1] as string).length / 4);
    const entry: TapTest = {
      indent,
      failed: (test[2] as string).toLowerCase() === "not ok",
      directive: test[4]?.toUpperCase(),
      name: (test[3] ?? "").trim(),
      parents: subtests.slice(0, indent),
      yaml: [],
    };
    tests.push(entry);
    subtests.length = indent;
    last = entry;
  }
  return tests;
}

/** A suite that failed only because a test inside it did: the test is the one to name. */
function failedThroughChildren(yaml: Map<string, string>): boolean {
  if (yaml.get("failureType") === "subtestsFailed") return true;
  return /^\d+ subtests? failed$/.test(yaml.get("error") ?? "");
}

/** `file > suite > test`: vitest's names start with the file, node's take it from the location. */
function findingOf(test: TapTest, yaml: Map<string, string>): Finding {
  const location = locationOf(yaml);
  const path = [...test.parents, test.name].join(" > ");
  const base = { line: location?.line, message: messageOf(yaml) };
  if (location === undefined) {
    const [group, ...rest] = [...test.parents, test.name];
    return { ...base, id: path, group, name: rest.length > 0 ? rest.join(" > ") : undefined };
  }
  const prefix = `${location.file} > `;
  const name = path.startsWith(prefix) ? path.slice(prefix.length) : path;
  return { ...base, id: `${prefix}${name}`, group: location.file, name };
}

/** The counts node's test runner closes with, in either of its formats; empty when absent. */
export function footerCounts(lines: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of lines) {
    const footer = FOOTER.exec(line);
    if (!footer) continue;
    const key = ({ pass: "passed", fail: "failed" } as Record<string, string>)[footer[1] as string];
    counts[key ?? (footer[1] as string)] = Number(footer[2]);
  }
  for (const key of ["tests", "suites", "skipped", "todo", "cancelled"]) {
    if (key === "tests" || key === "suites" || counts[key] === 0) delete counts[key];
  }
  return orderCounts(counts, ["failed", "passed", "skipped", "todo", "cancelled"]);
}

function readCounts(lines: string[], tests: TapTest[]): Record<string, number> {
  const footer = footerCounts(lines);
  if (Object.keys(footer).length > 0) return footer;
  const counts: Record<string, number> = {};
  // No footer (vitest's tap reporters): every test line at the top level is one test.
  for (const test of tests) {
    const key =
      test.directive === "SKIP"
        ? "skipped"
        : test.directive === "TODO"
          ? "todo"
          : test.failed
            ? "failed"
            : "passed";
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return orderCounts(counts, ["failed", "passed", "skipped", "todo"]);
}

/** The Test Anything Protocol, as `node --test`, vitest's tap reporters and many others print it. */
export function digestTap(lines: string[]): ToolReport {
  const tests = readTests(lines);
  const findings: Finding[] = [];
  for (const test of tests) {
    if (!test.failed || test.directive === "TODO") continue;
    const yaml = readYaml(test.yaml);
    if (!failedThroughChildren(yaml)) findings.push(findingOf(test, yaml));
  }
  return { counts: readCounts(lines, tests), findings };
}
