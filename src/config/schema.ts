/**
 * The config file's shape. Every field has a description: `npm run docs` turns them into
 * docs/configuration.md, with the defaults from ./defaults.ts.
 */
import { z } from "zod";

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

/** Requests in flight at once per `openai`/`anthropic` alias without its own `maxConcurrent`. */
export const DEFAULT_MAX_CONCURRENT = 4;

export const PROVIDERS = ["ollama", "gemini", "openai", "anthropic"] as const;
export type Provider = (typeof PROVIDERS)[number];

const aliasName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, "an alias is lowercase letters, digits, '.', '_' or '-'")
  .refine((name) => name !== "host", "'host' is the route for the host itself, not an alias")
  .refine(
    (name) => name !== COMMAND_WORKER,
    `'${COMMAND_WORKER}' records the outcomes of commands, not an alias`,
  );

const betaPrior = z.strictObject({
  successes: z
    .number()
    .min(0)
    .max(1000)
    .describe("Successes assumed before any outcome is recorded."),
  failures: z
    .number()
    .min(0)
    .max(1000)
    .describe("Failures assumed before any outcome is recorded."),
});

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "the name of an environment variable, not its value");

const pricePerMillion = (whose: string) =>
  z
    .strictObject({
      input: z.number().min(0).describe("USD per million input tokens."),
      output: z.number().min(0).describe("USD per million output tokens."),
    })
    .describe(whose);

const workerSchema = z.strictObject({
  provider: z
    .enum(PROVIDERS)
    .describe(
      "Which backend serves the model: `ollama` (the hosts in `ollama.hosts`), `gemini` (Google's API; needs GEMINI_API_KEY), `openai` (any server speaking OpenAI Chat Completions: LM Studio, llama-server, vLLM, LiteLLM, OpenRouter) or `anthropic` (the Messages API; needs ANTHROPIC_API_KEY).",
    ),
  model: z
    .string()
    .min(1)
    .describe(
      "The model's name as its server knows it, e.g. `qwen2.5-coder:32b` (Ollama), LM Studio's model identifier, llama-server's `--alias`, vLLM's `--served-model-name`.",
    ),
  maxComplexity: z
    .number()
    .min(0)
    .max(10)
    .describe("The hardest task (complexity 0–10, as route_task scores it) this alias is given."),
  contextWindow: z
    .int()
    .positive()
    .describe(
      "Tokens the model reads at once. Ollama is asked for this context (`num_ctx`); a longer prompt fails with an error naming the alias.",
    ),
  price: pricePerMillion(
    "What the provider charges, in USD per million tokens, for cost estimates and `prefer: cheapest`; 0 for both makes the alias count as local for `prefer: local`.",
  ),
  tokensPerSecond: z
    .number()
    .positive()
    .default(30)
    .describe(
      "Rough generation speed, used by `prefer: fastest` until real latencies are recorded.",
    ),
  requestsPerMinute: z
    .int()
    .positive()
    .optional()
    .describe(
      "Requests this alias may start per minute (for Gemini, the API's per-minute quota). Unset: not paced.",
    ),
  requestsPerDay: z
    .int()
    .positive()
    .optional()
    .describe(
      "Gemini: requests per day; when they are spent, routing passes over the alias until the daily reset (midnight Pacific). Unset: no cap besides Google's own 429s.",
    ),
  baseUrl: z
    .url({ protocol: /^https?$/, error: "an http:// or https:// URL" })
    .optional()
    .describe(
      "`openai`/`anthropic`: the API's base URL, e.g. `http://127.0.0.1:1234/v1` (LM Studio). Unset: OPENAI_BASE_URL or ANTHROPIC_BASE_URL.",
    ),
  apiKeyEnv: envName
    .optional()
    .describe(
      "`openai`/`anthropic`: the name of the environment variable holding the key (never the key itself), e.g. `OPENROUTER_API_KEY`. Unset: OPENAI_API_KEY or ANTHROPIC_API_KEY. A local server without a key needs none.",
    ),
  maxConcurrent: z
    .int()
    .min(1)
    .max(64)
    .optional()
    .describe(
      `\`openai\`/\`anthropic\`: requests this alias has in flight at once. Unset: ${DEFAULT_MAX_CONCURRENT}.`,
    ),
});
export type WorkerConfig = z.infer<typeof workerSchema>;

const retryPolicy = (whose: string) =>
  z
    .strictObject({
      maxRetries: z.int().min(0).max(10).describe("Retries of one request before it fails."),
      retryBaseMs: z
        .int()
        .min(0)
        .describe(
          "First backoff, in milliseconds, after a 5xx or a 429 that names no delay; doubles each retry, with jitter.",
        ),
      maxRetryDelayMs: z
        .int()
        .min(0)
        .describe(
          "A delay the server asks for (Retry-After) longer than this, in milliseconds, is not waited out: the request fails instead.",
        ),
    })
    .describe(whose);

const rolesSchema = z
  .strictObject({
    coder: aliasName.describe("The alias implement_spec uses when the call names no `coder`."),
    validator: aliasName.describe(
      "The alias validate_output asks when the call names no `validator`.",
    ),
    summarizer: z
      .string()
      .optional()
      .describe(
        "Deprecated: nothing uses it. Still accepted, with any value, so older config files load; leave it out.",
      ),
  })
  .transform(({ summarizer: _unused, ...roles }) => roles)
  .describe("Which alias does a job when a tool call names none. Each must be a worker alias.");

export const configSchema = z.strictObject({
  workers: z
    .record(aliasName, workerSchema)
    .describe(
      "Worker aliases: the names tasks, roles and route_task use, each mapped to a model and where it runs. A file's entries merge into the default aliases field by field; an alias set to `null` is removed.",
    ),
  roles: rolesSchema,
  host: z
    .strictObject({
      model: z
        .string()
        .min(1)
        .describe("The host's model, named in `squad-mcp stats` beside the cost it avoided."),
      price: pricePerMillion(
        "What the host model costs, in USD per million tokens; `squad-mcp stats` prices what the host read or did not read at `input`, and what it wrote or did not write at `output`.",
      ),
      expectedSuccess: z
        .number()
        .min(0)
        .max(1)
        .describe(
          "Expected success of the host itself, shown as the confidence of a `host` route.",
        ),
    })
    .describe("The model that calls squad-mcp (Claude in Claude Code, for instance)."),
  routing: z
    .strictObject({
      hostComplexity: z
        .number()
        .min(0)
        .max(10)
        .describe("At or above this complexity (0–10) a task stays with the host."),
      hostCategories: z
        .array(z.enum(CATEGORIES))
        .describe('Categories that always stay with the host, e.g. `["architecture", "review"]`.'),
      qualityBar: z
        .number()
        .min(0)
        .max(1)
        .describe(
          "A worker is chosen only if its expected success on the task's category (0–1, from its record) clears this bar.",
        ),
      exploration: z
        .number()
        .min(0)
        .max(1)
        .describe(
          "Share of decisions (0–1) that draw a random plausible success rate for each worker instead of its mean, so a worker with little record still gets tried (Thompson sampling).",
        ),
      failureStreak: z
        .int()
        .min(1)
        .describe(
          "Failures in a row on a category after which a worker is passed over for it until it succeeds again.",
        ),
      prior: betaPrior.describe(
        "The record every worker starts with on every category, before any outcome is logged.",
      ),
      priors: z
        .record(z.string(), z.record(z.string(), betaPrior))
        .describe(
          'Starting records per alias and category (`*` for all of its categories) that replace `prior`, e.g. `{"qwen-fast": {"codegen": {"successes": 2, "failures": 2}}}`.',
        ),
      seed: z
        .int()
        .optional()
        .describe("Seed for the exploration draws, to make routing reproducible. Unset: random."),
    })
    .describe("How route_task chooses between the host and the workers."),
  skills: z
    .strictObject({
      required: z
        .array(z.string().min(2))
        .describe(
          'Words that make any task containing them need a skill, so it stays with the host, e.g. `["HIPAA"]`.',
        ),
      threshold: z
        .number()
        .positive()
        .describe(
          "Relevance (BM25 over a skill's name and description) at or above which a skill counts as matching a task.",
        ),
    })
    .describe(
      "When a task needs one of the host's skills (`.claude/skills/*/SKILL.md` in the project and in your home folder) and so stays with the host.",
    ),
  ollama: z
    .strictObject({
      hosts: z
        .array(z.url())
        .min(1)
        .describe(
          "Ollama base URLs; more than one makes a pool. OLLAMA_HOST, when set, replaces this list.",
        ),
      keepAlive: z
        .union([z.string(), z.number()])
        .describe(
          'How long Ollama keeps a model loaded after a request (Ollama\'s `keep_alive`), e.g. `"30m"` or a number of seconds.',
        ),
      maxLoadedModels: z
        .int()
        .min(1)
        .describe(
          "Models one host holds in memory at once. Work is batched by model, so a mixed batch costs one load per model.",
        ),
      probeTtlMs: z
        .int()
        .min(0)
        .describe(
          "How long, in milliseconds, what a host said about its models (`/api/tags`, `/api/ps`) is reused before it is asked again.",
        ),
      probeTimeoutMs: z
        .int()
        .min(50)
        .describe("How long, in milliseconds, a probe waits before the host counts as down."),
      numParallel: z
        .int()
        .min(1)
        .max(64)
        .describe(
          "Requests one loaded model serves at once on one host (as Ollama's OLLAMA_NUM_PARALLEL).",
        ),
      cooldownMs: z
        .int()
        .min(0)
        .describe(
          "How long, in milliseconds, a host that stopped answering is left alone before it is tried again; its work moves to another host meanwhile.",
        ),
    })
    .describe("Ollama hosts and how models are loaded on them."),
  gemini: z
    .strictObject({
      baseUrl: z
        .url()
        .optional()
        .describe(
          "The API's base URL (proxies, tests). GEMINI_BASE_URL, when set, replaces it. Unset: Google's.",
        ),
      concurrency: z.int().min(1).describe("Requests in flight at once, over all Gemini aliases."),
      maxRetries: z
        .int()
        .min(0)
        .max(10)
        .describe("Retries of one request after a per-minute 429 or a 5xx."),
      retryBaseMs: z
        .int()
        .min(0)
        .describe("First backoff after a 5xx, in milliseconds; doubles each retry, with jitter."),
      maxRetryDelayMs: z
        .int()
        .min(0)
        .describe(
          "A delay Google asks for (RetryInfo) longer than this, in milliseconds, is not waited out: the request fails instead.",
        ),
    })
    .describe("Google's Gemini API, for the `gemini` aliases."),
  openai: retryPolicy(
    "Retries of one request to an `openai` alias (429, 5xx, refused connections).",
  ),
  anthropic: retryPolicy(
    "Retries of one request to an `anthropic` alias (429, 529 overloaded, 5xx, refused connections).",
  ),
  commands: z
    .strictObject({
      roots: z
        .array(z.string().min(1))
        .describe(
          'Folders besides the project root where commands may run (a task names one as its `cwd`), e.g. `["/home/me/src"]`. In the sandbox they are writable too: tools that keep caches in your home folder (`~/.npm`, `~/.cargo/registry`) need that folder here.',
        ),
      timeoutS: z
        .number()
        .positive()
        .max(86_400)
        .describe(
          "Timeout of one command, in seconds, when its task gives no `timeout_s`. Then SIGTERM goes to its whole process group.",
        ),
      killGraceMs: z
        .int()
        .min(0)
        .max(60_000)
        .describe("Milliseconds between SIGTERM and SIGKILL to a command's process group."),
      sandbox: z
        .enum(["auto", "off", "required"])
        .describe(
          "`auto`: commands run in a sandbox (bubblewrap on Linux) where one works, else without; `required`: refuse to run commands without one; `off`: never sandboxed.",
        ),
      network: z
        .boolean()
        .describe(
          "Whether sandboxed commands may use the network (tests often download packages).",
        ),
      envAllow: z
        .array(z.string().min(1))
        .describe(
          'Secret-looking environment variables that commands may still see, e.g. `["NPM_TOKEN"]`; the others (`*_KEY`, `*_TOKEN`, `*_SECRET`, `*PASSWORD*`, …) are removed from every command\'s environment.',
        ),
      deny: z
        .array(
          z.strictObject({
            rule: z.string().min(1).describe("The name a refused command is told."),
            pattern: z
              .string()
              .min(1)
              .refine(isRegex, "not a valid regular expression")
              .describe("A JavaScript regular expression."),
          }),
        )
        .describe(
          'Commands refused outright (a guard rail against accidents; the sandbox is the boundary). A list here replaces the default one; an empty list allows everything. Each `pattern` is tried on each simple command of the line, normalised: words separated by one space, quotes removed, `sudo`, `env` and `VAR=value` dropped, the command word without its folder — so `^rm -rf /$` matches `sudo /bin/rm -rf "/"`, and `echo shutdown` is not a `shutdown`.',
        ),
    })
    .describe(
      "Where and how shell commands run: spawn_squad's tasks, validate_output's checks, implement_spec's verification, eval's answers.",
    ),
  squad: z
    .strictObject({
      concurrency: z
        .int()
        .min(1)
        .max(256)
        .optional()
        .describe("Commands a squad runs at once. Unset: the number of CPUs."),
      digestChars: z
        .int()
        .min(200)
        .max(100_000)
        .describe("Characters of digest returned per task."),
      maxFailures: z
        .int()
        .min(1)
        .max(1_000)
        .describe("Failing test ids listed per task before the rest are only counted."),
      modelTimeoutS: z
        .number()
        .positive()
        .max(86_400)
        .describe("Timeout of one prompt task, in seconds."),
      maxFileBytes: z
        .int()
        .positive()
        .describe("Bytes of `files` one prompt task may attach, in all."),
      maxCoderAnswerBytes: z
        .int()
        .positive()
        .describe(
          "Bytes of one coder answer in implement_spec; a larger answer fails that attempt, nothing of it is written, and the report says why.",
        ),
    })
    .describe("Limits of spawn_squad's tasks and implement_spec's coders."),
});
export type SquadConfig = z.infer<typeof configSchema>;

function isRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
