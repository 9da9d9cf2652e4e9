import { describe, expect, it } from "vitest";
import { buildCoderPrompt, parseCoderAnswer } from "./coder-prompt.js";

describe("parseCoderAnswer", () => {
  it("reads an answer wrapped in one Markdown fence", () => {
    const json = JSON.stringify({
      files: [{ path: "a.ts", action: "modify", content: "x" }],
      blockers: [" needs a type "],
    });
    expect(parseCoderAnswer(`\`\`\`json\n${json}\n\`\`\``)).toEqual({
      ok: true,
      answer: {
        files: [{ path: "a.ts", action: "MODIFY", content: "x" }],
        blockers: ["needs a type"],
        deviations: [],
      },
    });
  });

  it("accepts a DELETE without content and refuses a write without it", () => {
    const deleted = parseCoderAnswer('{"files":[{"path":"old.ts","action":"DELETE"}]}');
    expect(deleted).toMatchObject({ ok: true, answer: { files: [{ content: "" }] } });
    expect(parseCoderAnswer('{"files":[{"path":"a.ts","action":"NEW"}]}')).toEqual({
      ok: false,
      problem: 'files[0] ("a.ts") has no string "content"',
    });
  });

  it("says why an answer is not the object asked for", () => {
    expect(parseCoderAnswer("Sure! Here is the code")).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/^not valid JSON/),
    });
    expect(parseCoderAnswer("[]")).toEqual({ ok: false, problem: "not a JSON object" });
    expect(parseCoderAnswer('{"files":{}}')).toEqual({
      ok: false,
      problem: '"files" is not an array',
    });
  });
});

describe("buildCoderPrompt", () => {
  it("fences file contents so backticks inside cannot end the block", () => {
    const prompt = buildCoderPrompt({
      specMarkdown: "# Code Spec CS-001 — x",
      currentFiles: [{ path: "doc.md", content: "```\ncode\n```", truncated: true }],
    });
    expect(prompt).toContain(
      "## doc.md (too large: only its beginning is shown)\n\n````\n```\ncode\n```\n````",
    );
    expect(prompt).not.toContain("previous attempt");
  });
});
