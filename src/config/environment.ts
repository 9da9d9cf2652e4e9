/** What squad-mcp reads from its environment: where its data lives, model hosts, API keys. */
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError } from "../errors.js";
import type { SquadConfig, WorkerConfig } from "./schema.js";

export interface EnvironmentVariable {
  name: string;
  meaning: string;
  default: string;
}

/** Every variable squad-mcp reads; docs/configuration.md lists them (a test keeps it whole). */
export const ENVIRONMENT_VARIABLES: readonly EnvironmentVariable[] = [
  {
    name: "SQUAD_HOME",
    meaning: "data folder: `squad.db`, run logs, a `config.json`",
    default: "`~/.squad`",
  },
  {
    name: "SQUAD_CONFIG",
    meaning: "a config file to use instead of the lookup",
    default: "—",
  },
  {
    name: "SQUAD_LOG_LEVEL",
    meaning: "stderr log level: `debug` `info` `warn` `error` `silent`",
    default: "`info`",
  },
  {
    name: "OLLAMA_HOST",
    meaning:
      "Ollama base URL (`host`, `host:port` or a URL); a comma-separated list makes a pool. Replaces `ollama.hosts`",
    default: "`http://127.0.0.1:11434`",
  },
  {
    name: "GEMINI_API_KEY",
    meaning: "enables the `gemini` aliases",
    default: "—",
  },
  {
    name: "GOOGLE_API_KEY",
    meaning: "read when `GEMINI_API_KEY` is not set",
    default: "—",
  },
  {
    name: "GEMINI_BASE_URL",
    meaning: "Gemini API base URL (proxies, tests); replaces `gemini.baseUrl`",
    default: "Google's",
  },
  {
    name: "OPENAI_BASE_URL",
    meaning: "base URL of `openai` aliases without their own `baseUrl`",
    default: "—",
  },
  {
    name: "OPENAI_API_KEY",
    meaning: "key of `openai` aliases without their own `apiKeyEnv`",
    default: "—",
  },
  {
    name: "ANTHROPIC_API_KEY",
    meaning: "enables the `anthropic` aliases (`haiku`, `sonnet`) without their own `apiKeyEnv`",
    default: "—",
  },
  {
    name: "ANTHROPIC_BASE_URL",
    meaning: "Anthropic API base URL (proxies, tests) for aliases without their own `baseUrl`",
    default: "Anthropic's",
  },
];

export function squadHome(env: NodeJS.ProcessEnv): string {
  return resolve(env.SQUAD_HOME || join(homedir(), ".squad"));
}

/** OLLAMA_HOST and GEMINI_BASE_URL override what the config file says. */
export function applyEnvironment(config: SquadConfig, env: NodeJS.ProcessEnv): SquadConfig {
  const hosts = env.OLLAMA_HOST?.split(",")
    .map((host) => host.trim())
    .filter(Boolean)
    .map(normaliseOllamaHost);
  return {
    ...config,
    ollama: { ...config.ollama, hosts: hosts?.length ? hosts : config.ollama.hosts },
    gemini: { ...config.gemini, baseUrl: env.GEMINI_BASE_URL || config.gemini.baseUrl },
  };
}

/** OLLAMA_HOST may be `host`, `host:port` or a URL, as the Ollama CLI accepts. */
export function normaliseOllamaHost(value: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(value) ? value : `http://${value}`;
  try {
    const url = new URL(withScheme);
    const explicitPort = /^[a-z]+:\/\/[^/]*:\d+(\/|$)/i.test(withScheme);
    if (!explicitPort && url.protocol === "http:") url.port = "11434";
    return url.toString().replace(/\/$/, "");
  } catch {
    throw new ConfigError(
      "environment",
      "OLLAMA_HOST",
      `'${value}' is not a host, host:port or URL`,
    );
  }
}

/** Where an `openai` or `anthropic` alias sends its requests, and with which key. */
export interface ApiTarget {
  baseUrl: string | null;
  /** The environment variable the key is read from. */
  keyEnv: string;
  key: string | undefined;
}

const API_DEFAULTS = {
  openai: { baseUrlEnv: "OPENAI_BASE_URL", keyEnv: "OPENAI_API_KEY" },
  anthropic: { baseUrlEnv: "ANTHROPIC_BASE_URL", keyEnv: "ANTHROPIC_API_KEY" },
} as const;

/** For an `openai` or `anthropic` alias (any other provider reads as `openai`). */
export function apiTarget(worker: WorkerConfig, env: NodeJS.ProcessEnv): ApiTarget {
  const defaults = API_DEFAULTS[worker.provider === "anthropic" ? "anthropic" : "openai"];
  const keyEnv = worker.apiKeyEnv ?? defaults.keyEnv;
  return {
    baseUrl: worker.baseUrl ?? (env[defaults.baseUrlEnv] || null),
    keyEnv,
    key: env[keyEnv] || undefined,
  };
}

export function geminiApiKey(env: NodeJS.ProcessEnv): string | undefined {
  return env.GEMINI_API_KEY || env.GOOGLE_API_KEY || undefined;
}
