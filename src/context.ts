import { homedir } from "node:os";
import { join } from "node:path";
import { geminiApiKey, loadConfig, type SquadConfig, squadHome } from "./config.js";
import { errorMessage, StoreError } from "./errors.js";
import { createLogger, type Logger, parseLogLevel } from "./logger.js";
import { openStore, type Store } from "./memory/store.js";
import { seededRandom } from "./routing/posterior.js";
import { readSkills, skillDirectories } from "./routing/skill-catalog.js";
import type { Skill } from "./routing/skills.js";
import { KeyRejections } from "./runners/api-retry.js";
import { BackendAvailability } from "./runners/availability.js";
import type { DigestLog } from "./runners/command-outcome.js";
import { CommandRunner } from "./runners/command-runner.js";
import type { ModelBackends } from "./runners/models.js";
import { killRecordedGroup, processAlive } from "./runners/process-group.js";

/**
 * Built once per process: everything a tool needs. The runs a context executes are keyed by
 * the context (squad/active-runs.ts). What holds for the whole process stays with the module
 * that knows it: whether the sandbox works, which SQLite driver loaded, one git worktree change
 * at a time per repository, an idle JSON-check worker.
 */
export interface AppContext {
  config: SquadConfig;
  /** The config file in use, or null for the embedded defaults. */
  configSource: string | null;
  /** Where commands may run and where project files (skills, config) are found. */
  projectRoot: string;
  squadHome: string;
  userHome: string;
  env: NodeJS.ProcessEnv;
  store: Store;
  /**
   * Why the database in SQUAD_HOME could not be used, when the context was built with
   * `tolerateBadStore` (doctor): `store` is then an empty in-memory one.
   */
  storeProblem: StoreError | null;
  availability: BackendAvailability;
  /** Runs every shell command, under the command policy and in a sandbox where there is one. */
  commands: CommandRunner;
  /** Turns a command's log into what the host reads: failing ids, counts, bounded text. */
  digestLog: DigestLog;
  /**
   * Every model backend behind one call; one per process, so limits are shared. Built on first
   * use: answering `initialize` does not need the model clients.
   */
  models(): Promise<ModelBackends>;
  logger: Logger;
  now: () => number;
  random: () => number;
  /** The host's skills, re-read at most every few seconds. */
  skills(): Skill[];
  close(): void;
}

export interface ContextOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Build the context even when the database cannot be opened (doctor reports it). */
  tolerateBadStore?: boolean;
}

const SKILL_CACHE_MS = 5_000;

export function createContext({
  cwd,
  env,
  logger,
  tolerateBadStore = false,
}: ContextOptions): AppContext {
  const log = logger ?? createLogger(parseLogLevel(env.SQUAD_LOG_LEVEL));
  const { config, source } = loadConfig({ cwd, env });
  const home = squadHome(env);
  const userHome = env.HOME || homedir();
  const { store, problem } = openStoreOrReport(join(home, "squad.db"), tolerateBadStore);
  const now = () => Date.now();
  const keys = new KeyRejections();
  const bestEffort = bestEffortWriter(log);
  const availability = new BackendAvailability(
    config,
    Boolean(geminiApiKey(env)),
    store.quota,
    now,
    log,
    { env, keys },
  );
  const random =
    config.routing.seed === undefined ? Math.random : seededRandom(config.routing.seed);
  let models: Promise<ModelBackends> | null = null;
  const buildModels = async (): Promise<ModelBackends> => {
    const [{ GeminiRunner }, { createModelBackends }, { OllamaPool }] = await Promise.all([
      import("./runners/gemini.js"),
      import("./runners/models.js"),
      import("./runners/ollama.js"),
    ]);
    const apiKey = geminiApiKey(env);
    const gemini = apiKey
      ? new GeminiRunner({ apiKey, config, quota: store.quota, now, random, logger: log })
      : null;
    const ollama = new OllamaPool({ config, availability, now, logger: log });
    const apiOptions = { config, env, keys, now, random, logger: log };
    const apis = {
      openai: once(async () => new (await import("./runners/openai.js")).OpenAIRunner(apiOptions)),
      anthropic: once(
        async () => new (await import("./runners/anthropic.js")).AnthropicRunner(apiOptions),
      ),
    };
    return createModelBackends(ollama, gemini, apis, store.modelCalls, now);
  };
  // Groups first: a run is only marked interrupted once nothing of it runs on.
  for (const group of store.commandGroups.takeOrphans(processAlive)) {
    killRecordedGroup(group.pgid, group.startTicks);
  }
  const interrupted = store.runs.markInterrupted(processAlive, now());
  if (interrupted.length > 0) {
    log.info(`marked ${interrupted.length} run(s) left by a stopped server as interrupted`);
  }
  const directories = skillDirectories(cwd, userHome);
  let skillCache: { at: number; skills: Skill[] } | null = null;

  return {
    config,
    configSource: source,
    projectRoot: cwd,
    squadHome: home,
    userHome,
    env,
    store,
    storeProblem: problem,
    availability,
    commands: new CommandRunner({
      commands: config.commands,
      projectRoot: cwd,
      userHome,
      env,
      // Best effort: a command runs even when its group cannot be written down (a full disk);
      // it is then only not killed by the next server if this one dies with SIGKILL.
      ledger: {
        started: (pgid, ticks) =>
          bestEffort(() => store.commandGroups.started(process.pid, pgid, ticks, now())),
        ended: (pgid) => bestEffort(() => store.commandGroups.ended(process.pid, pgid)),
      },
    }),
    // Loaded on first use: answering `initialize` does not need the parsers.
    digestLog: async (...args) => (await import("./squad/digest/index.js")).digestLogFile(...args),
    models: () => {
      models ??= buildModels();
      return models;
    },
    logger: log,
    now,
    random,
    skills() {
      if (!skillCache || now() - skillCache.at > SKILL_CACHE_MS) {
        skillCache = { at: now(), skills: readSkills(directories) };
      }
      return skillCache.skills;
    },
    close() {
      store.close();
    },
  };
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | null = null;
  return () => {
    made ??= make();
    return made;
  };
}

/** Runs a bookkeeping write; a failure is logged, never thrown at the work it records. */
function bestEffortWriter(log: Logger): (write: () => void) => void {
  let warned = false;
  return (write) => {
    try {
      write();
    } catch (error) {
      if (!warned) log.warn(`cannot record a command's process group: ${errorMessage(error)}`);
      warned = true;
    }
  };
}

function openStoreOrReport(
  file: string,
  tolerate: boolean,
): { store: Store; problem: StoreError | null } {
  try {
    return { store: openStore(file), problem: null };
  } catch (error) {
    if (!tolerate || !(error instanceof StoreError)) throw error;
    return { store: openStore(":memory:"), problem: error };
  }
}
