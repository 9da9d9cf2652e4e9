import { lstatSync, mkdirSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { UserInputError } from "../errors.js";
import { isSpecId } from "../memory/specs.js";
import { isInside } from "../paths.js";

/** Where specs, reports and patches live inside the project; a .gitignore there keeps them out of git. */
export const SPECS_DIR = join(".squad", "specs");

export function specFilePath(projectRoot: string, id: string): string {
  return join(projectRoot, SPECS_DIR, `${checkedId(id)}.md`);
}

export function reportFilePath(projectRoot: string, id: string): string {
  return join(projectRoot, SPECS_DIR, `${checkedId(id)}.report.md`);
}

export function patchFilePath(projectRoot: string, id: string): string {
  return join(projectRoot, SPECS_DIR, `${checkedId(id)}.patch`);
}

/** `squad://specs/CS-NNN`: the spec's Markdown, readable as an MCP resource. */
export function specUri(id: string): string {
  return `squad://specs/${checkedId(id)}`;
}

/** `squad://specs/CS-NNN/report`: the latest Code Report for the spec. */
export function reportUri(id: string): string {
  return `squad://specs/${checkedId(id)}/report`;
}

/** Writes `.squad/specs/CS-NNN.md`, creating the folders; returns its absolute path. */
export function writeSpecFiles(projectRoot: string, id: string, markdown: string): string {
  const path = specFilePath(projectRoot, id);
  writeAtomically(projectRoot, path, markdown);
  return path;
}

/**
 * Writes the report and the patch beside the spec; returns both absolute paths. Without a patch
 * (no coder was reached) an older patch is removed, so the files on disk agree with the report.
 */
export function writeReportFiles(
  projectRoot: string,
  id: string,
  markdown: string,
  patch: string | null,
): { reportPath: string; patchPath: string | null } {
  const reportPath = reportFilePath(projectRoot, id);
  writeAtomically(projectRoot, reportPath, markdown);
  if (patch === null) {
    rmSync(patchFilePath(projectRoot, id), { force: true });
    return { reportPath, patchPath: null };
  }
  const patchPath = patchFilePath(projectRoot, id);
  writeAtomically(projectRoot, patchPath, patch);
  return { reportPath, patchPath };
}

/** The id becomes a file name, so only the shape we hand out is accepted (no `../`). */
function checkedId(id: string): string {
  if (!isSpecId(id)) throw new UserInputError("spec_id", `"${id}" is not a spec id like CS-001`);
  return id;
}

/**
 * Another server process or the host may read the file while it is written: a rename makes
 * the new contents appear whole. The first write also drops a `.gitignore` into `.squad/` so
 * the folder stays out of `git status`, worktrees and patches even before the user ignores it.
 */
function writeAtomically(projectRoot: string, path: string, contents: string): void {
  checkSquadFolder(projectRoot);
  mkdirSync(dirname(path), { recursive: true });
  ignoreSquadFolder(dirname(dirname(path)));
  const temporary = `${path}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  writeFileSync(temporary, contents, { flag: "wx" });
  renameSync(temporary, path);
}

/**
 * Refuses to write when `.squad/` or `.squad/specs/` leads outside the project through a
 * symbolic link: the files would land wherever it points. Call before taking spec ids too, so
 * a refused write costs nothing.
 */
export function checkSquadFolder(projectRoot: string): void {
  const realRoot = realpathSync(projectRoot);
  for (const folder of [join(projectRoot, ".squad"), join(projectRoot, SPECS_DIR)]) {
    const found = lstatSync(folder, { throwIfNoEntry: false });
    if (!found) break;
    if (!found.isSymbolicLink()) continue;
    let target: string;
    try {
      target = realpathSync(folder);
    } catch {
      throw refused(folder, "is a dangling symbolic link");
    }
    if (!isInside(realRoot, target)) {
      throw refused(folder, `is a symbolic link leading outside the project (to ${target})`);
    }
  }
  const ignoreFile = join(projectRoot, ".squad", ".gitignore");
  if (lstatSync(ignoreFile, { throwIfNoEntry: false })?.isSymbolicLink()) {
    throw refused(ignoreFile, "is a symbolic link; squad-mcp writes only plain files here");
  }
}

/** Written only when missing; `wx` never follows a symbolic link that appeared since the check. */
function ignoreSquadFolder(squadDir: string): void {
  const ignoreFile = join(squadDir, ".gitignore");
  if (!lstatSync(ignoreFile, { throwIfNoEntry: false })) {
    writeFileSync(ignoreFile, "# Written by squad-mcp.\n*\n", { flag: "wx" });
  }
}

function refused(path: string, problem: string): UserInputError {
  return new UserInputError(
    ".squad",
    `${path} ${problem}; nothing was written. Make it a plain folder (or file) inside the project, or remove it`,
  );
}
