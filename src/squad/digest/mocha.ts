import { orderCounts } from "./counts.js";
import { joinMessage } from "./message.js";
import { messageOf } from "./tap.js";
import type { Finding, ToolReport } from "./types.js";

/** `  39 passing (25ms)`, `  1 pending`, `  8 failing`: the summary every mocha reporter prints. */
const SUMMARY = /^ {2}(\d+) (passing|pending|failing)(?: \(\S+\))?$/;
const COUNT_NAMES: Record<string, string> = { passing: "passed", failing: "failed" };
/** `  3) Cart`: a numbered failure, its suites and title on the lines below, the last ending `:`. */
const HEADER = /^ {2}(\d+)\) (\S.*)$/;
/** `    at Context.<anonymous> (test/cart.test.js:26:21)`, or without the function's name. */
const FRAME = /^\s+at (?:(?:async )?(.+?) \()?(\S+?):(\d+):\d+\)?$/;
/** Node's diff in an assertion's message; mocha prints its own (`+ expected - actual`) after it. */
const NODE_DIFF = /^\+ actual - expected$/;
const MOCHA_DIFF = /^\s*\+ expected - actual$/;
/** A timeout has no stack, but mocha names the test file at the end of its message. */
const TIMEOUT = /^(Error: Timeout of \d+ms exceeded\..*?) \(([^()]+)\)$/;
/** Mocha could not load a test file (a syntax error, a missing module) and ran nothing. */
const LOAD_ERROR = /^ Exception during run: (.*)$/;
const ERROR_LINE = /^[A-Z]\w*(?:Error|Exception)\b.*?: \S/;

interface Frame {
  fn: string;
  file: string;
  line: number;
}

function framesOf(lines: string[]): Frame[] {
  const frames: Frame[] = [];
  for (const line of lines) {
    const frame = FRAME.exec(line);
    if (frame) {
      const file = (frame[2] as string).replace(/^file:\/\//, "");
      frames.push({ fn: frame[1] ?? "", file, line: Number(frame[3]) });
    }
  }
  return frames;
}

/** Frames in the project's own files: not node's, not a dependency's. */
function ownFrames(frames: Frame[]): Frame[] {
  return frames.filter(
    (frame) =>
      !/^(?:node:|internal\/)/.test(frame.file) &&
      !/(?:^|\/)node_modules\//.test(frame.file) &&
      frame.file !== "<anonymous>",
  );
}

/**
 * Mocha writes stack paths relative to the folder it ran in, but a timeout's file and a load
 * error's stack absolute. The folder shows where mocha itself is installed, or where an
 * absolute path ends in a relative one from another stack.
 */
function runFolder(lines: string[], paths: string[]): string | undefined {
  for (const line of lines) {
    const installed = /(?:^|[\s(])(\/\S*?)\/node_modules\/mocha\//.exec(line);
    if (installed) return installed[1];
  }
  const relative = paths.filter((path) => !path.startsWith("/"));
  for (const path of paths.filter((p) => p.startsWith("/"))) {
    const same = relative.find((rel) => path.endsWith(`/${rel}`));
    if (same) return path.slice(0, -same.length - 1);
  }
  return undefined;
}

interface Failure {
  titles: string[];
  body: string[];
}

/** The title lines: `     ` then two more spaces per level of nesting; the last ends in `:`. */
function readTitles(
  lines: string[],
  start: number,
  first: string,
): { titles: string[]; next: number } {
  const titles = [first];
  let i = start;
  for (;;) {
    const indent = " ".repeat(5 + 2 * titles.length);
    const line = lines[i];
    const title = line?.startsWith(indent) ? line.slice(indent.length) : "";
    if (!/^\S/.test(title)) break;
    titles.push(title);
    i++;
  }
  const last = titles.length - 1;
  titles[last] = (titles[last] as string).replace(/:$/, "");
  return { titles, next: i };
}

/** The numbered blocks after the summary, in order: `1)`, `2)`, … */
function readFailures(lines: string[], start: number): Failure[] {
  const failures: Failure[] = [];
  let current: Failure | null = null;
  for (let i = start; i < lines.length; i++) {
    const line = lines[i] as string;
    const header = HEADER.exec(line);
    if (header && Number(header[1]) === failures.length + 1) {
      const { titles, next } = readTitles(lines, i + 1, header[2] as string);
      current = { titles, body: [] };
      failures.push(current);
      i = next - 1;
    } else if (current) {
      current.body.push(line);
    }
  }
  return failures;
}

/** `AssertionError [ERR_ASSERTION]: …`, with node's diff read as the two sides. */
function assertionMessage(lines: string[]): string {
  const text = lines.map((line) => line.replace(/^(\s*\w+) \[ERR_\w+\]:/, "$1:"));
  const described = new Map<string, string>([["error", text.map((t) => t.trim()).join("\n")]]);
  const diff = text.findIndex((line) => NODE_DIFF.test(line.trim()));
  if (diff !== -1) {
    const sides = { actual: [] as string[], expected: [] as string[] };
    for (const line of text.slice(diff + 1)) {
      if (line.startsWith("+ ")) sides.actual.push(line.slice(2).trim());
      if (line.startsWith("- ")) sides.expected.push(line.slice(2).trim());
    }
    if (sides.expected.length > 0) described.set("expected", sides.expected.join(" "));
    if (sides.actual.length > 0) described.set("actual", sides.actual.join(" "));
  }
  return messageOf(described);
}

function findingOf(failure: Failure, relative: (path: string) => string): Finding {
  const stack = failure.body.findIndex((line) => FRAME.test(line));
  const before = stack === -1 ? failure.body : failure.body.slice(0, stack);
  const mochaDiff = before.findIndex((line) => MOCHA_DIFF.test(line));
  const error = (mochaDiff === -1 ? before : before.slice(0, mochaDiff)).filter(
    (line) => line.trim() !== "",
  );
  const own = ownFrames(framesOf(stack === -1 ? [] : failure.body.slice(stack)));
  // Tests and hooks run with mocha's Context as `this`: that frame is the test's own line.
  const test = own.find((frame) => frame.fn.startsWith("Context.")) ?? own[0];
  const thrown = own[0];
  const timedOut = test || error.length !== 1 ? null : TIMEOUT.exec((error[0] as string).trim());
  let message = assertionMessage(timedOut ? [timedOut[1] as string] : error);
  if (test && thrown && thrown.file !== test.file) {
    message = joinMessage([`${message} (at ${relative(thrown.file)}:${thrown.line})`]);
  }
  const file = test ? relative(test.file) : timedOut ? relative(timedOut[2] as string) : undefined;
  const path = failure.titles.join(" > ");
  if (file === undefined) {
    const [group, ...rest] = failure.titles;
    return { id: path, message, group, name: rest.length > 0 ? rest.join(" > ") : undefined };
  }
  return { id: `${file} > ${path}`, line: test?.line, message, group: file, name: path };
}

/**
 * ` Exception during run: …`: a test file that does not load stops mocha before any test.
 * A syntax error names the file and line first; a missing module has them in its stack.
 */
function loadError(lines: string[], start: number, relative: (path: string) => string): Finding {
  const said = (LOAD_ERROR.exec(lines[start] as string)?.[1] ?? "").trim();
  const rest = lines.slice(start + 1);
  const at = /^(\S+?):(\d+)$/.exec(said);
  if (at) {
    const error = rest.find((line) => ERROR_LINE.test(line)) ?? "failed to load";
    const file = relative(at[1] as string);
    return { id: file, line: Number(at[2]), message: joinMessage([error]), group: file };
  }
  const frame = ownFrames(framesOf(rest))[0];
  const required = rest.map((line) => /^- (\S+)$/.exec(line)).find((m) => m !== null);
  const path = frame?.file ?? required?.[1];
  const file = path === undefined ? "(unknown test file)" : relative(path);
  return { id: file, line: frame?.line, message: joinMessage([said]), group: file };
}

function readCounts(lines: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of lines) {
    const summary = SUMMARY.exec(line);
    if (summary) {
      const word = summary[2] as string;
      counts[COUNT_NAMES[word] ?? word] = Number(summary[1]);
    }
  }
  return orderCounts(counts, ["failed", "passed", "pending"]);
}

/**
 * Mocha's `spec` reporter (its default), and `dot` and `min`, which print the same summary and
 * numbered failures: the id is the file the test's stack frame names, then its suites and
 * title, `test/cart.test.js > Cart > checkout > empties the cart`.
 */
export function digestMocha(lines: string[]): ToolReport {
  const summary = lines.findIndex((line) => SUMMARY.test(line));
  const failures = summary === -1 ? [] : readFailures(lines, summary + 1);
  const loadAt = lines.findIndex((line) => LOAD_ERROR.test(line));
  const paths = [
    ...framesOf(lines).map((frame) => frame.file),
    ...lines.map((line) => TIMEOUT.exec(line.trim())?.[2]).filter((p) => p !== undefined),
  ];
  const folder = runFolder(lines, paths);
  const relative = (path: string) =>
    folder !== undefined && path.startsWith(`${folder}/`) ? path.slice(folder.length + 1) : path;
  const findings = failures.map((failure) => findingOf(failure, relative));
  if (loadAt !== -1) findings.unshift(loadError(lines, loadAt, relative));
  const note =
    loadAt !== -1
      ? "no tests ran: a test file failed to load"
      : summary === -1
        ? "no summary: the run stopped early"
        : undefined;
  return { counts: readCounts(lines), findings, note };
}
