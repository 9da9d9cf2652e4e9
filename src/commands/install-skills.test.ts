import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { shippedSkillsDir } from "../package-files.js";
import { installSkills, parseInstallSkillsArgs, renderInstallResult } from "./install-skills.js";

let root: string;
let skillsDir: string;
let homeDir: string;
let projectRoot: string;

function put(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "squad-install-skills-"));
  skillsDir = join(root, "package", "skills");
  homeDir = join(root, "home");
  projectRoot = join(root, "project");
  put(join(skillsDir, "README.md"), "not a skill\n");
  put(join(skillsDir, "alpha", "SKILL.md"), "---\nname: alpha\n---\nAlpha.\n");
  put(join(skillsDir, "beta", "SKILL.md"), "---\nname: beta\n---\nBeta.\n");
  put(join(skillsDir, "beta", "reference", "notes.md"), "Beta notes.\n");
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

const userSkills = () => join(homeDir, ".claude", "skills");

describe("installSkills", () => {
  it("copies every skill folder into ~/.claude/skills on a fresh install", () => {
    const result = installSkills({ scope: "user", force: false, projectRoot, homeDir, skillsDir });
    expect(result.destination).toBe(userSkills());
    expect(result.installed).toEqual([
      "alpha/SKILL.md",
      "beta/SKILL.md",
      "beta/reference/notes.md",
    ]);
    expect(result.updated).toEqual([]);
    expect(result.unchanged).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(readFileSync(join(userSkills(), "beta", "reference", "notes.md"), "utf8")).toBe(
      "Beta notes.\n",
    );
    expect(existsSync(join(userSkills(), "README.md"))).toBe(false);
  });

  it("reports everything up to date on a second run and writes nothing", () => {
    installSkills({ scope: "user", force: false, projectRoot, homeDir, skillsDir });
    const again = installSkills({ scope: "user", force: false, projectRoot, homeDir, skillsDir });
    expect(again.installed).toEqual([]);
    expect(again.unchanged).toEqual(["alpha/SKILL.md", "beta/SKILL.md", "beta/reference/notes.md"]);
  });

  it("keeps a file the user changed unless forced, then overwrites it", () => {
    installSkills({ scope: "user", force: false, projectRoot, homeDir, skillsDir });
    const edited = join(userSkills(), "alpha", "SKILL.md");
    writeFileSync(edited, "my own version\n");

    const kept = installSkills({ scope: "user", force: false, projectRoot, homeDir, skillsDir });
    expect(kept.skipped).toEqual(["alpha/SKILL.md"]);
    expect(kept.unchanged).toEqual(["beta/SKILL.md", "beta/reference/notes.md"]);
    expect(readFileSync(edited, "utf8")).toBe("my own version\n");
    const text = renderInstallResult(kept, "user", kept.destination);
    expect(text).toContain(edited);
    expect(text).toContain("--force");

    const forced = installSkills({ scope: "user", force: true, projectRoot, homeDir, skillsDir });
    expect(forced.updated).toEqual(["alpha/SKILL.md"]);
    expect(forced.skipped).toEqual([]);
    expect(readFileSync(edited, "utf8")).toBe("---\nname: alpha\n---\nAlpha.\n");
  });

  it("installs into <project>/.claude/skills in project scope and leaves ~ alone", () => {
    const result = installSkills({
      scope: "project",
      force: false,
      projectRoot,
      homeDir,
      skillsDir,
    });
    expect(result.destination).toBe(join(projectRoot, ".claude", "skills"));
    expect(existsSync(join(projectRoot, ".claude", "skills", "alpha", "SKILL.md"))).toBe(true);
    expect(existsSync(userSkills())).toBe(false);
    expect(renderInstallResult(result, "project", result.destination)).toContain(
      "3 installed, 0 overwritten, 0 up to date, 0 skipped",
    );
  });
});

describe("shippedSkillsDir", () => {
  it("finds the package's skills folder with the three shipped skills", () => {
    const dir = shippedSkillsDir();
    for (const skill of ["squad-delegation", "dual-model", "hierarchical-orchestrator"]) {
      expect(existsSync(join(dir, skill, "SKILL.md"))).toBe(true);
    }
  });
});

describe("parseInstallSkillsArgs", () => {
  it("defaults to user scope without force", () => {
    expect(parseInstallSkillsArgs([])).toEqual({ scope: "user", force: false });
  });

  it("reads --project and --force in any order", () => {
    expect(parseInstallSkillsArgs(["--force", "--project"])).toEqual({
      scope: "project",
      force: true,
    });
  });

  it("refuses both scopes and unknown options", () => {
    expect(parseInstallSkillsArgs(["--user", "--project"])).toHaveProperty("error");
    expect(parseInstallSkillsArgs(["--global"])).toEqual({
      error: "install-skills: unknown option '--global' (expected --user, --project, --force)",
    });
  });
});
