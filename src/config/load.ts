/**
 * Finding, reading and checking the config: SQUAD_CONFIG, else squad.config.json in the project
 * root, else $SQUAD_HOME/config.json, else the embedded defaults.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { DEFAULT_CONFIG } from "./defaults.js";
import { applyEnvironment, squadHome } from "./environment.js";
import { configSchema, type SquadConfig } from "./schema.js";

export interface LoadedConfig {
  config: SquadConfig;
  /** The file the config came from, or null for the embedded defaults. */
  source: string | null;
}

export interface ConfigEnvironment {
  cwd: string;
  env: NodeJS.ProcessEnv;
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

function checkRoles(config: SquadConfig, file: string): void {
  for (const [role, alias] of Object.entries(config.roles)) {
    if (!config.workers[alias]) {
      const known = Object.keys(config.workers).join(", ");
      throw new ConfigError(file, `roles.${role}`, `'${alias}' is not a worker alias (${known})`);
    }
  }
}
