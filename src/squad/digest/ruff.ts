import { distinctFiles } from "./lint-report.js";
import { joinMessage } from "./message.js";
import type { Finding, ToolReport } from "./types.js";

// Concise and older full format: `src/a.py:1:8: F401 [*] message`.
const CONCISE = /^(.+?):(\d+):\d+: ([A-Z]+\d+|SyntaxError:?)(?: \[\*\])? (.*)$/;
// Full format since ruff 0.12 or so: `F401 [*] message` then ` --> src/a.py:1:8`; `ruff format
// --check` prints `unformatted: File would be reformatted` the same way.
const HEADLINE = /^([A-Z]+\d+|SyntaxError:?|unformatted:)(?: \[\*\])? (.*)$/;
const ARROW = /^\s*--> (.+?):(\d+):\d+$/;
/** `Found 3 errors.`, or with fixes applied `Found 9 errors (6 fixed, 3 remaining).` */
const FOOTER = /^Found (\d+) errors?(?: \((\d+) fixed, (\d+) remaining\))?\.?/;
const FIXABLE = /^\[\*\] (\d+) fixable/;
/** `--show-fixes`: `Fixed 6 errors:` then `- app/cli.py:` per file it changed. */
const FIXED_LIST = /^Fixed \d+ errors?:$/;
const FIXED_FILE = /^- (.+):$/;
/** `ruff format`: `2 files reformatted, 3 files left unchanged`; with `--check`, `would be`. */
const FORMAT_SUMMARY =
  /^\d+ files? (?:reformatted|left unchanged|would be reformatted|already formatted)(?:, |$)/;
const FORMAT_PART =
  /(\d+) files? (reformatted|left unchanged|would be reformatted|already formatted)/g;
/** Files named in the summary before the rest are counted. */
const FILES_NAMED = 5;

function finding(file: string, line: string, code: string, text: string): Finding {
  const message = joinMessage([code.endsWith(":") ? `${code} ${text}` : `${code}: ${text}`]);
  return { id: file, line: Number(line), message, group: file, severity: "error" };
}

/** The files `--show-fixes` lists under `Fixed N errors:`. */
function readFixedFiles(lines: string[]): string[] {
  const files: string[] = [];
  const start = lines.findIndex((line) => FIXED_LIST.test(line));
  if (start === -1) return files;
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === "") break;
    const file = FIXED_FILE.exec(line);
    if (file) files.push(file[1] as string);
  }
  return files;
}

/** `ruff format`'s counts, keyed as it prints them: `files reformatted`, `files left unchanged`. */
function readFormatCounts(lines: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of lines) {
    if (!FORMAT_SUMMARY.test(line)) continue;
    for (const part of line.matchAll(FORMAT_PART)) counts[`files ${part[2]}`] = Number(part[1]);
  }
  return counts;
}

/**
 * What ruff changed in the working tree: `--fix`, `fix = true` in its config and `ruff format`
 * all write to disk, and the host must know its files are no longer what it last read.
 */
function noteOf(fixed: number, fixedFiles: string[], format: Record<string, number>) {
  const notes: string[] = [];
  if (fixed > 0 && fixedFiles.length > 0) {
    const named = fixedFiles.slice(0, FILES_NAMED).join(", ");
    const more = fixedFiles.length - FILES_NAMED;
    notes.push(`fixes written to ${named}${more > 0 ? ` and ${more} more files` : ""}`);
  } else if (fixed > 0) {
    notes.push("fixes written to disk");
  }
  if ((format["files reformatted"] ?? 0) > 0) notes.push("reformatted files written to disk");
  return notes.length > 0 ? notes.join(", ") : undefined;
}

export function digestRuff(lines: string[]): ToolReport {
  const findings: Finding[] = [];
  let found: RegExpExecArray | null = null;
  let fixable: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const concise = CONCISE.exec(line);
    const headline = concise ? null : HEADLINE.exec(line);
    const arrow = headline ? ARROW.exec(lines[i + 1] ?? "") : null;
    if (concise)
      findings.push(
        finding(
          concise[1] as string,
          concise[2] as string,
          concise[3] as string,
          concise[4] as string,
        ),
      );
    else if (headline && arrow)
      findings.push(
        finding(
          arrow[1] as string,
          arrow[2] as string,
          headline[1] as string,
          headline[2] as string,
        ),
      );
    found = FOOTER.exec(line) ?? found;
    const fix = FIXABLE.exec(line);
    if (fix) fixable = Number(fix[1]);
  }
  // With fixes applied, `Found` counts what was fixed too; only what remains is still wrong.
  const fixed = found?.[2] === undefined ? 0 : Number(found[2]);
  const total = found ? Number(found[3] ?? found[1]) : undefined;
  const format = readFormatCounts(lines);
  const formatOnly = found === null && Object.keys(format).length > 0;
  const counts: Record<string, number> = formatOnly
    ? {}
    : { errors: Math.max(total ?? 0, findings.length) };
  if (findings.length > 0 && !formatOnly) counts.files = distinctFiles(findings);
  if (fixed > 0) counts.fixed = fixed;
  if (fixable !== undefined) counts.fixable = fixable;
  Object.assign(counts, format);
  const reformat = format["files would be reformatted"];
  return {
    counts,
    findings,
    total: formatOnly ? reformat : total,
    note: noteOf(fixed, readFixedFiles(lines), format),
  };
}
