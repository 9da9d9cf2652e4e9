import { orderCounts, readCountPairs } from "./counts.js";
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
  /** The section it was read from, when it came from one. */
  section?: Section;
  /** An error at teardown of a test that also failed: one test, two reports. */
  alsoErrored?: Item;
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
  const parts = id.split("::");
  return (fileOfId(id) === undefined ? parts : parts.slice(1)).join(".");
}

/** The file an id starts with; a bare `Class::test` has none. */
function fileOfId(id: string): string | undefined {
  const head = id.split("::")[0] as string;
  return head.endsWith(".py") ? head : undefined;
}

function bareTitle(section: Section): string {
  return section.title.replace(/^ERROR at (?:setup|teardown) of /, "");
}

function sectionFor(item: Item, sections: Section[]): Section | undefined {
  if (item.section) return item.section;
  const file = fileOfId(item.id) ?? "";
  const title = titleOfId(item.id);
  const wanted = item.subtest ? `${title} ${item.subtest}` : title;
  const matching = sections.filter((s) => {
    if (title === "") return s.title === `ERROR collecting ${file}`;
    // A test that failed and then errored at teardown has a section for each.
    return bareTitle(s) === wanted && (s.title !== wanted) === Boolean(item.errored);
  });
  // Two files can hold a test of the same name; `self` or the traceback names the right file.
  const classes = title.replace(/\.[^.[]*(?:\[.*\])?$/, "");
  return (
    matching.find((s) => classes !== title && moduleOfSelf(s, classes, [file]) === file) ??
    matching.find((s) => lineOf(s, file) !== undefined) ??
    matching[0]
  );
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
  const file = fileOfId(item.id);
  const section = sectionFor(item, sections);
  const name =
    file !== undefined && item.id.includes("::") ? item.id.slice(file.length + 2) : undefined;
  const line = file === undefined ? undefined : lineOf(section, file);
  // A test inherited from a base class in another module fails there: the message says where.
  const inClass = titleOfId(item.id)
    .replace(/\[.*\]$/, "")
    .includes(".");
  const where = line === undefined && inClass ? firstTestLocation(section) : undefined;
  const said = messageOf(section, item.message);
  const also = item.alsoErrored;
  const errored = also ? sectionFor(also, sections) : undefined;
  const stage = /^ERROR at (setup|teardown)/.exec(errored?.title ?? "")?.[1] ?? "teardown";
  const parts = [
    where === undefined ? said : `${where}: ${said}`,
    also ? `then an error at ${stage}: ${messageOf(errored, also.message)}` : "",
  ];
  const message = joinMessage(parts);
  return {
    id: item.id,
    line,
    message: item.subtest
      ? oneLine(`${subtestLabel(item.subtest, subtests)}: ${message}`)
      : message,
    group: file,
    name,
  };
}

/** `tests/test_base.py:18`: where a section's traceback enters a test module. */
function firstTestLocation(section: Section | undefined): string | undefined {
  for (const line of section?.lines ?? []) {
    const match = LOCATION.exec(line);
    if (match && isTestFile(match[1] as string)) return `${match[1]}:${match[2]}`;
  }
  return undefined;
}

function subtestLabel(subtest: string, count: number): string {
  return count > 1 ? `${count} subtests failed, first ${subtest}` : `subtest ${subtest}`;
}

/** A test module: `tests/test_a.py`, `test_a.py`, `a_test.py`. */
function isTestFile(path: string): boolean {
  return /(?:^|\/)(?:test_[^/]*|[^/]*_test)\.py$/.test(path) || /(?:^|\/)tests?\//.test(path);
}

/** The long traceback's `self = <tests.test_more.LastTests testMethod=test_x>` (or `object at`). */
const SELF_REPR = /^self = <([\w.]+?)(?: testMethod=\S+| object at 0x[0-9a-f]+)>$/;

/**
 * The module a class test was collected from, as a path: the class's own module, named by
 * `self` in a long traceback. A test method inherited from a base class in another module
 * fails in that module's file, so the traceback's file would name the wrong module. A module
 * named without its folder (`test_orders`) takes the folder from a path the output shows.
 */
function moduleOfSelf(section: Section, classes: string, paths: string[]): string | undefined {
  const repr = section.lines.map((line) => SELF_REPR.exec(line)).find((m) => m !== null);
  const dotted = repr?.[1];
  if (!dotted?.endsWith(`.${classes}`)) return undefined;
  const module = dotted.slice(0, -classes.length - 1);
  const path = `${module.replace(/\./g, "/")}.py`;
  const shown = paths.find((p) => p === path || p.endsWith(`/${path}`) || path.endsWith(`/${p}`));
  if (shown) return shown;
  return module.includes(".") ? path : undefined;
}

/** An id read from a section: `at` is where its traceback starts, when that named the file. */
interface Guess extends Item {
  classes: string;
  at?: string;
}

/**
 * Without `short test summary info` (e.g. `-rN`), ids come from section titles, and files from
 * `self` in the traceback or else the first test module in it (not a helper it called into).
 * When neither tells the file, the id is the bare `Class::test`, never a guessed file.
 */
function itemsFromSections(sections: Section[]): Item[] {
  const locationsOf = (section: Section) =>
    section.lines.map((line) => LOCATION.exec(line)).filter((m) => m !== null);
  const paths = [...new Set(sections.flatMap((s) => locationsOf(s).map((m) => m[1] as string)))];
  const items = sections.map((section): Guess | null => {
    const collecting = /^ERROR collecting (\S+)$/.exec(section.title);
    if (collecting) return { id: collecting[1] as string, errored: true, message: "", classes: "" };
    const locations = locationsOf(section);
    const location = locations.find((m) => isTestFile(m[1] as string)) ?? locations[0];
    if (!location) return null;
    const subtest = / (\(.*\))$/.exec(bareTitle(section));
    const title = bareTitle(section).replace(/ \(.*\)$/, "");
    const name = title.replace(/\.(?![^[]*\])/g, "::");
    const classes = name.split("::").slice(0, -1).join(".");
    const errored = section.title !== bareTitle(section);
    const fromSelf = classes === "" ? undefined : moduleOfSelf(section, classes, paths);
    const file = fromSelf ?? (location[1] as string);
    // Only a class test whose file came from the traceback may be a base class's method.
    const at = fromSelf === undefined && classes !== "" ? `${file}:${location[2]}` : undefined;
    const id = `${file}::${name}`;
    return { id, errored, subtest: subtest?.[1], message: "", section, classes, at };
  });
  const guesses = items.filter((item) => item !== null);
  return guesses.map((guess, i) => {
    const { at, classes, ...item } = guess;
    if (at === undefined || item.subtest !== undefined) return item;
    // The same function failing for two classes, or two tests given one id: the traceback's
    // file is where a base class defines the test, not the module of the class that ran it.
    const inherited = guesses.some(
      (other, j) =>
        j !== i &&
        other.subtest === undefined &&
        ((other.at === at && other.classes !== classes) ||
          (other.id === item.id && other.errored === item.errored)),
    );
    return inherited ? { ...item, id: item.id.slice(item.id.indexOf("::") + 2) } : item;
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
  // Subtests of one test share its id, and its message counts them. Two sections that could
  // only be named `Class::test` are still two failures; a summary item seen twice (a failure,
  // then an error at teardown) is one test, and the count says the rest.
  const seen = new Set<unknown>();
  const kept: Item[] = [];
  let repeated = 0;
  for (const item of items) {
    const key = item.section && !item.subtest && fileOfId(item.id) === undefined ? item : item.id;
    const first = kept.find((k) => k.id === item.id);
    if (!seen.has(key)) kept.push(item);
    else if (first && !item.subtest && !first.alsoErrored && !item.errored !== !first.errored) {
      // The failure leads; the error at teardown follows it in the message.
      const [failed, errored] = item.errored ? [first, item] : [item, first];
      kept[kept.indexOf(first)] = { ...failed, alsoErrored: errored };
    } else if (!item.subtest) repeated++;
    seen.add(key);
  }
  const findings = kept.map((item) => findingOf(item, sections, subtests.get(item.id) ?? 0));
  const counts = readCounts(lines, items);
  const counted = (counts.failed ?? 0) + (counts.errors ?? 0);
  // Anything the tool counted beyond the items is unlisted too.
  const total = findings.length + repeated + Math.max(0, counted - items.length);
  return { counts, findings, total, note: noteOf(lines) };
}
