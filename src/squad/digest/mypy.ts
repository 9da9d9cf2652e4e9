import { distinctFiles } from "./lint-report.js";
import { joinMessage } from "./message.js";
import type { Finding, ToolReport } from "./types.js";

// `src/a.py:12: error: Incompatible types …  [assignment]`, optionally with a column.
const ERROR = /^(.+?):(\d+)(?::\d+)?: error: (.*?)(?:\s{2}\[([\w-]+)\])?$/;
const FOOTER = /^Found (\d+) errors? in (\d+) files?/;

/** Any `file:line:` report line (error or note), which ends the one before it. */
const REPORT_LINE = /^\S.*?:\d+(?::\d+)?: (?:error|note|warning): /;

/**
 * `pretty = true` wraps a message at the terminal's width: the lines after it that start at the
 * margin (before its indented code frame) belong to it, and so does the `[code]` on the last.
 */
function unwrapped(lines: string[]): string[] {
  const joined: string[] = [];
  for (const line of lines) {
    const last = joined.length - 1;
    const continues =
      last >= 0 &&
      ERROR.test(joined[last] as string) &&
      !/\[[\w-]+\]$/.test(joined[last] as string) &&
      /^\S/.test(line) &&
      !REPORT_LINE.test(line) &&
      !FOOTER.test(line);
    if (continues) joined[last] = `${joined[last]} ${line}`;
    else joined.push(line);
  }
  return joined;
}

export function digestMypy(lines: string[]): ToolReport {
  const findings: Finding[] = [];
  let total: number | undefined;
  for (const line of unwrapped(lines)) {
    const error = ERROR.exec(line);
    if (error) {
      const code = error[4];
      const text = error[3] as string;
      const file = error[1] as string;
      const message = joinMessage([code ? `${code}: ${text}` : text]);
      findings.push({ id: file, line: Number(error[2]), message, group: file, severity: "error" });
    }
    const footer = FOOTER.exec(line);
    if (footer) total = Number(footer[1]);
  }
  const counts: Record<string, number> = { errors: Math.max(total ?? 0, findings.length) };
  if (findings.length > 0) counts.files = distinctFiles(findings);
  return { counts, findings, total };
}
