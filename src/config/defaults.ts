import { DEFAULT_DENY } from "./default-deny.js";
import type { SquadConfig } from "./schema.js";

const local = (model: string, maxComplexity: number, contextWindow: number, tps: number) => ({
  provider: "ollama" as const,
  model,
  maxComplexity,
  contextWindow,
  price: { input: 0, output: 0 },
  tokensPerSecond: tps,
});
const gemini = (
  model: string,
  maxComplexity: number,
  price: { input: number; output: number },
  tps: number,
  requestsPerMinute: number,
) => ({
  provider: "gemini" as const,
  model,
  maxComplexity,
  contextWindow: 1_048_576,
  price,
  tokensPerSecond: tps,
  requestsPerMinute,
});

const anthropic = (
  model: string,
  maxComplexity: number,
  price: { input: number; output: number },
  tps: number,
) => ({
  provider: "anthropic" as const,
  model,
  maxComplexity,
  contextWindow: 200_000,
  price,
  tokensPerSecond: tps,
  maxConcurrent: 4,
});

export const DEFAULT_CONFIG: SquadConfig = {
  workers: {
    "qwen-fast": local("qwen2.5-coder:7b", 3, 32_768, 60),
    "qwen-coder": local("qwen2.5-coder:32b", 6, 32_768, 20),
    "qwen-moe": local("qwen3:30b-a3b", 5, 40_960, 45),
    "flash-lite": gemini("gemini-2.5-flash-lite", 4, { input: 0.1, output: 0.4 }, 300, 15),
    flash: gemini("gemini-2.5-flash", 6, { input: 0.3, output: 2.5 }, 200, 10),
    pro: gemini("gemini-2.5-pro", 9, { input: 1.25, output: 10 }, 80, 5),
    haiku: anthropic("claude-haiku-4-5", 5, { input: 1, output: 5 }, 150),
    sonnet: anthropic("claude-sonnet-4-5", 7, { input: 3, output: 15 }, 70),
  },
  roles: { coder: "qwen-coder", validator: "flash" },
  host: { model: "claude-opus-4-5", price: { input: 5, output: 25 }, expectedSuccess: 0.95 },
  routing: {
    hostComplexity: 7,
    hostCategories: ["architecture"],
    qualityBar: 0.8,
    exploration: 0.1,
    failureStreak: 3,
    prior: { successes: 9, failures: 1 },
    priors: {},
  },
  skills: { required: [], threshold: 2.5 },
  ollama: {
    hosts: ["http://127.0.0.1:11434"],
    keepAlive: "10m",
    maxLoadedModels: 1,
    probeTtlMs: 10_000,
    probeTimeoutMs: 500,
    numParallel: 1,
    cooldownMs: 30_000,
  },
  gemini: { concurrency: 4, maxRetries: 3, retryBaseMs: 1_000, maxRetryDelayMs: 60_000 },
  openai: { maxRetries: 3, retryBaseMs: 1_000, maxRetryDelayMs: 60_000 },
  anthropic: { maxRetries: 3, retryBaseMs: 1_000, maxRetryDelayMs: 60_000 },
  commands: {
    roots: [],
    timeoutS: 600,
    killGraceMs: 2_000,
    sandbox: "auto",
    network: true,
    envAllow: [],
    deny: DEFAULT_DENY,
  },
  squad: {
    digestChars: 2_000,
    maxFailures: 30,
    modelTimeoutS: 300,
    maxFileBytes: 400_000,
    maxCoderAnswerBytes: 4 * 1_048_576,
  },
};
