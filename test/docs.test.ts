import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TOOLS_DOC, toolsMarkdown } from "../scripts/docs.js";
import { TOOL_NAMES } from "../src/tools/names.js";

describe("docs/tools.md", () => {
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
