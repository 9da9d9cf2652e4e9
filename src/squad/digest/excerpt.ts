import { type Budget, fitLines } from "./budget.js";
import { oneLine } from "./message.js";

const ERROR_WORDS = new RegExp(
  [
    // Not part of a name: `es-errors@1.3.0`, `errors.d.ts`, `on_failure` are not errors.
    "(?<![\\w@/.-])(?:errors?|err!|failed|failures?|exception|traceback|panic(?:ked)?|fatal",
    // Ends in a lookahead, not \b, so that `npm ERR!` (ending in punctuation) matches too.
    "critical|abort(?:ed)?|segmentation fault|denied|enoent|eacces|cannot)(?![\\w@/-]|\\.\\w)",
  ].join("|"),
  "i",
);
/**
 * Lines that report a success or name a test about to run, whatever words the test's name
 * holds: `ok 5 - … then error`, `# Subtest: … then error`.
 */
const PASSING = /^\s*(?:ok \d+\b|# Subtest: |✓|✔|√|PASS\b|--- PASS\b|\[ *(?:OK|PASSED) *\])/;
/** `src/a.ts:12`, `file.py", line 3`, `a.ts(3,7)`: a place a reader can open. */
const LOCATED = /[\w./-]+\.\w+(?::\d+|", line \d+|\(\d+,\d+\))/;
/** Lines that mention errors only to say there were none. */
const ALL_CLEAR = /\b(?:0|no) (?:errors?|failures?|failed)\b/i;
const LINE_CHARS = 200;
/** The most of an unparsed output's tail shown: enough for a stack trace, not a page of noise. */
const TAIL_LINES = 40;

interface ErrorLine {
  text: string;
  repeats: number;
}

/** Error-looking lines, deduplicated: lines differing only in numbers count as one. */
export function errorLines(lines: string[]): ErrorLine[] {
  const seen = new Map<string, ErrorLine>();
  for (const raw of lines) {
    const text = oneLine(raw, LINE_CHARS);
    if (text === "" || PASSING.test(text) || !ERROR_WORDS.test(text) || ALL_CLEAR.test(text)) {
      continue;
    }
    const key = text.replace(/\d+/g, "#");
    const known = seen.get(key);
    if (known) known.repeats++;
    else seen.set(key, { text, repeats: 1 });
  }
  return [...seen.values()];
}

function half(budget: Budget): Budget {
  return { chars: Math.floor(budget.chars / 2), bytes: Math.floor(budget.bytes / 2) };
}

const TAIL_LABEL = "last lines:";
const HEAD_LABEL = "first lines:";
const ERROR_LABEL = "error lines:";

/**
 * What to show when output cannot be parsed: the error-looking lines from before the tail, then
 * the tail itself. The tail gets half the budget first so a late stack trace always shows.
 */
export function renderExcerpt(summary: string, rawLines: string[], budget: Budget): string {
  const lines = rawLines
    .filter((line) => line.trim() !== "")
    .map((line) => oneLine(line, LINE_CHARS));
  const fromEnd = lines.slice(-TAIL_LINES).reverse();
  let tail = fitLines([summary, TAIL_LABEL], fromEnd, half(budget)).reverse();
  const found = errorLines(lines.slice(0, lines.length - tail.length));
  // When not all fit, the ones that say where come first; each group keeps its order.
  const errors = [
    ...found.filter((e) => LOCATED.test(e.text)),
    ...found.filter((e) => !LOCATED.test(e.text)),
  ].map((e) => (e.repeats > 1 ? `${e.text} (×${e.repeats})` : e.text));
  const tailSection = () => (tail.length > 0 ? [TAIL_LABEL, ...tail] : []);
  const kept = fitLines([summary, ERROR_LABEL, ...tailSection()], errors, budget);
  const errorSection = kept.length > 0 ? [ERROR_LABEL, ...kept] : [];
  if (errors.length === 0) {
    // No error lines to show: the rest of the budget buys more tail.
    tail = fitLines([summary, TAIL_LABEL], fromEnd, budget).reverse();
  }
  return [summary, ...errorSection, ...tailSection()].join("\n");
}

/** Output that puts the newest first (`git log`): its head is what a reader wants. */
export function renderHead(summary: string, rawLines: string[], budget: Budget): string {
  const lines = rawLines
    .filter((line) => line.trim() !== "")
    .map((line) => oneLine(line, LINE_CHARS));
  const head = fitLines([summary, HEAD_LABEL], lines, budget);
  return head.length > 0 ? [summary, HEAD_LABEL, ...head].join("\n") : summary;
}
