import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { gitOutput, type Worktree } from "./worktree.js";

export interface FileChange {
  /** Relative to the project folder, as in the spec. */
  path: string;
  /** Lines added and removed; both 0 for a binary file. */
  added: number;
  removed: number;
  /** git's numstat shows `-` for binary files: they have no line counts. */
  binary: boolean;
}

export interface WorktreeDiff {
  /** `git diff --binary` output, for `git apply`; "" when nothing changed. */
  patch: string;
  files: FileChange[];
}

export interface DiffOptions {
  /**
   * Only these paths (relative to the project): a verification command may leave build
   * output the coder never wrote. Default: everything git does not ignore.
   */
  paths?: readonly string[];
  signal?: AbortSignal;
}

/**
 * Fixed here because the user's config could change them: renames would merge a DELETE and a
 * NEW into one entry, `diff.noprefix` and `color.ui=always` would make the patch unusable, and
 * an external diff tool would replace it. `--relative` makes paths project-relative when the
 * project is a subfolder of its repository (and changes nothing at the top).
 */
const DIFF_ARGS = [
  "diff",
  "--cached",
  "--no-renames",
  "--no-ext-diff",
  "--no-color",
  "--relative",
  "--src-prefix=a/",
  "--dst-prefix=b/",
  "HEAD",
];

/**
 * Everything the coder changed in the worktree since HEAD: new, modified and deleted files.
 * Stages all changes in the worktree's own index (`git add -A`), which is private to it; the
 * blobs that writes go to an object directory beside the worktree, removed afterwards, so
 * nothing of the coder's lands in the user's `.git/objects`.
 *
 * The patch is carried as text, so a file that is neither UTF-8 nor detected as binary by
 * git comes out with replacement characters and the patch will not apply to it.
 */
export async function diffWorktree(
  worktree: Pick<Worktree, "path" | "root">,
  options: DiffOptions = {},
): Promise<WorktreeDiff> {
  const { signal } = options;
  if (options.paths?.length === 0) return { patch: "", files: [] };
  const common = await gitOutput(
    worktree.path,
    ["rev-parse", "--path-format=absolute", "--git-common-dir"],
    { signal },
  );
  // Named after the worktree, so a left-over one goes with it (removeLeftoverWorktrees).
  const objects = `${worktree.root}-objects`;
  await mkdir(objects, { recursive: true });
  const env = {
    GIT_OBJECT_DIRECTORY: objects,
    GIT_ALTERNATE_OBJECT_DIRECTORIES: join(common.trim(), "objects"),
  };
  try {
    await gitOutput(worktree.path, ["add", "--all", "--", "."], { signal, env });
    // Paths are taken literally: a file named `*.ts` must not select every TypeScript file.
    const pathspec = options.paths ? ["--", ...options.paths] : [];
    const args = ["--literal-pathspecs", ...DIFF_ARGS];
    const patch = await gitOutput(worktree.path, [...args, "--binary", ...pathspec], {
      signal,
      env,
    });
    const numstat = await gitOutput(worktree.path, [...args, "--numstat", "-z", ...pathspec], {
      signal,
      env,
    });
    return { patch, files: parseNumstat(numstat) };
  } finally {
    await rm(objects, { recursive: true, force: true });
  }
}

/**
 * `-z` numstat entries are `added\tremoved\tpath\0` with the path unquoted (`core.quotePath`
 * would otherwise escape non-ASCII names); binary files show `-` for both counts.
 */
export function parseNumstat(output: string): FileChange[] {
  const files: FileChange[] = [];
  for (const entry of output.split("\0")) {
    const match = /^(\d+|-)\t(\d+|-)\t([\s\S]+)$/.exec(entry);
    if (!match) continue;
    const [, added = "-", removed = "-", path = ""] = match;
    const binary = added === "-" && removed === "-";
    files.push({
      path,
      added: binary ? 0 : Number(added),
      removed: binary ? 0 : Number(removed),
      binary,
    });
  }
  return files;
}
