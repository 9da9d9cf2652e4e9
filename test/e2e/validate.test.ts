import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openSqlite } from "../../src/memory/sqlite.js";
import { type FakeGemini, startFakeGemini } from "../fakes/gemini.js";
import { type FakeOllama, startFakeOllama } from "../fakes/ollama.js";
import { callError, callOk, type RunningServer, startServer, tempDir } from "../support/server.js";

interface Verdict {
  validation_id: string;
  pass: boolean;
  escalate?: true;
  confidence: number;
  issues?: string[];
  checks?: { passed: number; of: number; failed?: string[] };
  validator?: string;
  validator_note?: string;
}

/** The checks that failed, each split into its name and what it found ("name — detail"). */
const failedList = (verdict: Verdict) =>
  (verdict.checks?.failed ?? []).map((line) => {
    const at = line.indexOf(" — ");
    return { name: line.slice(0, at), detail: line.slice(at + 3) };
  });

/** The checks that failed, by name. */
const failedChecks = (verdict: Verdict) =>
  Object.fromEntries(failedList(verdict).map((check) => [check.name, check]));

const FLASH = "gemini-2.5-flash";
const verdictJson = (pass: boolean, confidence: number, issues: string[] = []) =>
  JSON.stringify({ pass, issues, confidence, escalate: false });

async function validate(server: RunningServer, args: Record<string, unknown>): Promise<Verdict> {
  return (await callOk(server.client, "validate_output", args)) as unknown as Verdict;
}

const ADD = "export const add = (a: number, b: number) => a + b;\n";

describe("validate_output with a Gemini validator", () => {
  let gemini: FakeGemini;
  let server: RunningServer;
  let root: string;
  beforeAll(async () => {
    gemini = await startFakeGemini();
    root = tempDir("squad-project-");
    writeFileSync(join(root, "add.ts"), ADD);
    server = await startServer({
      cwd: root,
      env: { GEMINI_API_KEY: "test-key", GEMINI_BASE_URL: gemini.url },
    });
  });
  afterAll(async () => {
    await server.close();
    await gemini.close();
  });
  beforeEach(() => {
    gemini.requests.length = 0;
  });

  it("passes a correct output, with the checks' results given to the validator as evidence", async () => {
    gemini.script(FLASH, [verdictJson(true, 0.92)]);
    const verdict = await validate(server, {
      task: "Write add(a, b) in add.ts",
      files: ["add.ts"],
      checks: { commands: ["grep -q 'a + b' add.ts"], must_match: ["export const add"] },
    });
    expect(verdict).toMatchObject({ pass: true, confidence: 0.92 });
    expect(verdict).not.toHaveProperty("escalate");
    expect(verdict).not.toHaveProperty("issues");
    expect(verdict.checks).toEqual({ passed: 2, of: 2 });
    expect(verdict.validator).toBe("flash");
    const sent = gemini.requests[0];
    expect(sent?.model).toBe(FLASH);
    expect(sent?.text).toContain("PASS");
    expect(sent?.text).toContain(ADD.trim());
    expect(JSON.stringify(sent?.body)).toContain("responseSchema");
  });

  it("fails when a command check fails even though the validator says pass, and escalates", async () => {
    gemini.script(FLASH, [verdictJson(true, 0.95)]);
    const verdict = await validate(server, {
      task: "Make the tests pass",
      output: "All done, tests pass.",
      checks: { commands: ["echo '1 test failed' >&2; exit 1"] },
    });
    expect(verdict.pass).toBe(false);
    expect(verdict.escalate).toBe(true);
    expect(verdict.checks).toMatchObject({ passed: 0, of: 1 });
    expect(verdict.checks?.failed).toHaveLength(1);
    expect(failedList(verdict)[0]?.name).toMatch(/^command echo '1 test failed'/);
    expect(failedList(verdict)[0]?.detail).toMatch(/^failed: /);
    expect((verdict.issues ?? []).join("\n")).toContain(
      "the validator passed it, but checks failed",
    );
  });

  it("answers the host in a few short lines: about 100 tokens at most", async () => {
    const long = "the output misses several required parts of the task ".repeat(8);
    gemini.script(FLASH, [verdictJson(false, 0.6, [long, long, long])]);
    const result = await server.client.callTool({
      name: "validate_output",
      arguments: { task: "Do it", output: "done", checks: { commands: ["exit 1"] } },
    });
    const text = (result.content as { text: string }[])[0]?.text ?? "";
    expect(text.length).toBeLessThanOrEqual(400);
    expect(text).toMatch(/^✗ fail · confidence 0\.6 · ESCALATE/);
  });

  it("asks once more after malformed JSON, then escalates saying the validator failed", async () => {
    gemini.script(FLASH, ["Looks good to me!", "{pass: yes}"]);
    const verdict = await validate(server, {
      task: "Summarise",
      output: "A summary.",
      checks: { must_match: ["summary"] },
    });
    expect(gemini.requests).toHaveLength(2);
    expect(gemini.requests[1]?.text).toContain("could not be used");
    expect(verdict).toMatchObject({ pass: true, escalate: true });
    expect((verdict.issues ?? []).join("\n")).toMatch(
      /validator failed: flash answered invalid JSON twice/,
    );
  });

  it("uses the repaired answer when the second try parses", async () => {
    gemini.script(FLASH, ['```json\n{"pass": true}\n```', verdictJson(false, 0.85, ["misses b"])]);
    const verdict = await validate(server, { task: "Write add", output: "a" });
    expect(verdict).toMatchObject({ pass: false, confidence: 0.85 });
    expect(verdict).not.toHaveProperty("escalate");
    expect(verdict.issues).toEqual(["misses b"]);
  });

  it("checks JSON against a schema and regexes that must and must not match", async () => {
    gemini.script(FLASH, [verdictJson(true, 0.9)]);
    const verdict = await validate(server, {
      task: "Return the user as JSON",
      output: '```json\n{"name": 3, "tags": []}\n```\nTODO: add email',
      checks: {
        json_schema: {
          type: "object",
          properties: { name: { type: "string" } },
          required: ["name"],
        },
        must_match: ['"tags"'],
        must_not_match: ["/todo/i"],
      },
    });
    // Three checks, and only the must_match one passed.
    expect(verdict.checks).toMatchObject({ passed: 1, of: 3 });
    const byName = failedChecks(verdict);
    expect(Object.keys(byName).sort()).toEqual(["json_schema", "must_not_match todo"]);
    expect(byName["must_not_match todo"]?.detail).toMatch(/line 4/);
    expect(verdict.pass).toBe(false);
  });

  it("gives up on a catastrophically backtracking regex without hanging the server", async () => {
    gemini.script(FLASH, [verdictJson(false, 0.9)]);
    const started = Date.now();
    const verdict = await validate(server, {
      task: "Output a's",
      output: `${"a".repeat(40)}b`,
      checks: { must_match: ["^(a+)+$", "^(a|aa)+$"] },
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(verdict.checks).toMatchObject({ passed: 0, of: 2 });
    expect(verdict.checks?.failed).toHaveLength(2);
    expect(failedList(verdict)[0]?.detail).toMatch(/gave up/);
    const again = await callOk(server.client, "route_task", { task: "run npm test" });
    expect(again.route).toBeDefined();
  });

  it("refuses a bad pattern or an empty request as input errors naming the field", async () => {
    expect(
      await callError(server.client, "validate_output", {
        task: "x",
        output: "y",
        checks: { must_match: ["ok", "(unclosed"] },
      }),
    ).toMatch(/checks\.must_match\[1\].*\(unclosed/);
    expect(await callError(server.client, "validate_output", { task: "x" })).toMatch(/^output: /);
    expect(gemini.requests).toHaveLength(0);
  });
});

describe("validate_output without a usable validator", () => {
  it("gives a checks-only verdict, and escalates when there are no checks either", async () => {
    const server = await startServer({ cwd: tempDir("squad-project-") });
    try {
      const checked = await validate(server, {
        task: "Say hello",
        output: "hello",
        checks: { must_match: ["hello"], commands: ["true"] },
      });
      expect(checked).toMatchObject({ pass: true, checks: { passed: 2, of: 2 } });
      expect(checked).not.toHaveProperty("escalate");
      expect(checked).not.toHaveProperty("validator");
      const nothing = await validate(server, { task: "Say hello", output: "hello" });
      expect(nothing).toMatchObject({ pass: false, escalate: true });
      expect(nothing).not.toHaveProperty("validator");
      expect(nothing.issues?.[0]).toMatch(/nothing could judge this output: .*GEMINI_API_KEY/);
    } finally {
      await server.close();
    }
  });
});

/** Files to attach: which are inside the project and which are refused, and why. */
const attachments: [name: string, files: string[], refusal: RegExp | null][] = [
  ["a file whose name starts with two dots", ["..notes.md"], null],
  ["a file in a folder whose name starts with two dots", ["..drafts/notes.md"], null],
  [
    "a file above the project",
    ["../outside.md"],
    /files: '\.\.\/outside\.md' is outside the project/,
  ],
  ["the project folder itself", ["."], /files: '\.' is not a file/],
];

describe("validate_output attachments", () => {
  let server: RunningServer;
  beforeAll(async () => {
    const parent = tempDir("squad-attach-");
    const root = join(parent, "project");
    mkdirSync(join(root, "..drafts"), { recursive: true });
    writeFileSync(join(root, "..notes.md"), "hello notes\n");
    writeFileSync(join(root, "..drafts", "notes.md"), "hello drafts\n");
    writeFileSync(join(parent, "outside.md"), "hello outside\n");
    server = await startServer({ cwd: root });
  });
  afterAll(() => server.close());

  it.each(attachments)("%s", async (_name, files, refusal) => {
    const args = { task: "Say hello", files, checks: { must_match: ["hello"] } };
    if (refusal) {
      expect(await callError(server.client, "validate_output", args)).toMatch(refusal);
    } else {
      expect((await validate(server, args)).checks).toEqual({ passed: 1, of: 1 });
    }
  });
});

describe("validate_output with a costly schema", () => {
  it("stops a quadratic uniqueItems check at its time limit and answers meanwhile", async () => {
    const server = await startServer({ cwd: tempDir("squad-project-") });
    try {
      const items = Array.from({ length: 60_000 }, (_, index) => ({ n: index }));
      let settled = false;
      const checking = validate(server, {
        task: "List distinct items",
        output: JSON.stringify(items),
        checks: { json_schema: { type: "array", uniqueItems: true } },
      }).finally(() => {
        settled = true;
      });
      const listed = await server.client.listTools();
      expect(listed.tools.length).toBeGreaterThan(0);
      expect(settled).toBe(false);
      const verdict = await checking;
      expect(verdict.pass).toBe(false);
      expect(verdict.checks).toMatchObject({ passed: 0, of: 1 });
      expect(failedList(verdict)[0]).toMatchObject({ name: "json_schema" });
      expect(failedList(verdict)[0]?.detail).toMatch(/gave up after 2000 ms.*uniqueItems/);
      const small = await validate(server, {
        task: "List distinct items",
        output: "[1, 2, 2]",
        checks: { json_schema: { type: "array", uniqueItems: true } },
      });
      expect(failedList(small)[0]?.detail).toMatch(/must NOT have duplicate items/);
    } finally {
      await server.close();
    }
  });
});

describe("validate_output closes the learning loop", () => {
  let ollama: FakeOllama;
  beforeAll(async () => {
    ollama = await startFakeOllama({ models: [{ name: "qwen2.5-coder:7b" }] });
  });
  afterAll(() => ollama.close());

  it("logs the verdict as an outcome for the routed worker when given the decision_id", async () => {
    const root = tempDir("squad-project-");
    const home = tempDir("squad-home-");
    writeFileSync(join(root, "squad.config.json"), JSON.stringify({ routing: { exploration: 0 } }));
    const server = await startServer({ cwd: root, home, env: { OLLAMA_HOST: ollama.url } });
    try {
      const task = "Summarise the TODO comments in src/ with file and line";
      const route = await callOk(server.client, "route_task", { task });
      expect(route).toMatchObject({ kind: "model", worker: "qwen-fast" });
      const verdict = await validate(server, {
        task,
        output: "no matches",
        decision_id: route.decision_id,
        validator: "qwen-fast",
        checks: { must_match: ["src/.*:\\d+:"] },
      });
      expect(verdict.pass).toBe(false);
      const db = openSqlite(join(home, "squad.db"), { readOnly: true });
      try {
        const outcome = db
          .prepare("SELECT worker, category, success, score, source FROM outcomes")
          .get();
        expect(outcome).toEqual({
          worker: "qwen-fast",
          category: route.category,
          success: 0,
          score: verdict.confidence,
          source: "validation",
        });
        const profile = db
          .prepare("SELECT n, successes, failure_streak FROM profiles WHERE worker = 'qwen-fast'")
          .get();
        expect(profile).toEqual({ n: 1, successes: 0, failure_streak: 1 });
        const stored = db.prepare("SELECT pass, decision_id FROM validations").get();
        expect(stored).toEqual({ pass: 0, decision_id: route.decision_id });
      } finally {
        db.close();
      }
    } finally {
      await server.close();
    }
  });
});
