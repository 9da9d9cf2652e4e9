import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DEFAULT_CONFIG } from "../src/config.js";
import { OWN_SKILLS } from "../src/routing/skill-catalog.js";
import { TOOL_DEFINITIONS } from "../src/tools/index.js";
import { TOOL_NAMES } from "../src/tools/names.js";
import { PACKAGE_ROOT } from "./support/server.js";

const TOOLS = TOOL_DEFINITIONS;

const SKILLS_DIR = join(PACKAGE_ROOT, "skills");

/** Each skill and the tools it exists to teach; it must name every one of them. */
const SKILL_TOOLS: Record<string, string[]> = {
  "squad-delegation": [
    "route_task",
    "spawn_squad",
    "validate_output",
    "log_outcome",
    "squad_status",
  ],
  "dual-model": ["write_code_spec", "implement_spec", "apply_spec"],
  "hierarchical-orchestrator": ["route_task", "validate_output", "log_outcome"],
};

/**
 * Values a skill may name that no schema lists: the default worker aliases and roles are
 * config values (they go into `worker`, `coder`, `exclude`…), not schema properties or enums.
 */
const CONFIG_VALUES = new Set<string>([
  ...Object.keys(DEFAULT_CONFIG.workers),
  ...Object.keys(DEFAULT_CONFIG.roles),
]);

/** Every property name and every enum value anywhere in a JSON Schema, nested ones included. */
function schemaNames(schema: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(schema)) {
    for (const item of schema) schemaNames(item, into);
  } else if (schema && typeof schema === "object") {
    for (const [key, value] of Object.entries(schema)) {
      if (key === "properties" && value && typeof value === "object") {
        for (const name of Object.keys(value)) into.add(name);
      }
      if (key === "enum" && Array.isArray(value)) {
        for (const item of value) if (typeof item === "string") into.add(item);
      }
      schemaNames(value, into);
    }
  }
  return into;
}

function servedNames(): Set<string> {
  const names = new Set<string>(TOOLS.map((tool) => tool.name));
  for (const tool of TOOLS) {
    schemaNames(z.toJSONSchema(tool.input, { io: "input" }), names);
    schemaNames(z.toJSONSchema(tool.output, { io: "output" }), names);
  }
  return names;
}

const SERVED = servedNames();

interface Skill {
  folder: string;
  frontMatter: Record<string, string>;
  body: string;
}

function readSkill(folder: string): Skill {
  const text = readFileSync(join(SKILLS_DIR, folder, "SKILL.md"), "utf8");
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  if (!match) throw new Error(`${folder}/SKILL.md has no front matter`);
  const frontMatter: Record<string, string> = {};
  for (const line of (match[1] ?? "").split("\n")) {
    const field = /^([a-z_-]+):\s*(.*)$/.exec(line);
    if (field?.[1]) frontMatter[field[1]] = (field[2] ?? "").trim();
  }
  return { folder, frontMatter, body: match[2] ?? "" };
}

/**
 * Names a skill presents as ours: lowercase words and snake_case identifiers in inline code,
 * and the keys of JSON objects in its code blocks. Commands, paths and URIs (anything with a
 * space, dot, slash or hyphen) are not names and are left alone.
 */
function namesIn(body: string): string[] {
  const fence = /```[^\n]*\n([\s\S]*?)```/g;
  const blocks = [...body.matchAll(fence)].map((block) => block[1] ?? "");
  const prose = body.replace(fence, "");
  const inline = [...prose.matchAll(/`([^`\n]+)`/g)]
    .map((code) => code[1] ?? "")
    .filter((code) => /^[a-z][a-z0-9_]*$/.test(code));
  const keys = blocks.flatMap((block) =>
    [...block.matchAll(/"([a-z][a-z0-9_]*)"\s*:/g)].map((key) => key[1] ?? ""),
  );
  return [...inline, ...keys];
}

const FOLDERS = readdirSync(SKILLS_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe("shipped skills", () => {
  it("ships exactly the skills this test knows the tools of", () => {
    expect(FOLDERS).toEqual(Object.keys(SKILL_TOOLS).sort());
  });

  it("are all ones routing ignores, so installing them never makes a task skill-bound", () => {
    expect([...OWN_SKILLS].sort()).toEqual(FOLDERS);
  });

  it("collects nested fields from the tool schemas", () => {
    expect(SERVED).toContain("digest");
    expect(SERVED).toContain("requires_tests");
    expect(SERVED).toContain("verifies");
    for (const name of TOOL_NAMES) expect(SERVED).toContain(name);
  });

  describe.each(FOLDERS)("%s", (folder) => {
    const skill = readSkill(folder);

    it("has front matter naming its folder and describing when to use it", () => {
      expect(existsSync(join(SKILLS_DIR, folder, "SKILL.md"))).toBe(true);
      expect(skill.frontMatter.name).toBe(folder);
      expect(skill.frontMatter.description?.length ?? 0).toBeGreaterThan(40);
    });

    it("names only tools, fields and values the server serves", () => {
      const unknown = namesIn(skill.body).filter(
        (name) => !SERVED.has(name) && !CONFIG_VALUES.has(name),
      );
      expect(unknown).toEqual([]);
    });

    it("mentions every tool it is about", () => {
      const named = new Set(namesIn(skill.body));
      const missing = (SKILL_TOOLS[folder] ?? []).filter((tool) => !named.has(tool));
      expect(missing).toEqual([]);
    });
  });
});
