import { realpathSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { UserInputError } from "../errors.js";
import { isInside } from "../paths.js";

export interface DenyRule {
  rule: string;
  pattern: string;
}

/**
 * Resolves `cwd` (relative to the project root, or absolute) with symlinks resolved and checks
 * it is inside the project root or one of the configured roots (also resolved; they may be
 * relative to the project root or start with `~`). Throws a UserInputError naming the path and
 * the allowed roots when it is outside, missing or not a folder.
 */
export function resolveCommandCwd(
  cwd: string | undefined,
  projectRoot: string,
  roots: readonly string[],
  userHome: string,
): string {
  const root = realpathOrNull(resolve(projectRoot)) ?? resolve(projectRoot);
  if (cwd === undefined || cwd.trim() === "") return root;
  const requested = expandPath(cwd, root, userHome);
  const real = existingFolder(cwd, requested);
  const allowed = [
    root,
    ...roots.flatMap((entry) => realpathOrNull(expandPath(entry, root, userHome)) ?? []),
  ];
  if (allowed.some((folder) => isInside(folder, real))) return real;
  const extra =
    allowed.length > 1 ? ` or the configured roots (${allowed.slice(1).join(", ")})` : "";
  throw new UserInputError(
    "cwd",
    `'${cwd}' resolves to ${real}, which is outside the project root (${root})${extra}; ` +
      "add a folder to commands.roots in the config to allow it",
  );
}

/** The rule that refuses this command, or null. Matching is on the command string as given. */
export function deniedBy(command: string, deny: readonly DenyRule[]): DenyRule | null {
  return deny.find((entry) => denyPattern(entry).test(command)) ?? null;
}

/** Compiled once per rule object: a squad checks every command against every rule. */
const compiledRules = new WeakMap<DenyRule, RegExp>();

function denyPattern(rule: DenyRule): RegExp {
  let pattern = compiledRules.get(rule);
  if (!pattern) {
    // The config schema only accepts patterns that compile, so no guard is needed here.
    pattern = new RegExp(rule.pattern);
    compiledRules.set(rule, pattern);
  }
  return pattern;
}

/** The text the host sees when a command is refused. */
export function denialMessage(rule: string): string {
  return `refused by deny rule '${rule}' (commands.deny in the config)`;
}

const SECRET_NAMES = [
  /^GEMINI_API_KEY$/i,
  /^GOOGLE_API_KEY$/i,
  /^ANTHROPIC_/i,
  /_TOKEN$/i,
  /_SECRET$/i,
  /_KEY$/i,
  /PASSWORD/i,
];

/**
 * The inherited environment minus secret-looking variables, unless `allow` names them. Shell
 * commands are written by a model, and their output comes back to it: keys must not leak there.
 */
export function childEnvironment(
  env: NodeJS.ProcessEnv,
  allow: readonly string[],
): NodeJS.ProcessEnv {
  // The same answer for the same two objects (the context's env and config), so every task
  // of a squad shares one filtered copy instead of filtering the environment again.
  let byAllow = filtered.get(env);
  if (!byAllow) {
    byAllow = new WeakMap();
    filtered.set(env, byAllow);
  }
  let kept = byAllow.get(allow);
  if (!kept) {
    kept = Object.freeze(filterEnvironment(env, allow));
    byAllow.set(allow, kept);
  }
  return kept;
}

const filtered = new WeakMap<NodeJS.ProcessEnv, WeakMap<readonly string[], NodeJS.ProcessEnv>>();

function filterEnvironment(env: NodeJS.ProcessEnv, allow: readonly string[]): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (allow.includes(name) || !SECRET_NAMES.some((secret) => secret.test(name))) {
      kept[name] = value;
    }
  }
  return kept;
}

/** `~` and `~/…` are the user's home; anything else not absolute is relative to `base`. */
function expandPath(path: string, base: string, userHome: string): string {
  if (path === "~") return userHome;
  if (path.startsWith("~/")) return join(userHome, path.slice(2));
  return resolve(base, path);
}

function realpathOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

function existingFolder(cwd: string, requested: string): string {
  const real = realpathOrNull(requested);
  if (real === null) {
    throw new UserInputError("cwd", `'${cwd}' does not exist (looked for ${requested})`);
  }
  if (!statSync(real).isDirectory()) {
    throw new UserInputError("cwd", `'${cwd}' is not a folder (${real})`);
  }
  return real;
}
