import { constants } from "node:fs";
import { lstat, mkdir, open, realpath, unlink } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { errorMessage } from "../errors.js";
import { isInside } from "../paths.js";
import type { FileAction } from "./spec.js";
import { checkRelativePath } from "./spec-paths.js";
import type { Worktree } from "./worktree.js";

/** A file the spec lets the coder touch, and how. */
export interface AllowedFile {
  path: string;
  action: FileAction;
}

/** A whole file as a coder model proposed it; `content` is ignored for DELETE. */
export interface CoderFile {
  path: string;
  action: FileAction;
  content: string;
}

export interface WriteOutcome {
  /** Paths (relative, normalised) written or deleted in the worktree, in answer order. */
  written: string[];
  /** One line per file not written as proposed, with the reason; for the Code Report. */
  deviations: string[];
}

/** How one proposed file is handled: refused with a reason, or carried out (maybe with a note). */
type Judgement = { refused: string } | { path: string; note?: string };

// Opening with O_NOFOLLOW means a symlink at the file itself fails the write instead of
// redirecting it, even if one appeared after the checks.
const WRITE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

/**
 * Writes the files a coder model proposed into a worktree. The model's answer is data: each
 * path must be one the spec allows, relative, without `..`, outside `.git/`, and must not lead
 * out of the worktree through a symlink. Anything else is not written and becomes a deviation.
 *
 * Actions: DELETE is honoured only for a path the spec deletes, and a path the spec deletes
 * accepts only DELETE (removing a file the architect meant to keep, or keeping one meant to
 * go, changes the design). NEW and MODIFY both mean "the file holds this content afterwards",
 * so a coder that labels one as the other is written and the mismatch noted as a deviation.
 */
export async function writeCoderFiles(
  worktree: Pick<Worktree, "path">,
  allowed: readonly AllowedFile[],
  files: readonly CoderFile[],
): Promise<WriteOutcome> {
  const root = await realpath(worktree.path);
  const allowedActions = allowedActionsByPath(allowed);
  const seen = new Set<string>();
  const outcome: WriteOutcome = { written: [], deviations: [] };
  for (const file of files) {
    const judgement = await judgeFile(root, allowedActions, seen, file);
    if ("refused" in judgement) {
      outcome.deviations.push(`${quote(file.path)} not written: ${judgement.refused}`);
      continue;
    }
    seen.add(judgement.path);
    const failure = await carryOut(root, judgement.path, file);
    if (failure) {
      outcome.deviations.push(`${quote(file.path)} not written: ${failure}`);
      continue;
    }
    outcome.written.push(judgement.path);
    if (judgement.note) outcome.deviations.push(`${quote(file.path)}: ${judgement.note}`);
  }
  return outcome;
}

function allowedActionsByPath(allowed: readonly AllowedFile[]): Map<string, FileAction> {
  const actions = new Map<string, FileAction>();
  for (const file of allowed) {
    const checked = checkRelativePath(file.path);
    if (checked.ok) actions.set(checked.path, file.action);
  }
  return actions;
}

async function judgeFile(
  root: string,
  allowedActions: ReadonlyMap<string, FileAction>,
  seen: ReadonlySet<string>,
  file: CoderFile,
): Promise<Judgement> {
  const problem = pathProblem(file.path);
  if (problem) return { refused: problem };
  const checked = checkRelativePath(file.path);
  if (!checked.ok) return { refused: "not a usable relative path" };
  const path = checked.path;
  if (seen.has(path)) return { refused: "proposed more than once; the first was used" };
  const specAction = allowedActions.get(path);
  if (!specAction) return { refused: "not in the spec's file list" };
  const actions = compareActions(specAction, file.action);
  if (actions.refused) return { refused: actions.refused };
  const symlinkProblem = await escapeThroughSymlink(root, path, file.action);
  if (symlinkProblem) return { refused: symlinkProblem };
  return actions.note ? { path, note: actions.note } : { path };
}

/**
 * The refusals a path earns by its shape alone. Stricter than the spec's own check, which
 * normalises `a/../b` to `b`: a model that writes `..` at all is not following the file list.
 * Backslashes count as separators, as they do there.
 */
function pathProblem(path: string): string | null {
  if (path.trim() === "" || path.includes("\0")) return "blank, or holds a NUL character";
  if (/^([\\/]|[a-zA-Z]:)/.test(path.trim())) return "an absolute path";
  const segments = path.split(/[\\/]/);
  if (segments.includes("..")) return "the path has a '..' segment";
  // Case-insensitive because macOS and Windows file systems treat `.GIT` as `.git`.
  if (segments.some((segment) => segment.trim().toLowerCase() === ".git")) {
    return "inside .git/, which is never written";
  }
  return null;
}

function compareActions(spec: FileAction, coder: FileAction): { refused?: string; note?: string } {
  if (spec === coder) return {};
  const difference = `the spec says ${spec}, the coder answered ${JSON.stringify(coder)}`;
  // Only NEW and MODIFY are interchangeable: both leave the file holding the content.
  const bothWrite = spec !== "DELETE" && (coder === "NEW" || coder === "MODIFY");
  return bothWrite ? { note: `${difference}; written as a whole file` } : { refused: difference };
}

/**
 * Why writing `path` would leave the worktree or enter `.git` through a symlink, if it would.
 * The deepest folder on the way that exists is resolved; folders below it are made by us.
 * A write also refuses a symlink at the file itself, which it would follow; a delete removes
 * the link, not its target, so only the folders matter there.
 */
async function escapeThroughSymlink(
  root: string,
  path: string,
  action: FileAction,
): Promise<string | null> {
  const target = join(root, path);
  let probe = dirname(target);
  while (!(await exists(probe))) probe = dirname(probe);
  let real: string;
  try {
    real = await realpath(probe);
  } catch {
    return "a folder on its way is a dangling symbolic link";
  }
  if (!isInside(root, real)) {
    return "a folder on its way is a symbolic link leading outside the worktree";
  }
  if (
    relative(root, real)
      .split(sep)
      .some((segment) => segment.toLowerCase() === ".git")
  ) {
    return "a folder on its way is a symbolic link leading into .git";
  }
  if (action !== "DELETE" && (await lstat(target).catch(() => null))?.isSymbolicLink()) {
    return "the file is a symbolic link, which writing would follow";
  }
  return null;
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => null)) !== null;
}

/** Writes or deletes the file; returns why it failed, or null. */
async function carryOut(root: string, path: string, file: CoderFile): Promise<string | null> {
  const target = join(root, path);
  try {
    if (file.action === "DELETE") return await deleteFile(target);
    await mkdir(dirname(target), { recursive: true });
    const handle = await open(target, WRITE_FLAGS, 0o666);
    try {
      await handle.writeFile(file.content, "utf8");
    } finally {
      await handle.close();
    }
    return null;
  } catch (error) {
    return errorMessage(error).replaceAll(root, "<worktree>");
  }
}

async function deleteFile(target: string): Promise<string | null> {
  const found = await lstat(target).catch(() => null);
  if (!found) return "DELETE of a file that does not exist at HEAD";
  if (found.isDirectory()) return "DELETE of a folder; the spec deletes files";
  await unlink(target);
  return null;
}

/** JSON quoting: a model's path may hold newlines or control characters meant to mislead. */
function quote(path: string): string {
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  return JSON.stringify(shown);
}
