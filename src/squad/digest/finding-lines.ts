import { oneLine } from "./message.js";
import type { Finding, FindingKind } from "./types.js";

function label(finding: Finding, kind: FindingKind, withTestLine: boolean): string {
  if (finding.line === undefined) return finding.id;
  if (kind === "file") return `${finding.id}:${finding.line}`;
  return withTestLine ? `${finding.id} (line ${finding.line})` : finding.id;
}

function fileOf(finding: Finding): string {
  return finding.group ?? finding.id;
}

export function linesWithMessages(
  findings: Finding[],
  kind: FindingKind,
  maxMessage: number,
  withTestLine: boolean,
): string[] {
  return findings.map(
    (f) => `- ${label(f, kind, withTestLine)}: ${oneLine(f.message, maxMessage)}`,
  );
}

export function idLines(findings: Finding[], kind: FindingKind): string[] {
  return findings.map((f) => `- ${label(f, kind, false)}`);
}

/** One line per file or package: `tests/test_a.py: test_x, test_y` or `src/a.ts: 3, 5, 12`. */
export function groupedIdLines(findings: Finding[], kind: FindingKind): string[] {
  const entries: ({ group: string; members: string[] } | { single: string })[] = [];
  const byGroup = new Map<string, string[]>();
  for (const f of findings) {
    const member = kind === "file" ? f.line?.toString() : f.name;
    if (f.group === undefined || member === undefined) {
      entries.push({ single: `- ${label(f, kind, false)}` });
      continue;
    }
    let members = byGroup.get(f.group);
    if (!members) {
      members = [];
      byGroup.set(f.group, members);
      entries.push({ group: f.group, members });
    }
    if (!members.includes(member)) members.push(member);
  }
  return entries.map((entry) =>
    "single" in entry ? entry.single : groupLine(entry.group, entry.members),
  );
}

/** How a test runner joins a file to a describe block or class, and blocks to tests. */
const NAME_SEPARATORS = [" › ", " > ", "::"];

/**
 * `file: a, b`; when every member starts with the same describe block or class, the block is
 * said once: `tests/a.test.js › parse: rejects x, rejects y`.
 */
function groupLine(group: string, members: string[]): string {
  const prefix = members.length > 1 ? sharedBlock(members) : null;
  if (prefix === null) return `${group}: ${members.join(", ")}`;
  const rest = members.map((member) => member.slice(prefix.block.length + prefix.sep.length));
  return `${group}${prefix.sep}${prefix.block}: ${rest.join(", ")}`;
}

/** The longest run of leading blocks every member shares, and the separator that ends it. */
function sharedBlock(members: string[]): { block: string; sep: string } | null {
  const first = members[0] as string;
  let best: { block: string; sep: string } | null = null;
  for (const sep of NAME_SEPARATORS) {
    for (let at = first.indexOf(sep); at > 0; at = first.indexOf(sep, at + sep.length)) {
      const head = first.slice(0, at + sep.length);
      if (!members.every((member) => member.startsWith(head) && member.length > head.length)) break;
      if (best === null || at > best.block.length) best = { block: first.slice(0, at), sep };
    }
  }
  return best;
}

/** `… and 12 more failing`, or for checkers `… and 285 more problems (64 more files)`. */
export function moreLines(
  hidden: Finding[],
  shown: Finding[],
  unparsed: number,
  kind: FindingKind,
): string[] {
  const count = hidden.length + unparsed;
  if (count === 0) return [];
  if (kind === "test") return [`… and ${count} more failing`];
  const otherFiles = hiddenFileCounts(hidden, shown).size;
  return [`… and ${count} more problems${otherFiles > 0 ? ` (${otherFiles} more files)` : ""}`];
}

/** Files that only have problems beyond the listed ones, with how many each has. */
export function hiddenFileCounts(hidden: Finding[], shown: Finding[]): Map<string, number> {
  const shownFiles = new Set(shown.map(fileOf));
  const counts = new Map<string, number>();
  for (const f of hidden) {
    const file = fileOf(f);
    if (!shownFiles.has(file)) counts.set(file, (counts.get(file) ?? 0) + 1);
  }
  return counts;
}
