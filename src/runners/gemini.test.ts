import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  type FakeGemini,
  type FakeGeminiOptions,
  startFakeGemini,
} from "../../test/fakes/gemini.js";
import { DEFAULT_CONFIG, type SquadConfig, type WorkerConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { quotaDay } from "../memory/quota.js";
import { openStore, type Store } from "../memory/store.js";
import { BackendAvailability } from "./availability.js";
import { GeminiRunner } from "./gemini.js";
import { ModelCallError, type ModelRequest, type ModelWait } from "./types.js";

const logger = createLogger("silent");
/** Noon Pacific on 2026-11-21; the daily quota resets at the next midnight Pacific. */
const NOON_PST = Date.parse("2026-11-21T20:00:00Z");
const NEXT_RESET = Date.parse("2026-11-22T08:00:00.000Z");
const MODEL = "gemini-2.5-flash";
const OVERLOADED = "The model is overloaded. Please try again later.";

const flash: WorkerConfig = {
  provider: "gemini",
  model: MODEL,
  maxComplexity: 6,
  contextWindow: 1_048_576,
  price: { input: 0.3, output: 2.5 },
  tokensPerSecond: 200,
};

interface Setup {
  fake: FakeGemini;
  runner: GeminiRunner;
  store: Store;
  config: SquadConfig;
  /** The runner's clock; the fake sleep moves it forward. */
  clock: { now: number };
  /** Every wait the runner asked for, in ms. */
  delays: number[];
}

interface SetupOptions {
  fake?: FakeGeminiOptions;
  /** The fake server follows the runner's clock unless told to keep its own. */
  fakeClock?: () => number;
  apiKey?: string;
  baseUrl?: string;
  gemini?: Partial<SquadConfig["gemini"]>;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: SetupOptions = {}): Promise<Setup> {
  const clock = { now: NOON_PST };
  const fake = await startFakeGemini({
    now: options.fakeClock ?? (() => clock.now),
    ...options.fake,
  });
  cleanups.push(() => fake.close());
  const store = openStore(join(mkdtempSync(join(tmpdir(), "gemini-")), "squad.db"));
  cleanups.push(() => store.close());
  const config: SquadConfig = {
    ...DEFAULT_CONFIG,
    gemini: {
      baseUrl: options.baseUrl ?? fake.url,
      concurrency: 4,
      maxRetries: 2,
      retryBaseMs: 100,
      maxRetryDelayMs: 60_000,
      ...options.gemini,
    },
  };
  const delays: number[] = [];
  const runner = new GeminiRunner({
    apiKey: options.apiKey ?? "test-key",
    config,
    quota: store.quota,
    now: () => clock.now,
    random: () => 0.5,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      delays.push(ms);
      clock.now += ms;
    },
    logger,
  });
  return { fake, runner, store, config, clock, delays };
}

const ask = (over: Partial<ModelRequest> = {}): ModelRequest => ({
  alias: "flash",
  worker: flash,
  prompt: "What is 2+2?",
  ...over,
});

/** Runs the request, expecting a ModelCallError, and returns it. */
async function failure(runner: GeminiRunner, request: ModelRequest): Promise<ModelCallError> {
  const error = await runner.generate(request).then(
    () => null,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ModelCallError);
  return error as ModelCallError;
}

function availabilityFor(
  setup: Setup,
  workers: Record<string, WorkerConfig> = { flash, pro: { ...flash, model: "gemini-2.5-pro" } },
): BackendAvailability {
  // No Ollama here: a refused port answers at once, and only Gemini aliases are looked at.
  const config = {
    ...setup.config,
    workers,
    ollama: { ...setup.config.ollama, hosts: ["http://127.0.0.1:9"] },
  };
  return new BackendAvailability(config, true, setup.store.quota, () => setup.clock.now, logger);
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("GeminiRunner against the fake Gemini API", () => {
  it("answers with the text, token counts and no notes", async () => {
    const { fake, runner } = await setup();
    fake.script(MODEL, ["4"]);

    const answer = await runner.generate(ask());

    expect(answer).toMatchObject({
      alias: "flash",
      provider: "gemini",
      model: MODEL,
      host: null,
      text: "4",
      truncated: false,
      notes: [],
    });
    expect(answer.tokensIn).toBe(3); // "What is 2+2?" is 12 characters, ~4 per token
    expect(answer.tokensOut).toBe(1);
    expect(fake.requests[0]).toMatchObject({ model: MODEL, text: "What is 2+2?", stream: false });
  });

  it("sends the system instruction apart from the prompt", async () => {
    const { fake, runner } = await setup();

    await runner.generate(ask({ system: "Answer with one number." }));

    expect(fake.requests[0]?.body).toMatchObject({
      systemInstruction: { parts: [{ text: "Answer with one number." }] },
      contents: [{ role: "user", parts: [{ text: "What is 2+2?" }] }],
    });
    expect(fake.requests[0]?.text).toBe("What is 2+2?");
  });

  it("asks for JSON with a responseSchema translated from the JSON schema", async () => {
    const { fake, runner } = await setup();
    fake.script(MODEL, ['{"answer":4,"note":null,"tags":["a"]}']);
    const schema = {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      additionalProperties: false,
      properties: {
        answer: { type: "integer", description: "the sum" },
        note: { type: ["string", "null"] },
        tags: { type: "array", items: { type: "string", enum: ["a", "b"] } },
      },
      required: ["answer", "note"],
    };

    const answer = await runner.generate(ask({ schema }));

    expect(JSON.parse(answer.text)).toEqual({ answer: 4, note: null, tags: ["a"] });
    const body = fake.requests[0]?.body as { generationConfig?: unknown };
    expect(body.generationConfig).toEqual({
      responseMimeType: "application/json",
      responseSchema: {
        type: "object",
        properties: {
          answer: { type: "integer", description: "the sum" },
          note: { type: "string", nullable: true },
          tags: { type: "array", items: { type: "string", format: "enum", enum: ["a", "b"] } },
        },
        required: ["answer", "note"],
      },
    });
  });

  it("refuses a schema Gemini cannot express without sending a request", async () => {
    const { fake, runner } = await setup();
    const schema = { type: "object", additionalProperties: { type: "string" } };

    const error = await failure(runner, ask({ schema }));

    expect(error.kind).toBe("rejected");
    expect(error.message).toContain("an object needs at least one property");
    expect(fake.requests).toHaveLength(0);
  });

  it("waits out the RetryInfo delay of a per-minute 429, then answers", async () => {
    const { fake, runner, clock, delays } = await setup({ fake: { rpmLimit: 1 } });
    await runner.generate(ask());
    clock.now += 23_000;
    fake.script(MODEL, ["after the wait"]);
    const waits: ModelWait[] = [];

    const answer = await runner.generate(ask({ onWait: (wait) => waits.push(wait) }));

    expect(answer.text).toBe("after the wait");
    // The caller hears of the wait before it starts, so its progress can say why it is still.
    expect(waits).toEqual([{ ms: 37_500, reason: "a retry after a per-minute 429" }]);
    // The fake's only slot frees 37 s later; the runner adds up to 1 s of jitter (0.5 here).
    expect(delays).toEqual([37_500]);
    expect(answer.notes).toEqual(["waited 37.5 s after a per-minute 429"]);
    expect(answer.latencyMs).toBe(37_500);
    // All of it was waiting: the worker's own time is latencyMs - waitedMs.
    expect(answer.waitedMs).toBe(37_500);
    expect(fake.requests).toHaveLength(3);
  });

  it("gives up as rate_limited when per-minute 429s outlast the retries", async () => {
    // The fake's own clock stands still, so its minute never passes.
    const { fake, runner, delays } = await setup({
      fake: { rpmLimit: 1 },
      fakeClock: () => NOON_PST,
    });
    await runner.generate(ask());

    const error = await failure(runner, ask());

    expect(error.kind).toBe("rate_limited");
    expect(error.status).toBe(429);
    expect(error.message).toContain("per-minute limit still hit after 2 retries");
    expect(error.message).toContain("You exceeded your current quota");
    expect(delays).toHaveLength(2);
    expect(fake.requests).toHaveLength(4); // one answered, then 1 + maxRetries refused
  });

  it("does not wait a RetryInfo delay longer than maxRetryDelayMs", async () => {
    const { fake, runner, clock, delays } = await setup({
      fake: { rpmLimit: 1 },
      gemini: { maxRetryDelayMs: 10_000 },
    });
    await runner.generate(ask());
    clock.now += 1_000;

    const error = await failure(runner, ask());

    expect(error.kind).toBe("rate_limited");
    expect(error.message).toContain(
      "the API asks to wait 59.0 s, more than gemini.maxRetryDelayMs",
    );
    expect(delays).toEqual([]);
    expect(fake.requests).toHaveLength(2);
  });

  it("keeps under requestsPerMinute itself, so the API never answers 429", async () => {
    const { fake, runner, delays } = await setup({ fake: { rpmLimit: 2 } });
    const limited = { ...flash, requestsPerMinute: 2 };

    const waits: ModelWait[] = [];
    const onWait = (wait: ModelWait) => waits.push(wait);
    await runner.generate(ask({ worker: limited, onWait }));
    await runner.generate(ask({ worker: limited, onWait }));
    const third = await runner.generate(ask({ worker: limited, onWait }));

    expect(delays).toEqual([60_000]);
    expect(waits).toEqual([{ ms: 60_000, reason: "a per-minute slot (2/min)" }]);
    expect(third.notes).toEqual(["waited 60.0 s for a per-minute slot (2/min)"]);
    expect(third.waitedMs).toBe(60_000);
    expect(fake.requests).toHaveLength(3);
  });

  it("cools the alias down until midnight Pacific on a per-day 429 and says why", async () => {
    const ctx = await setup({ fake: { rpdLimit: 1 } });
    const { fake, runner, store, delays } = ctx;
    await runner.generate(ask());

    const error = await failure(runner, ask());

    expect(error.kind).toBe("quota_exhausted");
    expect(error.until).toBe(NEXT_RESET);
    expect(error.message).toContain("flash is cooled down until 2026-11-22T08:00:00.000Z");
    expect(error.message).toContain("GenerateRequestsPerDayPerProjectPerModel-FreeTier");
    expect(error.message).toContain("You exceeded your current quota");
    // The per-day error carries a RetryInfo too; waiting it out would be pointless.
    expect(delays).toEqual([]);
    expect(store.quota.cooldown("flash", NOON_PST)).toEqual({
      until: NEXT_RESET,
      reason: "daily quota spent (GenerateRequestsPerDayPerProjectPerModel-FreeTier)",
    });

    const again = await failure(runner, ask());
    expect(again.kind).toBe("quota_exhausted");
    expect(again.until).toBe(NEXT_RESET);
    expect(fake.requests).toHaveLength(2); // the second refusal never reached the API

    const workers = (await availabilityFor(ctx).snapshot()).workers;
    expect(workers.get("flash")).toMatchObject({
      usable: false,
      reason:
        "daily quota spent (GenerateRequestsPerDayPerProjectPerModel-FreeTier); resets 2026-11-22T08:00:00.000Z",
    });
    expect(workers.get("pro")?.usable).toBe(true);
  });

  it("is usable again after the reset", async () => {
    const ctx = await setup({ fake: { rpdLimit: 1 } });
    await ctx.runner.generate(ask());
    await failure(ctx.runner, ask());

    ctx.clock.now = NEXT_RESET;
    ctx.fake.resetQuotas();

    expect((await availabilityFor(ctx).snapshot()).workers.get("flash")?.usable).toBe(true);
    await expect(ctx.runner.generate(ask())).resolves.toMatchObject({ text: "OK" });
  });

  it("refuses without a request once the configured requestsPerDay is reached", async () => {
    const ctx = await setup();
    const capped = { ...flash, requestsPerDay: 2 };
    await ctx.runner.generate(ask({ worker: capped }));
    await ctx.runner.generate(ask({ worker: capped }));

    const error = await failure(ctx.runner, ask({ worker: capped }));

    expect(error.kind).toBe("quota_exhausted");
    expect(error.until).toBe(NEXT_RESET);
    expect(error.message).toContain("flash has used its 2 requests for today");
    expect(ctx.fake.requests).toHaveLength(2);
    expect((await availabilityFor(ctx, { flash: capped }).snapshot()).workers.get("flash")).toEqual(
      {
        alias: "flash",
        usable: false,
        reason:
          "daily quota spent (2 requests, workers.flash.requestsPerDay); resets 2026-11-22T08:00:00.000Z",
        loaded: false,
        hosts: [],
      },
    );
    // Without the configured cap the same count leaves the alias usable.
    expect((await availabilityFor(ctx).snapshot()).workers.get("flash")?.usable).toBe(true);
  });

  it("counts requests per alias per Pacific day, retries included", async () => {
    const { fake, runner, store, clock } = await setup();
    fake.script(MODEL, [
      { status: 503, error: { message: OVERLOADED, status: "UNAVAILABLE" } },
      "a",
      "b",
    ]);
    const other = { alias: "flash-b" };

    await runner.generate(ask());
    await runner.generate(ask());
    await runner.generate(ask(other));
    const today = quotaDay(clock.now);
    clock.now = NEXT_RESET + 60_000;
    await runner.generate(ask());

    expect(store.quota.count("flash", today)).toBe(3);
    expect(store.quota.count("flash-b", today)).toBe(1);
    expect(store.quota.count("flash", "2026-11-22")).toBe(1);
  });

  it("retries a 503 with backoff and notes it", async () => {
    const { fake, runner, delays } = await setup();
    fake.script(MODEL, [
      { status: 503, error: { message: OVERLOADED, status: "UNAVAILABLE" } },
      "recovered",
    ]);
    const waits: ModelWait[] = [];

    const answer = await runner.generate(ask({ onWait: (wait) => waits.push(wait) }));

    expect(answer.text).toBe("recovered");
    expect(waits).toEqual([{ ms: 150, reason: "a retry after 503" }]);
    expect(delays).toEqual([150]); // retryBaseMs 100 + half of it as jitter
    expect(answer.notes).toEqual(["retried after 503 (waited 0.1 s)"]);
  });

  it("fails as server after maxRetries + 1 requests during an outage", async () => {
    const { fake, runner, delays } = await setup();
    fake.outage(503);

    const error = await failure(runner, ask());

    expect(error.kind).toBe("server");
    expect(error.status).toBe(503);
    expect(error.message).toContain("503 after 2 retries");
    expect(error.message).toContain(OVERLOADED);
    expect(fake.requests).toHaveLength(3);
    expect(delays).toEqual([150, 250]); // 100·2⁰ and 100·2¹, plus 50 jitter each
  });

  it("rejects a bad API key with the API's own message, without retrying", async () => {
    const { fake, runner, delays } = await setup({ apiKey: "wrong-key" });

    const error = await failure(runner, ask());

    expect(error.kind).toBe("rejected");
    expect(error.status).toBe(400);
    expect(error.message).toBe("gemini: flash: API key not valid. Please pass a valid API key.");
    expect(fake.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it("rejects an unknown model with the API's message", async () => {
    const { runner } = await setup();

    const error = await failure(runner, ask({ worker: { ...flash, model: "gemini-0-nano" } }));

    expect(error.kind).toBe("rejected");
    expect(error.status).toBe(404);
    expect(error.message).toContain("models/gemini-0-nano is not found");
  });

  it("is cancelled when the caller aborts mid-request", async () => {
    const { fake, runner } = await setup();
    fake.script(MODEL, [{ text: "too late", delayMs: 5_000 }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);

    const started = Date.now();
    const error = await failure(runner, ask({ signal: controller.signal }));

    expect(error.kind).toBe("cancelled");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("times out after timeoutMs", async () => {
    const { fake, runner } = await setup();
    fake.script(MODEL, [{ text: "too late", delayMs: 5_000 }]);

    const error = await failure(runner, ask({ timeoutMs: 100 }));

    expect(error.kind).toBe("timeout");
    expect(error.message).toContain("no answer within 100 ms");
  });

  it("is unavailable when nothing listens at the base URL", async () => {
    const closed = createServer();
    const url = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const { runner } = await setup({ baseUrl: url });

    const error = await failure(runner, ask());

    expect(error.kind).toBe("unavailable");
    expect(error.message).toContain("fetch failed");
  });

  it("rejects an answer withheld for safety, naming the finish reason", async () => {
    const blocked = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          candidates: [
            {
              finishReason: "SAFETY",
              index: 0,
              safetyRatings: [{ category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH" }],
            },
          ],
          usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 },
        }),
      );
    });
    const { runner } = await setup({ baseUrl: await listen(blocked) });

    const error = await failure(runner, ask());

    expect(error.kind).toBe("rejected");
    expect(error.message).toContain("finishReason SAFETY");
  });
});
