import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterEach, describe, expect, it } from "vitest";
import { EVAL_SUITE, type EvalTask } from "../../src/eval/suite.js";
import { openSqlite } from "../../src/memory/sqlite.js";
import { startFakeAnthropic } from "../fakes/anthropic.js";
import { startFakeOllama } from "../fakes/ollama.js";
import { startFakeOpenAI } from "../fakes/openai.js";
import { runCli } from "../support/cli.js";
import { initRepo } from "../support/git-repo.js";
import {
  callOk,
  PACKAGE_ROOT,
  type RunTask,
  runTasks,
  startServer,
  tempDir,
} from "../support/server.js";

interface RunView {
  tasks: RunTask[];
}

const LOCAL_MODEL = "qwen2.5-coder-7b-instruct";
const HAIKU = "claude-haiku-4-5";
const SONNET = "claude-sonnet-4-5";
const OPENAI_KEY = "sk-lm-e2e-0001";
const ANTHROPIC_KEY = "sk-ant-e2e-0002";
const ADD = "export const add = (a: number, b: number) => a + b;\n";

/** Only the new providers: the default Ollama and Gemini aliases are removed. */
const lmConfig = (over: Record<string, unknown> = {}) => ({
  workers: {
    "qwen-fast": null,
    "qwen-coder": null,
    "qwen-moe": null,
    "flash-lite": null,
    flash: null,
    pro: null,
    lm: {
      provider: "openai",
      model: LOCAL_MODEL,
      maxComplexity: 4,
      contextWindow: 32_768,
      price: { input: 0, output: 0 },
      maxConcurrent: 2,
    },
  },
  roles: { coder: "lm", validator: "sonnet", summarizer: "lm" },
  routing: { exploration: 0 },
  openai: { maxRetries: 2, retryBaseMs: 50, maxRetryDelayMs: 10_000 },
  ...over,
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function project(config: unknown): string {
  const root = tempDir("squad-project-");
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, "src"));
  writeFileSync(join(root, "src", "math.ts"), ADD);
  writeFileSync(join(root, "squad.config.json"), JSON.stringify(config));
  return root;
}

async function setup(config: unknown, fakeOptions: Parameters<typeof startFakeOpenAI>[0] = {}) {
  const openai = await startFakeOpenAI({ apiKey: OPENAI_KEY, ...fakeOptions });
  cleanups.push(() => openai.close());
  const anthropic = await startFakeAnthropic({ apiKey: ANTHROPIC_KEY });
  cleanups.push(() => anthropic.close());
  const home = tempDir("squad-home-");
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  const root = project(config);
  const server = await startServer({
    home,
    cwd: root,
    env: {
      HOME: home,
      OPENAI_BASE_URL: openai.url,
      OPENAI_API_KEY: OPENAI_KEY,
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    },
  });
  cleanups.push(() => server.close());
  return { openai, anthropic, server, home, root };
}

const BROKEN_ADD = "export function add(a, b) {\n  return a - b;\n}\n";
const FIX_ADD = {
  title: "Fix add",
  objective: "add must return the sum of its arguments.",
  files: [{ path: "src/add.js", action: "MODIFY", function: "add", change: "Return a + b." }],
  verification: 'grep -q "return a + b" src/add.js',
};

/** A coder's answer replacing `name` in `path` with one returning `body`. */
function change(path: string, name: string, body: string) {
  return {
    files: [
      {
        path,
        action: "MODIFY",
        content: `export function ${name}(a, b) {\n  return ${body};\n}\n`,
      },
    ],
    blockers: [],
    deviations: [],
  };
}

/** The built server in a committed git project, the config outside it, both fakes behind it. */
async function gitProject(files: Record<string, string>) {
  const openai = await startFakeOpenAI({ apiKey: OPENAI_KEY });
  cleanups.push(() => openai.close());
  const anthropic = await startFakeAnthropic({ apiKey: ANTHROPIC_KEY });
  cleanups.push(() => anthropic.close());
  const base = tempDir("squad-implement-");
  cleanups.push(() => rmSync(base, { recursive: true, force: true }));
  const repo = await initRepo(join(base, "repo"), files);
  const configFile = join(base, "config.json");
  writeFileSync(configFile, JSON.stringify(lmConfig()));
  const server = await startServer({
    home: join(base, "home"),
    cwd: repo,
    env: {
      HOME: join(base, "home"),
      SQUAD_CONFIG: configFile,
      OPENAI_BASE_URL: openai.url,
      OPENAI_API_KEY: OPENAI_KEY,
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    },
  });
  cleanups.push(() => server.close());
  return { openai, anthropic, server };
}

async function squad(client: Client, args: Record<string, unknown>): Promise<RunView> {
  return { tasks: runTasks(await callOk(client, "spawn_squad", args)) };
}

const byId = (run: RunView) => Object.fromEntries(run.tasks.map((task) => [task.id, task]));

describe("openai and anthropic workers through the built server", () => {
  it("runs prompt tasks with files on an openai alias and on haiku, recording each call", async () => {
    const { openai, anthropic, server, home, root } = await setup(lmConfig());
    openai.script(LOCAL_MODEL, ["/** Adds two numbers. */"]);
    anthropic.script(HAIKU, ["The module exports add."]);
    const run = await squad(server.client, {
      tasks: [
        { id: "doc", prompt: "Write a docstring for add", worker: "lm", files: ["src/math.ts"] },
        { id: "sum", prompt: "Summarise this module", worker: "haiku", files: ["src/math.ts"] },
      ],
    });
    const tasks = byId(run);
    expect(tasks.doc).toMatchObject({ status: "ok", worker: "lm" });
    expect(tasks.sum).toMatchObject({ status: "ok", worker: "haiku" });
    expect(tasks.doc?.digest).toContain("Adds two numbers.");
    expect(tasks.sum?.digest).toContain("exports add");
    expect(openai.requests[0]?.text).toContain("export const add");
    expect(anthropic.requests[0]?.text).toContain("export const add");

    await server.close();
    const db = openSqlite(join(home, "squad.db"));
    try {
      const rows = db
        .prepare("SELECT worker, provider, model, ok, tokens_in FROM model_calls ORDER BY worker")
        .all() as {
        worker: string;
        provider: string;
        model: string;
        ok: number;
        tokens_in: number;
      }[];
      expect(
        rows.map(({ worker, provider, model, ok }) => ({ worker, provider, model, ok })),
      ).toEqual([
        { worker: "haiku", provider: "anthropic", model: HAIKU, ok: 1 },
        { worker: "lm", provider: "openai", model: LOCAL_MODEL, ok: 1 },
      ]);
      expect(rows.every((row) => row.tokens_in > 0)).toBe(true);
      const haiku = rows.find((row) => row.worker === "haiku");
      const stats = await runCli(["stats", "--json"], {
        cwd: root,
        env: { SQUAD_HOME: home, HOME: home },
      });
      expect(stats.exitCode).toBe(0);
      const { totals, unpriced_workers } = JSON.parse(stats.stdout);
      // haiku at its price (1 / 5 USD per million tokens); lm is free.
      expect(totals.cloud_spend_usd).toBeGreaterThan(0);
      expect(totals.cloud_spend_usd).toBeLessThan(((haiku?.tokens_in ?? 0) * 1 + 1_000 * 5) / 1e6);
      expect(unpriced_workers).toEqual([]);
    } finally {
      db.close();
    }
  });

  it("validates with sonnet as the validator, through a forced tool call", async () => {
    const { anthropic, server } = await setup(lmConfig());
    anthropic.script(SONNET, [
      { json: { pass: true, issues: [], confidence: 0.9, escalate: false } },
    ]);
    const verdict = await callOk(server.client, "validate_output", {
      task: "Write add(a, b) in src/math.ts",
      files: ["src/math.ts"],
      checks: { must_match: ["export const add"] },
    });
    expect(verdict).toMatchObject({ pass: true, confidence: 0.9, validator: "sonnet" });
    expect(verdict).not.toHaveProperty("escalate");
    expect(anthropic.requests[0]?.model).toBe(SONNET);
    expect(anthropic.requests[0]?.forcedTool).toBe("answer");
    expect(anthropic.requests[0]?.text).toContain("export const add");
  });

  it("still gets a schema-valid verdict from a server that refuses json_schema", async () => {
    const { openai, server } = await setup(
      lmConfig({ roles: { coder: "lm", validator: "lm", summarizer: "lm" } }),
      { refuseJsonSchema: [LOCAL_MODEL] },
    );
    openai.script(LOCAL_MODEL, [
      '{"pass": false, "issues": ["add is not exported"], "confidence": 0.8, "escalate": false}',
    ]);
    const verdict = await callOk(server.client, "validate_output", {
      task: "Write add(a, b) in src/math.ts",
      output: "const add = 1",
    });
    expect(verdict).toMatchObject({
      pass: false,
      confidence: 0.8,
      issues: ["add is not exported"],
    });
    expect(verdict.validator).toBe("lm");
    expect(openai.requests.map((request) => request.format)).toEqual([
      "json_schema",
      "json_object",
    ]);
  });

  it("waits out a 429 and then answers", async () => {
    const { openai, server } = await setup(lmConfig());
    openai.script(LOCAL_MODEL, [
      {
        status: 429,
        message: "Rate limit reached",
        code: "rate_limit_exceeded",
        headers: { "retry-after": "1" },
      },
      "second time lucky",
    ]);
    const run = await squad(server.client, {
      tasks: [{ id: "ask", prompt: "Say something", worker: "lm" }],
    });
    expect(byId(run).ask).toMatchObject({ status: "ok" });
    expect(byId(run).ask?.digest).toContain("second time lucky");
    expect(openai.requests).toHaveLength(2);
  });

  it("passes over an openai alias whose key the server refuses, saying why in route_task", async () => {
    const onlyLm = lmConfig();
    const config = {
      ...onlyLm,
      workers: { ...onlyLm.workers, haiku: null, sonnet: null },
      roles: { coder: "lm", validator: "lm", summarizer: "lm" },
    };
    const { server } = await setup(config, { apiKey: "sk-some-other-key" });
    const routed = await callOk(server.client, "route_task", {
      task: "Add docstrings to the helpers in src/math.ts",
    });
    expect(routed).toMatchObject({ route: "host" });
    expect(routed).not.toHaveProperty("worker");
    expect(String(routed.rationale)).toMatch(/key rejected for lm \(env OPENAI_API_KEY\)/);
    expect(String(routed.rationale)).not.toContain(OPENAI_KEY);
  });

  it("lets an openai alias and haiku compete on a spec and keeps the change that verifies", async () => {
    const { openai, anthropic, server } = await gitProject({ "src/add.js": BROKEN_ADD });
    openai.script(LOCAL_MODEL, [JSON.stringify(change("src/add.js", "add", "a * b"))]);
    anthropic.script(HAIKU, [{ json: change("src/add.js", "add", "a + b") }]);
    await callOk(server.client, "write_code_spec", FIX_ADD);
    const result = await callOk(server.client, "implement_spec", {
      spec_id: "CS-001",
      coders: ["lm", "haiku"],
      max_attempts: 1,
    });
    expect(result).toMatchObject({ verdict: "pass", worker: "haiku", attempts: 1 });
    const candidates = result.candidates as { worker: string; verdict: string }[];
    expect(candidates.map(({ worker, verdict }) => ({ worker, verdict }))).toEqual([
      { worker: "lm", verdict: "fail" },
    ]);
    expect(openai.requests[0]?.format).toBe("json_schema");
    expect(anthropic.requests[0]?.forcedTool).toBe("answer");
  });

  it("divides specs between an openai alias and haiku", async () => {
    const { openai, anthropic, server } = await gitProject({
      "src/add.js": BROKEN_ADD,
      "src/sub.js": "export function sub(a, b) {\n  return a + b;\n}\n",
    });
    openai.script(LOCAL_MODEL, [JSON.stringify(change("src/add.js", "add", "a + b"))]);
    anthropic.script(HAIKU, [{ json: change("src/sub.js", "sub", "a - b") }]);
    await callOk(server.client, "write_code_spec", FIX_ADD);
    await callOk(server.client, "write_code_spec", {
      title: "Fix sub",
      objective: "sub must return the difference of its arguments.",
      files: [{ path: "src/sub.js", action: "MODIFY", function: "sub", change: "Return a - b." }],
      verification: 'grep -q "return a - b" src/sub.js',
    });
    const division = await callOk(server.client, "implement_spec", {
      spec_ids: ["CS-001", "CS-002"],
      coders: ["lm", "haiku"],
      max_attempts: 1,
    });
    expect(division.verdict).toBe("pass");
    expect(division.results).toMatchObject([
      { spec_id: "CS-001", worker: "lm", verdict: "pass" },
      { spec_id: "CS-002", worker: "haiku", verdict: "pass" },
    ]);
    expect(openai.requests[0]?.text).toContain("Fix add");
    expect(anthropic.requests[0]?.text).toContain("Fix sub");
  });

  it("evaluates the new aliases with squad-mcp eval", async () => {
    const taskIn = (text: string): EvalTask => {
      const task = EVAL_SUITE.find((candidate) => text.includes(candidate.prompt));
      if (!task) throw new Error(`no suite task in prompt: ${text.slice(0, 80)}`);
      return task;
    };
    const openai = await startFakeOpenAI({
      apiKey: OPENAI_KEY,
      reply: (request) => JSON.stringify(taskIn(request.text).wrong),
    });
    cleanups.push(() => openai.close());
    const anthropic = await startFakeAnthropic({
      apiKey: ANTHROPIC_KEY,
      reply: (request) => ({ json: taskIn(request.text).reference }),
    });
    cleanups.push(() => anthropic.close());
    const base = tempDir("squad-eval-");
    cleanups.push(() => rmSync(base, { recursive: true, force: true }));
    const configFile = join(base, "config.json");
    writeFileSync(configFile, JSON.stringify(lmConfig()));
    const categories = "codegen,review,git";
    const count = EVAL_SUITE.filter((task) => categories.split(",").includes(task.category)).length;
    const result = await runCli(["eval", "--workers", "lm,haiku", "--categories", categories], {
      cwd: base,
      env: {
        HOME: base,
        PATH: process.env.PATH ?? "",
        SQUAD_HOME: join(base, "home"),
        SQUAD_LOG_LEVEL: "silent",
        SQUAD_CONFIG: configFile,
        OPENAI_BASE_URL: openai.url,
        OPENAI_API_KEY: OPENAI_KEY,
        ANTHROPIC_BASE_URL: anthropic.url,
        ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      },
      timeout: 120_000,
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Evaluated 2 workers on ${count} tasks`));
    const row = (worker: string) =>
      result.stdout.split("\n").find((line) => line.startsWith(`${worker} `));
    expect(row("haiku")).toMatch(new RegExp(`\\s${count}/${count}\\s`));
    expect(row("lm")).toMatch(new RegExp(`\\s0/${count}\\s`));
  });

  it("routes per the shipped hierarchical-orchestrator example when its aliases are usable", async () => {
    const ollama = await startFakeOllama({ models: [{ name: "qwen3:30b-a3b" }] });
    cleanups.push(() => ollama.close());
    const cerebras = await startFakeOpenAI({ apiKey: "csk-e2e", models: ["zai-glm-4.6"] });
    cleanups.push(() => cerebras.close());
    const example = JSON.parse(
      readFileSync(join(PACKAGE_ROOT, "examples", "hierarchical-orchestrator.json"), "utf8"),
    );
    // The coder's base URL points at the fake instead of Cerebras. And a loaded test machine
    // may take longer than the default 500 ms to answer the first probe, which would count
    // the Ollama host as down and route around it.
    example.workers["glm-coder"].baseUrl = cerebras.url;
    example.ollama = { ...example.ollama, probeTimeoutMs: 5_000 };
    const base = tempDir("squad-matrix-");
    cleanups.push(() => rmSync(base, { recursive: true, force: true }));
    const configFile = join(base, "config.json");
    writeFileSync(configFile, JSON.stringify(example));
    const server = await startServer({
      home: join(base, "home"),
      cwd: base,
      env: {
        HOME: base,
        SQUAD_CONFIG: configFile,
        OLLAMA_HOST: ollama.url,
        CEREBRAS_API_KEY: "csk-e2e",
        ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      },
    });
    cleanups.push(() => server.close());
    const route = async (task: string, context: Record<string, unknown> = {}) => {
      const decision = await callOk(server.client, "route_task", { task, context });
      return `${decision.route}:${decision.worker ?? "-"}`;
    };
    expect(await route("Add docstrings to the helpers in utils.py")).toBe("squad:qwen-moe");
    expect(
      await route("Write a function parseDuration in src/time.ts", { requires_tests: true }),
    ).toBe("squad:glm-coder");
    expect(
      await route("Update the README and the changelog for the new flags", { files: 12 }),
    ).toBe("squad:haiku");
    expect(
      await route("Refactor the session store to remove the race condition", { files: 3 }),
    ).toBe("squad:sonnet");
    expect(
      await route("Refactor the auth layer to remove the race condition in token refresh", {
        files: 14,
        requires_tests: true,
      }),
    ).toBe("host:-");
  });
});
