import { afterEach, describe, expect, it } from "vitest";
import { type FakeAnthropic, startFakeAnthropic } from "../../test/fakes/anthropic.js";
import { DEFAULT_CONFIG, type SquadConfig, type WorkerConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { AnthropicRunner } from "./anthropic.js";
import { KeyRejections } from "./api-retry.js";
import { BackendAvailability } from "./availability.js";
import { ModelCallError, type ModelRequest } from "./types.js";

const logger = createLogger("silent");
const KEY = "sk-ant-test-0042";
const haiku = DEFAULT_CONFIG.workers.haiku as WorkerConfig;
const MODEL = haiku.model;
const VERDICT = {
  type: "object",
  properties: { pass: { type: "boolean" }, issues: { type: "array", items: { type: "string" } } },
  required: ["pass", "issues"],
};

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  fake: FakeAnthropic;
  runner: AnthropicRunner;
  config: SquadConfig;
  env: NodeJS.ProcessEnv;
  keys: KeyRejections;
  delays: number[];
}

async function setup(env?: NodeJS.ProcessEnv): Promise<Setup> {
  const fake = await startFakeAnthropic({ apiKey: KEY });
  cleanups.push(() => fake.close());
  const config: SquadConfig = {
    ...DEFAULT_CONFIG,
    workers: { haiku },
    anthropic: { maxRetries: 2, retryBaseMs: 100, maxRetryDelayMs: 30_000 },
  };
  const runEnv = env ?? { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: fake.url };
  const keys = new KeyRejections();
  const delays: number[] = [];
  const runner = new AnthropicRunner({
    config,
    env: runEnv,
    keys,
    now: Date.now,
    random: () => 0,
    sleep: async (ms) => {
      delays.push(ms);
    },
    logger,
  });
  return { fake, runner, config, env: runEnv, keys, delays };
}

const ask = (over: Partial<ModelRequest> = {}): ModelRequest => ({
  alias: "haiku",
  worker: haiku,
  prompt: "What is 2+2?",
  ...over,
});

async function failure(s: Setup, request: ModelRequest): Promise<ModelCallError> {
  const error = await s.runner.generate(request).then(
    () => null,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ModelCallError);
  return error as ModelCallError;
}

function availability(s: Setup): BackendAvailability {
  const quota = { cooldown: () => null, count: () => 0 };
  const config = { ...s.config, ollama: { ...s.config.ollama, hosts: ["http://127.0.0.1:9"] } };
  return new BackendAvailability(config, false, quota, Date.now, logger, {
    env: s.env,
    keys: s.keys,
  });
}

describe("AnthropicRunner against a fake Messages API", () => {
  it("answers with the text blocks, counting cache tokens as input", async () => {
    const s = await setup();
    s.fake.script(MODEL, [{ text: "four", cacheReadTokens: 100, cacheCreationTokens: 20 }]);
    const answer = await s.runner.generate(ask({ system: "Be brief." }));
    expect(answer).toMatchObject({
      alias: "haiku",
      provider: "anthropic",
      model: MODEL,
      host: null,
      text: "four",
      tokensIn: 6 + 100 + 20,
      tokensOut: 1,
    });
    expect(answer.notes).toEqual(["prompt cache: 100 tokens read, 20 written"]);
    expect(s.fake.requests[0]?.body).toMatchObject({ system: "Be brief.", model: MODEL });
  });

  it("gets structured output through a forced tool call whose input_schema is the schema", async () => {
    const s = await setup();
    s.fake.script(MODEL, [{ json: { pass: true, issues: [] } }]);
    const answer = await s.runner.generate(ask({ schema: VERDICT }));
    expect(JSON.parse(answer.text)).toEqual({ pass: true, issues: [] });
    expect(s.fake.requests[0]?.forcedTool).toBe("answer");
    expect(s.fake.requests[0]?.body.tools).toEqual([
      {
        name: "answer",
        description: "Give your answer as this tool's input.",
        input_schema: VERDICT,
      },
    ]);
  });

  it("notes an answer cut at max_tokens", async () => {
    const s = await setup();
    s.fake.script(MODEL, [{ text: "the answer", stopReason: "max_tokens" }]);
    const answer = await s.runner.generate(ask());
    expect(answer.notes).toContain("answer cut at the output token limit (stop_reason max_tokens)");
  });

  it("waits out retry-after on 429 and on 529 overloaded, then answers", async () => {
    const s = await setup();
    s.fake.script(MODEL, [
      {
        status: 429,
        type: "rate_limit_error",
        message: "rate limited",
        headers: { "retry-after": "4" },
      },
      {
        status: 529,
        type: "overloaded_error",
        message: "Overloaded",
        headers: { "retry-after": "1" },
      },
      "four",
    ]);
    const answer = await s.runner.generate(ask());
    expect(answer.text).toBe("four");
    expect(s.delays).toEqual([4_000, 1_000]);
    expect(answer.notes).toEqual([
      "retried after 429 (waited 4.0 s)",
      "retried after 529 (waited 1.0 s)",
    ]);
  });

  it("gives up on overload after anthropic.maxRetries, with the API's words", async () => {
    const s = await setup();
    const overloaded = { status: 529, type: "overloaded_error", message: "Overloaded" };
    s.fake.script(MODEL, [overloaded, overloaded, overloaded]);
    const error = await failure(s, ask());
    expect(error.kind).toBe("server");
    expect(error.message).toMatch(/haiku: 529 after 2 retries: overloaded_error: Overloaded/);
    expect(s.fake.requests).toHaveLength(3);
  });

  it("makes the alias unusable after a 401, naming ANTHROPIC_API_KEY and never the key", async () => {
    const fake = await startFakeAnthropic({ apiKey: KEY });
    cleanups.push(() => fake.close());
    const s = await setup({ ANTHROPIC_API_KEY: "sk-ant-wrong-7777", ANTHROPIC_BASE_URL: fake.url });
    const error = await failure(s, ask());
    expect(error.kind).toBe("rejected");
    expect(error.message).toMatch(/key rejected for haiku \(env ANTHROPIC_API_KEY\)/);
    expect(error.message).not.toContain("sk-ant-wrong-7777");
    await failure(s, ask());
    expect(fake.requests).toHaveLength(1);
    const seen = (await availability(s).snapshot()).workers.get("haiku");
    expect(seen?.usable).toBe(false);
    expect(seen?.reason).toMatch(/key rejected for haiku/);
  });

  it("is unusable without a key and usable with one, without a request", async () => {
    const without = await setup({});
    const none = (await availability(without).snapshot()).workers.get("haiku");
    expect(none).toMatchObject({ usable: false, reason: "ANTHROPIC_API_KEY not set" });
    const error = await failure(without, ask());
    expect(error.kind).toBe("unavailable");

    const s = await setup();
    expect((await availability(s).snapshot()).workers.get("haiku")?.usable).toBe(true);
    expect(s.fake.requests).toHaveLength(0);
  });
});
