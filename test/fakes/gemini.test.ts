import {
  type ErrorDetails,
  GoogleGenerativeAI,
  GoogleGenerativeAIFetchError,
  type ResponseSchema,
  SchemaType,
} from "@google/generative-ai";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeGemini, type FakeGeminiOptions, startFakeGemini } from "./gemini.js";

let fake: FakeGemini | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options?: FakeGeminiOptions): Promise<FakeGemini> {
  fake = await startFakeGemini(options);
  return fake;
}

function model(server: FakeGemini, name = "gemini-2.5-flash", key = "test-key") {
  return new GoogleGenerativeAI(key).getGenerativeModel({ model: name }, { baseUrl: server.url });
}

/** Runs `fn`, expecting the client to throw its fetch error, and returns that error. */
async function fetchError(fn: () => Promise<unknown>): Promise<GoogleGenerativeAIFetchError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GoogleGenerativeAIFetchError);
    return err as GoogleGenerativeAIFetchError;
  }
  throw new Error("expected the client to throw");
}

function detail(details: ErrorDetails[] | undefined, type: string): Record<string, unknown> {
  const found = details?.find((d) => d["@type"] === `type.googleapis.com/google.rpc.${type}`);
  expect(found, `${type} detail`).toBeDefined();
  return found as Record<string, unknown>;
}

function quotaIds(details: ErrorDetails[] | undefined): string[] {
  const violations = detail(details, "QuotaFailure").violations as { quotaId: string }[];
  return violations.map((v) => v.quotaId);
}

describe("fake Gemini server driven by @google/generative-ai", () => {
  it("returns the scripted text with usage metadata and logs the request", async () => {
    const server = await start();
    server.script("gemini-2.5-flash", ["scripted answer"]);

    const { response } = await model(server).generateContent("What is 2+2?");

    expect(response.text()).toBe("scripted answer");
    expect(response.candidates?.[0]?.finishReason).toBe("STOP");
    const usage = response.usageMetadata;
    expect(usage?.promptTokenCount).toBeGreaterThan(0);
    expect(usage?.candidatesTokenCount).toBeGreaterThan(0);
    expect(usage?.totalTokenCount).toBe(
      (usage?.promptTokenCount ?? 0) + (usage?.candidatesTokenCount ?? 0),
    );
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      model: "gemini-2.5-flash",
      stream: false,
      text: "What is 2+2?",
      apiKey: "test-key",
    });

    // The script is used up, so the next call falls back to options.reply's default.
    const second = await model(server).generateContent("again");
    expect(second.response.text()).toBe("OK");
  });

  it("uses options.reply with the parsed request when nothing is scripted", async () => {
    const server = await start({ reply: (req) => `echo(${req.model}): ${req.text}` });
    const { response } = await model(server, "gemini-2.5-pro").generateContent("hello");
    expect(response.text()).toBe("echo(gemini-2.5-pro): hello");
  });

  it("streams several SSE chunks that concatenate to the reply", async () => {
    const server = await start();
    const reply = "The quick brown fox jumps over the lazy dog near the river bank.";
    server.script("gemini-2.5-flash", [reply]);

    const result = await model(server).generateContentStream("tell me a story");
    const pieces: string[] = [];
    for await (const chunk of result.stream) pieces.push(chunk.text());
    const aggregated = await result.response;

    expect(pieces.length).toBeGreaterThanOrEqual(3);
    expect(pieces.join("")).toBe(reply);
    expect(aggregated.text()).toBe(reply);
    expect(aggregated.candidates?.[0]?.finishReason).toBe("STOP");
    expect(aggregated.usageMetadata?.candidatesTokenCount).toBeGreaterThan(0);
    expect(server.requests[0]?.stream).toBe(true);
  });

  it("survives a client aborting mid-stream", async () => {
    const server = await start();
    server.script("gemini-2.5-flash", [
      { text: "one two three four five six seven", delayMs: 200 },
    ]);
    const controller = new AbortController();

    const result = await model(server).generateContentStream("slow please", {
      signal: controller.signal,
    });
    controller.abort();
    await expect(result.response).rejects.toThrow();
    // Let the fake finish writing the abandoned stream before checking it is still up.
    await new Promise((resolve) => setTimeout(resolve, 250));

    // Still serving after the abandoned stream.
    server.script("gemini-2.5-flash", ["still alive"]);
    const { response } = await model(server).generateContent("ping");
    expect(response.text()).toBe("still alive");
  });

  it("records responseMimeType and responseSchema and returns the scripted text as-is", async () => {
    const server = await start();
    server.script("gemini-2.5-flash-lite", ['{"answer":4}']);
    const schema: ResponseSchema = {
      type: SchemaType.OBJECT,
      properties: { answer: { type: SchemaType.INTEGER } },
      required: ["answer"],
    };
    const client = new GoogleGenerativeAI("test-key").getGenerativeModel(
      {
        model: "gemini-2.5-flash-lite",
        generationConfig: { responseMimeType: "application/json", responseSchema: schema },
      },
      { baseUrl: server.url },
    );

    const { response } = await client.generateContent("2+2 as JSON");

    expect(JSON.parse(response.text())).toEqual({ answer: 4 });
    expect(server.requests[0]?.body).toMatchObject({
      generationConfig: { responseMimeType: "application/json", responseSchema: schema },
    });
  });

  it("rejects a wrong API key with 400 INVALID_ARGUMENT and API_KEY_INVALID", async () => {
    const server = await start({ apiKey: "right-key" });

    const err = await fetchError(() => model(server, undefined, "wrong-key").generateContent("hi"));

    expect(err.status).toBe(400);
    expect(err.message).toContain("API key not valid. Please pass a valid API key.");
    expect(detail(err.errorDetails, "ErrorInfo").reason).toBe("API_KEY_INVALID");
    expect(server.requests[0]?.apiKey).toBe("wrong-key");
  });

  it("accepts the key as ?key= too, and lists and gets models", async () => {
    const server = await start({ models: ["gemini-2.5-flash", "gemini-2.5-pro"] });

    const list = await fetch(`${server.url}/v1beta/models?key=test-key`);
    expect(list.status).toBe(200);
    const { models } = (await list.json()) as { models: { name: string }[] };
    expect(models.map((m) => m.name)).toEqual(["models/gemini-2.5-flash", "models/gemini-2.5-pro"]);

    const get = await fetch(`${server.url}/v1beta/models/gemini-2.5-pro`, {
      headers: { "x-goog-api-key": "test-key" },
    });
    expect(await get.json()).toMatchObject({
      name: "models/gemini-2.5-pro",
      displayName: "Gemini 2.5 Pro",
      inputTokenLimit: 1_048_576,
      outputTokenLimit: 65_536,
      supportedGenerationMethods: expect.arrayContaining(["generateContent"]),
    });

    const missing = await fetch(`${server.url}/v1beta/models/gemini-9?key=test-key`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 404, status: "NOT_FOUND" } });

    const noKey = await fetch(`${server.url}/v1beta/models`);
    expect(noKey.status).toBe(403);
  });

  it("enforces rpmLimit with a 429 carrying RetryInfo and a PerMinute QuotaFailure", async () => {
    let clock = 1_000_000;
    const server = await start({ rpmLimit: 2, now: () => clock });
    const flash = model(server);

    await flash.generateContent("1");
    clock += 48_000;
    await flash.generateContent("2");
    const err = await fetchError(() => flash.generateContent("3"));

    expect(err.status).toBe(429);
    expect(err.message).toContain("You exceeded your current quota");
    // The oldest request leaves the 60 s window 12 s from now.
    expect(detail(err.errorDetails, "RetryInfo").retryDelay).toBe("12s");
    expect(quotaIds(err.errorDetails)).toEqual([
      "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
    ]);
    // Quotas are per model.
    await expect(model(server, "gemini-2.5-pro").generateContent("other")).resolves.toBeDefined();

    clock += 12_000;
    await expect(flash.generateContent("4")).resolves.toBeDefined();
  });

  it("enforces rpdLimit with a PerDay QuotaFailure until resetQuotas", async () => {
    const server = await start({ rpdLimit: 1 });
    const flash = model(server);
    await flash.generateContent("1");

    const err = await fetchError(() => flash.generateContent("2"));

    expect(err.status).toBe(429);
    expect(quotaIds(err.errorDetails)).toEqual([
      "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
    ]);
    server.resetQuotas();
    await expect(flash.generateContent("3")).resolves.toBeDefined();
  });

  it("fails every request during an outage and recovers after outage(null)", async () => {
    const server = await start();
    server.script("gemini-2.5-flash", ["after the outage"]);
    server.outage(503);

    const err = await fetchError(() => model(server).generateContent("hi"));
    const streamErr = await fetchError(() => model(server).generateContentStream("hi"));

    expect(err.status).toBe(503);
    expect(err.message).toContain("The model is overloaded. Please try again later.");
    expect(streamErr.status).toBe(503);
    server.outage(null);
    // The outage did not consume the scripted reply.
    const { response } = await model(server).generateContent("hi");
    expect(response.text()).toBe("after the outage");
  });

  it("returns scripted error replies in the google.rpc shape", async () => {
    const server = await start();
    server.script("gemini-2.5-flash", [
      { status: 500, error: { message: "Internal error encountered.", status: "INTERNAL" } },
    ]);
    const err = await fetchError(() => model(server).generateContent("hi"));
    expect(err.status).toBe(500);
    expect(err.message).toContain("Internal error encountered.");
  });

  it("answers 404 NOT_FOUND for an unknown model", async () => {
    const server = await start();
    const err = await fetchError(() => model(server, "gemini-1.0-pro").generateContent("hi"));
    expect(err.status).toBe(404);
    expect(err.message).toContain("models/gemini-1.0-pro is not found for API version v1beta");
  });
});
