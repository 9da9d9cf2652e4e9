import { createContext, Script } from "node:vm";
import { errorMessage, UserInputError } from "../errors.js";
import { clip } from "../text/clip.js";

/** A pattern that compiled, with the input field it came from so results can name it. */
export interface CompiledPattern {
  source: string;
  flags: string;
  /** e.g. "checks.must_match[1]" */
  field: string;
}

/** One pattern's outcome; `matched: null` means the search gave up (too slow or it failed). */
export interface PatternResult {
  pattern: CompiledPattern;
  matched: boolean | null;
  /** At most 200 characters. */
  detail: string;
}

export interface MatchOptions {
  /** Hard bound on one pattern's search, in milliseconds. */
  timeoutMs?: number;
  /** Only this many leading characters of the text are searched. */
  maxTextChars?: number;
}

const MAX_PATTERN_LENGTH = 1_000;
const MAX_DETAIL = 200;
const DEFAULT_TIMEOUT_MS = 100;
const DEFAULT_MAX_TEXT_CHARS = 2_000_000;
/** `g` and `y` make `test()`/`exec()` stateful through lastIndex; `d` and `v` add nothing here. */
const ALLOWED_FLAGS = new Set(["i", "m", "s", "u"]);
/** Every flag JavaScript knows; letters outside this set mean "/a/b" is a plain pattern. */
const JS_FLAGS = /^[dgimsuvy]*$/;
const SLASHED = /^\/([\s\S]*)\/([a-z]*)$/;

/**
 * Compiles each pattern up front so a bad one is an input error naming it, before anything runs.
 * Compiling cannot hang (only matching backtracks), so it happens here in the main realm.
 */
export function compilePatterns(patterns: readonly string[], field: string): CompiledPattern[] {
  return patterns.map((pattern, index) => compilePattern(pattern, `${field}[${index}]`));
}

function compilePattern(pattern: string, field: string): CompiledPattern {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new UserInputError(
      field,
      `pattern is ${pattern.length} characters long; the limit is ${MAX_PATTERN_LENGTH}`,
    );
  }
  const { source, flags } = splitPattern(pattern, field);
  if (source === "") {
    throw new UserInputError(field, "the pattern is empty, so it would match any text");
  }
  try {
    new RegExp(source, flags);
  } catch (error) {
    throw new UserInputError(
      field,
      `pattern ${quote(pattern, 80)} is not a valid regular expression: ${engineReason(error, source, flags)}`,
    );
  }
  return { source, flags, field };
}

/** Accepts "/source/flags" (flags from i m s u) as well as a plain source. */
function splitPattern(pattern: string, field: string): { source: string; flags: string } {
  const slashed = SLASHED.exec(pattern);
  // "/a/b" or "/api/x" read more naturally as literal paths than as a regex with bad flags.
  if (!slashed || !JS_FLAGS.test(slashed[2] ?? "")) return { source: pattern, flags: "" };
  const source = slashed[1] ?? "";
  const flags = slashed[2] ?? "";
  const refused = [...flags].filter((flag) => !ALLOWED_FLAGS.has(flag));
  if (refused.length > 0) {
    throw new UserInputError(
      field,
      `pattern ${quote(pattern, 80)} uses flag ${refused.join("")}; only i, m, s and u are ` +
        "allowed (g and y make matching stateful, and every pattern is searched once anyway)",
    );
  }
  return { source, flags };
}

/** V8 repeats the whole pattern in its message; keep only the reason, since we name it already. */
function engineReason(error: unknown, source: string, flags: string): string {
  const message = errorMessage(error);
  const prefix = `Invalid regular expression: /${source}/${flags}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

/**
 * The search runs inside a separate V8 context with a `timeout`, because that is the one bound
 * Node offers that interrupts a backtracking regex mid-match; a plain `RegExp.exec` in the main
 * realm would block the server's event loop indefinitely. The context holds only strings (text,
 * source, flags), and the script is fixed, so nothing from the caller is ever evaluated as code.
 */
const SEARCH = new Script(
  "(() => { const m = new RegExp(source, flags).exec(text);" +
    " return m === null ? null : [m.index, m[0].length]; })()",
  { filename: "squad-safe-regex.vm.js" },
);

/** Where a match starts and how long it is. */
export type MatchSpan = readonly [index: number, length: number];

/** A search outran its time bound; the pattern backtracks catastrophically on that text. */
export class RegexTimeoutError extends Error {
  override readonly name = "RegexTimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`the regular expression search took over ${timeoutMs} ms`);
  }
}

/** Searches that cannot hang: one V8 context, reused for every search made through it. */
export interface RegexSandbox {
  /** The first match, or null; throws RegexTimeoutError after `timeoutMs`. */
  search(text: string, source: string, flags: string, timeoutMs: number): MatchSpan | null;
}

interface SandboxGlobals {
  text: string;
  source: string;
  flags: string;
}

/** Creating a context costs about a millisecond, so callers make one per batch of searches. */
export function createRegexSandbox(): RegexSandbox {
  const globals: SandboxGlobals = { text: "", source: "", flags: "" };
  const context = createContext(globals);
  return {
    search(text, source, flags, timeoutMs) {
      Object.assign(globals, { text, source, flags });
      try {
        const found: unknown = SEARCH.runInContext(context, { timeout: timeoutMs });
        return isMatchSpan(found) ? [found[0], found[1]] : null;
      } catch (error) {
        if (isTimeout(error)) throw new RegexTimeoutError(timeoutMs);
        throw error;
      } finally {
        // A long-lived sandbox should not keep a 2 MB output alive after the search.
        globals.text = "";
      }
    },
  };
}

function isMatchSpan(value: unknown): value is [number, number] {
  return Array.isArray(value) && typeof value[0] === "number" && typeof value[1] === "number";
}

function isTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "ERR_SCRIPT_EXECUTION_TIMEOUT";
}

/** Runs every pattern against the text, each stopped after `timeoutMs`. Never throws. */
export function matchPatterns(
  text: string,
  patterns: readonly CompiledPattern[],
  options: MatchOptions = {},
): PatternResult[] {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxTextChars = options.maxTextChars ?? DEFAULT_MAX_TEXT_CHARS;
  const searched = text.length > maxTextChars ? text.slice(0, maxTextChars) : text;
  const sandbox = createRegexSandbox();
  return patterns.map((pattern) => {
    let span: MatchSpan | null;
    try {
      span = sandbox.search(searched, pattern.source, pattern.flags, timeoutMs);
    } catch (error) {
      return { pattern, matched: null, detail: gaveUpDetail(error) };
    }
    if (span === null) {
      return { pattern, matched: false, detail: noMatchDetail(text.length, searched.length) };
    }
    return { pattern, matched: true, detail: matchDetail(searched, span[0]) };
  });
}

function gaveUpDetail(error: unknown): string {
  if (error instanceof RegexTimeoutError) {
    return `gave up after ${error.timeoutMs} ms: the pattern backtracks catastrophically on this text; simplify it`;
  }
  // e.g. V8's regexp stack overflow on deeply nested groups over a long text.
  return clip(`gave up: ${messageOf(error)}`, MAX_DETAIL);
}

function noMatchDetail(totalChars: number, searchedChars: number): string {
  if (searchedChars === totalChars) return "no match";
  return (
    `no match in the first ${searchedChars.toLocaleString("en-US")} characters; the other ` +
    `${(totalChars - searchedChars).toLocaleString("en-US")} were not searched`
  );
}

/** "matched at line 12: 'FAIL src/a.test.ts'", the line clipped around the match if long. */
function matchDetail(text: string, index: number): string {
  const line = countNewlines(text, index) + 1;
  // lastIndexOf clamps a negative start to 0, which would find a newline at index 0 itself.
  const lineStart = index === 0 ? 0 : text.lastIndexOf("\n", index - 1) + 1;
  const newline = text.indexOf("\n", index);
  const lineEnd = newline === -1 ? text.length : newline;
  const prefix = `matched at line ${line}: `;
  const room = MAX_DETAIL - prefix.length - 2;
  return `${prefix}'${excerpt(text, lineStart, lineEnd, index, room)}'`;
}

function countNewlines(text: string, end: number): number {
  let count = 0;
  for (let at = text.indexOf("\n"); at !== -1 && at < end; at = text.indexOf("\n", at + 1)) {
    count++;
  }
  return count;
}

/** The line's text within `room` characters, starting a little before the match when cut. */
function excerpt(text: string, start: number, end: number, index: number, room: number): string {
  const lineEnd = text[end - 1] === "\r" ? end - 1 : end;
  if (lineEnd - start <= room) return text.slice(start, lineEnd);
  // Keep some lead-in so the reader sees what the match follows; mark each cut with "…".
  const from = Math.max(start, Math.min(index - 40, lineEnd - room + 1));
  const head = from > start ? "…" : "";
  const width = room - head.length - 1;
  const to = Math.min(lineEnd, from + width);
  return `${head}${text.slice(from, to)}${to < lineEnd ? "…" : ""}`;
}

/** Errors thrown inside the sandbox come from its realm, so `instanceof Error` is false for them. */
function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(error);
}

function quote(text: string, max: number): string {
  return `"${clip(text, max)}"`;
}
