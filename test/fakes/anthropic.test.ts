import Anthropic, {
  AuthenticationError,
  InternalServerError,
  RateLimitError,
} from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeAnthropic, startFakeAnthropic } from "./anthropic.js";

const MODEL = "claude-haiku-4-5";
const fakes: FakeAnthropic[] = [];
afterEach(async () => {
  for (const fake of fakes.splice(0)) await fake.close();
});

async function setup(apiKey = "test-key") {
  const fake = await startFakeAnthropic();
  fakes.push(fake);
  const client = new Anthropic({ apiKey, baseURL: fake.url, maxRetries: 0 });
  return { fake, client };
}

describe("fake Anthropic Messages API, driven by @anthropic-ai/sdk", () => {
  it("answers a message with text, stop_reason and usage, reading the key and version headers", async () => {
    const { fake, client } = await setup();
    fake.script(MODEL, [{ text: "four", cacheReadTokens: 12 }]);
    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      system: "Be brief.",
      messages: [{ role: "user", content: "What is 2+2?" }],
    });
    expect(message.content).toEqual([{ type: "text", text: "four" }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage).toMatchObject({
      input_tokens: 6,
      output_tokens: 1,
      cache_read_input_tokens: 12,
    });
    expect(fake.requests[0]).toMatchObject({ apiKey: "test-key", text: "Be brief.\nWhat is 2+2?" });
    expect(fake.requests[0]?.version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("answers a forced tool call with a tool_use block whose input is the structured answer", async () => {
    const { fake, client } = await setup();
    fake.script(MODEL, [{ json: { pass: true } }]);
    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: "user", content: "Judge it" }],
      tools: [
        {
          name: "answer",
          input_schema: { type: "object", properties: { pass: { type: "boolean" } } },
        },
      ],
      tool_choice: { type: "tool", name: "answer" },
    });
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content[0]).toMatchObject({
      type: "tool_use",
      name: "answer",
      input: { pass: true },
    });
  });

  it("sends 401 authentication_error, 429 and 529 with retry-after", async () => {
    const { fake } = await setup();
    const ask = (client: Anthropic) =>
      client.messages
        .create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "hi" }] })
        .catch((error: unknown) => error);
    const wrong = new Anthropic({ apiKey: "sk-ant-wrong", baseURL: fake.url, maxRetries: 0 });
    expect(await ask(wrong)).toBeInstanceOf(AuthenticationError);

    const client = new Anthropic({ apiKey: "test-key", baseURL: fake.url, maxRetries: 0 });
    fake.script(MODEL, [
      {
        status: 429,
        type: "rate_limit_error",
        message: "Number of requests has exceeded your per-minute rate limit",
        headers: { "retry-after": "3" },
      },
      {
        status: 529,
        type: "overloaded_error",
        message: "Overloaded",
        headers: { "retry-after": "1" },
      },
    ]);
    const limited = await ask(client);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).headers.get("retry-after")).toBe("3");
    const overloaded = await ask(client);
    expect(overloaded).toBeInstanceOf(InternalServerError);
    expect((overloaded as InternalServerError).status).toBe(529);
  });
});
