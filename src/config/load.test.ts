import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import { apiTarget, normaliseOllamaHost } from "./environment.js";
import { loadConfig } from "./load.js";
import type { WorkerConfig } from "./schema.js";

function dirs() {
  const root = mkdtempSync(join(tmpdir(), "config-"));
  const cwd = join(root, "project");
  const home = join(root, "home");
  mkdirSync(cwd);
  mkdirSync(home);
  return { cwd, home };
}

const LOCAL_OPENAI = {
  provider: "openai",
  model: "qwen2.5-coder-7b-instruct",
  maxComplexity: 3,
  contextWindow: 32768,
  price: { input: 0, output: 0 },
};

describe("loadConfig", () => {
  it("starts with embedded defaults when no file exists", () => {
    const { cwd, home } = dirs();
    const { config, source } = loadConfig({ cwd, env: { SQUAD_HOME: home } });
    expect(source).toBeNull();
    expect(Object.keys(config.workers)).toEqual([
      "qwen-fast",
      "qwen-coder",
      "qwen-moe",
      "flash-lite",
      "flash",
      "pro",
      "haiku",
      "sonnet",
    ]);
    expect(config.workers.haiku).toMatchObject({ provider: "anthropic", maxComplexity: 5 });
    expect(config.workers.sonnet).toMatchObject({ provider: "anthropic", maxComplexity: 7 });
    expect(config.workers["qwen-coder"]).toMatchObject({
      provider: "ollama",
      model: "qwen2.5-coder:32b",
    });
    expect(config.workers.flash?.price.input).toBeGreaterThan(0);
    expect(config.ollama.hosts).toEqual(["http://127.0.0.1:11434"]);
  });

  it("looks up SQUAD_CONFIG, then squad.config.json in the project, then $SQUAD_HOME/config.json", () => {
    const { cwd, home } = dirs();
    const homeFile = join(home, "config.json");
    writeFileSync(homeFile, JSON.stringify({ routing: { qualityBar: 0.7 } }));
    expect(loadConfig({ cwd, env: { SQUAD_HOME: home } })).toMatchObject({ source: homeFile });
    const projectFile = join(cwd, "squad.config.json");
    writeFileSync(projectFile, JSON.stringify({ routing: { qualityBar: 0.6 } }));
    const fromProject = loadConfig({ cwd, env: { SQUAD_HOME: home } });
    expect(fromProject.source).toBe(projectFile);
    expect(fromProject.config.routing.qualityBar).toBe(0.6);
    const explicit = join(cwd, "other.json");
    writeFileSync(explicit, JSON.stringify({ routing: { qualityBar: 0.5 } }));
    const fromEnv = loadConfig({ cwd, env: { SQUAD_HOME: home, SQUAD_CONFIG: "other.json" } });
    expect(fromEnv.source).toBe(explicit);
    expect(fromEnv.config.routing.qualityBar).toBe(0.5);
  });

  it("merges a partial worker, adds new aliases and removes one set to null", () => {
    const { cwd, home } = dirs();
    writeFileSync(
      join(cwd, "squad.config.json"),
      JSON.stringify({
        workers: {
          "qwen-coder": { model: "qwen2.5-coder:14b" },
          pro: null,
          deepseek: {
            provider: "ollama",
            model: "deepseek-coder-v2:16b",
            maxComplexity: 5,
            contextWindow: 16384,
            price: { input: 0, output: 0 },
          },
        },
      }),
    );
    const { config } = loadConfig({ cwd, env: { SQUAD_HOME: home } });
    expect(config.workers["qwen-coder"]?.model).toBe("qwen2.5-coder:14b");
    expect(config.workers["qwen-coder"]?.maxComplexity).toBe(6);
    expect(config.workers.pro).toBeUndefined();
    expect(config.workers.deepseek?.tokensPerSecond).toBe(30);
  });

  it.each([
    [{ routing: { qualityBar: 2 } }, "routing.qualityBar", /<=1|too big/i],
    [{ workers: { flash: { provider: "mistral" } } }, "workers.flash.provider", /ollama|gemini/],
    [
      { workers: { lmstudio: { ...LOCAL_OPENAI, apiKeyEnv: "sk-live-1234" } } },
      "workers.lmstudio.apiKeyEnv",
      /name of an environment variable/,
    ],
    [
      { workers: { lmstudio: { ...LOCAL_OPENAI, baseUrl: "localhost:1234" } } },
      "workers.lmstudio.baseUrl",
      /URL/i,
    ],
    [{ rooting: {} }, "", /rooting/],
    [{ roles: { coder: "nobody" } }, "roles.coder", /not a worker alias/],
    [
      {
        workers: {
          host: {
            provider: "ollama",
            model: "x",
            maxComplexity: 1,
            contextWindow: 1,
            price: { input: 0, output: 0 },
          },
        },
      },
      "workers.host",
      /host/,
    ],
  ])("refuses %j naming the field", (body, fieldPath, problem) => {
    const { cwd, home } = dirs();
    const file = join(cwd, "squad.config.json");
    writeFileSync(file, JSON.stringify(body));
    let caught: unknown;
    try {
      loadConfig({ cwd, env: { SQUAD_HOME: home } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.file).toBe(file);
    if (fieldPath) expect(error.fieldPath).toBe(fieldPath);
    expect(error.message).toMatch(problem);
  });

  it("still loads a file with the unused roles.summarizer, even one naming a removed alias", () => {
    const { cwd, home } = dirs();
    writeFileSync(
      join(cwd, "squad.config.json"),
      JSON.stringify({
        workers: { "qwen-fast": null },
        roles: { coder: "qwen-coder", validator: "flash", summarizer: "qwen-fast" },
      }),
    );
    const { config } = loadConfig({ cwd, env: { SQUAD_HOME: home } });
    expect(config.roles).toEqual({ coder: "qwen-coder", validator: "flash" });
    expect(config.workers["qwen-fast"]).toBeUndefined();
  });

  it("refuses a file that is not JSON, naming it", () => {
    const { cwd, home } = dirs();
    writeFileSync(join(cwd, "squad.config.json"), "{ nope");
    expect(() => loadConfig({ cwd, env: { SQUAD_HOME: home } })).toThrow(
      /squad\.config\.json: not valid JSON/,
    );
  });

  it("takes OLLAMA_HOST as a pool and GEMINI_BASE_URL from the environment", () => {
    const { cwd, home } = dirs();
    const { config } = loadConfig({
      cwd,
      env: {
        SQUAD_HOME: home,
        OLLAMA_HOST: "gpu1:11434, http://gpu2:8080 ,localhost",
        GEMINI_BASE_URL: "http://127.0.0.1:9999",
      },
    });
    expect(config.ollama.hosts).toEqual([
      "http://gpu1:11434",
      "http://gpu2:8080",
      "http://localhost:11434",
    ]);
    expect(config.gemini.baseUrl).toBe("http://127.0.0.1:9999");
  });
});

describe("a bad OLLAMA_HOST", () => {
  it("is blamed on the environment variable, not on the config file", () => {
    const { cwd, home } = dirs();
    writeFileSync(join(cwd, "squad.config.json"), "{}");
    expect(() =>
      loadConfig({ cwd, env: { SQUAD_HOME: home, OLLAMA_HOST: "http://bad host" } }),
    ).toThrow(/^environment: OLLAMA_HOST: 'http:\/\/bad host' is not a host/);
  });
});

describe("normaliseOllamaHost", () => {
  it("accepts the forms the Ollama CLI accepts", () => {
    expect(normaliseOllamaHost("0.0.0.0")).toBe("http://0.0.0.0:11434");
    expect(normaliseOllamaHost("https://ollama.example.com")).toBe("https://ollama.example.com");
    expect(normaliseOllamaHost("http://[::1]:11500")).toBe("http://[::1]:11500");
  });

  it("reads an openai alias's key and base URL from the environment, never from the file", () => {
    const { cwd, home } = dirs();
    writeFileSync(
      join(cwd, "squad.config.json"),
      JSON.stringify({
        workers: {
          lmstudio: { ...LOCAL_OPENAI, baseUrl: "http://127.0.0.1:1234/v1" },
          router: { ...LOCAL_OPENAI, apiKeyEnv: "LITELLM_KEY" },
        },
      }),
    );
    const env = {
      SQUAD_HOME: home,
      OPENAI_BASE_URL: "http://10.0.0.5:4000/v1",
      OPENAI_API_KEY: "sk-default",
      LITELLM_KEY: "sk-litellm",
    };
    const { config } = loadConfig({ cwd, env });
    const target = (alias: string) => apiTarget(config.workers[alias] as WorkerConfig, env);
    expect(target("lmstudio")).toEqual({
      baseUrl: "http://127.0.0.1:1234/v1",
      keyEnv: "OPENAI_API_KEY",
      key: "sk-default",
    });
    expect(target("router")).toEqual({
      baseUrl: "http://10.0.0.5:4000/v1",
      keyEnv: "LITELLM_KEY",
      key: "sk-litellm",
    });
  });
});
