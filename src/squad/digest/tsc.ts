import { distinctFiles, errorsFirst } from "./lint-report.js";
import { joinMessage } from "./message.js";
import type { Finding, ToolReport } from "./types.js";

// `src/a.ts(3,7): error TS2322: …` without --pretty; `src/a.ts:3:7 - error TS2322: …` with it.
const PLAIN = /^(.+?)\((\d+),\d+\): (error|warning) (TS\d+): (.*)$/;
const PRETTY = /^(.+?):(\d+):\d+ - (error|warning) (TS\d+): (.*)$/;
const GLOBAL = /^(error|warning) (TS\d+): (.*)$/;
const FOOTER = /^Found (\d+) errors?\b/;

/** Elaboration lines (`  Type 'x' is not assignable…`) are indented under the error. */
function elaboration(lines: string[], from: number): string[] {
  const out: string[] = [];
  for (let i = from; i < lines.length && out.length < 3; i++) {
    const line = lines[i] as string;
    if (!/^ {2,}\S/.test(line) || /^\s+\d+\s/.test(line)) break;
    out.push(line.trim());
  }
  return out;
}

function findingAt(lines: string[], i: number): Finding | null {
  const line = lines[i] as string;
  const match = PLAIN.exec(line) ?? PRETTY.exec(line);
  if (match) {
    const file = match[1] as string;
    const message = joinMessage([`${match[4]}: ${match[5]}`, ...elaboration(lines, i + 1)]);
    const severity = match[3] === "warning" ? "warning" : "error";
    return { id: file, line: Number(match[2]), message, group: file, severity };
  }
  const global = GLOBAL.exec(line);
  if (global) {
    return { id: "tsc", message: joinMessage([`${global[2]}: ${global[3]}`]), severity: "error" };
  }
  return null;
}

export function digestTsc(lines: string[]): ToolReport {
  const findings: Finding[] = [];
  let total: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const finding = findingAt(lines, i);
    if (finding) findings.push(finding);
    const footer = FOOTER.exec(lines[i] as string);
    if (footer) total = Number(footer[1]);
  }
  const errors = Math.max(total ?? 0, findings.filter((f) => f.severity === "error").length);
  const counts: Record<string, number> = { errors };
  const warnings = findings.filter((f) => f.severity === "warning").length;
  if (warnings > 0) counts.warnings = warnings;
  if (findings.length > 0) counts.files = distinctFiles(findings);
  return {
    counts,
    findings: errorsFirst(findings),
    total: total === undefined ? undefined : total + warnings,
  };
}
