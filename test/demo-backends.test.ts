import { afterEach, describe, expect, it } from "vitest";
import { type Backends, chooseBackends, OPENAI_ALIAS } from "../scripts/demo/backends.js";
import { startFakeOpenAI } from "./fakes/openai.js";
import { CLOSED_OLLAMA } from "./support/server.js";

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of opened.splice(0)) await thing.close();
});

async function choose(env: NodeJS.ProcessEnv): Promise<Backends> {
  const backends = await chooseBackends({ OLLAMA_HOST: CLOSED_OLLAMA, ...env });
  opened.push(backends);
  return backends;
}

describe("npm run demo's backends", () => {
  it("uses a live OpenAI-compatible server at OPENAI_BASE_URL as its coder, through an alias of its first model", async () => {
    const fake = await startFakeOpenAI({ apiKey: "sk-demo", models: ["llama-3.1-8b-instruct"] });
    opened.push(fake);
    const backends = await choose({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: "sk-demo" });
    expect(backends.live).toBe(true);
    expect(backends.coder).toEqual({ alias: OPENAI_ALIAS });
    expect(backends.workers[OPENAI_ALIAS]).toMatchObject({
      provider: "openai",
      model: "llama-3.1-8b-instruct",
    });
    expect(backends.env).toMatchObject({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: "sk-demo" });
    expect(backends.describe).toContain(
      `live OpenAI-compatible server at ${fake.url}: ${OPENAI_ALIAS} → llama-3.1-8b-instruct`,
    );
  });

  it("uses haiku as the coder when only ANTHROPIC_API_KEY is set", async () => {
    const backends = await choose({ ANTHROPIC_API_KEY: "sk-ant-demo" });
    expect(backends.live).toBe(true);
    expect(backends.coder).toEqual({ alias: "haiku" });
    expect(backends.env.ANTHROPIC_API_KEY).toBe("sk-ant-demo");
    expect(backends.workers).toEqual({});
  });

  it("falls back to the simulated Ollama when OPENAI_BASE_URL does not answer", async () => {
    const backends = await choose({ OPENAI_BASE_URL: "http://127.0.0.1:9/v1" });
    expect(backends.live).toBe(false);
    expect(backends.coder).toEqual({ alias: "qwen-coder" });
  });
});
