import { describe, expect, it } from "vitest";
import { startFakeOpenAI } from "../../test/fakes/openai.js";
import { tempContexts } from "../../test/support/temp-context.js";
import type { AppContext } from "../context.js";
import { createLogger } from "../logger.js";
import { quotaDay } from "../memory/quota.js";
import { KeyRejections } from "../runners/api-retry.js";
import { BackendAvailability } from "../runners/availability.js";
import { doctorReport } from "./doctor.js";

const NOW = Date.UTC(2025, 5, 15, 12, 0, 0);
const DAY = 86_400_000;

const openContext = tempContexts("squad-doctor-test-");

/** A context whose Gemini key is set, with daily limits on flash (1500) and flash-lite (2). */
function withGeminiKey(): AppContext {
  const ctx = openContext(NOW);
  const workers = ctx.config.workers;
  const flash = workers.flash;
  const lite = workers["flash-lite"];
  if (!flash || !lite) throw new Error("the default config has flash and flash-lite");
  ctx.config = {
    ...ctx.config,
    workers: {
      ...workers,
      flash: { ...flash, requestsPerDay: 1500 },
      "flash-lite": { ...lite, requestsPerDay: 2 },
    },
  };
  ctx.availability = new BackendAvailability(
    ctx.config,
    true,
    ctx.store.quota,
    () => NOW,
    createLogger("silent"),
  );
  return ctx;
}

const line = (report: string, alias: string) =>
  report.split("\n").find((text) => new RegExp(`^(workers)?\\s+${alias} +gemini `).test(text));

describe("doctorReport", () => {
  it("shows each Gemini alias's requests today against its limit, and a cooldown's end", async () => {
    const ctx = withGeminiKey();
    const today = quotaDay(NOW);
    for (let i = 0; i < 3; i++) ctx.store.quota.increment("flash", today);
    ctx.store.quota.increment("flash", quotaDay(NOW - DAY));
    ctx.store.quota.increment("flash-lite", today);
    ctx.store.quota.increment("flash-lite", today);
    ctx.store.quota.setCooldown("pro", NOW + 3_600_000, "daily quota exhausted (429)");

    const report = await doctorReport(ctx);
    expect(line(report, "flash")).toMatch(
      /gemini gemini-2\.5-flash, max complexity \d+: usable, 3 requests today of 1500$/,
    );
    expect(line(report, "flash-lite")).toMatch(
      /: not usable: daily quota spent \(2 requests, .*\); resets \S+Z; 2 requests today of 2$/,
    );
    expect(line(report, "pro")).toMatch(
      /: not usable: daily quota exhausted \(429\); resets 2025-06-15T13:00:00\.000Z; 0 requests today$/,
    );
  });

  it("says in one line whether commands run in a sandbox", async () => {
    const ctx = openContext(NOW);
    expect(await doctorReport(ctx)).toMatch(
      /^sandbox {3}bwrap OK: commands write only under their root, in their own PID namespace$/m,
    );
    ctx.config = { ...ctx.config, commands: { ...ctx.config.commands, sandbox: "off" } };
    expect(await doctorReport(ctx)).toMatch(
      /^sandbox {3}none: commands.sandbox is off \(process groups only\)$/m,
    );
  });

  it("shows no request counts without a Gemini key", async () => {
    const ctx = openContext(NOW);
    ctx.store.quota.increment("flash", quotaDay(NOW));
    const report = await doctorReport(ctx);
    expect(line(report, "flash")).toMatch(/: not usable: GEMINI_API_KEY not set$/);
  });

  it("reports the database's health and suggests registering when no host config exists", async () => {
    const ctx = openContext(NOW);
    ctx.store.quota.increment("flash", quotaDay(NOW));
    const report = await doctorReport(ctx);
    expect(report).toMatch(
      /^ {10}\d+ KB, journal wal, WAL \d+ (B|KB), quick_check ok\n {10}rows: decisions 0, outcomes 0,/m,
    );
    expect(report).toMatch(/quota_usage 1, cooldowns 0,/);
    expect(report).toMatch(
      /^mcp {7}no MCP client config found; run squad-mcp init, or: claude mcp add squad -- squad-mcp$/m,
    );
    expect(report).toMatch(/^shipped {3}3 skills; user ~\/\.claude\/skills$/m);
  });

  it("shows openai and anthropic aliases usable or why not, naming key variables but never keys", async () => {
    const fake = await startFakeOpenAI({ apiKey: "sk-router-secret-1" });
    try {
      const ctx = openContext(NOW);
      ctx.env = {
        ...ctx.env,
        ANTHROPIC_API_KEY: "sk-ant-secret-2",
        ROUTER_KEY: "sk-router-secret-1",
      };
      const local = {
        provider: "openai" as const,
        model: "qwen2.5-coder-7b-instruct",
        maxComplexity: 3,
        contextWindow: 32_768,
        price: { input: 0, output: 0 },
        tokensPerSecond: 60,
        baseUrl: fake.url,
      };
      ctx.config = {
        ...ctx.config,
        workers: {
          ...ctx.config.workers,
          router: { ...local, apiKeyEnv: "ROUTER_KEY" },
          nokey: { ...local, apiKeyEnv: "NOT_SET_KEY" },
          wrong: { ...local, model: "not-served" },
        },
      };
      ctx.availability = new BackendAvailability(
        ctx.config,
        false,
        ctx.store.quota,
        () => NOW,
        createLogger("silent"),
        { env: ctx.env, keys: new KeyRejections() },
      );
      const report = await doctorReport(ctx);
      expect(report).toMatch(/^openai {4}no OPENAI_BASE_URL; no OPENAI_API_KEY$/m);
      expect(report).toMatch(/^anthropic no ANTHROPIC_BASE_URL; ANTHROPIC_API_KEY is set$/m);
      expect(report).toMatch(/^ +haiku +anthropic claude-haiku-4-5, max complexity 5: usable$/m);
      expect(report).toMatch(
        new RegExp(
          `^ +router +openai qwen2\\.5-coder-7b-instruct at ${fake.url} \\(key in ROUTER_KEY\\), max complexity 3: usable$`,
          "m",
        ),
      );
      expect(report).toMatch(/^ +nokey +openai .*: not usable: NOT_SET_KEY not set$/m);
      expect(report).toMatch(
        /^ +wrong +openai .*: not usable: key rejected for wrong \(env OPENAI_API_KEY\)/m,
      );
      expect(report).not.toMatch(/sk-router-secret-1|sk-ant-secret-2/);
    } finally {
      await fake.close();
    }
  });
});
