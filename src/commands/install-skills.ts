import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";

export type SkillScope = "user" | "project";

export interface InstallOptions {
  scope: SkillScope;
  /** Overwrite destination files that differ from what we ship. */
  force: boolean;
  projectRoot: string;
  homeDir: string;
  /** The shipped `skills/` folder: one sub-folder per skill. */
  skillsDir: string;
}

/** Paths relative to the destination skills folder, e.g. `dual-model/SKILL.md`. */
export interface InstallResult {
  destination: string;
  installed: string[];
  /** Files that differed and were overwritten because of `force`. */
  updated: string[];
  unchanged: string[];
  /** Files that differ from what we ship (changed by the user) and were left alone. */
  skipped: string[];
}

/** Where Claude Code looks for skills in each scope. */
export function skillsDestination(
  scope: SkillScope,
  where: { projectRoot: string; homeDir: string },
): string {
  return join(scope === "user" ? where.homeDir : where.projectRoot, ".claude", "skills");
}

/** Copies every shipped skill folder into Claude Code's skills folder, never clobbering edits. */
export function installSkills(options: InstallOptions): InstallResult {
  const destination = skillsDestination(options.scope, options);
  const result: InstallResult = {
    destination,
    installed: [],
    updated: [],
    unchanged: [],
    skipped: [],
  };
  for (const skill of skillFolders(options.skillsDir)) {
    for (const file of filesUnder(join(options.skillsDir, skill))) {
      const path = relative(options.skillsDir, file).split(sep).join("/");
      const target = join(destination, path);
      const shipped = readFileSync(file);
      if (!existsSync(target)) {
        write(target, shipped);
        result.installed.push(path);
      } else if (readFileSync(target).equals(shipped)) {
        result.unchanged.push(path);
      } else if (options.force) {
        write(target, shipped);
        result.updated.push(path);
      } else {
        result.skipped.push(path);
      }
    }
  }
  return result;
}

export function renderInstallResult(
  result: InstallResult,
  scope: SkillScope,
  destination: string,
): string {
  const skills = new Set(
    [...result.installed, ...result.updated, ...result.unchanged, ...result.skipped].map(
      (path) => path.split("/")[0],
    ),
  );
  const lines = [
    `Skills (${[...skills].join(", ") || "none"}) → ${destination} (${scope} scope)`,
    `  ${result.installed.length} installed, ${result.updated.length} overwritten, ${result.unchanged.length} up to date, ${result.skipped.length} skipped`,
  ];
  if (result.skipped.length > 0) {
    lines.push("  Skipped, because they differ from what squad-mcp ships (your edits are kept):");
    for (const path of result.skipped) lines.push(`    ${join(destination, path)}`);
    lines.push("  Run again with --force to overwrite them.");
  }
  return lines.join("\n");
}

/**
 * Reads `--user`, `--project` and `--force` (user scope unless told otherwise); returns the
 * problem as a message for anything else.
 */
export function parseInstallSkillsArgs(
  args: string[],
): { scope: SkillScope; force: boolean } | { error: string } {
  let scope: SkillScope | undefined;
  let force = false;
  for (const arg of args) {
    if (arg === "--force") force = true;
    else if (arg === "--user" || arg === "--project") {
      const wanted = arg === "--user" ? "user" : "project";
      if (scope !== undefined && scope !== wanted) {
        return { error: "install-skills takes --user or --project, not both" };
      }
      scope = wanted;
    } else {
      return {
        error: `install-skills: unknown option '${arg}' (expected --user, --project, --force)`,
      };
    }
  }
  return { scope: scope ?? "user", force };
}

/** The shipped skills: the sub-folders of `skillsDir`, sorted. */
export function skillFolders(skillsDir: string): string[] {
  if (!existsSync(skillsDir)) throw new Error(`no skills folder at ${skillsDir}`);
  return readdirSync(skillsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** Every file below `dir`, sorted by name at each level. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return filesUnder(path);
      return entry.isFile() ? [path] : [];
    });
}

function write(target: string, content: Buffer): void {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
}
