import { realpathSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { UserInputError } from "../errors.js";
import { isInside } from "../paths.js";

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
  const allowed = allowedRoots(projectRoot, roots, userHome);
  const root = allowed[0] as string;
  if (cwd === undefined || cwd.trim() === "") return root;
  const requested = expandPath(cwd, root, userHome);
  const real = existingFolder(cwd, requested);
  if (allowed.some((folder) => isInside(folder, real))) return real;
  const extra =
    allowed.length > 1 ? ` or the configured roots (${allowed.slice(1).join(", ")})` : "";
  throw new UserInputError(
    "cwd",
    `'${cwd}' resolves to ${real}, which is outside the project root (${root})${extra}; ` +
      "add a folder to commands.roots in the config to allow it",
  );
}

const SECRET_NAMES = [
  /^GEMINI_API_KEY$/i,
  /^GOOGLE_API_KEY$/i,
  /^ANTHROPIC_/i,
  /_TOKEN$/i,
  /_SECRET$/i,
  /_KEY$/i,
  /_KEY_ID$/i,
  /PASSWORD/i,
  /^GH_PAT$/i,
  /_WEBHOOK_URL$/i,
];
/** Connection strings are secrets when they carry a password: `postgres://user:pw@host/db`. */
const CONNECTION_NAME = /_(?:URL|URI|DSN)$/i;
const CREDENTIALS_IN_URL = /^[a-z][\w+.-]*:\/\/[^/@\s:]*:[^/@\s]*@/i;

function isSecret(name: string, value: string): boolean {
  if (SECRET_NAMES.some((secret) => secret.test(name))) return true;
  return CONNECTION_NAME.test(name) && CREDENTIALS_IN_URL.test(value);
}

/**
 * Variables by which agents announce themselves to the programs they run (the list std-env 4.3
 * reads, and with it vitest ≥ 4.1, which then prints its `agent` reporter instead of its default
 * one). Claude Code 2.1 sets `CLAUDECODE=1` and `AI_AGENT` for the MCP servers it starts, so a
 * command would inherit them from this server. squad-mcp does not pass them on: what a command prints here is read by the digest, not
 * by an agent, and the digest is the agent-oriented form. Measured on a real failing vitest run
 * (unjs/ufo, 10 failures): with `CLAUDECODE=1` the log is 7.4 KB instead of 22.6 KB, and the
 * digest the host reads is 2,029 characters of JSON either way. So passing them saves the host
 * nothing; keeping them out keeps a command's output the same whichever agent started the server,
 * as the parsers were proven on it, and keeps tools that refuse to run inside an agent's session
 * (the `claude` CLI) working. `commands.envAllow` passes one through for a user who wants it.
 */
export const AGENT_MARKERS = new Set([
  "AI_AGENT",
  "CLAUDECODE",
  "CLAUDE_CODE",
  "GEMINI_CLI",
  "CODEX_SANDBOX",
  "CODEX_THREAD_ID",
  "OPENCODE",
  "AUGMENT_AGENT",
  "GOOSE_PROVIDER",
  "JUNIE_DATA",
  "JUNIE_SHIM_PATH",
  "COPILOT_AGENT",
  "COPILOT_CLI",
  "CURSOR_AGENT",
  "REPL_ID",
]);

/**
 * The inherited environment minus secret-looking variables and agent markers, unless `allow`
 * names them. Shell commands are written by a model, and their output comes back to it: keys
 * must not leak there.
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
    if (allow.includes(name) || !(isSecret(name, value) || AGENT_MARKERS.has(name))) {
      kept[name] = value;
    }
  }
  return kept;
}

/** The project root and the configured roots that exist, symlinks resolved; the project root first. */
export function allowedRoots(
  projectRoot: string,
  roots: readonly string[],
  userHome: string,
): string[] {
  const root = realpathOrNull(resolve(projectRoot)) ?? resolve(projectRoot);
  return [
    root,
    ...roots.flatMap((entry) => realpathOrNull(expandPath(entry, root, userHome)) ?? []),
  ];
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
