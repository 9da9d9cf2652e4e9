import { parseNumstat } from "./diff.js";
import { type GitResult, locateRepository, type RepositoryLocation, runGit } from "./worktree.js";

export type ApplyResult =
  | { applied: true; files: string[] }
  | { applied: false; conflicts: string[]; message: string };

export interface ApplyOptions {
  signal?: AbortSignal;
}

/** Progress lines git prints on stderr that say nothing about a failure. */
const CHATTER = [
  /^Falling back to direct application\.\.\.$/,
  /^Performing three-way merge\.\.\.$/,
  /^Applied patch to '.*' cleanly\.$/,
  /^Checking patch /,
];

const MAX_MESSAGE_LINES = 20;

/**
 * Applies a patch from `diffWorktree` to the user's working tree with `git apply --3way`, so a
 * file the user changed and committed since the worktree's HEAD is merged rather than refused.
 * Never commits. Paths are relative to the project folder, which may be a subfolder of the
 * repository.
 *
 * What the user sees afterwards: `--3way` implies `--index`, so the patched files are staged —
 * `git status` lists them under "Changes to be committed" (new file / modified / deleted); the
 * user's other staged and unstaged changes and HEAD are as they were.
 *
 * Nothing is half-applied: `git apply --check --3way` runs first, and the patch is refused
 * when it fails or when it reports a 3-way merge "with conflicts" (git 2.39 exits 0 for those
 * under --check, so its messages are read, in the C locale). A file the patch touches that has
 * unstaged changes is refused too ("does not match index"): --3way needs the index and the
 * file to agree.
 */
export async function applyPatch(
  projectRoot: string,
  patch: string,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const { signal } = options;
  const location = await locateRepository(projectRoot, signal);
  if (patch.trim() === "") return { applied: true, files: [] };
  const listed = await runGit(location.top, ["apply", "--numstat", "-z", "-"], {
    input: patch,
    signal,
  });
  if (listed.exitCode !== 0) {
    return {
      applied: false,
      conflicts: [],
      message: `not a usable patch: ${listed.stderr.trim()}`,
    };
  }
  const files = parseNumstat(listed.stdout).map((file) => file.path);
  const args = ["apply", "--3way", ...directoryArgs(location)];
  const check = await runGit(location.top, [...args, "--check", "-"], { input: patch, signal });
  const refused = refusal(check, files, location, "nothing was changed");
  if (refused) return refused;
  // No signal from here on: stopping git halfway through writing files is what must not happen.
  const applied = await runGit(location.top, [...args, "-"], { input: patch });
  const failed = refusal(
    applied,
    files,
    location,
    "the working tree changed after the check; see `git status` for conflict markers",
  );
  return failed ?? { applied: true, files };
}

/** git apply takes paths from the repository's top; the patch's start at the project folder. */
function directoryArgs(location: RepositoryLocation): string[] {
  return location.prefix === "" ? [] : [`--directory=${location.prefix}`];
}

function refusal(
  result: GitResult,
  files: readonly string[],
  location: RepositoryLocation,
  outcome: string,
): ApplyResult | null {
  const output = `${result.stderr}\n${result.stdout}`;
  const conflicts = conflictingFiles(output, files, location.prefix);
  if (result.exitCode === 0 && conflicts.length === 0) return null;
  return { applied: false, conflicts, message: refusalMessage(output, location.top, outcome) };
}

/**
 * The patch's files that git's output names as failing. Matching the patch's own paths
 * against the line shapes git 2.39 prints is sturdier than parsing paths out of free text:
 *   error: f.txt: does not match index          (unstaged changes in the file)
 *   error: patch failed: f.txt:3                 (context not found, no 3-way possible)
 *   error: f.txt: patch does not apply
 *   error: n.txt: already exists in working directory / does not exist in index
 *   error: cannot read the current contents of 'n.txt'
 *   Applied patch to 'f.txt' with conflicts.     (3-way merge left conflict markers)
 *   U f.txt                                      (unmerged, after a real 3-way apply)
 */
export function conflictingFiles(output: string, files: readonly string[], prefix = ""): string[] {
  const lines = output
    .split("\n")
    .filter(
      (line) =>
        line.startsWith("error: ") || line.startsWith("U ") || / with conflicts\.$/.test(line),
    );
  return files.filter((file) => {
    const named = `${prefix}${file}`;
    return lines.some(
      (line) =>
        line.startsWith(`error: ${named}: `) ||
        line.startsWith(`error: patch failed: ${named}:`) ||
        line === `U ${named}` ||
        line.includes(`'${named}'`),
    );
  });
}

function refusalMessage(output: string, top: string, outcome: string): string {
  const lines = output
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line !== "" && !CHATTER.some((pattern) => pattern.test(line)));
  const shown = lines.slice(0, MAX_MESSAGE_LINES);
  if (lines.length > shown.length) shown.push(`… ${lines.length - shown.length} more lines`);
  const hint = lines.some((line) => line.endsWith(": does not match index"))
    ? "\nFiles with unstaged changes must be staged (git add) or stashed before the patch can be applied."
    : "";
  return `The patch does not apply cleanly to ${top}; ${outcome}. git said:\n${shown.join("\n")}${hint}`;
}
