import OpenAI, { AuthenticationError, BadRequestError, RateLimitError } from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeOpenAI, type FakeOpenAIOptions, startFakeOpenAI } from "./openai.js";

const MODEL = "qwen2.5-coder-7b-instruct";
const fakes: FakeOpenAI[] = [];
afterEach(async () => {
  for (const fake of fakes.splice(0)) await fake.close();
});

async function setup(options: FakeOpenAIOptions = {}) {
  const fake = await startFakeOpenAI(options);
  fakes.push(fake);
  const client = new OpenAI({ apiKey: "test-key", baseURL: fake.url, maxRetries: 0 });
  return { fake, client };
}

describe("fake OpenAI-compatible server, driven by the openai client", () => {
  it("lists its models", async () => {
    const { client } = await setup({ models: [MODEL, "llama-3.1-8b"] });
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual([MODEL, "llama-3.1-8b"]);
  });

  it("answers a chat completion with usage and finish_reason", async () => {
    const { fake, client } = await setup();
    fake.script(MODEL, [{ text: "four", finishReason: "length" }]);
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "What is 2+2?" }],
    });
    expect(completion.choices[0]?.message.content).toBe("four");
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 1 });
    expect(fake.requests[0]?.authorization).toBe("Bearer test-key");
  });

  it("streams chunks that join to the answer, with usage last when asked", async () => {
    const { fake, client } = await setup();
    fake.script(MODEL, ["the answer is four"]);
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "What is 2+2?" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe("the answer is four");
    expect(finish).toBe("stop");
    expect(usage?.completion_tokens).toBe(5);
  });

  it("refuses json_schema for a model whose server cannot do it, and accepts json_object", async () => {
    const { client } = await setup({ refuseJsonSchema: [MODEL] });
    const ask = (response_format: OpenAI.ChatCompletionCreateParams["response_format"]) =>
      client.chat.completions.create({
        model: MODEL,
        messages: [{ role: "user", content: "JSON please" }],
        response_format,
      });
    const refused = await ask({
      type: "json_schema",
      json_schema: { name: "answer", schema: { type: "object" }, strict: true },
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BadRequestError);
    expect((refused as BadRequestError).message).toMatch(/response_format/);
    await expect(ask({ type: "json_object" })).resolves.toBeTruthy();
  });

  it("sends 401 to a wrong key, 429 with Retry-After, and 400 context_length_exceeded", async () => {
    const { fake } = await setup({ contextWindow: 10 });
    const wrong = new OpenAI({ apiKey: "sk-wrong-key-1234", baseURL: fake.url, maxRetries: 0 });
    const ask = (client: OpenAI, content: string) =>
      client.chat.completions
        .create({ model: MODEL, messages: [{ role: "user", content }] })
        .catch((error: unknown) => error);
    const unauthorised = await ask(wrong, "hi");
    expect(unauthorised).toBeInstanceOf(AuthenticationError);
    expect((unauthorised as AuthenticationError).code).toBe("invalid_api_key");

    const client = new OpenAI({ apiKey: "test-key", baseURL: fake.url, maxRetries: 0 });
    fake.script(MODEL, [
      {
        status: 429,
        message: "Rate limit reached for requests",
        type: "requests",
        code: "rate_limit_exceeded",
        headers: { "retry-after": "2", "x-ratelimit-reset-requests": "2s" },
      },
    ]);
    const limited = await ask(client, "hi");
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).headers.get("retry-after")).toBe("2");

    const tooLong = await ask(client, "x".repeat(200));
    expect(tooLong).toBeInstanceOf(BadRequestError);
    expect((tooLong as BadRequestError).code).toBe("context_length_exceeded");
  });
});
