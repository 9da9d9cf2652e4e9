import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { installSkills } from "./install-skills.js";
import { describeSkillStatus, shippedSkillsStatus } from "./skill-status.js";

let root: string;
let where: { skillsDir: string; homeDir: string; projectRoot: string };

function put(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "squad-skill-status-"));
  where = {
    skillsDir: join(root, "package", "skills"),
    homeDir: join(root, "home"),
    projectRoot: join(root, "project"),
  };
  put(join(where.skillsDir, "README.md"), "not a skill\n");
  put(join(where.skillsDir, "alpha", "SKILL.md"), "---\nname: alpha\n---\nAlpha.\n");
  put(join(where.skillsDir, "beta", "SKILL.md"), "---\nname: beta\n---\nBeta.\n");
  put(join(where.skillsDir, "beta", "reference", "notes.md"), "Beta notes.\n");
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

const install = (scope: "user" | "project") => installSkills({ ...where, scope, force: false });
const states = () =>
  Object.fromEntries(
    shippedSkillsStatus(where).skills.map((skill) => [
      skill.name,
      Object.fromEntries(skill.scopes.map(({ scope, state }) => [scope, state])),
    ]),
  );

describe("shippedSkillsStatus", () => {
  it("names both destinations and finds nothing installed at first", () => {
    const report = shippedSkillsStatus(where);
    expect(report.destinations).toEqual([
      { scope: "user", folder: join(where.homeDir, ".claude", "skills") },
      { scope: "project", folder: join(where.projectRoot, ".claude", "skills") },
    ]);
    expect(states()).toEqual({
      alpha: { user: "missing", project: "missing" },
      beta: { user: "missing", project: "missing" },
    });
  });

  it("sees what install-skills put there as current, per scope", () => {
    install("project");
    expect(states()).toEqual({
      alpha: { user: "missing", project: "current" },
      beta: { user: "missing", project: "current" },
    });
    install("user");
    expect(states().beta).toEqual({ user: "current", project: "current" });
  });

  it("calls an edited SKILL.md, or a missing extra file, changed", () => {
    install("user");
    put(join(where.homeDir, ".claude", "skills", "alpha", "SKILL.md"), "my own notes\n");
    rmSync(join(where.homeDir, ".claude", "skills", "beta", "reference"), { recursive: true });
    expect(states()).toEqual({
      alpha: { user: "changed", project: "missing" },
      beta: { user: "changed", project: "missing" },
    });
  });

  it("does not count a folder without SKILL.md as installed", () => {
    put(join(where.projectRoot, ".claude", "skills", "beta", "reference", "notes.md"), "x\n");
    expect(states().beta).toEqual({ user: "missing", project: "missing" });
  });

  it("reports one scope when the project is the home folder", () => {
    const report = shippedSkillsStatus({ ...where, projectRoot: where.homeDir });
    expect(report.destinations.map(({ scope }) => scope)).toEqual(["user"]);
    expect(report.skills[0]?.scopes).toEqual([{ scope: "user", state: "missing" }]);
  });
});

describe("describeSkillStatus", () => {
  it("lists the scopes it is installed in, or says how to install it", () => {
    expect(
      describeSkillStatus({
        name: "alpha",
        scopes: [
          { scope: "user", state: "changed" },
          { scope: "project", state: "current" },
        ],
      }),
    ).toBe("alpha: user changed or older, project current");
    expect(
      describeSkillStatus({
        name: "beta",
        scopes: [
          { scope: "user", state: "current" },
          { scope: "project", state: "missing" },
        ],
      }),
    ).toBe("beta: user current");
    expect(
      describeSkillStatus({
        name: "gamma",
        scopes: [
          { scope: "user", state: "missing" },
          { scope: "project", state: "missing" },
        ],
      }),
    ).toBe("gamma: not installed — run squad-mcp install-skills");
  });
});
