import { Ollama } from "ollama";
import { afterEach, describe, expect, it } from "vitest";
import {
  estimateTokens,
  type FakeOllama,
  type FakeOllamaOptions,
  startFakeOllama,
  TEMPLATE_TOKENS_PER_MESSAGE,
} from "../../test/fakes/ollama.js";
import { DEFAULT_CONFIG, type SquadConfig, type WorkerConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { BackendAvailability, type QuotaView } from "./availability.js";
import { OllamaPool, type OllamaRequest } from "./ollama.js";
import { ModelCallError } from "./types.js";

const MODEL = "qwen2.5-coder:1.5b";
const OTHER = "qwen3:8b";
const COOLDOWN_MS = 30_000;
const silent = createLogger("silent");
const open: FakeOllama[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((fake) => fake.close()));
});

async function fake(options?: FakeOllamaOptions): Promise<FakeOllama> {
  const started = await startFakeOllama(options);
  open.push(started);
  return started;
}

function worker(model: string, contextWindow = 8192): WorkerConfig {
  return {
    provider: "ollama",
    model,
    maxComplexity: 3,
    contextWindow,
    price: { input: 0, output: 0 },
    tokensPerSecond: 30,
  };
}

function configFor(hosts: string[]): SquadConfig {
  return {
    ...DEFAULT_CONFIG,
    workers: { small: worker(MODEL) },
    ollama: { ...DEFAULT_CONFIG.ollama, hosts, keepAlive: "7m", cooldownMs: COOLDOWN_MS },
  };
}

/** Only Gemini aliases have daily quotas; these tests have none. */
const noQuotaUsed: QuotaView = { count: () => 0, cooldown: () => null };

/** A pool over real probes, with a clock the test moves by hand. */
function poolOver(hosts: FakeOllama[]) {
  const clock = { now: Date.now() };
  const now = () => clock.now;
  const config = configFor(hosts.map((host) => host.url));
  const availability = new BackendAvailability(config, false, noQuotaUsed, now, silent);
  return { pool: new OllamaPool({ config, availability, now, logger: silent }), clock };
}

function ask(prompt: string, extra: Partial<OllamaRequest> = {}): OllamaRequest {
  return { alias: "small", worker: worker(MODEL), prompt, ...extra };
}

function chatsOn(host: FakeOllama) {
  return host.requests.filter((request) => request.path === "/api/chat");
}

async function failureOf(promise: Promise<unknown>): Promise<ModelCallError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ModelCallError);
  return error as ModelCallError;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("OllamaPool, one host", () => {
  it("sends a native /api/chat with the alias's num_ctx, keep_alive and system message", async () => {
    const host = await fake();
    host.script(MODEL, ["def add(a, b): return a + b"]);
    const { pool } = poolOver([host]);
    const system = "You write Python.";
    const prompt = "Write add(a, b).";

    const answer = await pool.generate(ask(prompt, { system }));

    const chats = chatsOn(host);
    expect(chats).toHaveLength(1);
    expect(host.requests.some((request) => request.path.startsWith("/v1/"))).toBe(false);
    expect(chats[0]?.body).toMatchObject({
      model: MODEL,
      options: { num_ctx: 8192 },
      keep_alive: "7m",
      messages: [
        { role: "system", content: system },
        { role: "user", content: prompt },
      ],
    });
    expect(answer).toMatchObject({
      alias: "small",
      provider: "ollama",
      model: MODEL,
      host: host.url,
      text: "def add(a, b): return a + b",
      tokensIn: estimateTokens(system) + estimateTokens(prompt) + 2 * TEMPLATE_TOKENS_PER_MESSAGE,
      tokensOut: estimateTokens("def add(a, b): return a + b"),
      truncated: false,
      notes: [],
    });
    expect(answer.latencyMs).toBeGreaterThanOrEqual(0);
    expect(pool.hosts()[0]?.loaded).toEqual([MODEL]);
  });

  it("asks for structured output through format and returns the JSON text", async () => {
    const host = await fake();
    host.script(MODEL, ['{"verdict":"pass","issues":[]}']);
    const { pool } = poolOver([host]);
    const schema = {
      type: "object",
      properties: { verdict: { type: "string" }, issues: { type: "array" } },
      required: ["verdict", "issues"],
    };

    const answer = await pool.generate(ask("Judge this diff.", { schema }));

    expect(chatsOn(host)[0]?.body).toMatchObject({ format: schema });
    expect(JSON.parse(answer.text)).toEqual({ verdict: "pass", issues: [] });
  });

  it("flags a prompt longer than the context window as truncated, and says what to do", async () => {
    const host = await fake();
    const { pool } = poolOver([host]);
    const tiny = worker(MODEL, 256);

    const long = await pool.generate(ask("x".repeat(4_000), { worker: tiny }));
    const short = await pool.generate(ask("Say hi.", { worker: tiny }));

    expect(chatsOn(host)[0]?.body).toMatchObject({ options: { num_ctx: 256 } });
    expect(long.truncated).toBe(true);
    expect(long.tokensIn).toBe(256);
    expect(long.notes.join(" ")).toMatch(/cut to 256 tokens.*larger context window or send less/);
    expect(short.truncated).toBe(false);
    expect(short.notes).toEqual([]);
  });

  it("remembers only maxLoadedModels models per host, most recent first", async () => {
    const host = await fake({ models: [{ name: MODEL }, { name: OTHER }], maxLoadedModels: 1 });
    const { pool } = poolOver([host]);

    await pool.generate(ask("one"));
    await pool.generate(ask("two", { worker: worker(OTHER) }));

    expect(pool.hosts()[0]?.loaded).toEqual([OTHER]);
  });
});

describe("OllamaPool, choosing a host", () => {
  it("sends a model to the only host that has it", async () => {
    const a = await fake({ models: [{ name: OTHER }] });
    const b = await fake({ models: [{ name: MODEL }] });
    const { pool } = poolOver([a, b]);

    const answer = await pool.generate(ask("hello"));

    expect(answer.host).toBe(b.url);
    expect(chatsOn(a)).toHaveLength(0);
  });

  it("prefers the host where /api/ps shows the model loaded", async () => {
    const a = await fake();
    const b = await fake();
    // Loaded with the alias's num_ctx: another num_ctx would make Ollama load it again.
    const preload = { model: MODEL, messages: [], options: { num_ctx: 8192 } };
    await new Ollama({ host: b.url }).chat(preload);
    const { pool } = poolOver([a, b]);
    await pool.refresh();

    expect(pool.hostsWithModel(MODEL).map((host) => host.host)).toEqual([b.url, a.url]);
    const answer = await pool.generate(ask("hello"));

    expect(answer.host).toBe(b.url);
    expect(b.loads).toEqual([MODEL]);
    expect(a.loads).toEqual([]);
  });

  it("spreads concurrent requests over hosts when none has the model loaded", async () => {
    const a = await fake({ tokensPerSecond: 200 });
    const b = await fake({ tokensPerSecond: 200 });
    const { pool } = poolOver([a, b]);

    const answers = await Promise.all([pool.generate(ask("one")), pool.generate(ask("two"))]);

    expect(new Set(answers.map((answer) => answer.host))).toEqual(new Set([a.url, b.url]));
    expect(pool.hosts().map((host) => host.busy)).toEqual([0, 0]);
  });

  it("honours preferHost when that host is usable and has the model", async () => {
    const a = await fake();
    const b = await fake();
    const { pool } = poolOver([a, b]);

    expect((await pool.generate(ask("hi", { preferHost: b.url }))).host).toBe(b.url);
    expect((await pool.generate(ask("hi", { preferHost: "http://nowhere:1" }))).host).toBe(b.url);
  });
});

describe("OllamaPool, failures", () => {
  it("moves a request to another host when its host dies mid-answer, and cools the dead one", async () => {
    const a = await fake({ tokensPerSecond: 50 });
    const b = await fake();
    const { pool, clock } = poolOver([a, b]);
    a.script(MODEL, ["a long answer that takes a while to stream out of host A"]);

    const pending = pool.generate(ask("hello"));
    await until(() => chatsOn(a).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    a.setDown(true);
    const answer = await pending;

    expect(answer.host).toBe(b.url);
    expect(answer.notes.join(" ")).toContain(`${a.url} stopped answering`);
    expect(answer.notes.join(" ")).toContain(`moved to ${b.url}`);
    const viewOfA = pool.hosts().find((host) => host.host === a.url);
    expect(viewOfA?.coolingUntil).toBe(clock.now + COOLDOWN_MS);
    expect(pool.hostsWithModel(MODEL).map((host) => host.host)).toEqual([b.url]);

    a.setDown(false);
    const whileCooling = await pool.generate(ask("again", { preferHost: a.url }));
    expect(whileCooling.host).toBe(b.url);
    expect(chatsOn(a)).toHaveLength(1);

    clock.now += COOLDOWN_MS;
    const afterCooldown = await pool.generate(ask("and again", { preferHost: a.url }));
    expect(afterCooldown.host).toBe(a.url);
    expect(pool.hosts().find((host) => host.host === a.url)?.coolingUntil).toBeNull();
  });

  it("fails as unavailable, naming each host, when every host stops answering", async () => {
    const a = await fake();
    const b = await fake();
    const { pool } = poolOver([a, b]);
    await pool.refresh();
    a.setDown(true);
    b.setDown(true);

    const error = await failureOf(pool.generate(ask("hello")));

    expect(error.kind).toBe("unavailable");
    expect(error.message).toContain(`${a.url} stopped answering`);
    expect(error.message).toContain(`${b.url} stopped answering`);
    expect(pool.hosts().every((host) => host.coolingUntil !== null)).toBe(true);
  });

  it("fails as unavailable, naming each host, when no host is reachable at all", async () => {
    const a = await fake();
    const b = await fake();
    const { pool } = poolOver([a, b]);
    await Promise.all([a.close(), b.close()]);

    const error = await failureOf(pool.generate(ask("hello")));

    expect(error.kind).toBe("unavailable");
    expect(error.message).toContain(a.url);
    expect(error.message).toContain(b.url);
    expect(error.message).toContain("connection refused");
  });

  it("says to ollama pull a model that no host has", async () => {
    const { pool } = poolOver([await fake(), await fake()]);

    const error = await failureOf(pool.generate(ask("hi", { worker: worker("llama3.3:70b") })));

    expect(error.kind).toBe("unavailable");
    expect(error.message).toContain("ollama pull llama3.3:70b");
  });

  it("tries another host when one answers 404 model not found", async () => {
    const a = await fake();
    const b = await fake();
    a.script(MODEL, [{ content: "", status: 404, error: `model "${MODEL}" not found` }]);
    const { pool } = poolOver([a, b]);

    const answer = await pool.generate(ask("hello"));

    expect(answer.host).toBe(b.url);
    expect(answer.notes.join(" ")).toContain(`${a.url} does not have ${MODEL}`);
    expect(pool.hosts().find((host) => host.host === a.url)?.coolingUntil).toBeNull();
  });

  it("carries Ollama's own message and the host on a 500", async () => {
    const host = await fake();
    const message = "llama runner process has terminated: exit status 2";
    host.script(MODEL, [{ content: "", status: 500, error: message }]);
    const { pool } = poolOver([host]);

    const error = await failureOf(pool.generate(ask("hello")));

    expect(error.kind).toBe("server");
    expect(error.status).toBe(500);
    expect(error.message).toContain(message);
    expect(error.message).toContain(host.url);
  });

  it("reports an error the model hits mid-stream as a server error", async () => {
    const host = await fake();
    host.script(MODEL, [{ content: "half an answ", error: "CUDA error: out of memory" }]);
    const { pool } = poolOver([host]);

    const error = await failureOf(pool.generate(ask("hello")));

    expect(error.kind).toBe("server");
    expect(error.message).toContain("CUDA error: out of memory");
  });

  it("refuses a structured request the host rejects, without trying elsewhere", async () => {
    const a = await fake();
    const b = await fake();
    a.script(MODEL, [{ content: "", status: 400, error: "invalid JSON schema in format" }]);
    const { pool } = poolOver([a, b]);

    const error = await failureOf(pool.generate(ask("hi", { schema: { type: "nonsense" } })));

    expect(error.kind).toBe("rejected");
    expect(error.message).toContain("invalid JSON schema in format");
    expect(chatsOn(b)).toHaveLength(0);
  });
});

describe("OllamaPool, stopping", () => {
  it("stops promptly on abort mid-generation, without cooling the host", async () => {
    const host = await fake({ tokensPerSecond: 5 });
    host.script(MODEL, ["x".repeat(400)]);
    const { pool } = poolOver([host]);
    const controller = new AbortController();

    const pending = pool.generate(ask("write a lot", { signal: controller.signal }));
    await until(() => chatsOn(host).length === 1);
    const abortedAt = Date.now();
    controller.abort();
    const error = await failureOf(pending);

    expect(error.kind).toBe("cancelled");
    expect(Date.now() - abortedAt).toBeLessThan(500);
    expect(pool.hosts()[0]?.coolingUntil).toBeNull();
    expect(pool.hosts()[0]?.busy).toBe(0);
  });

  it("gives up with a timeout after timeoutMs", async () => {
    const host = await fake();
    const { pool } = poolOver([host]);
    await pool.refresh();
    host.setDelay(5_000);

    const started = Date.now();
    const error = await failureOf(pool.generate(ask("hello", { timeoutMs: 200 })));

    expect(error.kind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(pool.hosts()[0]?.coolingUntil).toBeNull();
  });

  it("does not call a host for a request cancelled before it starts", async () => {
    const host = await fake();
    const { pool } = poolOver([host]);

    const error = await failureOf(pool.generate(ask("hi", { signal: AbortSignal.abort() })));

    expect(error.kind).toBe("cancelled");
    expect(chatsOn(host)).toHaveLength(0);
  });
});
