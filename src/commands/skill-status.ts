import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { filesUnder, type SkillScope, skillFolders, skillsDestination } from "./install-skills.js";

/**
 * A shipped skill in one scope: `current` when every shipped file is there byte for byte,
 * `changed` when its SKILL.md is there but something differs (edited, or from an older
 * squad-mcp), `missing` when it has no SKILL.md there.
 */
export type SkillInstallState = "current" | "changed" | "missing";

export interface ShippedSkillStatus {
  name: string;
  /** Per scope; the project scope is left out when it is the same folder as the user's. */
  scopes: { scope: SkillScope; state: SkillInstallState }[];
}

export interface ShippedSkillsReport {
  destinations: { scope: SkillScope; folder: string }[];
  skills: ShippedSkillStatus[];
}

/** Where each shipped skill is installed, and whether the installed copy is what we ship. */
export function shippedSkillsStatus(where: {
  skillsDir: string;
  homeDir: string;
  projectRoot: string;
}): ShippedSkillsReport {
  const user = skillsDestination("user", where);
  const project = skillsDestination("project", where);
  const destinations: ShippedSkillsReport["destinations"] = [{ scope: "user", folder: user }];
  if (project !== user) destinations.push({ scope: "project", folder: project });
  return {
    destinations,
    skills: skillFolders(where.skillsDir).map((name) => ({
      name,
      scopes: destinations.map(({ scope, folder }) => ({
        scope,
        state: installState(join(where.skillsDir, name), join(folder, name)),
      })),
    })),
  };
}

function installState(shipped: string, installed: string): SkillInstallState {
  if (!existsSync(join(installed, "SKILL.md"))) return "missing";
  for (const file of filesUnder(shipped)) {
    const target = join(installed, relative(shipped, file));
    if (!existsSync(target) || !readFileSync(target).equals(readFileSync(file))) return "changed";
  }
  return "current";
}

/** e.g. `dual-model: user current, project changed or older`. */
export function describeSkillStatus(skill: ShippedSkillStatus): string {
  const installed = skill.scopes.filter(({ state }) => state !== "missing");
  if (installed.length === 0) return `${skill.name}: not installed — run squad-mcp install-skills`;
  return `${skill.name}: ${installed
    .map(({ scope, state }) => `${scope} ${state === "current" ? "current" : "changed or older"}`)
    .join(", ")}`;
}
