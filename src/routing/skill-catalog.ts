import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Skill } from "./skills.js";

/** The folders Claude Code loads skills from: the project's and the user's. */
export function skillDirectories(projectRoot: string, home: string): string[] {
  return [join(projectRoot, ".claude", "skills"), join(home, ".claude", "skills")];
}

/**
 * The skills squad-mcp ships (`install-skills`). They teach the host how to use squad-mcp; they
 * are not abilities that make a task skill-bound, so routing never counts them.
 */
export const OWN_SKILLS: ReadonlySet<string> = new Set([
  "squad-delegation",
  "dual-model",
  "hierarchical-orchestrator",
]);

/**
 * Reads every `<dir>/*\/SKILL.md`; a folder without one, or unreadable, is skipped, and so are
 * squad-mcp's own skills.
 */
export function readSkills(directories: readonly string[]): Skill[] {
  const skills: Skill[] = [];
  const seen = new Set<string>();
  for (const directory of directories) {
    for (const entry of listDirectories(directory)) {
      const path = join(directory, entry, "SKILL.md");
      const text = readText(path);
      if (text === null) continue;
      const front = parseFrontMatter(text);
      const name = front.name?.trim() || entry;
      if (seen.has(name) || OWN_SKILLS.has(name)) continue;
      seen.add(name);
      skills.push({ name, description: front.description?.trim() ?? "", path });
    }
  }
  return skills;
}

function listDirectories(directory: string): string[] {
  try {
    return readdirSync(directory, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() || entry.isSymbolicLink())
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/**
 * The subset of YAML front matter SKILL.md files use: `key: value`, quoted values, and block
 * scalars (`|` or `>`) whose indented lines follow.
 */
export function parseFrontMatter(text: string): Record<string, string> {
  const match = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text.replace(/^\uFEFF/, ""));
  if (!match?.[1]) return {};
  const fields: Record<string, string> = {};
  const lines = match[1].split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const field = /^([A-Za-z_][\w-]*):\s*(.*)$/.exec(line);
    if (!field?.[1]) continue;
    const key = field[1];
    let value = (field[2] ?? "").trim();
    if (/^[|>][-+]?$/.test(value) || value === "") {
      const block: string[] = [];
      while (i + 1 < lines.length && /^(\s+\S|\s*$)/.test(lines[i + 1] ?? "")) {
        block.push((lines[++i] ?? "").trim());
      }
      value = block.join(value.startsWith("|") ? "\n" : " ").trim();
    } else if (/^(["']).*\1$/.test(value)) {
      value = value.slice(1, -1);
    }
    fields[key] = value;
  }
  return fields;
}
