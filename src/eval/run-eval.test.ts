import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeGemini } from "../../test/fakes/gemini.js";
import { startFakeOllama } from "../../test/fakes/ollama.js";
import { type AppContext, createContext } from "../context.js";
import { runEval, selectEval } from "./run-eval.js";
import { EVAL_SUITE } from "./suite.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function context(env: Record<string, string>): AppContext {
  const home = realpathSync(mkdtempSync(join(tmpdir(), "squad-eval-ctx-")));
  const ctx = createContext({
    cwd: home,
    env: {
      SQUAD_HOME: home,
      HOME: home,
      SQUAD_LOG_LEVEL: "silent",
      OLLAMA_HOST: "http://127.0.0.1:2",
      ...env,
    },
  });
  cleanups.push(() => ctx.close());
  return ctx;
}

const reference = (text: string) => {
  const task = EVAL_SUITE.find((candidate) => text.includes(candidate.prompt));
  return JSON.stringify(task?.reference ?? {});
};

const evalOutcomes = (ctx: AppContext) => ctx.store.outcomes.count();

describe("runEval", () => {
  it("selects every configured worker and suite category by default", () => {
    const ctx = context({});
    const selected = selectEval(ctx, {});
    expect(selected.workers).toEqual(Object.keys(ctx.config.workers));
    expect(selected.tasks).toHaveLength(EVAL_SUITE.length);
    expect(selectEval(ctx, { categories: ["git", "git"] }).categories).toEqual(["git"]);
  });

  it("stops after the first result when cancelled and records only what finished", async () => {
    const ollama = await startFakeOllama({
      models: [{ name: "qwen2.5-coder:7b" }],
      reply: (request) => reference(request.messages.at(-1)?.content ?? ""),
    });
    cleanups.push(() => ollama.close());
    const ctx = context({ OLLAMA_HOST: ollama.url });
    const controller = new AbortController();
    const report = await runEval(ctx, {
      workers: ["qwen-fast"],
      categories: ["codegen"],
      signal: controller.signal,
      onResult: () => controller.abort(),
    });
    expect(report.cancelled).toBe(true);
    expect(report.results.map((result) => [result.task, result.pass])).toEqual([
      ["codegen.chunk", true],
    ]);
    expect(report.recorded).toBe(1);
    expect(evalOutcomes(ctx)).toBe(1);
  });

  it("records a model that does not answer in time as a failure", async () => {
    const ollama = await startFakeOllama({
      models: [{ name: "qwen2.5-coder:7b" }],
      reply: () => ({ content: "{}", delayMs: 2_000 }),
    });
    cleanups.push(() => ollama.close());
    const ctx = context({ OLLAMA_HOST: ollama.url });
    ctx.config.squad.modelTimeoutS = 0.3;
    const report = await runEval(ctx, { workers: ["qwen-fast"], categories: ["review"] });
    expect(report.results).toHaveLength(1);
    expect(report.results[0]).toMatchObject({ pass: false, task: "review.find-bug" });
    expect(report.results[0]?.detail).toBe(
      "no answer: ollama: qwen-fast: no complete answer within 300 ms",
    );
    expect(evalOutcomes(ctx)).toBe(1);
  });

  it("records nothing for a server error and goes on asking", async () => {
    const gemini = await startFakeGemini({ reply: (request) => reference(request.text) });
    cleanups.push(() => gemini.close());
    gemini.outage(503);
    const ctx = context({ GEMINI_API_KEY: "test-key", GEMINI_BASE_URL: gemini.url });
    ctx.config.gemini.maxRetries = 0;
    const report = await runEval(ctx, { workers: ["flash"], categories: ["review", "git"] });
    expect(report.results.map((result) => result.pass)).toEqual([null, null]);
    expect(report.results[0]?.detail).toMatch(/^no answer: .*503/);
    expect(report.recorded).toBe(0);
    expect(evalOutcomes(ctx)).toBe(0);
    expect(gemini.requests).toHaveLength(2);
  });

  it("says when a worker waits before a retry, then measures the answer it gets", async () => {
    const gemini = await startFakeGemini({ reply: (request) => reference(request.text) });
    cleanups.push(() => gemini.close());
    gemini.script("gemini-2.5-flash", [
      { status: 503, error: { message: "The model is overloaded.", status: "UNAVAILABLE" } },
    ]);
    const ctx = context({ GEMINI_API_KEY: "test-key", GEMINI_BASE_URL: gemini.url });
    ctx.config.gemini.retryBaseMs = 20;
    const waits: unknown[] = [];
    const report = await runEval(ctx, {
      workers: ["flash"],
      categories: ["review"],
      onWait: (wait) => waits.push(wait),
    });
    expect(waits).toEqual([
      {
        done: 0,
        total: 1,
        worker: "flash",
        ms: expect.any(Number),
        reason: "a retry after 503",
      },
    ]);
    expect(report.results.map((result) => result.pass)).toEqual([true]);
  });

  it("records nothing for a worker whose daily quota runs out, and stops asking it", async () => {
    const gemini = await startFakeGemini({
      rpdLimit: 1,
      reply: (request) => reference(request.text),
    });
    cleanups.push(() => gemini.close());
    const ctx = context({ GEMINI_API_KEY: "test-key", GEMINI_BASE_URL: gemini.url });
    const report = await runEval(ctx, { workers: ["flash"], categories: ["codegen", "debug"] });
    expect(report.results.map((result) => result.pass)).toEqual([true, null, null, null]);
    expect(report.results[1]?.detail).toMatch(/^no answer: .*(quota|per day)/i);
    expect(report.results[3]?.detail).toBe(report.results[1]?.detail);
    expect(report.recorded).toBe(1);
    expect(gemini.requests.filter((request) => request.model.includes("flash"))).toHaveLength(2);
  });
});
