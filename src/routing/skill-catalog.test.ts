import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseFrontMatter, readSkills } from "./skill-catalog.js";

describe("parseFrontMatter", () => {
  it("reads plain, quoted and block-scalar values", () => {
    const text = [
      "---",
      "name: hierarchical-orchestrator",
      'title: "Quoted: value"',
      "description: |",
      "  Cost-optimized orchestration.",
      "  Use when routing work.",
      "---",
      "# body",
    ].join("\n");
    expect(parseFrontMatter(text)).toEqual({
      name: "hierarchical-orchestrator",
      title: "Quoted: value",
      description: "Cost-optimized orchestration.\nUse when routing work.",
    });
  });

  it("returns nothing without front matter", () => {
    expect(parseFrontMatter("# just a heading")).toEqual({});
  });
});

describe("readSkills", () => {
  it("reads project skills before user skills and skips folders without SKILL.md", () => {
    const root = mkdtempSync(join(tmpdir(), "skills-"));
    const project = join(root, "project");
    const user = join(root, "user");
    const write = (dir: string, folder: string, text: string) => {
      mkdirSync(join(dir, folder), { recursive: true });
      writeFileSync(join(dir, folder, "SKILL.md"), text);
    };
    write(project, "one", "---\nname: alpha\ndescription: first\n---\n");
    write(user, "two", "---\nname: alpha\ndescription: shadowed\n---\n");
    write(user, "three", "---\ndescription: named by folder\n---\n");
    mkdirSync(join(user, "empty"), { recursive: true });
    const skills = readSkills([project, user, join(root, "missing")]);
    expect(skills.map((s) => [s.name, s.description])).toEqual([
      ["alpha", "first"],
      ["three", "named by folder"],
    ]);
  });

  it("leaves out squad-mcp's own shipped skills: they teach the host, they do not bind tasks", () => {
    const root = mkdtempSync(join(tmpdir(), "skills-"));
    const skills: [folder: string, name: string][] = [
      ["squad-delegation", "squad-delegation"],
      ["dual-model", "dual-model"],
      ["acgme", "acgme-compliance"],
    ];
    for (const [folder, name] of skills) {
      mkdirSync(join(root, folder), { recursive: true });
      writeFileSync(join(root, folder, "SKILL.md"), `---\nname: ${name}\ndescription: d\n---\n`);
    }
    expect(readSkills([root]).map((skill) => skill.name)).toEqual(["acgme-compliance"]);
  });
});
