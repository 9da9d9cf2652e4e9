import { afterEach, describe, expect, it } from "vitest";
import {
  type FakeOpenAI,
  type FakeOpenAIOptions,
  startFakeOpenAI,
} from "../../test/fakes/openai.js";
import { DEFAULT_CONFIG, type SquadConfig, type WorkerConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { ContextLengthError, KeyRejections } from "./api-retry.js";
import { BackendAvailability } from "./availability.js";
import { OpenAIRunner } from "./openai.js";
import { ModelCallError, type ModelRequest, type ModelWait } from "./types.js";

const logger = createLogger("silent");
const MODEL = "qwen2.5-coder-7b-instruct";
const KEY = "sk-local-test-key-0042";
const VERDICT = {
  type: "object",
  properties: { pass: { type: "boolean" }, confidence: { type: "number" } },
  required: ["pass", "confidence"],
};

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  fake: FakeOpenAI;
  runner: OpenAIRunner;
  worker: WorkerConfig;
  config: SquadConfig;
  env: NodeJS.ProcessEnv;
  keys: KeyRejections;
  delays: number[];
}

async function setup(
  fakeOptions: FakeOpenAIOptions = {},
  over: { env?: NodeJS.ProcessEnv; maxRetries?: number; baseUrl?: string } = {},
): Promise<Setup> {
  const fake = await startFakeOpenAI({ apiKey: KEY, ...fakeOptions });
  cleanups.push(() => fake.close());
  const worker: WorkerConfig = {
    provider: "openai",
    model: MODEL,
    maxComplexity: 3,
    contextWindow: 8,
    price: { input: 0, output: 0 },
    tokensPerSecond: 60,
    baseUrl: over.baseUrl ?? fake.url,
  };
  const config: SquadConfig = {
    ...DEFAULT_CONFIG,
    workers: { lm: worker },
    ollama: { ...DEFAULT_CONFIG.ollama, hosts: ["http://127.0.0.1:9"] },
    openai: { maxRetries: over.maxRetries ?? 3, retryBaseMs: 100, maxRetryDelayMs: 30_000 },
  };
  const env = over.env ?? { OPENAI_API_KEY: KEY };
  const keys = new KeyRejections();
  const delays: number[] = [];
  // The runner's clock: waits move it on instead of taking time.
  const clock = { now: Date.now() };
  const runner = new OpenAIRunner({
    config,
    env,
    keys,
    now: () => clock.now,
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
      clock.now += ms;
    },
    logger,
  });
  return { fake, runner, worker, config, env, keys, delays };
}

const ask = (s: Setup, over: Partial<ModelRequest> = {}): ModelRequest => ({
  alias: "lm",
  worker: s.worker,
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

function availability(s: Setup, workers?: Record<string, WorkerConfig>): BackendAvailability {
  const config = { ...s.config, workers: workers ?? s.config.workers };
  const quota = { cooldown: () => null, count: () => 0 };
  return new BackendAvailability(config, false, quota, Date.now, logger, {
    env: s.env,
    keys: s.keys,
  });
}

describe("OpenAIRunner against a fake OpenAI-compatible server", () => {
  it("answers with the text and the server's usage counts", async () => {
    const s = await setup();
    s.fake.script(MODEL, ["four"]);
    const answer = await s.runner.generate(ask(s, { system: "Be brief." }));
    expect(answer).toMatchObject({
      alias: "lm",
      provider: "openai",
      model: MODEL,
      host: null,
      text: "four",
      tokensIn: 6,
      tokensOut: 1,
      notes: [],
    });
    expect(s.fake.requests[0]?.authorization).toBe(`Bearer ${KEY}`);
    expect(s.fake.requests[0]?.body.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is 2+2?" },
    ]);
  });

  it("notes an answer cut by finish_reason length", async () => {
    const s = await setup();
    s.fake.script(MODEL, [{ text: "the answer is", finishReason: "length" }]);
    const answer = await s.runner.generate(ask(s));
    expect(answer.notes).toContain("answer cut at the output token limit (finish_reason length)");
  });

  it("asks for structured output with response_format json_schema, strict when the schema allows", async () => {
    const s = await setup();
    s.fake.script(MODEL, ['{"pass":true,"confidence":0.9}', '{"pass":true}']);
    const answer = await s.runner.generate(ask(s, { schema: VERDICT }));
    expect(JSON.parse(answer.text)).toEqual({ pass: true, confidence: 0.9 });
    expect(s.fake.requests[0]?.body.response_format).toEqual({
      type: "json_schema",
      json_schema: {
        name: "answer",
        schema: { ...VERDICT, additionalProperties: false },
        strict: true,
      },
    });
    const optional = { ...VERDICT, required: ["pass"] };
    await s.runner.generate(ask(s, { schema: optional }));
    expect(s.fake.requests[1]?.body.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "answer", schema: optional, strict: false },
    });
  });

  it("falls back to json_object with the schema in the prompt when json_schema is refused, and remembers", async () => {
    const s = await setup({ refuseJsonSchema: [MODEL] });
    s.fake.script(MODEL, ['{"pass":false,"confidence":0.4}', '{"pass":true,"confidence":1}']);
    const first = await s.runner.generate(ask(s, { schema: VERDICT }));
    expect(JSON.parse(first.text)).toEqual({ pass: false, confidence: 0.4 });
    expect(first.notes).toContain(
      "the server refused response_format json_schema; using json_object",
    );
    await s.runner.generate(ask(s, { schema: VERDICT }));
    expect(s.fake.requests.map((request) => request.format)).toEqual([
      "json_schema",
      "json_object",
      "json_object",
    ]);
    expect(s.fake.requests[1]?.text).toContain('"required":["pass","confidence"]');
  });

  it("does not step down response_format for an unknown model", async () => {
    const s = await setup();
    const error = await failure(
      s,
      ask(s, { worker: { ...s.worker, model: "no-such-model" }, schema: VERDICT }),
    );
    expect(error.kind).toBe("rejected");
    expect(error.message).toMatch(/lm: The model `no-such-model` does not exist/);
    expect(s.fake.requests).toHaveLength(1);
  });

  it("checks a prompt-only answer against the schema and asks once more when it does not match", async () => {
    const s = await setup({ refuseJsonSchema: [MODEL], refuseJsonObject: [MODEL] });
    s.fake.script(MODEL, ['{"pass":"yes"}', '```json\n{"pass":true,"confidence":0.7}\n```']);
    const answer = await s.runner.generate(ask(s, { schema: VERDICT }));
    expect(JSON.parse(answer.text)).toEqual({ pass: true, confidence: 0.7 });
    expect(s.fake.requests.map((request) => request.format)).toEqual([
      "json_schema",
      "json_object",
      null,
      null,
    ]);
    expect(answer.notes.some((note) => /did not match the schema/.test(note))).toBe(true);
    expect(answer.tokensOut).toBeGreaterThan(4);
  });

  it("waits out a 429's Retry-After (seconds), then answers", async () => {
    const s = await setup();
    const waits: ModelWait[] = [];
    s.fake.script(MODEL, [
      {
        status: 429,
        message: "Rate limit reached",
        code: "rate_limit_exceeded",
        headers: { "retry-after": "2" },
      },
      "four",
    ]);
    const answer = await s.runner.generate(ask(s, { onWait: (wait) => waits.push(wait) }));
    expect(answer.text).toBe("four");
    expect(s.delays).toHaveLength(1);
    expect(s.delays[0]).toBeGreaterThanOrEqual(2_000);
    expect(s.delays[0]).toBeLessThan(2_250);
    expect(waits[0]?.reason).toBe("a retry after 429");
    expect(answer.waitedMs).toBe(s.delays[0]);
  });

  it("reads Retry-After as an HTTP date and x-ratelimit-reset-requests when it is absent", async () => {
    const s = await setup();
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    s.fake.script(MODEL, [
      { status: 429, message: "busy", headers: { "retry-after": inTenSeconds } },
      { status: 429, message: "busy", headers: { "x-ratelimit-reset-requests": "0m20.5s" } },
      "ok",
    ]);
    await s.runner.generate(ask(s));
    expect(s.delays[0]).toBeGreaterThan(8_000);
    expect(s.delays[0]).toBeLessThanOrEqual(10_250);
    expect(s.delays[1]).toBeGreaterThanOrEqual(20_500);
    expect(s.delays[1]).toBeLessThan(20_750);
  });

  it("paces an alias to its requestsPerMinute, telling the caller what it waits for", async () => {
    const s = await setup();
    const paced = { ...s.worker, requestsPerMinute: 2 };
    const waits: ModelWait[] = [];
    for (let i = 0; i < 3; i++) {
      await s.runner.generate(ask(s, { worker: paced, onWait: (wait) => waits.push(wait) }));
    }
    expect(s.fake.requests).toHaveLength(3);
    expect(s.delays).toHaveLength(1);
    expect(s.delays[0]).toBeGreaterThan(59_000);
    expect(waits).toEqual([{ ms: s.delays[0], reason: "a per-minute slot (2/min)" }]);
  });

  it("backs off on 5xx and gives up after the configured retries", async () => {
    const s = await setup({}, { maxRetries: 2 });
    const outage = { status: 500, message: "The server had an error" };
    s.fake.script(MODEL, [outage, outage, outage]);
    const error = await failure(s, ask(s));
    expect(error.kind).toBe("server");
    expect(error.message).toMatch(/lm: 500 after 2 retries: The server had an error/);
    expect(s.fake.requests).toHaveLength(3);
    expect(s.delays).toEqual([150, 250]);
  });

  it("refuses a Retry-After longer than openai.maxRetryDelayMs instead of waiting it out", async () => {
    const s = await setup();
    s.fake.script(MODEL, [
      { status: 429, message: "slow down", headers: { "retry-after": "3600" } },
    ]);
    const error = await failure(s, ask(s));
    expect(error.kind).toBe("rate_limited");
    expect(error.message).toMatch(/asks to wait 3600\.0 s, more than openai\.maxRetryDelayMs/);
    expect(s.delays).toEqual([]);
  });

  it("makes the alias unusable after a 401, naming the key's variable and never the key", async () => {
    const s = await setup({}, { env: { OPENAI_API_KEY: "sk-wrong-key-9999" } });
    const error = await failure(s, ask(s));
    expect(error.kind).toBe("rejected");
    expect(error.message).toMatch(/key rejected for lm \(env OPENAI_API_KEY\)/);
    expect(error.message).not.toContain("sk-wrong-key-9999");
    const again = await failure(s, ask(s));
    expect(again.message).toMatch(/key rejected for lm/);
    expect(s.fake.requests).toHaveLength(1);
    const seen = (await availability(s).snapshot()).workers.get("lm");
    expect(seen?.usable).toBe(false);
    expect(seen?.reason).toMatch(/key rejected for lm \(env OPENAI_API_KEY\)/);
  });

  it("turns a context-length 400 into an error naming the alias and its window", async () => {
    const s = await setup({ contextWindow: 8 });
    const error = await failure(s, ask(s, { prompt: "x".repeat(400) }));
    expect(error).toBeInstanceOf(ContextLengthError);
    expect(error.message).toMatch(/lm: the prompt does not fit its context window \(8 tokens/);
    expect(error.message).toMatch(/maximum context length is 8 tokens/);
  });

  it("gives up on a slow answer at the request's deadline", async () => {
    const s = await setup();
    s.fake.script(MODEL, [{ text: "late", delayMs: 2_000 }]);
    const error = await failure(s, ask(s, { timeoutMs: 100 }));
    expect(error.kind).toBe("timeout");
  });

  it("says the alias is unusable when no key variable it names is set", async () => {
    const s = await setup({}, { env: {} });
    const named = { ...s.worker, apiKeyEnv: "LITELLM_MASTER_KEY" };
    const error = await failure(s, ask(s, { worker: named }));
    expect(error.kind).toBe("unavailable");
    expect(error.message).toMatch(/LITELLM_MASTER_KEY is not set/);
    const seen = (await availability(s, { lm: named }).snapshot()).workers.get("lm");
    expect(seen?.reason).toBe("LITELLM_MASTER_KEY not set");
  });
});

describe("availability of openai aliases", () => {
  it("is usable when the server lists the model, or lists nothing, and probes once per TTL", async () => {
    const s = await setup({ models: [MODEL, "other"] });
    const view = availability(s, {
      lm: s.worker,
      missing: { ...s.worker, model: "not-here" },
    });
    const first = await view.snapshot();
    expect(first.workers.get("lm")).toMatchObject({ usable: true, reason: null });
    expect(first.workers.get("missing")?.reason).toMatch(
      /not-here is not served at http:\/\/127\.0\.0\.1:\d+\/v1 \(it lists qwen2\.5-coder-7b-instruct, other\)/,
    );
    await view.snapshot();
    expect(s.fake.modelListings).toBe(1);

    const empty = await setup({ models: [] });
    const listed = (await availability(empty).snapshot()).workers.get("lm");
    expect(listed?.usable).toBe(true);
  });

  it("is unusable, after one bounded probe, when the server is down", async () => {
    const s = await setup({}, { baseUrl: "http://127.0.0.1:9/v1" });
    const started = Date.now();
    const seen = (await availability(s).snapshot()).workers.get("lm");
    expect(Date.now() - started).toBeLessThan(s.config.ollama.probeTimeoutMs + 500);
    expect(seen?.usable).toBe(false);
    expect(seen?.reason).toMatch(/^http:\/\/127\.0\.0\.1:9\/v1 unreachable: /);
  });
});
