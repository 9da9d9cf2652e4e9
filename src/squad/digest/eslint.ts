import { distinctFiles, errorsFirst } from "./lint-report.js";
import { joinMessage } from "./message.js";
import type { Finding, ToolReport } from "./types.js";

// Stylish: a file path on its own line, then `  12:5  error  message  rule-id` rows.
const PROBLEM = /^\s+(\d+):\d+\s+(error|warning)\s+(.*?)(?:\s{2,}(\S+))?\s*$/;
const FOOTER = /^✖ (\d+) problems? \((\d+) errors?, (\d+) warnings?\)/;

function findingOf(file: string, match: RegExpExecArray): Finding {
  const text = match[3] as string;
  const rule = match[4];
  const warning = match[2] === "warning";
  // A warning says so; an error, the usual case, goes unmarked.
  const label = [rule, warning ? "(warning)" : undefined].filter((part) => part).join(" ");
  return {
    id: file,
    line: Number(match[1]),
    message: joinMessage([label ? `${label}: ${text}` : text]),
    group: file,
    severity: warning ? "warning" : "error",
  };
}

export function digestEslint(lines: string[]): ToolReport {
  const findings: Finding[] = [];
  let file: string | null = null;
  let footer: RegExpExecArray | null = null;
  for (const line of lines) {
    const problem = PROBLEM.exec(line);
    if (problem && file !== null) findings.push(findingOf(file, problem));
    else if (FOOTER.test(line)) footer = FOOTER.exec(line);
    else if (/^\S/.test(line) && !/^[✖>]/.test(line)) file = line.trim();
  }
  const errors = footer ? Number(footer[2]) : findings.filter((f) => f.severity === "error").length;
  const warnings = footer ? Number(footer[3]) : findings.length - errors;
  const counts: Record<string, number> = { errors, warnings };
  if (findings.length > 0) counts.files = distinctFiles(findings);
  return { counts, findings: errorsFirst(findings), total: footer ? Number(footer[1]) : undefined };
}
