import { type FakeOllama, startFakeOllama } from "../../test/fakes/ollama.js";

/** The local models the default worker aliases (qwen-fast, qwen-coder, qwen-moe) point at. */
export const DEMO_MODELS = ["qwen2.5-coder:7b", "qwen2.5-coder:32b", "qwen3:30b-a3b"];

const DEFAULT_OLLAMA = "http://127.0.0.1:11434";
const PROBE_TIMEOUT_MS = 800;

export interface Backends {
  /** Environment for the server: where Ollama is, and Gemini's key when there is one. */
  env: Record<string, string>;
  /** True when real backends are used (the routing then depends on what they offer). */
  live: boolean;
  /** One line per backend, for the reader. */
  describe: string[];
  /** The alias the spec step hands its Code Spec to, or why there is none. */
  coder: { alias: string } | { none: string };
  /** Simulated Ollama only: queues the coder model's next answers (a real coder writes its own). */
  scriptCoder?: (answers: string[]) => void;
  close(): Promise<void>;
}

/** Live Ollama or Gemini when the user has them, else a simulated Ollama with the three models. */
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

  if (liveOllama.length > 0 || geminiKey) {
    const describe = [
      liveOllama.length > 0
        ? `live Ollama at ${liveOllama.map((probe) => `${probe.host} (v${probe.version})`).join(", ")}`
        : `no Ollama answered at ${tried.join(", ")}: local workers are off`,
      geminiKey
        ? "live Gemini (key set; routing sends no requests, so no tokens are spent)"
        : "Gemini off (GEMINI_API_KEY not set)",
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
      },
      live: true,
      describe,
      coder: chooseCoder(models, Boolean(geminiKey)),
      close: async () => {},
    };
  }

  const fake: FakeOllama = await startFakeOllama({ models: DEMO_MODELS.map((name) => ({ name })) });
  return {
    env: { OLLAMA_HOST: fake.url },
    live: false,
    describe: [
      `simulated Ollama: no live Ollama answered at ${tried.join(", ")} ${env.OLLAMA_HOST ? "(OLLAMA_HOST)" : "(set OLLAMA_HOST for yours)"}`,
      `its models ${DEMO_MODELS.join(", ")}; Gemini off (no GEMINI_API_KEY)`,
    ],
    coder: { alias: "qwen-coder" },
    scriptCoder: (answers) => fake.script(CODER_MODEL, answers),
    close: () => fake.close(),
  };
}

/** The model behind the default `coder` role, qwen-coder, and the smaller one behind qwen-fast. */
const CODER_MODEL = "qwen2.5-coder:32b";
const SMALL_CODER_MODEL = "qwen2.5-coder:7b";

/** The default coder when its model is pulled, else the small local one, else Gemini Flash. */
function chooseCoder(models: ReadonlySet<string>, gemini: boolean): Backends["coder"] {
  if (models.has(CODER_MODEL)) return { alias: "qwen-coder" };
  if (models.has(SMALL_CODER_MODEL)) return { alias: "qwen-fast" };
  if (gemini) return { alias: "flash" };
  return {
    none: `no coder available: pull ${CODER_MODEL} (or ${SMALL_CODER_MODEL}) into Ollama, or set GEMINI_API_KEY`,
  };
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
