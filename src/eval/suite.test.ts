import { homedir } from "node:os";
import { describe, expect, it } from "vitest";
import { CATEGORIES, DEFAULT_CONFIG } from "../config.js";
import { CommandRunner } from "../runners/command-runner.js";
import { type CheckPolicy, checkAnswer, stripFences } from "./checkers.js";
import { answerShape, EVAL_SUITE, suiteCategories, taskPrompt } from "./suite.js";

const policy: CheckPolicy = {
  runner: new CommandRunner({
    commands: { ...DEFAULT_CONFIG.commands, killGraceMs: 500 },
    projectRoot: process.cwd(),
    userHome: homedir(),
    env: { ...process.env, GEMINI_API_KEY: "secret-key" },
  }),
  timeoutMs: 10_000,
};

describe("the evaluation suite", () => {
  it("has unique ids named after their category, over several categories", () => {
    const ids = EVAL_SUITE.map((task) => task.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const task of EVAL_SUITE) {
      expect(task.id.startsWith(`${task.category}.`)).toBe(true);
      expect(CATEGORIES).toContain(task.category);
    }
    expect(suiteCategories().length).toBeGreaterThanOrEqual(8);
    expect(suiteCategories()).not.toContain("architecture");
  });

  it("tells the worker the answer format", () => {
    for (const task of EVAL_SUITE) {
      const prompt = taskPrompt(task);
      expect(prompt.startsWith(task.prompt)).toBe(true);
      expect(prompt).toMatch(/Answer with JSON/);
      expect(answerShape(task)).toMatchObject({ type: "object" });
    }
  });

  it.each(EVAL_SUITE.map((task) => [task.id, task] as const))(
    "%s: the reference answer passes and the wrong one fails",
    async (_id, task) => {
      const right = await checkAnswer(task, JSON.stringify(task.reference), policy);
      expect(right, right.detail).toMatchObject({ pass: true });
      const wrong = await checkAnswer(task, JSON.stringify(task.wrong), policy);
      expect(wrong.pass, wrong.detail).toBe(false);
      expect(wrong.detail.length).toBeLessThanOrEqual(200);
    },
    20_000,
  );
});

describe("checkers", () => {
  const task = (id: string) => {
    const found = EVAL_SUITE.find((candidate) => candidate.id === id);
    if (!found) throw new Error(id);
    return found;
  };

  it("names the failing case of a function", async () => {
    const result = await checkAnswer(
      task("codegen.roman"),
      JSON.stringify({ code: "function toRoman(n) { return 'I'.repeat(n); }" }),
      policy,
    );
    expect(result.pass).toBe(false);
    expect(result.detail).toMatch(/^1\/9 cases pass; toRoman\(4\) returned "IIII", expected "IV"/);
  });

  it("accepts exported functions and fenced code, refuses code that defines nothing", async () => {
    const chunk = task("codegen.chunk");
    const reference = (chunk.reference as { code: string }).code;
    const exported = await checkAnswer(
      chunk,
      `\`\`\`json\n${JSON.stringify({ code: `\`\`\`js\nexport ${reference}\n\`\`\`` })}\n\`\`\``,
      policy,
    );
    expect(exported).toMatchObject({ pass: true, detail: "5/5 cases pass" });
    const nothing = await checkAnswer(chunk, JSON.stringify({ code: "const x = 1;" }), policy);
    expect(nothing).toEqual({ pass: false, detail: "0/5 cases pass; defines no function chunk" });
    const broken = await checkAnswer(chunk, JSON.stringify({ code: "function chunk( {" }), policy);
    expect(broken.detail).toMatch(/does not compile/);
    const notJson = await checkAnswer(chunk, "function chunk() {}", policy);
    expect(notJson.detail).toMatch(/^not JSON/);
    const noField = await checkAnswer(chunk, JSON.stringify({ answer: "x" }), policy);
    expect(noField.detail).toBe('no "code" string in the answer');
  });

  it("kills an answer that never returns", async () => {
    const result = await checkAnswer(
      task("codegen.chunk"),
      JSON.stringify({ code: "function chunk() { for (;;) {} }" }),
      { ...policy, timeoutMs: 1_000 },
    );
    expect(result).toEqual({
      pass: false,
      detail: "the function did not finish: still running after 1 s (killed)",
    });
  });

  it("runs commands without the user's secrets and under the deny list", async () => {
    const count = task("command.count-logs");
    const leak = await checkAnswer(
      count,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template
      JSON.stringify({ command: 'echo "${GEMINI_API_KEY:-3}"' }),
      policy,
    );
    expect(leak).toEqual({ pass: true, detail: 'printed "3"' });
    const denied = await checkAnswer(
      count,
      JSON.stringify({ command: "rm -rf / ; echo 3" }),
      policy,
    );
    expect(denied.pass).toBe(false);
    expect(denied.detail).toMatch(/^refused by deny rule 'recursive delete/);
    const failing = await checkAnswer(count, JSON.stringify({ command: "echo 3; exit 4" }), policy);
    expect(failing).toEqual({ pass: false, detail: "exit 4: 3" });
  });

  it("explains what a command printed when it is wrong", async () => {
    const result = await checkAnswer(
      task("explore.find-definition"),
      JSON.stringify({ command: "grep -rl parseHeader . | sort" }),
      policy,
    );
    expect(result.pass).toBe(false);
    expect(result.detail).toMatch(/which should not name "src\/server\.js"/);
  });

  it("checks JSON answers against the task's schema", async () => {
    const result = await checkAnswer(
      task("review.find-bug"),
      JSON.stringify({ line: "4", problem: "off by one in the loop bound" }),
      policy,
    );
    expect(result.pass).toBe(false);
    expect(result.detail).toMatch(/line/);
  });

  it("strips one level of Markdown fences", () => {
    expect(stripFences('```json\n{"a": 1}\n```')).toBe('{"a": 1}');
    expect(stripFences("  plain  ")).toBe("plain");
  });
});
