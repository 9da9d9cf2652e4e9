import { joinMessage } from "./message.js";
import type { Finding, ToolReport } from "./types.js";

const TEST_LINE = /^test (.+?)(?: - should panic)? \.\.\. (ok|FAILED|ignored)/;
const OUTPUT_HEADER = /^---- (.+?) (?:stdout|stderr) ----$/;
const PANICKED = /^thread '.*?'(?: \(\d+\))? panicked at (.+?):(\d+):\d+:?\s*(.*)$/;
// Rust before 1.73 put the message first: `panicked at 'message', src/lib.rs:12:5`.
const PANICKED_BEFORE_1_73 = /^thread '.*?' panicked at '(.*)', (.+?):(\d+):\d+$/;
const NO_PANIC = /^note: test did not panic as expected(?: at (.+?):(\d+):\d+)?/;
const RESULT = /^test result: (?:ok|FAILED)\. (\d+) passed; (\d+) failed; (\d+) ignored/;
const COMPILE_ERROR = /^error(?:\[(E\d+)\])?: (.+)$/;
const ARROW = /^\s*--> (.+?):(\d+):\d+$/;
/** `src/lib.rs - split (line 12)`. */
const DOCTEST = /^\S+ - .+ \(line (\d+)\)$/;

interface Failure {
  message: string;
  line?: number;
  /** `src/lib.rs:787:9`: where it panicked, when that is in the project. */
  at?: string;
}

/** `thread panicked at src/lib.rs:12:5:` then the message, and for assert_eq the two sides. */
function failureOf(block: string[]): Failure {
  for (let i = 0; i < block.length; i++) {
    const line = block[i] as string;
    const noPanic = NO_PANIC.exec(line);
    if (noPanic) {
      return {
        message: "test did not panic as expected",
        line: lineIfLocal(noPanic[1], noPanic[2]),
      };
    }
    const old = PANICKED_BEFORE_1_73.exec(line);
    if (old) return { message: joinMessage([old[1] as string]), line: lineIfLocal(old[2], old[3]) };
    const panicked = PANICKED.exec(line);
    if (!panicked) continue;
    const after = block.slice(i + 1);
    const text = panicked[3] || after[0] || "panicked";
    const sides = after.filter((l) => /^\s*(left|right):/.test(l)).slice(0, 2);
    const local = lineIfLocal(panicked[1], panicked[2]);
    const column = /panicked at \S+?:\d+:(\d+)/.exec(line)?.[1] ?? "";
    return {
      message: joinMessage([text, ...sides.map((s) => s.trim())]),
      line: local,
      at: local === undefined ? undefined : `${panicked[1]}:${local}:${column}`,
    };
  }
  const first = block.find((line) => line.trim() !== "");
  return { message: joinMessage([first ?? "failed"]) };
}

/** Panics inside the standard library or a doctest's temporary file point nowhere useful. */
function lineIfLocal(file: string | undefined, line: string | undefined): number | undefined {
  if (!file || !line || file.startsWith("/")) return undefined;
  return Number(line);
}

function splitName(name: string): { group?: string; name?: string } {
  const at = name.lastIndexOf("::");
  return at === -1 ? {} : { group: name.slice(0, at), name: name.slice(at + 2) };
}

/** `error[E0308]: mismatched types` followed by `--> src/lib.rs:25:29`. */
function readCompileErrors(lines: string[]): Finding[] {
  const findings: Finding[] = [];
  for (let i = 0; i < lines.length; i++) {
    const error = COMPILE_ERROR.exec(lines[i] as string);
    const arrow = error ? ARROW.exec(lines[i + 1] ?? "") : null;
    if (!error || !arrow) continue;
    const message = joinMessage([error[1] ? `${error[1]}: ${error[2]}` : (error[2] as string)]);
    findings.push({
      id: arrow[1] as string,
      line: Number(arrow[2]),
      message,
      group: arrow[1],
      severity: "error",
    });
  }
  return findings;
}

/**
 * One test binary's part of the log: `Running tests/api.rs (target/…)` or `Doc-tests tally` up
 * to the next. Each binary has its own results, output blocks and `failures:` list, and two
 * binaries can hold tests of the same name.
 */
interface Target {
  /** `src/lib.rs`, `tests/api.rs`, `doc tests`. */
  label: string;
  failed: string[];
  passed: number;
  ignored: number;
  /** The binary's own `test result:` line, absent when the log ends before it. */
  result?: { passed: number; failed: number; ignored: number };
  /** `test x has been running for over 60 seconds`, not yet reported done: `x (60 s)`. */
  slow: string[];
  /** The log's middle was skipped after this part: what it printed there is unknown. */
  beforeGap?: boolean;
  /** `signal: 6, SIGABRT: process abort signal` when the binary died before its result. */
  crash?: string;
  blocks: Map<string, string[]>;
}

/**
 * `Running unittests src/lib.rs (target/…)`, `Running tests/api.rs (target/…)`; older cargo
 * names the binary only: `Running target/debug/deps/api-1a2b3c`.
 */
const RUNNING = /^\s+Running (?:unittests )?(\S+)/;
const DOC_TESTS = /^\s+Doc-tests (\S+)/;
/** Where a long log's middle was skipped: what follows may belong to another binary. */
const GAP = /^\[… \d+ bytes of log not read …\]$/;
const SLOW = /^test (.+?) has been running for over (\d+) seconds$/;
/** Cargo's words for a test binary that died (a signal, `process::abort`, a stack overflow). */
const CRASH = /^\s+process didn't exit successfully: .*\((.+)\)$/;

function newTarget(label: string): Target {
  return { label, failed: [], passed: 0, ignored: 0, slow: [], blocks: new Map() };
}

function labelOf(line: string): string | null {
  const running = RUNNING.exec(line);
  if (running) return (running[1] as string).replace(/^target\/\S+\/deps\/(.+?)-[0-9a-f]+$/, "$1");
  return DOC_TESTS.test(line) ? "doc tests" : null;
}

function readTargets(lines: string[]): Target[] {
  // Output before any `Running` line (a cut head, an old cargo) still counts, as a nameless target.
  let target = newTarget("");
  const targets = [target];
  let block: string[] | null = null;
  let inList = false;
  for (const line of lines) {
    const gap = GAP.test(line);
    if (gap) target.beforeGap = true;
    const label = gap ? "" : labelOf(line);
    if (label !== null) {
      target = newTarget(label);
      targets.push(target);
      block = null;
      inList = false;
      continue;
    }
    const header = OUTPUT_HEADER.exec(line);
    const test = TEST_LINE.exec(line);
    const result = RESULT.exec(line);
    const slow = SLOW.exec(line);
    if (header) {
      block = [];
      target.blocks.set(header[1] as string, block);
    } else if (line === "failures:") {
      block = null;
      inList = true;
    } else if (inList && /^ {4}\S/.test(line)) {
      // The name list under `failures:` survives when a cut log lost the `test … FAILED` lines.
      addFailed(target, line.trim());
    } else if (result) {
      target.result = {
        passed: Number(result[1]),
        failed: Number(result[2]),
        ignored: Number(result[3]),
      };
      block = null;
      inList = false;
    } else if (test) {
      const name = test[1] as string;
      target.slow = target.slow.filter((n) => !n.startsWith(`${name} (`));
      if (test[2] === "FAILED") addFailed(target, name);
      else if (test[2] === "ok") target.passed++;
      else target.ignored++;
    } else if (slow) {
      target.slow.push(`${slow[1]} (over ${slow[2]} s)`);
    } else if (CRASH.test(line)) {
      target.crash = CRASH.exec(line)?.[1];
    } else if (block) {
      block.push(line);
    } else {
      inList = false;
    }
  }
  return targets.filter((t) => t.label !== "" || t.failed.length > 0 || t.result || t.passed);
}

function addFailed(target: Target, name: string) {
  if (!target.failed.includes(name)) target.failed.push(name);
}

function findingOf(id: string, name: string, block: string[]): Finding {
  const { at, ...failure } = failureOf(block);
  // A doctest panics in code generated from the comment: its own id says where that is.
  const doctest = DOCTEST.exec(name);
  if (doctest) return { id, message: failure.message, line: Number(doctest[1]), ...splitName(id) };
  // A unit test's id names its module, not its file: the message says where it panicked.
  const message = at ? joinMessage([`${at}: ${failure.message}`]) : failure.message;
  return { id, ...failure, message, ...splitName(id) };
}

/**
 * A test's id is its name; a name that failed in more than one binary (`round_trip` in both
 * tests/api.rs and tests/cli.rs) says which, so no failure hides another.
 */
function findingsOf(targets: Target[]): Finding[] {
  const seen = new Map<string, number>();
  for (const t of targets) for (const name of t.failed) seen.set(name, (seen.get(name) ?? 0) + 1);
  return targets.flatMap((t) =>
    t.failed.map((name) => {
      const shared = (seen.get(name) ?? 0) > 1 && t.label !== "";
      const id = shared ? `${name} (${t.label})` : name;
      const block = t.blocks.get(name);
      // A binary prints its failures' panics only when all its tests are done.
      if (!block && !t.result && !t.beforeGap && t.label !== "")
        return { id, message: "failed; its output was never printed", ...splitName(id) };
      return findingOf(id, name, block ?? []);
    }),
  );
}

/**
 * Binaries that printed no `test result:` line: one that crashed says so; the last one, when
 * the log ends inside it, was killed or timed out there. Their counts are the tests they
 * reported before that.
 */
function unfinished(targets: Target[]): string | undefined {
  const notes = targets
    .filter((t) => t.crash !== undefined && !t.result)
    .map((t) => `${t.label || "a test binary"} crashed (${t.crash})`);
  const last = targets[targets.length - 1];
  if (last && !last.result && last.crash === undefined && last.label !== "") {
    const slow = last.slow.length > 0 ? `, still running ${last.slow.join(", ")}` : "";
    notes.push(`cut short: the log ends before ${last.label} finished${slow}`);
  }
  return notes.length > 0 ? notes.join(", ") : undefined;
}

/**
 * Without `--no-fail-fast`, cargo stops at the first test target that fails and ends with
 * this line; with it, the same line is followed by the next target and `error: N targets failed:`.
 */
const FAIL_FAST = /^error: test failed, to rerun pass `([^`]+)`/;

/** What the run left out: targets that crashed or were cut short, or never ran at all. */
function notesOn(lines: string[], targets: Target[]): string | undefined {
  const notes = [unfinished(targets)];
  const last = lines.findLast((line) => line.trim() !== "");
  const stop = last === undefined ? null : FAIL_FAST.exec(last);
  if (stop) notes.push(`stopped at its first failing target (${stop[1]}), any later ones not run`);
  return notes.filter((note) => note !== undefined).join(", ") || undefined;
}

export function digestCargoTest(lines: string[]): ToolReport {
  const targets = readTargets(lines);
  const counts: Record<string, number> = {};
  for (const t of targets) {
    if (!t.result && t.failed.length === 0 && t.passed === 0 && t.ignored === 0) continue;
    // A finished binary's own line is the truth; an unfinished one counts what it reported.
    const { passed, failed, ignored } = t.result ?? {
      passed: t.passed,
      failed: t.failed.length,
      ignored: t.ignored,
    };
    counts.failed = (counts.failed ?? 0) + failed;
    counts.passed = (counts.passed ?? 0) + passed;
    counts.ignored = (counts.ignored ?? 0) + ignored;
  }
  const findings = findingsOf(targets);
  const compileErrors = readCompileErrors(lines);
  if (compileErrors.length > 0) counts["compile errors"] = compileErrors.length;
  return {
    counts,
    findings: [...findings, ...compileErrors],
    // Failures counted in a part of the log that was not read are said as `… and N more`.
    total: (counts.failed ?? 0) + compileErrors.length,
    note: notesOn(lines, targets),
  };
}
