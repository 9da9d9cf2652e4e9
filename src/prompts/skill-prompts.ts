import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";

export interface SkillDocument {
  name: string;
  title: string;
  description: string;
  /** The SKILL.md text without its front matter. */
  body: string;
}

const argsSchema = {
  task: z.string().optional().describe("The task to apply the skill to."),
};

/**
 * One prompt per shipped skill, for MCP clients without Claude Code's skills: the prompt is
 * the skill itself. Files are read once here; the skills are a few KB.
 */
export function registerSkillPrompts(server: McpServer, skillsDir: string): void {
  for (const skill of readSkills(skillsDir)) {
    server.registerPrompt(
      skill.name,
      { title: skill.title, description: skill.description, argsSchema },
      ({ task }) => ({
        description: skill.description,
        messages: [
          {
            role: "user",
            content: { type: "text", text: promptText(skill.body, task) },
          },
        ],
      }),
    );
  }
}

function promptText(body: string, task: string | undefined): string {
  const trimmed = body.trim();
  return task?.trim() ? `${trimmed}\n\nTask: ${task.trim()}` : trimmed;
}

/** The skills in `skillsDir`, one per folder with a SKILL.md; none when the folder is absent. */
export function readSkills(skillsDir: string): SkillDocument[] {
  if (!existsSync(skillsDir)) return [];
  return readdirSync(skillsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(skillsDir, entry.name, "SKILL.md")))
    .map((entry) => entry.name)
    .sort()
    .map((folder) => parseSkill(folder, readFileSync(join(skillsDir, folder, "SKILL.md"), "utf8")));
}

export function parseSkill(folder: string, text: string): SkillDocument {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  const fields: Record<string, string> = {};
  for (const line of (match?.[1] ?? "").split(/\r?\n/)) {
    const field = /^([A-Za-z_-]+):\s*(.*)$/.exec(line);
    if (field?.[1]) fields[field[1]] = (field[2] ?? "").trim();
  }
  const body = match ? (match[2] ?? "") : text;
  const heading = /^#\s+(.+)$/m.exec(body)?.[1]?.trim();
  const name = fields.name || folder;
  return {
    name,
    title: heading ?? name,
    description: fields.description ?? "",
    body,
  };
}
