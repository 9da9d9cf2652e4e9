import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import { ConfigError } from "./errors.js";

export const CATEGORIES = [
  "command",
  "tests",
  "lint",
  "format",
  "typecheck",
  "explore",
  "git",
  "scaffold",
  "codegen",
  "refactor",
  "docs",
  "review",
  "architecture",
  "debug",
  "other",
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Whom a command's outcome is recorded under: the squad ran it, no model; never an alias. */
export const COMMAND_WORKER = "squad";

const aliasName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, "an alias is lowercase letters, digits, '.', '_' or '-'")
  .refine((name) => name !== "host", "'host' is the route for the host itself, not an alias")
  .refine(
    (name) => name !== COMMAND_WORKER,
    `'${COMMAND_WORKER}' records the outcomes of commands, not an alias`,
  );

const betaPrior = z.strictObject({
  successes: z.number().min(0).max(1000),
  failures: z.number().min(0).max(1000),
});

/** Requests in flight at once per `openai`/`anthropic` alias without its own `maxConcurrent`. */
export const DEFAULT_MAX_CONCURRENT = 4;

export const PROVIDERS = ["ollama", "gemini", "openai", "anthropic"] as const;
export type Provider = (typeof PROVIDERS)[number];

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "the name of an environment variable, not its value");

const workerSchema = z.strictObject({
  provider: z.enum(PROVIDERS),
  model: z.string().min(1),
  maxComplexity: z.number().min(0).max(10),
  contextWindow: z.number().int().positive(),
  /** USD per million tokens; 0 for local models. */
  price: z.strictObject({ input: z.number().min(0), output: z.number().min(0) }),
  /** Rough generation speed, used by `prefer: fastest` until latencies are observed. */
  tokensPerSecond: z.number().positive().default(30),
  /** Gemini: requests per minute this alias may start (the API's per-minute quota). */
  requestsPerMinute: z.number().int().positive().optional(),
  /** Gemini: requests per day; when spent, routing passes over the alias until the reset. */
  requestsPerDay: z.number().int().positive().optional(),
  /** openai/anthropic: the API's base URL (default OPENAI_BASE_URL or ANTHROPIC_BASE_URL). */
  baseUrl: z.url({ protocol: /^https?$/, error: "an http:// or https:// URL" }).optional(),
  /** openai/anthropic: the environment variable holding the key (never the key itself). */
  apiKeyEnv: envName.optional(),
  /** openai/anthropic: requests this alias has in flight at once. */
  maxConcurrent: z.number().int().min(1).max(64).optional(),
});
export type WorkerConfig = z.infer<typeof workerSchema>;

const retryPolicy = z.strictObject({
  maxRetries: z.number().int().min(0).max(10),
  /** First backoff after a 5xx or a 429 without a delay; doubles each retry, with jitter. */
  retryBaseMs: z.number().int().min(0),
  /** A Retry-After longer than this is not waited out: the request fails instead. */
  maxRetryDelayMs: z.number().int().min(0),
});

const configSchema = z.strictObject({
  workers: z.record(aliasName, workerSchema),
  roles: z.strictObject({ coder: aliasName, validator: aliasName, summarizer: aliasName }),
  host: z.strictObject({
    model: z.string().min(1),
    price: z.strictObject({ input: z.number().min(0), output: z.number().min(0) }),
    /** Expected success of the host itself, shown as the confidence of a `host` route. */
    expectedSuccess: z.number().min(0).max(1),
  }),
  routing: z.strictObject({
    /** At or above this complexity the task stays with the host. */
    hostComplexity: z.number().min(0).max(10),
    /** Categories that always stay with the host (architecture decisions are the director's). */
    hostCategories: z.array(z.enum(CATEGORIES)),
    /** A worker is chosen only if its expected success clears this bar. */
    qualityBar: z.number().min(0).max(1),
    /** Share of decisions that sample the posterior instead of using its mean. */
    exploration: z.number().min(0).max(1),
    /** Consecutive failures on a category after which a worker is passed over for it. */
    failureStreak: z.number().int().min(1),
    /** Beta prior for every worker and category, unless `priors` says otherwise. */
    prior: betaPrior,
    /** Per alias, per category (or "*" for all categories) priors. */
    priors: z.record(z.string(), z.record(z.string(), betaPrior)),
    /** Seed for the exploration sampler; unset means random. */
    seed: z.number().int().optional(),
  }),
  skills: z.strictObject({
    /** Keywords that always make a task skill-bound (they stay with the host). */
    required: z.array(z.string().min(2)),
    /** Relevance (BM25) at or above which a skill's description counts as matching a task. */
    threshold: z.number().positive(),
  }),
  ollama: z.strictObject({
    hosts: z.array(z.url()).min(1),
    keepAlive: z.union([z.string(), z.number()]),
    maxLoadedModels: z.number().int().min(1),
    probeTtlMs: z.number().int().min(0),
    probeTimeoutMs: z.number().int().min(50),
    /** Requests one model serves at once on one host (Ollama's OLLAMA_NUM_PARALLEL). */
    numParallel: z.number().int().min(1).max(64),
    /** How long a host that stopped answering is left alone before it is tried again. */
    cooldownMs: z.number().int().min(0),
  }),
  gemini: z.strictObject({
    baseUrl: z.url().optional(),
    /** Requests in flight at once, over all Gemini aliases. */
    concurrency: z.number().int().min(1),
    /** Retries of one request after a 429 (per minute) or a 5xx. */
    maxRetries: z.number().int().min(0).max(10),
    /** First backoff after a 5xx; doubles each retry, with jitter. */
    retryBaseMs: z.number().int().min(0),
    /** A RetryInfo delay longer than this is not waited out: the request fails instead. */
    maxRetryDelayMs: z.number().int().min(0),
  }),
  /** Retries of one request to an `openai` alias (429, 5xx, connection errors). */
  openai: retryPolicy,
  /** Retries of one request to an `anthropic` alias (429, 529 overloaded, 5xx). */
  anthropic: retryPolicy,
  commands: z.strictObject({
    /** Folders besides the project root where commands may run. */
    roots: z.array(z.string().min(1)),
    /** Default timeout of one command, in seconds. */
    timeoutS: z.number().positive().max(86_400),
    /** Between SIGTERM and SIGKILL to a command's process group. */
    killGraceMs: z.number().int().min(0).max(60_000),
    /**
     * "auto": in a sandbox (bubblewrap on Linux) where one works, else without; "required":
     * refuse to run commands without one; "off": never.
     */
    sandbox: z.enum(["auto", "off", "required"]),
    /** Whether sandboxed commands may use the network (tests often download packages). */
    network: z.boolean(),
    /** Secret-looking environment variables that commands may still see. */
    envAllow: z.array(z.string().min(1)),
    /**
     * Commands refused outright; `pattern` is a regular expression tried on each simple command
     * of the line, normalised (words separated by one space, quotes and `sudo`/`env` removed).
     */
    deny: z.array(
      z.strictObject({
        rule: z.string().min(1),
        pattern: z.string().min(1).refine(isRegex, "not a valid regular expression"),
      }),
    ),
  }),
  squad: z.strictObject({
    /** Commands run at once; unset means the number of CPUs. */
    concurrency: z.number().int().min(1).max(256).optional(),
    /** Characters of digest returned per task. */
    digestChars: z.number().int().min(200).max(100_000),
    /** Failing ids listed per task before the rest are only counted. */
    maxFailures: z.number().int().min(1).max(1_000),
    /** Default timeout of one model task, in seconds. */
    modelTimeoutS: z.number().positive().max(86_400),
    /** Bytes of files a prompt task may attach in all. */
    maxFileBytes: z.number().int().positive(),
    /** Bytes of one coder answer in implement_spec; a larger one fails that attempt. */
    maxCoderAnswerBytes: z.number().int().positive(),
  }),
});
export type SquadConfig = z.infer<typeof configSchema>;

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

function isRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/**
 * Obviously destructive commands; a config may replace the list (an empty list allows all).
 * A guard rail against accidents, not a boundary (the sandbox is): `sh -c '…'`, variables or
 * eval get past it. Each pattern is tried on each simple command of the line, normalised
 * (runners/deny.ts): words separated by one space, quotes removed, `sudo`/`env`/`VAR=value`
 * prefixes dropped, the command word without its folder. So `^rm` means "the command is rm",
 * and `echo shutdown` or `grep -rn reboot src` pass. `git push --force-with-lease` is refused
 * (it still rewrites remote history); `--force-if-includes` alone is allowed.
 */
export const DEFAULT_DENY: { rule: string; pattern: string }[] = (() => {
  const end = "(?: |$)";
  /** Some later word of the same command is a recursive flag (-r, -fR, --recursive). */
  const recursiveFlag = (letters: string) =>
    String.raw`(?= (?:\S+ )*?(?:-[a-zA-Z]*[${letters}][a-zA-Z]*|--recursive)${end})`;
  const someWords = String.raw`(?: \S+)*?`;
  return [
    {
      rule: "recursive delete of / or ~",
      pattern: String.raw`^rm${recursiveFlag("rR")}${someWords} (?:\/|~|\$HOME|\$\{HOME\})\/?\*?${end}`,
    },
    {
      rule: "git push --force",
      pattern: String.raw`^git (?:\S+ )*?push${someWords} (?:--force(?:-with-lease)?(?:=\S*)?|-[a-zA-Z]*f[a-zA-Z]*|\+\S+)${end}`,
    },
    {
      rule: "mkfs (formats a disk)",
      pattern: String.raw`^(?:mkfs(?:\.\w+)?|mke2fs|mkswap|wipefs)${end}`,
    },
    {
      rule: "shutdown or reboot",
      pattern: `^(?:shutdown|reboot|halt|poweroff|systemctl (?:poweroff|reboot|halt|kexec)|init [06])${end}`,
    },
    { rule: "fork bomb", pattern: String.raw`^(\S+)\(\) (?:\S+ )*?\1 \| \1 &` },
    {
      rule: "write to a block device",
      pattern: String.raw`(?:\bof=|>) ?\/dev\/(?:sd|hd|vd|xvd|nvme|mmcblk|disk|mapper\/|dm-|md)`,
    },
    {
      rule: "recursive chmod/chown of /",
      pattern: String.raw`^ch(?:mod|own|grp)${recursiveFlag("R")}${someWords} \/\*?${end}`,
    },
  ];
})();

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
  roles: { coder: "qwen-coder", validator: "flash", summarizer: "qwen-fast" },
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

export interface LoadedConfig {
  config: SquadConfig;
  /** The file the config came from, or null for the embedded defaults. */
  source: string | null;
}

export interface ConfigEnvironment {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export function squadHome(env: NodeJS.ProcessEnv): string {
  return resolve(env.SQUAD_HOME || join(homedir(), ".squad"));
}

/** SQUAD_CONFIG, else squad.config.json in the project root, else $SQUAD_HOME/config.json. */
export function findConfigFile({ cwd, env }: ConfigEnvironment): string | null {
  if (env.SQUAD_CONFIG) return resolve(cwd, env.SQUAD_CONFIG);
  const candidates = [join(cwd, "squad.config.json"), join(squadHome(env), "config.json")];
  return candidates.find((file) => existsSync(file)) ?? null;
}

export function loadConfig(where: ConfigEnvironment): LoadedConfig {
  const file = findConfigFile(where);
  const raw = file === null ? {} : readConfigFile(file);
  const merged = mergeOntoDefaults(raw, file ?? "embedded defaults");
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const fieldPath = issue ? issue.path.map(String).join(".") : "";
    throw new ConfigError(file ?? "embedded defaults", fieldPath, issue?.message ?? "invalid");
  }
  const config = applyEnvironment(parsed.data, where.env);
  checkRoles(config, file ?? "embedded defaults");
  return { config, source: file };
}

function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(file, "", code === "ENOENT" ? "file not found" : `cannot read (${code})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, "", `not valid JSON (${(error as Error).message})`);
  }
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * A config file only says what differs from the defaults. Objects merge key by key; a worker
 * alias set to null is removed; arrays and scalars replace.
 */
function mergeOntoDefaults(raw: unknown, file: string): unknown {
  if (!isObject(raw)) throw new ConfigError(file, "", "expected a JSON object at the top level");
  const merged = deepMerge(DEFAULT_CONFIG as unknown as Json, raw);
  const workers = merged.workers;
  if (isObject(workers)) {
    for (const [alias, value] of Object.entries(workers)) if (value === null) delete workers[alias];
  }
  return merged;
}

function deepMerge(base: Json, patch: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function applyEnvironment(config: SquadConfig, env: NodeJS.ProcessEnv): SquadConfig {
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

function checkRoles(config: SquadConfig, file: string): void {
  for (const [role, alias] of Object.entries(config.roles)) {
    if (!config.workers[alias]) {
      const known = Object.keys(config.workers).join(", ");
      throw new ConfigError(file, `roles.${role}`, `'${alias}' is not a worker alias (${known})`);
    }
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
