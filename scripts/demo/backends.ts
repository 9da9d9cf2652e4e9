import { errorMessage } from "../../src/errors.js";
import { type FakeOllama, startFakeOllama } from "../../test/fakes/ollama.js";

/** The local models the default worker aliases (qwen-fast, qwen-coder, qwen-moe) point at. */
export const DEMO_MODELS = ["qwen2.5-coder:7b", "qwen2.5-coder:32b", "qwen3:30b-a3b"];

const DEFAULT_OLLAMA = "http://127.0.0.1:11434";
const PROBE_TIMEOUT_MS = 800;

export interface Backends {
  /** Environment for the server: where Ollama is, and the API keys there are. */
  env: Record<string, string>;
  /** Worker aliases the demo's config adds (one for a live OpenAI-compatible server). */
  workers: Record<string, unknown>;
  /** True when real backends are used (the routing then depends on what they offer). */
  live: boolean;
  /** One line per backend, for the reader. */
  describe: string[];
  /** The alias the spec step hands its Code Spec to, or why there is none. */
  coder: { alias: string } | { none: string };
  /** Simulated Ollama only: queues the coder model's next answers (a real coder writes its own). */
  scriptCoder?: (answers: string[]) => void;
  /** Simulated Ollama only: queues a model's next answers, by the alias that points at it. */
  scriptAnswers?: (alias: string, answers: string[]) => void;
  close(): Promise<void>;
}

/** The alias the demo gives a live OpenAI-compatible server (OPENAI_BASE_URL). */
export const OPENAI_ALIAS = "openai-compat";

/**
 * Live Ollama, Gemini, an OpenAI-compatible server or Anthropic when the user has them, else a
 * simulated Ollama with the three models.
 */
export async function chooseBackends(env: NodeJS.ProcessEnv): Promise<Backends> {
  const tried = (env.OLLAMA_HOST || DEFAULT_OLLAMA)
    .split(",")
    .map((host) => host.trim())
    .filter(Boolean)
    .map(normaliseHost);
  const probes = await Promise.all(
    tried.map(async (host) => ({ host, version: await probeVersion(host) })),
  );
  const liveOllama = probes.filter((probe) => probe.version !== null);
  const geminiKey = env.GEMINI_API_KEY || env.GOOGLE_API_KEY;
  const gemini: Record<string, string> = {};
  if (geminiKey) gemini.GEMINI_API_KEY = geminiKey;
  if (env.GEMINI_BASE_URL) gemini.GEMINI_BASE_URL = env.GEMINI_BASE_URL;

  const openai = await probeOpenAI(env);
  const anthropic: Record<string, string> = {};
  if (env.ANTHROPIC_API_KEY) anthropic.ANTHROPIC_API_KEY = env.ANTHROPIC_API_KEY;
  if (env.ANTHROPIC_API_KEY && env.ANTHROPIC_BASE_URL) {
    anthropic.ANTHROPIC_BASE_URL = env.ANTHROPIC_BASE_URL;
  }

  if (liveOllama.length > 0 || geminiKey || openai.model || env.ANTHROPIC_API_KEY) {
    const describe = [
      liveOllama.length > 0
        ? `live Ollama at ${liveOllama.map((probe) => `${probe.host} (v${probe.version})`).join(", ")}`
        : `no Ollama answered at ${tried.join(", ")}: local workers are off`,
      geminiKey
        ? "live Gemini (key set; the learning step's validator, flash, spends a few tokens)"
        : "Gemini off (GEMINI_API_KEY not set)",
      openai.describe,
      env.ANTHROPIC_API_KEY
        ? "live Anthropic: haiku and sonnet (ANTHROPIC_API_KEY set)"
        : "Anthropic off (ANTHROPIC_API_KEY not set)",
    ];
    const models = new Set(
      (await Promise.all(liveOllama.map((probe) => listModels(probe.host)))).flat(),
    );
    return {
      env: {
        OLLAMA_HOST: (liveOllama.length > 0 ? liveOllama.map((probe) => probe.host) : tried).join(
          ",",
        ),
        ...gemini,
        ...openai.env,
        ...anthropic,
      },
      workers: openai.model ? { [OPENAI_ALIAS]: openAIWorker(openai.model) } : {},
      live: true,
      describe,
      coder: chooseCoder(models, {
        openai: Boolean(openai.model),
        anthropic: Boolean(env.ANTHROPIC_API_KEY),
        gemini: Boolean(geminiKey),
      }),
      close: async () => {},
    };
  }

  const fake: FakeOllama = await startFakeOllama({ models: DEMO_MODELS.map((name) => ({ name })) });
  return {
    env: { OLLAMA_HOST: fake.url },
    workers: {},
    live: false,
    describe: [
      `simulated Ollama: no live Ollama answered at ${tried.join(", ")} ${env.OLLAMA_HOST ? "(OLLAMA_HOST)" : "(set OLLAMA_HOST for yours)"}`,
      `its models ${DEMO_MODELS.join(", ")}; Gemini off (no GEMINI_API_KEY)`,
    ],
    coder: { alias: "qwen-coder" },
    scriptCoder: (answers) => fake.script(CODER_MODEL, answers),
    scriptAnswers: (alias, answers) => {
      const model = MODEL_OF[alias];
      if (model) fake.script(model, answers);
    },
    close: () => fake.close(),
  };
}

/** The simulated models behind the default local aliases. */
const MODEL_OF: Record<string, string> = {
  "qwen-fast": "qwen2.5-coder:7b",
  "qwen-coder": "qwen2.5-coder:32b",
  "qwen-moe": "qwen3:30b-a3b",
};

/** The model behind the default `coder` role, qwen-coder, and the smaller one behind qwen-fast. */
const CODER_MODEL = "qwen2.5-coder:32b";
const SMALL_CODER_MODEL = "qwen2.5-coder:7b";

/**
 * The default coder when its model is pulled, else the small local one, else the live
 * OpenAI-compatible server, else haiku, else Gemini Flash.
 */
function chooseCoder(
  models: ReadonlySet<string>,
  apis: { openai: boolean; anthropic: boolean; gemini: boolean },
): Backends["coder"] {
  if (models.has(CODER_MODEL)) return { alias: "qwen-coder" };
  if (models.has(SMALL_CODER_MODEL)) return { alias: "qwen-fast" };
  if (apis.openai) return { alias: OPENAI_ALIAS };
  if (apis.anthropic) return { alias: "haiku" };
  if (apis.gemini) return { alias: "flash" };
  return {
    none: `no coder available: pull ${CODER_MODEL} (or ${SMALL_CODER_MODEL}) into Ollama, or set OPENAI_BASE_URL, ANTHROPIC_API_KEY or GEMINI_API_KEY`,
  };
}

function openAIWorker(model: string) {
  return {
    provider: "openai",
    model,
    maxComplexity: 6,
    contextWindow: 32_768,
    price: { input: 0, output: 0 },
  };
}

/**
 * The server at OPENAI_BASE_URL, when it answers `GET /models`: its first model becomes the
 * demo's `openai-compat` alias.
 */
async function probeOpenAI(
  env: NodeJS.ProcessEnv,
): Promise<{ model: string | null; env: Record<string, string>; describe: string }> {
  const baseUrl = env.OPENAI_BASE_URL;
  if (!baseUrl) {
    return {
      model: null,
      env: {},
      describe: "OpenAI-compatible server off (OPENAI_BASE_URL not set)",
    };
  }
  const key = env.OPENAI_API_KEY;
  const serverEnv: Record<string, string> = { OPENAI_BASE_URL: baseUrl };
  if (key) serverEnv.OPENAI_API_KEY = key;
  try {
    const response = await fetch(`${baseUrl.replace(/\/+$/, "")}/models`, {
      headers: key ? { authorization: `Bearer ${key}` } : {},
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    const body = (await response.json()) as { data?: { id?: unknown }[] };
    const model = (body.data ?? []).map((entry) => entry.id).find((id) => typeof id === "string");
    if (!response.ok || typeof model !== "string") {
      return {
        model: null,
        env: {},
        describe: `OpenAI-compatible server at ${baseUrl} lists no model (HTTP ${response.status}): off`,
      };
    }
    return {
      model,
      env: serverEnv,
      describe: `live OpenAI-compatible server at ${baseUrl}: ${OPENAI_ALIAS} → ${model}`,
    };
  } catch (error) {
    const why = errorMessage(error);
    return {
      model: null,
      env: {},
      describe: `no OpenAI-compatible server at ${baseUrl} (${why}): off`,
    };
  }
}

/** The model names a live Ollama host has pulled; none when it does not say. */
async function listModels(host: string): Promise<string[]> {
  try {
    const response = await fetch(`${host}/api/tags`, {
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    const body = (await response.json()) as { models?: { name?: unknown }[] };
    return (body.models ?? []).flatMap((model) =>
      typeof model.name === "string" ? [model.name] : [],
    );
  } catch {
    return [];
  }
}

/** The Ollama version a host reports, or null when it does not answer in time. */
async function probeVersion(host: string): Promise<string | null> {
  try {
    const response = await fetch(`${host}/api/version`, {
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    if (!response.ok) return null;
    const body = (await response.json()) as { version?: unknown };
    return typeof body.version === "string" ? body.version : "?";
  } catch {
    return null;
  }
}

/** OLLAMA_HOST may be `host`, `host:port` or a URL, as the Ollama CLI accepts. */
function normaliseHost(value: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(value) ? value : `http://${value}`;
  try {
    const url = new URL(withScheme);
    if (!/^[a-z]+:\/\/[^/]*:\d+(\/|$)/i.test(withScheme) && url.protocol === "http:")
      url.port = "11434";
    return url.toString().replace(/\/$/, "");
  } catch {
    return withScheme;
  }
}
