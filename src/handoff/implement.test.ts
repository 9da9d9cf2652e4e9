import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeGemini, startFakeGemini } from "../../test/fakes/gemini.js";
import {
  type FakeOllama,
  type FakeReply,
  startFakeOllama,
  userPrompts,
} from "../../test/fakes/ollama.js";
import { initRepo, worktreePaths } from "../../test/support/git-repo.js";
import { type AppContext, createContext } from "../context.js";
import { implementSpec } from "./implement.js";
import { type CodeSpec, checkSpec, type SpecDraft } from "./spec.js";
import { reportFilePath, writeSpecFiles } from "./spec-files.js";
import { renderSpec } from "./spec-markdown.js";
import { gitOutput } from "./worktree.js";

const CODER_MODEL = "qwen2.5-coder:32b";
const RIVAL_MODEL = "codellama:13b";
const BROKEN_ADD = "export function add(a, b) {\n  return a - b;\n}\n";
const FIXED_ADD = "export function add(a, b) {\n  return a + b;\n}\n";

let base: string;
let fake: FakeOllama;
let repoCount = 0;
const contexts: AppContext[] = [];

beforeAll(async () => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "squad-implement-test-")));
  fake = await startFakeOllama({ models: [{ name: CODER_MODEL }, { name: RIVAL_MODEL }] });
  spentGemini = await startFakeGemini({ rpdLimit: 0 });
});
afterAll(async () => {
  await fake.close();
  await spentGemini.close();
  rmSync(base, { recursive: true, force: true });
});
afterEach(() => {
  for (const ctx of contexts.splice(0)) ctx.close();
});

/** A committed repository holding `files`, with a context whose models are the fake Ollama. */
async function makeProject(
  files: Record<string, string>,
  env: Record<string, string> = {},
): Promise<AppContext> {
  repoCount += 1;
  const repo = await initRepo(join(base, `repo-${repoCount}`), files);
  const home = join(base, `home-${repoCount}`);
  mkdirSync(home);
  const ctx = createContext({
    cwd: repo,
    env: {
      SQUAD_HOME: home,
      HOME: home,
      OLLAMA_HOST: fake.url,
      SQUAD_LOG_LEVEL: "silent",
      ...env,
    },
  });
  contexts.push(ctx);
  return ctx;
}

/** Stores a spec the way write_code_spec will: checked, numbered, Markdown written. */
function writeSpec(
  ctx: AppContext,
  draft: Partial<SpecDraft> = {},
): { id: string; spec: CodeSpec } {
  const spec = checkSpec(
    {
      title: "Fix add",
      objective: "add must return the sum of its arguments.",
      priority: "P1",
      files: [
        {
          path: "src/add.js",
          action: "MODIFY",
          function: "add",
          change: "Return a + b instead of a - b.",
          constraints: [],
        },
      ],
      tests: [],
      guardrails: ["Do not rename the function."],
      verification:
        'grep -q "return a + b" src/add.js || { echo "add still subtracts: CHECK-$((40 + 2))"; exit 1; }',
      ...draft,
    },
    ctx.projectRoot,
    "",
  );
  const [id = ""] = ctx.store.specs.allocate(ctx.projectRoot, [spec]);
  const path = writeSpecFiles(ctx.projectRoot, id, renderSpec(id, spec));
  ctx.store.specs.setMarkdownPath(ctx.projectRoot, id, path);
  return { id, spec };
}

function answer(files: { path: string; action: string; content: string }[], extra = {}): string {
  return JSON.stringify({ files, blockers: [], deviations: [], ...extra });
}

const fixedAnswer = answer([{ path: "src/add.js", action: "MODIFY", content: FIXED_ADD }]);
const brokenAnswer = answer([{ path: "src/add.js", action: "MODIFY", content: BROKEN_ADD }]);

const never = new AbortController().signal;

/** Gemini with no requests left today: every call is a per-day 429. */
let spentGemini: FakeGemini;

/** Coders an attempt cannot reach: the alias, the environment, what the fake says, the blocker. */
const unreachableCoders: [
  name: string,
  coder: string,
  env: () => Record<string, string>,
  replies: FakeReply[],
  blocker: RegExp,
][] = [
  [
    "connection refused",
    "qwen-coder",
    () => ({ OLLAMA_HOST: "http://127.0.0.1:2" }),
    [],
    /qwen-coder failed: .*127\.0\.0\.1:2/,
  ],
  ["no host has its model", "qwen-moe", () => ({}), [], /qwen3:30b-a3b/],
  ["no API key", "flash", () => ({}), [], /coder call to flash failed: .*GEMINI_API_KEY/],
  [
    "the daily quota spent",
    "flash",
    () => ({ GEMINI_API_KEY: "test-key", GEMINI_BASE_URL: spentGemini.url }),
    [],
    /coder call to flash failed: .*quota/i,
  ],
  [
    "5xx after the retries",
    "qwen-coder",
    () => ({}),
    Array.from({ length: 3 }, () => ({ content: "", status: 503, error: "overloaded" })),
    /qwen-coder failed: .*overloaded/,
  ],
];

describe("implementSpec", () => {
  it("passes on the first attempt and saves a report and a patch that applies to the user's tree", async () => {
    const ctx = await makeProject({ "src/add.js": BROKEN_ADD });
    const { id } = writeSpec(ctx);
    const since = fake.requests.length;
    fake.script(CODER_MODEL, [fixedAnswer]);
    const progress: string[] = [];

    const result = await implementSpec(
      ctx,
      { specId: id, coders: ["qwen-coder"], maxAttempts: 2 },
      never,
      (message) => progress.push(message),
    );

    expect(result).toMatchObject({
      spec_id: id,
      verdict: "pass",
      attempts: 1,
      worker: "qwen-coder",
      files_changed: [{ path: "src/add.js", added: 1, removed: 1, action: "MODIFY" }],
      verification: { exit_code: 0 },
      blockers: [],
      deviations: [],
      report: `squad://specs/${id}/report`,
    });
    expect(result.candidates).toBeUndefined();
    expect(progress).toEqual([`${id} attempt 1/2 on qwen-coder: verification passed`]);
    const [prompt = ""] = userPrompts(fake, CODER_MODEL, since);
    expect(prompt).toContain(`# Code Spec ${id} — Fix add`);
    expect(prompt).toContain("return a - b;"); // the MODIFY file's current contents
    expect(readFileSync(reportFilePath(ctx.projectRoot, id), "utf8")).toContain("**Result:** PASS");
    expect(readFileSync(result.patch ?? "(no patch)", "utf8")).toContain("+  return a + b;");
    await gitOutput(ctx.projectRoot, ["apply", "--check", result.patch ?? "(no patch)"]);
    expect(readFileSync(join(ctx.projectRoot, "src/add.js"), "utf8")).toBe(BROKEN_ADD);
    expect(await gitOutput(ctx.projectRoot, ["status", "--porcelain"])).toBe("");
    expect(await worktreePaths(ctx.projectRoot)).toEqual([ctx.projectRoot]);
    expect(ctx.store.specs.latestReport(ctx.projectRoot, id)?.verdict).toBe("pass");
    expect(ctx.store.outcomes.profile("qwen-coder", "codegen")).toMatchObject({
      n: 1,
      successes: 1,
    });
  });

  it("feeds the first attempt's failure into the second prompt and passes on attempt 2", async () => {
    const ctx = await makeProject({ "src/add.js": BROKEN_ADD });
    const { id } = writeSpec(ctx);
    const since = fake.requests.length;
    fake.script(CODER_MODEL, [brokenAnswer, fixedAnswer]);
    const progress: string[] = [];

    const result = await implementSpec(
      ctx,
      { specId: id, coders: ["qwen-coder"], maxAttempts: 2 },
      never,
      (message) => progress.push(message),
    );

    expect(result).toMatchObject({ verdict: "pass", attempts: 2, verification: { exit_code: 0 } });
    expect(progress).toEqual([
      `${id} attempt 1/2 on qwen-coder: verification failed (exit 1)`,
      `${id} attempt 2/2 on qwen-coder: verification passed`,
    ]);
    const prompts = userPrompts(fake, CODER_MODEL, since);
    expect(prompts).toHaveLength(2);
    expect(prompts[0]).not.toContain("CHECK-42");
    expect(prompts[1]).toContain("CHECK-42");
    expect(prompts[1]).toContain("previous attempt (1) failed: verification failed (exit 1)");
    expect(await worktreePaths(ctx.projectRoot)).toEqual([ctx.projectRoot]);
    // The codegen outcome carries what both answers cost, as the model calls recorded it.
    const { rows, calls } = ctx.store.stats.summary(0);
    const outcome = rows.find((row) => row.worker === "qwen-coder" && row.category === "codegen");
    const spent = calls.find((call) => call.worker === "qwen-coder");
    expect(spent?.calls).toBe(2);
    expect(outcome?.tokens_in).toBeGreaterThan(0);
    expect([outcome?.tokens_in, outcome?.tokens_out]).toEqual([
      spent?.tokens_in,
      spent?.tokens_out,
    ]);
    expect(outcome?.mean_latency_ms).toBeGreaterThan(0);
  });

  it("reports a failure with the last digest when every attempt fails", async () => {
    const ctx = await makeProject({ "src/add.js": BROKEN_ADD });
    const { id } = writeSpec(ctx);
    fake.script(CODER_MODEL, [brokenAnswer, "this is not JSON"]);

    const result = await implementSpec(
      ctx,
      { specId: id, coders: ["qwen-coder"], maxAttempts: 2 },
      never,
    );

    expect(result).toMatchObject({
      verdict: "fail",
      attempts: 2,
      verification: { exit_code: null },
    });
    expect(result.blockers).toEqual([expect.stringMatching(/answer was unusable: not valid JSON/)]);
    expect(ctx.store.outcomes.profile("qwen-coder", "codegen")).toMatchObject({
      n: 1,
      successes: 0,
    });
    expect(readFileSync(reportFilePath(ctx.projectRoot, id), "utf8")).toContain("NOT CLEAN");
  });

  it("does not spend a second attempt on a coder whose model no host has", async () => {
    const ctx = await makeProject({ "src/add.js": BROKEN_ADD });
    const { id } = writeSpec(ctx);
    // qwen-moe's model (qwen3:30b-a3b) is not on the fake Ollama: asking again cannot help.
    const result = await implementSpec(
      ctx,
      { specId: id, coders: ["qwen-moe"], maxAttempts: 3 },
      never,
    );

    expect(result).toMatchObject({ verdict: "fail", attempts: 1, worker: "qwen-moe" });
    expect(result.blockers).toEqual([
      expect.stringMatching(/coder call to qwen-moe failed: .*qwen3:30b-a3b/),
    ]);
  });

  it.each(unreachableCoders)(
    "records nothing against a coder it never reached: %s",
    async (_name, coder, env, replies, blocker) => {
      const ctx = await makeProject({ "src/add.js": BROKEN_ADD }, env());
      const { id } = writeSpec(ctx);
      if (replies.length) fake.script(CODER_MODEL, replies);

      for (let call = 0; call < 3; call++) {
        const result = await implementSpec(
          ctx,
          { specId: id, coders: [coder], maxAttempts: 1 },
          never,
        );
        expect(result).toMatchObject({ verdict: "fail", worker: coder, coder_reached: false });
        expect(result.patch).toBeUndefined();
        expect(result.blockers).toEqual([expect.stringMatching(blocker)]);
      }
      expect(ctx.store.outcomes.profile(coder, "codegen")).toBeUndefined();
      expect(existsSync(join(ctx.projectRoot, ".squad", "specs", `${id}.patch`))).toBe(false);
      expect(readFileSync(reportFilePath(ctx.projectRoot, id), "utf8")).toContain(coder);
      expect(ctx.store.specs.latestReport(ctx.projectRoot, id)?.patchPath).toBeNull();
    },
  );

  it("does not write paths outside the spec's list and reports them as deviations", async () => {
    const ctx = await makeProject({ "src/add.js": BROKEN_ADD });
    const { id } = writeSpec(ctx);
    const gitConfig = readFileSync(join(ctx.projectRoot, ".git/config"), "utf8");
    fake.script(CODER_MODEL, [
      answer([
        { path: "src/add.js", action: "MODIFY", content: FIXED_ADD },
        { path: "../outside.txt", action: "NEW", content: "escaped" },
        { path: ".git/config", action: "MODIFY", content: "[core]\n\thooksPath = /tmp/evil\n" },
      ]),
    ]);

    const result = await implementSpec(
      ctx,
      { specId: id, coders: ["qwen-coder"], maxAttempts: 1 },
      never,
    );

    expect(result.verdict).toBe("pass");
    expect(result.deviations).toEqual([
      expect.stringMatching(/^"\.\.\/outside\.txt" not written: .*'\.\.'/),
      expect.stringMatching(/^"\.git\/config" not written: inside \.git/),
    ]);
    expect(result.files_changed.map((file) => file.path)).toEqual(["src/add.js"]);
    expect(readFileSync(result.patch ?? "(no patch)", "utf8")).not.toContain("outside");
    expect(existsSync(join(tmpdir(), "outside.txt"))).toBe(false);
    expect(readFileSync(join(ctx.projectRoot, ".git/config"), "utf8")).toBe(gitConfig);
  });

  it("runs competing coders in their own worktrees and keeps the one that verifies", async () => {
    const ctx = await makeProject({
      "src/add.js": BROKEN_ADD,
      "squad.config.json": JSON.stringify({
        workers: {
          "llama-rival": {
            provider: "ollama",
            model: RIVAL_MODEL,
            maxComplexity: 5,
            contextWindow: 16_384,
            price: { input: 0, output: 0 },
          },
        },
      }),
    });
    const { id } = writeSpec(ctx);
    fake.script(RIVAL_MODEL, [brokenAnswer, brokenAnswer]);
    fake.script(CODER_MODEL, [fixedAnswer]);
    const progress: string[] = [];

    const result = await implementSpec(
      ctx,
      { specId: id, coders: ["llama-rival", "qwen-coder"], maxAttempts: 2 },
      never,
      (message) => progress.push(message),
    );

    expect(result).toMatchObject({ verdict: "pass", worker: "qwen-coder", attempts: 1 });
    expect(result.candidates).toEqual([
      {
        worker: "qwen-coder",
        verdict: "pass",
        attempts: 1,
        files_changed: 1,
        blockers: [],
        deviations: [],
      },
      {
        worker: "llama-rival",
        verdict: "fail",
        attempts: 2,
        files_changed: 0,
        blockers: [],
        deviations: [],
      },
    ]);
    expect(progress).toContain(`${id} attempt 2/2 on llama-rival: verification failed (exit 1)`);
    expect(readFileSync(result.patch ?? "(no patch)", "utf8")).toContain("+  return a + b;");
    const report = readFileSync(reportFilePath(ctx.projectRoot, id), "utf8");
    expect(report).toContain("## Candidates");
    expect(report).toMatch(/\| 2 \| llama-rival \| FAIL \| 2 \|/);
    expect(ctx.store.outcomes.profile("llama-rival", "codegen")).toMatchObject({
      n: 1,
      successes: 0,
    });
    expect(ctx.store.outcomes.profile("qwen-coder", "codegen")).toMatchObject({
      n: 1,
      successes: 1,
    });
    expect(await worktreePaths(ctx.projectRoot)).toEqual([ctx.projectRoot]);
  });

  it("stops quickly when cancelled during verification and leaves no worktree behind", async () => {
    const ctx = await makeProject({ "src/add.js": BROKEN_ADD });
    const { id } = writeSpec(ctx, { verification: "sleep 30" });
    const since = fake.requests.length;
    fake.script(CODER_MODEL, [fixedAnswer]);
    const controller = new AbortController();

    const running = implementSpec(
      ctx,
      { specId: id, coders: ["qwen-coder"], maxAttempts: 2 },
      controller.signal,
    );
    const outcome = running.then(
      () => "resolved",
      (error: unknown) => error,
    );
    while (userPrompts(fake, CODER_MODEL, since).length === 0) await sleep(20);
    await sleep(500); // the answer is written and `sleep 30` has started
    const abortedAt = Date.now();
    controller.abort(new Error("stopped by the test"));

    expect(await outcome).toEqual(new Error("stopped by the test"));
    expect(Date.now() - abortedAt).toBeLessThan(5_000);
    expect(await worktreePaths(ctx.projectRoot)).toEqual([ctx.projectRoot]);
    expect(ctx.store.specs.latestReport(ctx.projectRoot, id)).toBeUndefined();
  });

  it("refuses an unknown spec id and an unknown coder before any work", async () => {
    const ctx = await makeProject({ "src/add.js": BROKEN_ADD });
    const { id } = writeSpec(ctx);

    await expect(
      implementSpec(ctx, { specId: "CS-099", coders: ["qwen-coder"], maxAttempts: 2 }, never),
    ).rejects.toMatchObject({
      field: "spec_id",
      message: expect.stringMatching(/no spec "CS-099"/),
    });
    await expect(
      implementSpec(ctx, { specId: id, coders: ["nobody"], maxAttempts: 2 }, never),
    ).rejects.toMatchObject({
      field: "coder",
      message: expect.stringMatching(/unknown alias "nobody"/),
    });
  });
});

type ImplementOutcome = Awaited<ReturnType<typeof implementSpec>>;

/** Coder answers that are too much: what the coder sends, the config, and what must hold. */
const excessiveAnswers: [
  name: string,
  coderAnswer: string,
  config: Record<string, unknown>,
  check: (result: ImplementOutcome, report: string) => void,
][] = [
  [
    "10,000 proposed files",
    answer([
      { path: "src/add.js", action: "MODIFY", content: FIXED_ADD },
      ...Array.from({ length: 10_000 }, (_, i) => ({
        path: `extra/f${i}.txt`,
        action: "NEW",
        content: "x",
      })),
    ]),
    {},
    (result, report) => {
      expect(result.deviations).toHaveLength(6);
      expect(result.deviations[5]).toMatch(/^… and 9995 more \(squad:\/\/specs\/CS-001\/report\)$/);
      expect(report).toContain("extra/f9999.txt");
    },
  ],
  [
    "300 blockers and 300 deviations of 1 KB each",
    answer([{ path: "src/add.js", action: "MODIFY", content: FIXED_ADD }], {
      blockers: Array.from({ length: 300 }, (_, i) => `blocker-${i} ${"b".repeat(1_024)}`),
      deviations: Array.from({ length: 300 }, (_, i) => `deviation-${i} ${"d".repeat(1_024)}`),
    }),
    {},
    (result, report) => {
      expect(result.blockers.at(-1)).toMatch(/^… and \d+ more/);
      expect(result.deviations.at(-1)).toMatch(/^… and \d+ more/);
      for (const item of [...result.blockers, ...result.deviations]) {
        expect(item.length).toBeLessThanOrEqual(200);
      }
      expect(report).toContain("blocker-299");
      expect(report).toContain("deviation-299");
    },
  ],
  [
    "an answer over squad.maxCoderAnswerBytes",
    answer([{ path: "src/add.js", action: "MODIFY", content: FIXED_ADD + "//".repeat(10_000) }]),
    { squad: { maxCoderAnswerBytes: 10_000 } },
    (result, report) => {
      expect(result).toMatchObject({ verdict: "fail", attempts: 1, files_changed: [] });
      expect(result.blockers).toEqual([
        expect.stringMatching(/answer is over squad\.maxCoderAnswerBytes \(10000 bytes; \d+ read/),
      ]);
      expect(report).toContain("squad.maxCoderAnswerBytes");
      // The stream was closed soon after the limit, not read to its 20 KB end.
      expect(Number(/; (\d+) read/.exec(result.blockers[0] ?? "")?.[1])).toBeLessThan(12_000);
    },
  ],
];

describe("implementSpec with a coder answer that is too much", () => {
  it.each(excessiveAnswers)(
    "%s: the result stays small, the report has it all",
    async (_name, coderAnswer, config, check) => {
      const ctx = await makeProject({
        "src/add.js": BROKEN_ADD,
        "squad.config.json": JSON.stringify(config),
      });
      const { id } = writeSpec(ctx);
      fake.script(CODER_MODEL, [coderAnswer]);

      const result = await implementSpec(
        ctx,
        { specId: id, coders: ["qwen-coder"], maxAttempts: 1 },
        never,
      );

      expect(JSON.stringify(result).length).toBeLessThan(3_000);
      check(result, readFileSync(reportFilePath(ctx.projectRoot, id), "utf8"));
      expect(await worktreePaths(ctx.projectRoot)).toEqual([ctx.projectRoot]);
    },
  );
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
