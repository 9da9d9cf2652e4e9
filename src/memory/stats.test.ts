import { describe, expect, it } from "vitest";
import { tempContexts } from "../../test/support/temp-context.js";
import type { AppContext } from "../context.js";
import type { ModelCallRecord } from "./model-calls.js";
import type { OutcomeInput } from "./outcomes.js";

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 5, 15, 12, 0, 0);
const SINCE = NOW - 7 * DAY;

const openContext = tempContexts("squad-stats-store-test-");

const makeContext = (): AppContext => openContext(NOW);

function outcome(ctx: AppContext, input: Partial<OutcomeInput> & { worker: string }): void {
  ctx.store.outcomes.log({
    decisionId: null,
    task: null,
    category: "test",
    success: true,
    score: null,
    notes: null,
    latencyMs: null,
    tokensIn: null,
    tokensOut: null,
    source: "host",
    at: NOW - DAY,
    ...input,
  });
}

function call(ctx: AppContext, input: Partial<ModelCallRecord> & { worker: string }): void {
  ctx.store.modelCalls.record({
    at: NOW - DAY,
    provider: "gemini",
    model: "m",
    host: null,
    ok: true,
    tokensIn: null,
    tokensOut: null,
    latencyMs: 10,
    error: null,
    runId: null,
    taskId: null,
    ...input,
  });
}

describe("stats store summary", () => {
  it("is empty on a fresh database", () => {
    const ctx = makeContext();
    expect(ctx.store.stats.summary(SINCE)).toEqual({
      rows: [],
      calls: [],
      totals: {
        ledger: {
          read_avoided_chars: 0,
          answer_tokens: 0,
          written_chars: 0,
          tool_calls: 0,
          args_chars: 0,
          read_chars: 0,
        },
        squad_runs: 0,
        model_calls: 0,
        cloud_tokens_in: 0,
        cloud_tokens_out: 0,
      },
    });
  });

  it("aggregates outcomes per worker × category inside the window only", () => {
    const ctx = makeContext();
    outcome(ctx, {
      worker: "flash",
      success: true,
      latencyMs: 100,
      tokensIn: 1000,
      tokensOut: 200,
    });
    outcome(ctx, {
      worker: "flash",
      success: true,
      latencyMs: 200,
      tokensIn: 500,
      tokensOut: 100,
      source: "eval",
    });
    // Exactly at the window's start: included.
    outcome(ctx, { worker: "flash", success: false, at: SINCE });
    // Older than the window: excluded, and would skew every figure if counted.
    outcome(ctx, {
      worker: "flash",
      success: false,
      latencyMs: 99_999,
      tokensIn: 1_000_000,
      tokensOut: 1_000_000,
      at: SINCE - 1,
    });
    outcome(ctx, { worker: "qwen-coder", category: "lint", success: true });
    outcome(ctx, { worker: "flash", category: "lint", success: false, latencyMs: 40 });

    const { rows } = ctx.store.stats.summary(SINCE);
    expect(rows).toEqual([
      {
        worker: "flash",
        category: "lint",
        tasks: 1,
        evals: 0,
        successes: 0,
        success_rate: 0,
        mean_latency_ms: 40,
        tokens_in: 0,
        tokens_out: 0,
      },
      {
        worker: "flash",
        category: "test",
        tasks: 3,
        evals: 1,
        successes: 2,
        success_rate: 2 / 3,
        mean_latency_ms: 150,
        tokens_in: 1500,
        tokens_out: 300,
      },
      {
        worker: "qwen-coder",
        category: "lint",
        tasks: 1,
        evals: 0,
        successes: 1,
        success_rate: 1,
        mean_latency_ms: null,
        tokens_in: 0,
        tokens_out: 0,
      },
    ]);
    // A wider window takes the old row in.
    const wide = ctx.store.stats.summary(SINCE - DAY).rows.find((r) => r.category === "test");
    expect(wide).toMatchObject({ tasks: 4, successes: 2, tokens_in: 1_001_500 });
  });

  it("counts model calls and cloud tokens, leaving out local ones and old ones", () => {
    const ctx = makeContext();
    call(ctx, { worker: "flash", tokensIn: 1000, tokensOut: 500 });
    call(ctx, { worker: "flash", ok: false, error: "429" });
    call(ctx, { worker: "qwen-coder", provider: "ollama", tokensIn: 4000, tokensOut: 800 });
    call(ctx, { worker: "pro", tokensIn: 7, tokensOut: 7, at: SINCE - 1 });

    const summary = ctx.store.stats.summary(SINCE);
    expect(summary.calls).toEqual([
      { worker: "flash", provider: "gemini", calls: 2, ok: 1, tokens_in: 1000, tokens_out: 500 },
      {
        worker: "qwen-coder",
        provider: "ollama",
        calls: 1,
        ok: 1,
        tokens_in: 4000,
        tokens_out: 800,
      },
    ]);
    expect(summary.totals).toMatchObject({
      model_calls: 3,
      cloud_tokens_in: 1000,
      cloud_tokens_out: 500,
    });
  });

  it("sums the host's ledger over runs and tool calls in the window", () => {
    const ctx = makeContext();
    const task = (taskId: string, position: number, kind: "command" | "prompt" = "command") => ({
      taskId,
      position,
      kind,
      label: taskId,
      worker: null,
    });
    const tasks = [task("a", 0), task("b", 1), task("ask", 2, "prompt"), task("late", 3, "prompt")];
    ctx.store.runs.start({ id: "r-new", createdAt: NOW - DAY, pid: 1, project: "/p" }, tasks);
    // A command's output counts up to what Bash would have shown: 30,000 + 100.
    ctx.store.runs.updateTask("r-new", "a", { status: "failed", rawBytes: 200_000 });
    ctx.store.runs.updateTask("r-new", "b", { status: "ok", rawBytes: 100 });
    // A prompt's attached files count as read avoided, its answer (when ok) as not written.
    ctx.store.runs.updateTask("r-new", "ask", {
      status: "ok",
      tokensOut: 120,
      detail: { fileBytes: 2_000 },
    });
    ctx.store.runs.updateTask("r-new", "late", { status: "error", tokensOut: 999 });
    ctx.store.runs.start({ id: "r-old", createdAt: SINCE - 1, pid: 1, project: "/p" }, [
      task("a", 0),
    ]);
    ctx.store.runs.updateTask("r-old", "a", { rawBytes: 4_000_000 });
    ctx.store.toolCalls.record({ tool: "spawn_squad", at: NOW, argsChars: 300, readChars: 900 });
    ctx.store.toolCalls.record({
      tool: "apply_spec",
      at: NOW,
      argsChars: 20,
      readChars: 70,
      writtenChars: 640,
    });
    ctx.store.toolCalls.record({ tool: "route_task", at: SINCE - 1, argsChars: 5, readChars: 5 });

    const { totals } = ctx.store.stats.summary(SINCE);
    expect(totals.squad_runs).toBe(1);
    expect(totals.ledger).toEqual({
      read_avoided_chars: 30_000 + 100 + 2_000,
      answer_tokens: 120,
      written_chars: 640,
      tool_calls: 2,
      args_chars: 320,
      read_chars: 970,
    });
  });
});
