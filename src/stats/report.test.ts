import { describe, expect, it } from "vitest";
import { tempContexts } from "../../test/support/temp-context.js";
import type { AppContext } from "../context.js";
import { UserInputError } from "../errors.js";
import { recordOutcome } from "../routing/record-outcome.js";
import { buildStats, parseSince, renderStatsTable } from "./report.js";

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 5, 15, 12, 0, 0);
const SINCE = NOW - 7 * DAY;

const openContext = tempContexts("squad-stats-report-test-");

const makeContext = (): AppContext => openContext(NOW - DAY);

function modelCall(
  ctx: AppContext,
  worker: string,
  provider: string,
  tokensIn: number,
  tokensOut: number,
  at = NOW - DAY,
): void {
  ctx.store.modelCalls.record({
    at,
    worker,
    provider,
    model: "m",
    host: null,
    ok: true,
    tokensIn,
    tokensOut,
    latencyMs: 10,
    error: null,
    runId: null,
    taskId: null,
  });
}

/**
 * Default prices: flash 0.3 / 2.5, pro 1.25 / 10, qwen-coder 0 / 0, host (Opus) 5 / 25, all
 * USD per million tokens.
 */
function populate(ctx: AppContext): void {
  recordOutcome(ctx, {
    worker: "flash",
    category: "tests",
    success: true,
    latencyMs: 100,
    tokensIn: 1000,
    tokensOut: 200,
  });
  recordOutcome(ctx, {
    worker: "flash",
    category: "tests",
    success: true,
    latencyMs: 200,
    tokensIn: 500,
    tokensOut: 100,
  });
  recordOutcome(ctx, { worker: "flash", category: "tests", success: false, latencyMs: 3000 });
  recordOutcome(ctx, {
    worker: "qwen-coder",
    category: "lint",
    success: true,
    tokensIn: 9000,
    tokensOut: 900,
    source: "eval",
  });
  recordOutcome(ctx, {
    worker: "host",
    category: "refactor",
    success: true,
    tokensIn: 2000,
    tokensOut: 1000,
  });
  // An alias since removed from the config: its row is shown, its cost is unknown.
  ctx.store.outcomes.log({
    decisionId: null,
    task: null,
    worker: "old-alias",
    category: "tests",
    success: false,
    score: null,
    notes: null,
    latencyMs: null,
    tokensIn: 50,
    tokensOut: 50,
    source: "host",
    at: NOW - DAY,
  });
  // Outside the window.
  ctx.store.outcomes.log({
    decisionId: null,
    task: null,
    worker: "pro",
    category: "tests",
    success: true,
    score: null,
    notes: null,
    latencyMs: 5,
    tokensIn: 1_000_000,
    tokensOut: 1_000_000,
    source: "host",
    at: SINCE - 1,
  });

  modelCall(ctx, "flash", "gemini", 1000, 500); // 0.0003 + 0.00125 = 0.00155
  modelCall(ctx, "pro", "gemini", 2000, 1000); // 0.0025 + 0.01 = 0.0125
  modelCall(ctx, "qwen-coder", "ollama", 4000, 800); // local: 0
  modelCall(ctx, "retired", "gemini", 10, 10); // not in the config: unpriced
  modelCall(ctx, "pro", "gemini", 1_000_000, 1_000_000, SINCE - 1); // outside the window

  ctx.store.runs.start({ id: "r-1", createdAt: NOW - DAY, pid: 1, project: "/p" }, [
    { taskId: "t", position: 0, kind: "command", label: "t", worker: null },
    { taskId: "ask", position: 1, kind: "prompt", label: "ask", worker: "flash" },
  ]);
  // Bash would have shown 30,000 of the 40,000 characters: 7,500 tokens not read.
  ctx.store.runs.updateTask("r-1", "t", { status: "ok", rawBytes: 40_000 });
  // An answer of 200 tokens the host did not write.
  ctx.store.runs.updateTask("r-1", "ask", { status: "ok", tokensOut: 200 });
  // 100 tokens of arguments written, 500 of results read; one call outside the window.
  ctx.store.toolCalls.record({
    tool: "spawn_squad",
    at: NOW - DAY,
    argsChars: 400,
    readChars: 2_000,
  });
  ctx.store.toolCalls.record({
    tool: "route_task",
    at: SINCE - 1,
    argsChars: 9_999,
    readChars: 9_999,
  });
}

/** A tools/list of 12,000 characters: 3,000 tokens carried per call. */
const DEFINITION_CHARS = 12_000;

describe("buildStats", () => {
  it("counts an OpenAI-compatible alias priced at zero as local, and haiku as cloud at its price", () => {
    const ctx = makeContext();
    ctx.config = {
      ...ctx.config,
      workers: {
        ...ctx.config.workers,
        lmstudio: {
          provider: "openai",
          model: "qwen2.5-coder-7b-instruct",
          maxComplexity: 3,
          contextWindow: 32_768,
          price: { input: 0, output: 0 },
          tokensPerSecond: 60,
        },
      },
    };
    modelCall(ctx, "lmstudio", "openai", 5_000, 1_000);
    modelCall(ctx, "haiku", "anthropic", 2_000, 400);
    const { totals, unpriced_workers } = buildStats(ctx, SINCE, DEFINITION_CHARS);
    expect(totals.cloud_tokens_in).toBe(2_000);
    expect(totals.cloud_tokens_out).toBe(400);
    expect(totals.cloud_spend_usd).toBe(0.004); // 2000 × 1 + 400 × 5 = 4000 µ$
    expect(unpriced_workers).toEqual([]);
  });

  it("prices rows and totals from the configured prices", () => {
    const ctx = makeContext();
    populate(ctx);
    const stats = buildStats(ctx, SINCE, DEFINITION_CHARS);

    expect(stats.since).toBe(new Date(SINCE).toISOString());
    expect(stats.since_ms).toBe(SINCE);
    expect(stats.rows.map((row) => `${row.worker}/${row.category}`)).toEqual([
      "flash/tests",
      "host/refactor",
      "old-alias/tests",
      "qwen-coder/lint",
    ]);
    const [flash, host, old, qwen] = stats.rows;
    expect(flash).toEqual({
      worker: "flash",
      category: "tests",
      tasks: 3,
      evals: 0,
      successes: 2,
      success_rate: 2 / 3,
      mean_latency_ms: 1100,
      tokens_in: 1500,
      tokens_out: 300,
      estimated_cost_usd: 0.0012, // 1500 × 0.3 + 300 × 2.5 = 1200 µ$
    });
    expect(host?.estimated_cost_usd).toBe(0.035); // 2000 × 5 + 1000 × 25 = 35000 µ$
    expect(old?.estimated_cost_usd).toBeNull();
    expect(qwen?.estimated_cost_usd).toBe(0);
    expect(qwen?.tokens_in).toBe(9000);

    expect(stats.totals).toEqual({
      tasks: 6,
      successes: 4,
      squad_runs: 1,
      model_calls: 4,
      cloud_tokens_in: 3010,
      cloud_tokens_out: 1510,
      host_model: "claude-opus-4-5",
      host_price: { input: 5, output: 25 },
      cloud_spend_usd: 0.01405,
      ledger: {
        // 7,500 × 5 + 200 × 25 = 42,500 µ$
        gross: { read_avoided_tokens: 7_500, write_avoided_tokens: 200, usd: 0.0425 },
        // 500 × 5 + 100 × 25 + 3,000 × 5 × 0.1 = 6,500 µ$, and 14,050 µ$ of cloud spend
        costs: {
          results_read_tokens: 500,
          arguments_written_tokens: 100,
          tool_definitions_tokens: 3_000,
          cloud_spend_usd: 0.01405,
          usd: 0.02055,
        },
        net_usd: 0.02195,
      },
    });
    expect(stats.unpriced_workers).toEqual(["retired"]);
    expect(stats.assumptions.join("\n")).toMatch(/Bash tool would show it \(at most 30,000/);
    // JSON-able: survives a round trip unchanged.
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
  });

  it("follows the config's prices, not built-in ones", () => {
    const ctx = makeContext();
    populate(ctx);
    ctx.config.host.price = { input: 15, output: 75 };
    const flash = ctx.config.workers.flash;
    if (!flash) throw new Error("default config has no flash worker");
    flash.price = { input: 1, output: 2 };
    const stats = buildStats(ctx, SINCE, DEFINITION_CHARS);
    expect(stats.totals.ledger.gross.usd).toBe(0.1275); // 7,500 × 15 + 200 × 75
    expect(stats.totals.cloud_spend_usd).toBe(0.0145); // 1000 + 1000 µ$ flash, 12500 µ$ pro
    expect(stats.rows[0]?.estimated_cost_usd).toBe(0.0021); // 1500 × 1 + 300 × 2
    // 500 × 15 + 100 × 75 + 3,000 × 15 × 0.1 + 14,500 µ$ of cloud spend
    expect(stats.totals.ledger.costs.usd).toBe(0.034);
    expect(stats.totals.ledger.net_usd).toBe(0.0935);
  });

  it("is all zeros on an empty database", () => {
    const ctx = makeContext();
    const stats = buildStats(ctx, SINCE, DEFINITION_CHARS);
    expect(stats.rows).toEqual([]);
    expect(stats.totals).toMatchObject({
      tasks: 0,
      squad_runs: 0,
      model_calls: 0,
      cloud_spend_usd: 0,
    });
    expect(stats.totals.ledger).toEqual({
      gross: { read_avoided_tokens: 0, write_avoided_tokens: 0, usd: 0 },
      costs: {
        results_read_tokens: 0,
        arguments_written_tokens: 0,
        tool_definitions_tokens: 0,
        cloud_spend_usd: 0,
        usd: 0,
      },
      net_usd: 0,
    });
  });
});

describe("renderStatsTable", () => {
  it("shows one aligned line per worker × category and the totals", () => {
    const ctx = makeContext();
    populate(ctx);
    const text = renderStatsTable(buildStats(ctx, SINCE, DEFINITION_CHARS));
    const lines = text.split("\n");
    const header = lines.find((line) => line.startsWith("worker"));
    expect(header).toMatch(
      /^worker\s+category\s+tasks\s+eval\s+success\s+mean latency\s+tokens in\s+tokens out\s+est\. cost$/,
    );
    const flash = lines.find((line) => line.startsWith("flash"));
    expect(flash?.split(/\s{2,}/)).toEqual([
      "flash",
      "tests",
      "3",
      "0",
      "67%",
      "1.1 s",
      "1,500",
      "300",
      "$0.0012",
    ]);
    const qwen = lines.find((line) => line.startsWith("qwen-coder"));
    expect(qwen?.split(/\s{2,}/)).toEqual([
      "qwen-coder",
      "lint",
      "1",
      "1",
      "100%",
      "-",
      "9,000",
      "900",
      "$0.0000",
    ]);
    expect(lines.find((line) => line.startsWith("old-alias"))).toMatch(/unpriced$/);
    // Right-aligned columns end at the same place on every line.
    expect(new Set([header, flash, qwen].map((line) => line?.length)).size).toBe(1);
    expect(text).toContain(`squad stats since ${new Date(SINCE).toISOString()}`);
    expect(text).toContain("host ledger (claude-opus-4-5: $5/M in, $25/M out)");
    expect(text).toMatch(/gross\s+\$0\.0425: 7,500 tokens not read, 200 not written/);
    expect(text).toMatch(
      /costs\s+\$0\.0205: 500 tokens of results read, 100 of arguments written, 3,000 of tool definitions \(cached\), \$0\.0140 cloud spend/,
    );
    expect(text).toMatch(/net saving\s+\$0\.0220/);
    expect(text).toMatch(/tasks\s+6 \(67% success\)/);
    expect(text).toMatch(/unpriced workers\s+retired/);
    expect(text).not.toContain("no outcomes recorded");
  });

  it("says so when nothing was recorded", () => {
    const ctx = makeContext();
    const text = renderStatsTable(buildStats(ctx, SINCE, DEFINITION_CHARS));
    expect(text).toContain(`no outcomes recorded since ${new Date(SINCE).toISOString()}`);
    expect(text).not.toMatch(/^worker/m);
    expect(text).toMatch(/squad runs\s+0/);
  });
});

describe("parseSince", () => {
  it.each([
    ["30m", 30 * 60_000],
    ["24h", DAY],
    ["7d", 7 * DAY],
    ["2w", 14 * DAY],
    ["1d", DAY],
  ])("%s is %d ms", (text, ms) => {
    expect(parseSince(text)).toBe(ms);
  });

  it.each(["", "7", "d", "7x", "-1d", "0d", "1.5d", "7 days", "7D"])("rejects '%s'", (text) => {
    let caught: unknown;
    try {
      parseSince(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UserInputError);
    expect((caught as UserInputError).field).toBe("--since");
    expect((caught as Error).message).toContain(`--since: '${text}' is not a duration`);
    expect((caught as Error).message).toContain("30m, 24h, 7d, 2w");
  });
});
