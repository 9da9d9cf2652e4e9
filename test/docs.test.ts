import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CONFIG_DOC,
  configurationMarkdown,
  EXAMPLE_CONFIG,
  TOOLS_DOC,
  toolsMarkdown,
} from "../scripts/docs.js";
import { ENVIRONMENT_VARIABLES } from "../src/config/environment.js";
import { loadConfig } from "../src/config/load.js";
import { configSchema } from "../src/config/schema.js";
import type { CodeReport } from "../src/handoff/report.js";
import type { CodeSpec } from "../src/handoff/spec.js";
import { renderReport, renderSpec } from "../src/handoff/spec-markdown.js";
import { TOOL_NAMES } from "../src/tools/names.js";
import { PACKAGE_ROOT } from "./support/server.js";

describe("docs/tools.md", () => {
  it("describes every input and output field of every tool", () => {
    const blank = toolsMarkdown()
      .split("\n")
      .filter((line) => /^\| `[^`]+` \|.*\|\s*\|$/.test(line));
    expect(blank).toEqual([]);
  });

  it("is what the tools' schemas say now (run npm run docs after changing one)", () => {
    expect(readFileSync(TOOLS_DOC, "utf8")).toBe(toolsMarkdown());
  });

  it("has a section for every tool and a row for every input field", () => {
    const doc = toolsMarkdown();
    for (const name of TOOL_NAMES) expect(doc).toContain(`## \`${name}\` — `);
    expect(doc).toMatch(/\| `tasks\[\]\.command` \| string/);
    expect(doc).toMatch(/\| `task` \| string \(1–20000\) \| yes \|/);
  });
});

type Json = { [key: string]: unknown };

/** Every field path of a JSON Schema whose property carries no description. */
function undescribed(schema: Json, path: string): string[] {
  const missing: string[] = [];
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  for (const [name, property] of Object.entries(properties)) {
    const at = path ? `${path}.${name}` : name;
    if (!property.description) missing.push(at);
    missing.push(...undescribed(property, at));
  }
  const nested = [schema.items, schema.additionalProperties];
  for (const child of nested)
    if (typeof child === "object" && child !== null)
      missing.push(...undescribed(child as Json, path));
  return missing;
}

describe("docs/configuration.md", () => {
  it("is what the config schema and defaults say now (run npm run docs after changing one)", () => {
    expect(readFileSync(CONFIG_DOC, "utf8")).toBe(configurationMarkdown());
  });

  it("has a description for every field of the config schema", () => {
    const schema = z.toJSONSchema(configSchema, { target: "draft-7", io: "input" }) as Json;
    expect(undescribed(schema, "")).toEqual([]);
  });

  it("lists every field with its default", () => {
    const doc = configurationMarkdown();
    expect(doc).toMatch(/\| `routing\.qualityBar` \| number \(0–1\) \| `0\.8` \| A worker/);
    expect(doc).toMatch(/\| `workers\.<alias>\.model` \| string/);
    expect(doc).toMatch(/\| `routing\.priors\.<alias>\.<category>\.successes` \|/);
    expect(doc).toMatch(/\| `commands\.deny\[\]\.pattern` \|/);
    expect(doc).toMatch(/\| `qwen-coder` \| ollama \| qwen2\.5-coder:32b \| 6 \|/);
  });

  it("shows an example that loads as it says", () => {
    const cwd = mkdtempSync(join(tmpdir(), "docs-example-"));
    writeFileSync(join(cwd, "squad.config.json"), JSON.stringify(EXAMPLE_CONFIG));
    const { config } = loadConfig({ cwd, env: { SQUAD_HOME: join(cwd, "home") } });
    expect(config.workers.pro).toBeUndefined();
    expect(config.workers["qwen-coder"]?.model).toBe("qwen2.5-coder:14b");
    expect(config.workers.lmstudio?.provider).toBe("openai");
    expect(config.roles.validator).toBe("sonnet");
    expect(config.commands.sandbox).toBe("required");
  });

  it("names every environment variable the server reads", async () => {
    const read = new Set<string>();
    const prefixed = /\b((?:SQUAD|OLLAMA|GEMINI|GOOGLE|OPENAI|ANTHROPIC)_[A-Z0-9_]+)\b/;
    const uses = new RegExp(`env(?:\\.|\\[")${prefixed.source}|"${prefixed.source}"`, "g");
    const src = join(PACKAGE_ROOT, "src");
    for (const file of readdirSync(src, { recursive: true, encoding: "utf8" })) {
      if (!file.endsWith(".ts") || file.endsWith(".test.ts")) continue;
      for (const match of readFileSync(join(src, file), "utf8").matchAll(uses))
        read.add(match[1] ?? match[2] ?? "");
    }
    // Variables agents set (GEMINI_CLI, …) are kept from commands, never read as settings.
    const { AGENT_MARKERS } = await import("../src/runners/command-policy.js");
    for (const marker of AGENT_MARKERS) read.delete(marker);
    expect(read).toContain("SQUAD_HOME");
    expect(read).toContain("ANTHROPIC_BASE_URL");
    const documented = ENVIRONMENT_VARIABLES.map((variable) => variable.name);
    expect([...read].filter((name) => !documented.includes(name))).toEqual([]);
    const doc = configurationMarkdown();
    for (const name of documented) expect(doc).toContain(`| \`${name}\` |`);
  });
});

describe("docs/formats.md", () => {
  const spec: CodeSpec = {
    title: "Add a slugify helper",
    objective: "Titles become URL slugs in one place instead of three ad-hoc regexes.",
    priority: "P1",
    files: [
      {
        path: "src/slug.ts",
        action: "NEW",
        function: "slugify",
        change:
          "Export slugify(title): lowercase, runs of non-alphanumerics become one '-', no leading or trailing '-'.",
        signature: "export function slugify(title: string): string",
        constraints: ["No dependencies."],
      },
      {
        path: "src/posts.ts",
        action: "MODIFY",
        function: "postUrl",
        change: "Use slugify instead of the inline regex.",
        constraints: [],
      },
    ],
    tests: [
      {
        name: "slugify('Hello, World!') === 'hello-world'",
        verifies: "punctuation collapses to one dash",
      },
    ],
    guardrails: ["Do not change postUrl's signature."],
    verification: "npm test -- slug",
  };
  /** Lines added and removed per file of the spec, as git would count them. */
  const lines = [
    { added: 9, removed: 0 },
    { added: 2, removed: 3 },
  ];
  const report: CodeReport = {
    spec_id: "CS-007",
    verdict: "pass",
    attempts: 2,
    worker: "qwen-coder",
    files_changed: spec.files.map(({ path, action }, index) => ({
      path,
      action,
      added: 0,
      removed: 0,
      ...lines[index],
    })),
    verification: { command: spec.verification, exit_code: 0, digest: "vitest: 3 passed" },
    blockers: [],
    deviations: [],
  };
  const formats = readFileSync(join(PACKAGE_ROOT, "docs", "formats.md"), "utf8");

  it("shows a Code Spec exactly as squad-mcp writes one", () => {
    expect(formats).toContain(renderSpec("CS-007", spec));
  });

  it("shows a Code Report exactly as squad-mcp writes one", () => {
    expect(formats).toContain(renderReport(report));
  });
});
