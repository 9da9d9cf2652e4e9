import { lstatSync, realpathSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { isInside } from "../paths.js";

export type PathCheck = { ok: true; path: string } | { ok: false; problem: string };

const DRIVE_LETTER = /^[a-zA-Z]:/;

/**
 * Normalises a path written by the architect or proposed by a coder model and says why it is
 * unusable, if it is. Backslashes count as separators: a model writing `..\..\x` meant to
 * leave the folder, whatever the platform. Returns the path in forward-slash form, without
 * `./`, doubled or trailing slashes, so two spellings of one file compare equal.
 */
export function checkRelativePath(raw: string): PathCheck {
  const trimmed = raw.trim();
  if (trimmed === "")
    return { ok: false, problem: "is blank; give a path relative to the project root" };
  if (trimmed.includes("\0")) return { ok: false, problem: `"${raw}" contains a NUL character` };
  const slashed = trimmed.replaceAll("\\", "/");
  if (slashed.startsWith("/") || DRIVE_LETTER.test(slashed)) {
    return { ok: false, problem: `"${raw}" is absolute; give a path relative to the project root` };
  }
  const path = posix.normalize(slashed).replace(/\/+$/, "");
  if (path === "." || path === "") {
    return { ok: false, problem: `"${raw}" names the project root itself, not a file` };
  }
  if (path === ".." || path.startsWith("../")) {
    return { ok: false, problem: `"${raw}" leaves the project through ".."` };
  }
  // Case-insensitive because macOS and Windows file systems treat `.GIT` as `.git`.
  if (path.split("/").some((segment) => segment.toLowerCase() === ".git")) {
    return { ok: false, problem: `"${raw}" points into .git/, which is never written` };
  }
  return { ok: true, path };
}

/**
 * True when `path` (already checked relative) would land outside `root` because a folder or
 * file on the way is a symlink leading elsewhere. A dangling symlink counts as an escape: what
 * it points at cannot be checked, and writing through it creates its target.
 */
export function escapesThroughSymlink(root: string, path: string): boolean {
  const realRoot = realpathSync(root);
  let probe = join(root, path);
  while (!lstatSync(probe, { throwIfNoEntry: false })) probe = dirname(probe);
  let real: string;
  try {
    real = realpathSync(probe);
  } catch {
    return true;
  }
  return !isInside(realRoot, real);
}
