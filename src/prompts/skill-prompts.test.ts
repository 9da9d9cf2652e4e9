import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { shippedSkillsDir } from "../package-files.js";
import { registerSkillPrompts } from "./skill-prompts.js";

const SKILLS_DIR = shippedSkillsDir();

let client: Client;
let server: McpServer;

beforeEach(async () => {
  server = new McpServer({ name: "squad-mcp-test", version: "0.0.0" });
  registerSkillPrompts(server, SKILLS_DIR);
  client = new Client({ name: "test-client", version: "0.0.0" });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
});

afterEach(async () => {
  await client.close();
  await server.close();
});

function firstText(result: Awaited<ReturnType<Client["getPrompt"]>>): string {
  expect(result.messages).toHaveLength(1);
  const [message] = result.messages;
  expect(message?.role).toBe("user");
  if (message?.content.type !== "text") throw new Error("expected a text message");
  return message.content.text;
}

describe("skill prompts", () => {
  it("lists one prompt per shipped skill, each with an optional task argument", async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((prompt) => prompt.name).sort()).toEqual([
      "dual-model",
      "hierarchical-orchestrator",
      "squad-delegation",
    ]);
    for (const prompt of prompts) {
      expect(prompt.description).toBeTruthy();
      expect(prompt.arguments).toEqual([
        expect.objectContaining({ name: "task", required: false }),
      ]);
    }
  });

  it("returns the skill body without its front matter when no task is given", async () => {
    const text = firstText(await client.getPrompt({ name: "squad-delegation" }));
    const file = readFileSync(join(SKILLS_DIR, "squad-delegation", "SKILL.md"), "utf8");
    expect(text.startsWith("# Squad delegation")).toBe(true);
    expect(text).not.toContain("name: squad-delegation");
    expect(file).toContain(text);
    expect(text).not.toContain("Task:");
  });

  it("ends with the task when one is given", async () => {
    const text = firstText(
      await client.getPrompt({ name: "dual-model", arguments: { task: "add a --json flag" } }),
    );
    expect(text).toContain("# Dual model");
    expect(text.split("\n").at(-1)).toBe("Task: add a --json flag");
  });
});
