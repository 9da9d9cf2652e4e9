import { orderCounts, readCountPairs, uniqueById } from "./counts.js";
import { joinMessage, oneLine } from "./message.js";
import type { Finding, ToolReport } from "./types.js";

/** `FAILED id - msg`, and pytest 9's `SUBFAILED(args=…) id - msg` for a failed subtest. */
const SUMMARY_ITEM = /^(FAILED|ERROR|SUBFAILED\(.*?\)) (\S+?\.py(?:::\S+)?)(?: - (.*))?$/;
const SECTION_TITLE = /^_+ (.+?) _+$/;
const BANNER = /^={3,} .* ={3,}$/;
const FAILURES_BANNER = /^={3,} (?:FAILURES|ERRORS) ={3,}$/;
const LOCATION = /^(\S+\.py):(\d+):/;
/** `--tb=native` and SyntaxError frames: `File "/abs/tests/test_a.py", line 53`. */
const NATIVE_LOCATION = /^\s*(?:E\s+)?File "(.+?\.py)", line (\d+)/;
const FINAL_COUNTS = /^=*\s*((?:\d+ [a-z]+(?: [a-z]+)?(?:, )?)+) in [\d.]+s\b/;
/** `!!!!! stopping after 1 failures !!!!!`, `!!!! Interrupted: 1 error during collection !!!!`. */
const STOP_BANNER = /^!{3,} (.+?) !{3,}$/;
/** A Python exception line: `SyntaxError: expected ':'`, `mod.CustomError: x`. */
const EXCEPTION = /^(?:[A-Za-z_][\w]*\.)*[A-Z]\w*(?:Error|Exception|Exit|Warning|Interrupt)\b/;
/** What a message cut by pytest's short summary ends with. */
const CUT = /\.\.\.$/;

interface Section {
  title: string;
  lines: string[];
}

interface Item {
  id: string;
  /** An ERROR item (setup, teardown, collection), not a FAILED one. */
  errored?: boolean;
  /** `(args=([], None))` for a subtest. */
  subtest?: string;
  message: string;
}

/** `_____ TestRefunds.test_partial_refund _____` blocks under FAILURES and ERRORS. */
function readSections(lines: string[]): Section[] {
  const sections: Section[] = [];
  let current: Section | null = null;
  for (const line of lines) {
    const title = SECTION_TITLE.exec(line);
    if (title && !/^_( _)+$/.test(line)) {
      current = { title: title[1] as string, lines: [] };
      sections.push(current);
    } else if (BANNER.test(line)) {
      current = null;
    } else if (current) {
      current.lines.push(line);
    }
  }
  return sections;
}

function readItems(lines: string[]): Item[] {
  const items: Item[] = [];
  for (const line of lines) {
    const match = SUMMARY_ITEM.exec(line);
    if (!match) continue;
    const kind = match[1] as string;
    const subtest = kind.startsWith("SUBFAILED") ? kind.slice("SUBFAILED".length) : undefined;
    const errored = kind === "ERROR";
    items.push({ id: match[2] as string, errored, subtest, message: match[3] ?? "" });
  }
  return items;
}

/** The test part of a node id as pytest titles its section: `Class.test[param]`. */
function titleOfId(id: string): string {
  const parts = id.split("::").slice(1);
  return parts.join(".");
}

function bareTitle(section: Section): string {
  return section.title.replace(/^ERROR at (?:setup|teardown) of /, "");
}

function sectionFor(item: Item, sections: Section[]): Section | undefined {
  const file = item.id.split("::")[0] as string;
  const title = titleOfId(item.id);
  const wanted = item.subtest ? `${title} ${item.subtest}` : title;
  const matching = sections.filter((s) => {
    if (title === "") return s.title === `ERROR collecting ${file}`;
    return bareTitle(s) === wanted;
  });
  // Two files can hold a test of the same name; the traceback names the right file.
  return matching.find((s) => lineOf(s, file) !== undefined) ?? matching[0];
}

/**
 * The first `E` line (`assert 120.0 == 121.0`), or the exception a frame-first block ends with
 * (a SyntaxError's `File "…", line 11` comes before `SyntaxError: expected ':'`); `--tb=native`
 * has no `E` lines, only the exception as the last line.
 */
function messageOf(section: Section | undefined, fallback: string): string {
  const summary = CUT.test(fallback) ? "" : fallback;
  if (!section) return oneLine(summary || fallback);
  const errors = section.lines.filter((line) => /^E\s+\S/.test(line)).map((l) => l.slice(1));
  const first = errors[0];
  if (first !== undefined && !NATIVE_LOCATION.test(first)) return joinMessage([first]);
  const exception = [...errors, ...section.lines]
    .map((line) => line.trim())
    .filter((line) => EXCEPTION.test(line))
    .pop();
  if (exception) return oneLine(exception);
  const last = [...section.lines].reverse().find((line) => line.trim() !== "");
  return oneLine(summary || (last ?? fallback));
}

function sameFile(path: string, file: string): boolean {
  return path === file || path.endsWith(`/${file}`);
}

function lineOf(section: Section | undefined, file: string): number | undefined {
  for (const line of section?.lines ?? []) {
    const match = LOCATION.exec(line) ?? NATIVE_LOCATION.exec(line);
    if (match && sameFile(match[1] as string, file)) return Number(match[2]);
  }
  return undefined;
}

function findingOf(item: Item, sections: Section[], subtests: number): Finding {
  const file = item.id.split("::")[0] as string;
  const section = sectionFor(item, sections);
  const name = item.id.includes("::") ? item.id.slice(file.length + 2) : undefined;
  const message = messageOf(section, item.message);
  return {
    id: item.id,
    line: lineOf(section, file),
    message: item.subtest
      ? oneLine(`${subtestLabel(item.subtest, subtests)}: ${message}`)
      : message,
    group: file,
    name,
  };
}

function subtestLabel(subtest: string, count: number): string {
  return count > 1 ? `${count} subtests failed, first ${subtest}` : `subtest ${subtest}`;
}

/** A test module: `tests/test_a.py`, `test_a.py`, `a_test.py`. */
function isTestFile(path: string): boolean {
  return /(?:^|\/)(?:test_[^/]*|[^/]*_test)\.py$/.test(path) || /(?:^|\/)tests?\//.test(path);
}

/**
 * Without `short test summary info` (e.g. `-rN`), ids come from section titles and the test
 * module in the traceback (not a helper module it called into).
 */
function itemsFromSections(sections: Section[]): Item[] {
  return sections.flatMap((section): Item[] => {
    const collecting = /^ERROR collecting (\S+)$/.exec(section.title);
    if (collecting) return [{ id: collecting[1] as string, errored: true, message: "" }];
    const locations = section.lines.map((line) => LOCATION.exec(line)).filter((m) => m !== null);
    const location = locations.find((m) => isTestFile(m[1] as string)) ?? locations[0];
    if (!location) return [];
    const subtest = / (\(.*\))$/.exec(bareTitle(section));
    const title = bareTitle(section).replace(/ \(.*\)$/, "");
    const name = title.replace(/\.(?![^[]*\])/g, "::");
    const errored = section.title !== bareTitle(section);
    return [{ id: `${location[1]}::${name}`, errored, subtest: subtest?.[1], message: "" }];
  });
}

/** `--tb=line`: one `E   msg` line per failure, in the order of the short summary. */
function withLineMessages(items: Item[], lines: string[]): Item[] {
  const start = lines.findIndex((line) => FAILURES_BANNER.test(line));
  if (start === -1) return items;
  const messages: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (BANNER.test(line)) break;
    if (/^E\s+\S/.test(line)) messages.push(line.replace(/^E\s+/, ""));
  }
  if (messages.length !== items.length) return items;
  return items.map((item, i) => ({ ...item, message: messages[i] as string }));
}

const SUBTEST_COUNT = /(\d+) subtests (passed|failed|skipped|xfailed|xpassed)(?:, )?/g;

function readCounts(lines: string[], items: Item[]): Record<string, number> {
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = FINAL_COUNTS.exec(lines[i] as string);
    if (!match) continue;
    const fragment = match[1] as string;
    const counts = readCountPairs(fragment.replace(SUBTEST_COUNT, ""), {
      error: "errors",
      warning: "warnings",
    });
    for (const sub of fragment.matchAll(SUBTEST_COUNT)) {
      counts[`subtests ${sub[2]}`] = Number(sub[1]);
    }
    return orderCounts(counts, ["failed", "passed", "skipped", "errors"]);
  }
  // `-qq` prints no counts line; the summary items are what it would have counted.
  const counts: Record<string, number> = {};
  for (const item of items) {
    const key = item.errored ? "errors" : "failed";
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return orderCounts(counts, ["failed", "errors"]);
}

/** `-x` and `--maxfail` stop the run; so does a collection error. The counts alone hide it. */
function noteOf(lines: string[]): string | undefined {
  const stop = lines.map((line) => STOP_BANNER.exec(line)).find((m) => m !== null);
  if (!stop) return undefined;
  const collected = lines.map((line) => /^collected (\d+) items?/.exec(line)).find((m) => m);
  const of = collected ? `, ${collected[1]} collected` : "";
  return `stopped early: ${(stop[1] as string).toLowerCase()}${of}`;
}

export function digestPytest(lines: string[]): ToolReport {
  const sections = readSections(lines);
  const summaryItems = readItems(lines);
  const items =
    summaryItems.length > 0 ? withLineMessages(summaryItems, lines) : itemsFromSections(sections);
  const subtests = new Map<string, number>();
  for (const item of items) {
    if (item.subtest) subtests.set(item.id, (subtests.get(item.id) ?? 0) + 1);
  }
  const findings = uniqueById(
    items.map((item) => findingOf(item, sections, subtests.get(item.id) ?? 0)),
  );
  const counts = readCounts(lines, items);
  // Subtests of one test share its id; anything the tool counted beyond the items is unlisted.
  const counted = (counts.failed ?? 0) + (counts.errors ?? 0);
  const total = findings.length + Math.max(0, counted - items.length);
  return { counts, findings, total, note: noteOf(lines) };
}
