import { isAbsolute, relative, sep } from "node:path";

/**
 * True when `path` is `root` or lies under it. Both must be resolved already (realpath when
 * symlinks matter). Only a first segment that is exactly `..` leaves the root: `..notes.md`
 * is a file inside it.
 */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  if (rel === "") return true;
  if (isAbsolute(rel)) return false;
  return rel.split(sep, 1)[0] !== "..";
}
