import { distinctFiles } from "./lint-report.js";
import { joinMessage } from "./message.js";
import type { Finding, ToolReport } from "./types.js";

// Concise and older full format: `src/a.py:1:8: F401 [*] message`.
const CONCISE = /^(.+?):(\d+):\d+: ([A-Z]+\d+|SyntaxError:?)(?: \[\*\])? (.*)$/;
// Full format since ruff 0.12 or so: `F401 [*] message` then ` --> src/a.py:1:8`.
const HEADLINE = /^([A-Z]+\d+|SyntaxError:?)(?: \[\*\])? (.*)$/;
const ARROW = /^\s*--> (.+?):(\d+):\d+$/;
const FOOTER = /^Found (\d+) errors?\.?/;
const FIXABLE = /^\[\*\] (\d+) fixable/;

function finding(file: string, line: string, code: string, text: string): Finding {
  const message = joinMessage([code.endsWith(":") ? `${code} ${text}` : `${code}: ${text}`]);
  return { id: file, line: Number(line), message, group: file, severity: "error" };
}

export function digestRuff(lines: string[]): ToolReport {
  const findings: Finding[] = [];
  let total: number | undefined;
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
    const footer = FOOTER.exec(line);
    if (footer) total = Number(footer[1]);
    const fix = FIXABLE.exec(line);
    if (fix) fixable = Number(fix[1]);
  }
  const counts: Record<string, number> = { errors: Math.max(total ?? 0, findings.length) };
  if (findings.length > 0) counts.files = distinctFiles(findings);
  if (fixable !== undefined) counts.fixable = fixable;
  return { counts, findings, total };
}
