import { Ollama } from "ollama";
import { afterEach, describe, expect, it } from "vitest";
import {
  estimateTokens,
  type FakeOllama,
  type FakeOllamaOptions,
  startFakeOllama,
  TEMPLATE_TOKENS_PER_MESSAGE,
} from "./ollama.js";

const GB = 1_000_000_000;
const open: FakeOllama[] = [];

async function start(options?: FakeOllamaOptions): Promise<{ fake: FakeOllama; client: Ollama }> {
  const fake = await startFakeOllama(options);
  open.push(fake);
  return { fake, client: new Ollama({ host: fake.url }) };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

const user = (content: string) => [{ role: "user", content }];

describe("fake Ollama, driven by the real ollama client", () => {
  it("answers list, ps, show, version and the root probe in the real shapes", async () => {
    const { fake, client } = await start({
      version: "0.9.9",
      models: [
        {
          name: "qwen3",
          sizeBytes: 5 * GB,
          contextLength: 40_960,
          family: "qwen3",
          parameterSize: "8.2B",
        },
      ],
    });

    expect(await client.version()).toEqual({ version: "0.9.9" });

    const { models } = await client.list();
    expect(models).toHaveLength(1);
    const [tag] = models;
    expect(tag).toMatchObject({
      name: "qwen3:latest",
      model: "qwen3:latest",
      size: 5 * GB,
      details: { format: "gguf", family: "qwen3", families: ["qwen3"], parameter_size: "8.2B" },
    });
    expect(tag?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(Number.isNaN(Date.parse(String(tag?.modified_at)))).toBe(false);
    expect(tag?.details.quantization_level).toBeTruthy();

    const show = await client.show({ model: "qwen3" });
    expect(show.details.family).toBe("qwen3");
    expect(show.capabilities).toContain("completion");
    expect(show.template).toContain(".Messages");
    const info = show.model_info as unknown as Record<string, unknown>;
    expect(info["general.architecture"]).toBe("qwen3");
    expect(info["qwen3.context_length"]).toBe(40_960);
    await expect(client.show({ model: "nope" })).rejects.toMatchObject({
      name: "ResponseError",
      status_code: 404,
      error: "model 'nope' not found",
    });

    expect((await client.ps()).models).toEqual([]);
    await client.chat({ model: "qwen3", messages: user("hi"), options: { num_ctx: 8192 } });
    const ps = (await client.ps()).models;
    expect(ps).toHaveLength(1);
    const running = ps[0] as unknown as Record<string, unknown>;
    expect(running).toMatchObject({
      name: "qwen3:latest",
      size: 5 * GB,
      size_vram: 5 * GB,
      context_length: 8192,
    });
    expect(Date.parse(String(running.expires_at))).toBeGreaterThan(Date.now() + 60_000);

    const root = await fetch(fake.url);
    expect(await root.text()).toBe("Ollama is running");
    expect((await fetch(fake.url, { method: "HEAD" })).status).toBe(200);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toContain("POST /api/show");
  });

  it("returns scripted chat replies in order, then the reply function, with stats", async () => {
    const prompt = "Write a haiku about queues.";
    const { fake, client } = await start({ reply: (req) => `fallback for ${req.model}` });
    fake.script("qwen2.5-coder:1.5b", ["first scripted answer", "second"]);

    const first = await client.chat({ model: "qwen2.5-coder:1.5b", messages: user(prompt) });
    expect(first.message).toEqual({ role: "assistant", content: "first scripted answer" });
    expect(first).toMatchObject({ model: "qwen2.5-coder:1.5b", done: true, done_reason: "stop" });
    expect(first.prompt_eval_count).toBe(estimateTokens(prompt) + TEMPLATE_TOKENS_PER_MESSAGE);
    expect(first.eval_count).toBe(estimateTokens("first scripted answer"));
    for (const key of [
      "total_duration",
      "load_duration",
      "prompt_eval_duration",
      "eval_duration",
    ] as const) {
      expect(first[key]).toBeGreaterThan(0);
      expect(Number.isInteger(first[key])).toBe(true);
    }
    expect(Number.isNaN(Date.parse(String(first.created_at)))).toBe(false);

    const second = await client.chat({ model: "qwen2.5-coder:1.5b", messages: user(prompt) });
    expect(second.message.content).toBe("second");
    const third = await client.chat({ model: "qwen2.5-coder:1.5b", messages: user(prompt) });
    expect(third.message.content).toBe("fallback for qwen2.5-coder:1.5b");
  });

  it("streams chat as NDJSON chunks ending in a done chunk with stats", async () => {
    const { fake, client } = await start();
    const answer = '{"verdict":"pass","notes":"all tests green"}';
    fake.script("qwen2.5-coder:1.5b", [answer]);
    const schema = { type: "object", properties: { verdict: { type: "string" } } };

    const stream = await client.chat({
      model: "qwen2.5-coder:1.5b",
      messages: user("judge this"),
      format: schema,
      stream: true,
    });
    const parts = [];
    for await (const part of stream) parts.push(part);

    expect(parts.length).toBeGreaterThan(3);
    expect(parts.slice(0, -1).every((p) => p.done === false)).toBe(true);
    expect(parts.map((p) => p.message.content).join("")).toBe(answer);
    const last = parts.at(-1);
    expect(last).toMatchObject({ done: true, done_reason: "stop", message: { content: "" } });
    expect(last?.eval_count).toBe(parts.length - 1);
    expect(last?.prompt_eval_count).toBeGreaterThan(0);

    const logged = fake.requests.find((r) => r.path === "/api/chat");
    expect(logged?.body).toMatchObject({ stream: true, format: schema });

    const raw = await fetch(`${fake.url}/api/chat`, {
      method: "POST",
      body: JSON.stringify({ model: "qwen2.5-coder:1.5b", messages: user("x") }),
    });
    expect(raw.headers.get("content-type")).toBe("application/x-ndjson");
  });

  it("serves generate, streaming and not, plus load and unload requests", async () => {
    const { fake, client } = await start();
    fake.script("qwen2.5-coder:1.5b", ["def add(a, b):\n    return a + b", "streamed text here"]);

    const plain = await client.generate({ model: "qwen2.5-coder:1.5b", prompt: "write add()" });
    expect(plain.response).toBe("def add(a, b):\n    return a + b");
    expect(plain).toMatchObject({ done: true, done_reason: "stop" });
    expect(Array.isArray(plain.context)).toBe(true);

    const stream = await client.generate({
      model: "qwen2.5-coder:1.5b",
      prompt: "more",
      stream: true,
    });
    let text = "";
    let final: Record<string, unknown> = {};
    for await (const part of stream) {
      text += part.response;
      if (part.done) final = { ...part };
    }
    expect(text).toBe("streamed text here");
    expect(final).toMatchObject({ done: true, response: "" });
    expect(final.eval_count).toBe(estimateTokens("streamed text here"));

    const unloaded = await client.generate({
      model: "qwen2.5-coder:1.5b",
      prompt: "",
      keep_alive: 0,
    });
    expect(unloaded).toMatchObject({ response: "", done: true, done_reason: "unload" });
    expect(fake.loaded()).toEqual([]);

    const load = await client.chat({ model: "qwen2.5-coder:1.5b", messages: [] });
    expect(load).toMatchObject({
      done: true,
      done_reason: "load",
      message: { role: "assistant", content: "" },
    });
    expect(fake.loaded()).toEqual(["qwen2.5-coder:1.5b"]);
    expect(fake.loads).toEqual(["qwen2.5-coder:1.5b", "qwen2.5-coder:1.5b"]);
  });

  it("evicts the least recently used model when memory runs out and records loads", async () => {
    const models = ["a:7b", "b:7b", "c:7b"].map((name) => ({ name, sizeBytes: 4 * GB }));
    const { fake, client } = await start({ models, memoryBytes: 10 * GB });
    const ask = (model: string) => client.chat({ model, messages: user("hi") });

    await ask("a:7b");
    await ask("b:7b");
    await ask("a:7b"); // a is now the most recently used
    expect(fake.loaded()).toEqual(["a:7b", "b:7b"]);
    await ask("c:7b");
    expect(fake.loaded().sort()).toEqual(["a:7b", "c:7b"]);
    await ask("b:7b");
    expect(fake.loaded().sort()).toEqual(["b:7b", "c:7b"]);
    expect(fake.loads).toEqual(["a:7b", "b:7b", "c:7b", "b:7b"]);

    const tooBig = await start({
      models: [{ name: "huge:70b", sizeBytes: 40 * GB }],
      memoryBytes: 10 * GB,
    });
    await expect(
      tooBig.client.chat({ model: "huge:70b", messages: user("hi") }),
    ).rejects.toMatchObject({
      status_code: 500,
      error: expect.stringContaining("model requires more system memory"),
    });
  });

  it("keeps a busy model loaded: the next model waits for it instead of evicting it", async () => {
    const models = [{ name: "a:7b" }, { name: "b:7b" }];
    const { fake, client } = await start({ models, maxLoadedModels: 1, tokensPerSecond: 100 });
    fake.script("a:7b", ["x".repeat(40)]); // 10 tokens, about 100 ms

    const finished: string[] = [];
    const slow = client
      .chat({ model: "a:7b", messages: user("slow") })
      .then(() => finished.push("a"));
    await new Promise((r) => setTimeout(r, 20));
    const quick = client
      .chat({ model: "b:7b", messages: user("quick") })
      .then(() => finished.push("b"));
    await Promise.all([slow, quick]);

    expect(finished).toEqual(["a", "b"]);
    expect(fake.loads).toEqual(["a:7b", "b:7b"]);
  });

  it("takes loadTimeMs to load a cold model and reports it in load_duration", async () => {
    const { client } = await start({ loadTimeMs: 150 });
    const t0 = Date.now();
    const cold = await client.chat({ model: "qwen2.5-coder:1.5b", messages: user("hi") });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(cold.load_duration).toBeGreaterThanOrEqual(140e6);

    const t1 = Date.now();
    const warm = await client.chat({ model: "qwen2.5-coder:1.5b", messages: user("hi") });
    expect(Date.now() - t1).toBeLessThan(100);
    expect(warm.load_duration).toBeLessThan(50e6);
  });

  it("unloads after a request with keep_alive 0", async () => {
    const { fake, client } = await start();
    await client.chat({ model: "qwen2.5-coder:1.5b", messages: user("hi"), keep_alive: 0 });
    expect(fake.loaded()).toEqual([]);
    await client.chat({ model: "qwen2.5-coder:1.5b", messages: user("hi"), keep_alive: "10m" });
    expect(fake.loaded()).toEqual(["qwen2.5-coder:1.5b"]);
  });

  it("rejects an unknown model with the client's ResponseError and status 404", async () => {
    const { client } = await start();
    await expect(client.chat({ model: "llama9", messages: user("hi") })).rejects.toMatchObject({
      name: "ResponseError",
      status_code: 404,
      error: 'model "llama9" not found, try pulling it first',
    });
    await expect(
      client.generate({ model: "llama9", prompt: "hi", stream: true }),
    ).rejects.toMatchObject({
      status_code: 404,
    });
  });

  it("fails scripted errors the way the real server does", async () => {
    const { fake, client } = await start();
    fake.script("qwen2.5-coder:1.5b", [
      {
        content: "",
        status: 503,
        error: "server busy, please try again.  maximum pending requests exceeded",
      },
      { content: "partial answer", error: "an error was encountered while running the model" },
    ]);
    await expect(
      client.chat({ model: "qwen2.5-coder:1.5b", messages: user("hi") }),
    ).rejects.toMatchObject({
      status_code: 503,
      error: expect.stringContaining("server busy"),
    });

    const stream = await client.chat({
      model: "qwen2.5-coder:1.5b",
      messages: user("hi"),
      stream: true,
    });
    let seen = "";
    await expect(
      (async () => {
        for await (const part of stream) seen += part.message.content;
      })(),
    ).rejects.toThrow("an error was encountered while running the model");
    expect(seen).toBe("partial answer");
  });

  it("makes client calls fail while down and recover afterwards", async () => {
    const { fake, client } = await start();
    await client.chat({ model: "qwen2.5-coder:1.5b", messages: user("hi") });
    fake.setDown(true);
    await expect(client.list()).rejects.toThrow();
    await expect(
      client.chat({ model: "qwen2.5-coder:1.5b", messages: user("hi") }),
    ).rejects.toThrow();
    expect(fake.loaded()).toEqual([]);
    fake.setDown(false);
    expect((await client.list()).models).toHaveLength(1);
    expect(fake.requests.filter((r) => r.path === "/api/tags")).toHaveLength(2);
  });

  it("adds setDelay latency to every response", async () => {
    const { fake, client } = await start();
    fake.setDelay(120);
    const t0 = Date.now();
    await client.version();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
  });

  it("caps prompt_eval_count at num_ctx and drops old chat messages that do not fit", async () => {
    const { client } = await start();
    const model = "qwen2.5-coder:1.5b";
    const long = "y".repeat(20_000); // about 5000 tokens

    const capped = await client.chat({ model, messages: user(long), options: { num_ctx: 1024 } });
    expect(capped.prompt_eval_count).toBe(1024);
    const byDefault = await client.generate({ model, prompt: long });
    expect(byDefault.prompt_eval_count).toBe(2048);
    const roomy = await client.generate({ model, prompt: long, options: { num_ctx: 8192 } });
    expect(roomy.prompt_eval_count).toBe(estimateTokens(long) + TEMPLATE_TOKENS_PER_MESSAGE);

    const history = [
      { role: "system", content: "s".repeat(400) },
      { role: "user", content: long },
      { role: "assistant", content: "ok" },
      { role: "user", content: "short question" },
    ];
    const dropped = await client.chat({ model, messages: history, options: { num_ctx: 1024 } });
    const kept = [history[0], history[2], history[3]];
    const expected = kept.reduce(
      (sum, m) => sum + estimateTokens(m?.content ?? "") + TEMPLATE_TOKENS_PER_MESSAGE,
      0,
    );
    expect(dropped.prompt_eval_count).toBe(expected);

    const cut = await client.chat({ model, messages: user("hello"), options: { num_predict: 1 } });
    expect(cut).toMatchObject({ done_reason: "length", eval_count: 1 });
  });

  it("survives a client abort mid-stream and frees the model", async () => {
    const models = [{ name: "a:7b" }, { name: "b:7b" }];
    const { fake, client } = await start({ models, maxLoadedModels: 1, tokensPerSecond: 50 });
    fake.script("a:7b", ["z".repeat(400)]); // 100 tokens, about 2 s if it ran to the end

    const stream = await client.chat({ model: "a:7b", messages: user("long"), stream: true });
    let chunks = 0;
    await expect(
      (async () => {
        for await (const _part of stream) {
          chunks++;
          if (chunks === 2) client.abort();
        }
      })(),
    ).rejects.toMatchObject({ name: "AbortError" });
    expect(chunks).toBe(2);

    // b can only load once the aborted request has released a.
    const t0 = Date.now();
    const next = await client.chat({ model: "b:7b", messages: user("hi") });
    expect(next.done).toBe(true);
    expect(Date.now() - t0).toBeLessThan(500);
    expect(fake.loads).toEqual(["a:7b", "b:7b"]);
  });
});
