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

function readOutputBlocks(lines: string[]): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of lines) {
    const header = OUTPUT_HEADER.exec(line);
    if (header) {
      current = [];
      blocks.set(header[1] as string, current);
    } else if (/^(?:failures:|test result:)/.test(line)) {
      current = null;
    } else if (current) {
      current.push(line);
    }
  }
  return blocks;
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

/** The name lists under `failures:` survive when a cut log lost the `test … FAILED` lines. */
function readFailureLists(lines: string[]): string[] {
  const names: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== "failures:") continue;
    for (let j = i + 1; j < lines.length; j++) {
      const name = /^ {4}(\S.*)$/.exec(lines[j] as string);
      if (!name) break;
      names.push(name[1] as string);
    }
  }
  return names;
}

export function digestCargoTest(lines: string[]): ToolReport {
  const counts: Record<string, number> = {};
  const failed: string[] = [];
  for (const line of lines) {
    const test = TEST_LINE.exec(line);
    if (test?.[2] === "FAILED" && !failed.includes(test[1] as string))
      failed.push(test[1] as string);
    const result = RESULT.exec(line);
    if (result) {
      counts.failed = (counts.failed ?? 0) + Number(result[2]);
      counts.passed = (counts.passed ?? 0) + Number(result[1]);
      counts.ignored = (counts.ignored ?? 0) + Number(result[3]);
    }
  }
  for (const name of readFailureLists(lines)) if (!failed.includes(name)) failed.push(name);
  const blocks = readOutputBlocks(lines);
  const findings: Finding[] = failed.map((id) => {
    const { at, ...failure } = failureOf(blocks.get(id) ?? []);
    // A doctest panics in code generated from the comment: its own id says where that is.
    const doctest = DOCTEST.exec(id);
    if (doctest)
      return { id, message: failure.message, line: Number(doctest[1]), ...splitName(id) };
    // A unit test's id names its module, not its file: the message says where it panicked.
    const message = at ? joinMessage([`${at}: ${failure.message}`]) : failure.message;
    return { id, ...failure, message, ...splitName(id) };
  });
  const compileErrors = readCompileErrors(lines);
  if (compileErrors.length > 0) counts["compile errors"] = compileErrors.length;
  return { counts, findings: [...findings, ...compileErrors] };
}
