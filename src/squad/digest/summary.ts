import { splitCommand } from "./detect.js";

const SINGULAR: Record<string, string> = {
  errors: "error",
  warnings: "warning",
  matches: "match",
  files: "file",
  "failed suites": "failed suite",
  "failed packages": "failed package",
  "ok packages": "ok package",
  "compile errors": "compile error",
};

function countPhrase(key: string, value: number): string {
  if (value !== 1) return `${value} ${key}`;
  // `files reformatted` → `1 file reformatted`.
  return `${value} ${SINGULAR[key] ?? key.replace(/^files /, "file ")}`;
}

/** `3 failed, 120 passed`; zero counts are dropped unless nothing else is left to say. */
export function describeCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  const shown = entries.filter(([key, value]) => value > 0 || key === entries[0]?.[0]);
  let text = "";
  for (const [key, value] of shown) {
    if (value === 0 && text !== "") continue;
    // "in 7 files" reads better than ", 7 files" after a count of problems or matches.
    if (key === "files" && text !== "") text += ` in ${countPhrase(key, value)}`;
    else text += `${text === "" ? "" : ", "}${countPhrase(key, value)}`;
  }
  return text === "" ? "no results" : text;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} B`;
}

export function exitPhrase(exitCode: number | null, omittedBytes: number): string {
  const exit = exitCode === null ? "no exit code" : `exit ${exitCode}`;
  return omittedBytes > 0 ? `${exit}, ${formatBytes(omittedBytes)} of log not read` : exit;
}

/** `cd dir && tool` names the tool; a trailing `exit N` or `echo` names nothing. */
const PLUMBING = new Set(["cd", "exit", "echo", "true", "false", ":"]);

/** The words of the command's last real program, without environment assignments. */
function lastProgram(command: string): string[] {
  const segments = splitCommand(command).filter((words) => !PLUMBING.has(words[0] ?? ""));
  const words = segments[segments.length - 1] ?? [];
  const start = words.findIndex((word) => !/^\w+=/.test(word));
  return start === -1 ? [] : words.slice(start);
}

/** The program a command runs, for naming output nobody parsed: `cd web && make` → `make`. */
export function programName(command: string): string {
  const program = lastProgram(command)[0];
  return program ? program.slice(program.lastIndexOf("/") + 1) : "command";
}

/** Commands that print the newest first, so the head of their output matters most. */
export function printsNewestFirst(command: string): boolean {
  const [program, sub] = lastProgram(command);
  return (
    program !== undefined && /(?:^|\/)git$/.test(program) && /^(?:log|reflog|show)$/.test(sub ?? "")
  );
}
