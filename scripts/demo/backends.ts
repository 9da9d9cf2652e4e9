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
    return {
      env: {
        OLLAMA_HOST: (liveOllama.length > 0 ? liveOllama.map((probe) => probe.host) : tried).join(
          ",",
        ),
        ...gemini,
      },
      live: true,
      describe,
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
    close: () => fake.close(),
  };
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
