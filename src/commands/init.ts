import {
  accessSync,
  constants,
  copyFileSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { delimiter, join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { ConfigError, errorMessage } from "../errors.js";

/** The project-scope file Claude Code reads, in the project root. */
export const MCP_JSON = ".mcp.json";
export const DEFAULT_SERVER_NAME = "squad";
const BINARY = "squad-mcp";

/**
 * Claude Code expands `${VAR:-default}` in `.mcp.json`, so each user's own environment decides
 * the Ollama host and the Gemini key, and no secret is written into a file that gets committed.
 */
export const SERVER_ENV: Readonly<Record<string, string>> = {
  OLLAMA_HOST: userEnv("OLLAMA_HOST", "http://127.0.0.1:11434"),
  GEMINI_API_KEY: userEnv("GEMINI_API_KEY", ""),
};

function userEnv(name: string, fallback: string): string {
  return `\${${name}:-${fallback}}`;
}

export interface ServerEntry {
  type: "stdio";
  command: string;
  args: string[];
  env: Record<string, string>;
}

export interface InitArgs {
  name: string;
  /** Replace an entry of that name that differs from ours. */
  force: boolean;
}

/** Where the running CLI is, and which `squad-mcp` a shell would start; both realpaths. */
export interface LaunchFacts {
  script: string;
  /** The first `squad-mcp` on PATH, or undefined when there is none. */
  onPath: string | undefined;
}

export type InitOutcome = "created" | "added" | "replaced" | "unchanged" | "kept";

export interface InitResult {
  outcome: InitOutcome;
  file: string;
  name: string;
  /** What squad-mcp wants under that name. */
  entry: ServerEntry;
  /** The entry found under that name when it differs from ours (`kept`, `replaced`). */
  existing?: unknown;
  /** The previous file, copied before it was changed. */
  backup?: string;
  /** The other servers in the file, all kept. */
  otherServers: string[];
}

/** Reads `--force` and `--name NAME` (or `--name=NAME`); returns the problem for anything else. */
export function parseInitArgs(args: string[]): InitArgs | { error: string } {
  let name = DEFAULT_SERVER_NAME;
  let force = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--force") force = true;
    else if (arg === "--name" || arg.startsWith("--name=")) {
      const value = arg === "--name" ? args[++i] : arg.slice("--name=".length);
      if (value === undefined || value === "") return { error: "init: --name needs a value" };
      if (!/^[A-Za-z0-9_-]+$/.test(value)) {
        return {
          error: `init: --name '${value}' may hold only letters, digits, '-' and '_' (as Claude Code requires)`,
        };
      }
      name = value;
    } else {
      return { error: `init: unknown option '${arg}' (expected --force, --name NAME)` };
    }
  }
  return { name, force };
}

/**
 * `squad-mcp serve` when the `squad-mcp` a shell finds is this very script (an npm install or
 * `npm link`), so the entry survives upgrades; otherwise node with this script's absolute path.
 */
export function launchCommand(facts: LaunchFacts): { command: string; args: string[] } {
  if (facts.onPath !== undefined && facts.onPath === facts.script) {
    return { command: BINARY, args: ["serve"] };
  }
  return { command: "node", args: [facts.script, "serve"] };
}

/** Resolves the facts `launchCommand` needs from the running script and a PATH value. */
export function launchFacts(scriptPath: string, pathEnv: string | undefined): LaunchFacts {
  const found = findOnPath(BINARY, lastingPath(pathEnv));
  return { script: realpathSync(scriptPath), onPath: found && realpathSync(found) };
}

/**
 * PATH without the folders npm and npx put in front only while they run a script
 * (`node_modules/.bin`, npx's `_npx` cache): a host launching the server later won't have them.
 */
export function lastingPath(pathEnv: string | undefined): string {
  return (pathEnv ?? "")
    .split(delimiter)
    .filter((dir) => !/[\\/]node_modules[\\/]\.bin[\\/]?$/.test(dir) && !/[\\/]_npx[\\/]/.test(dir))
    .join(delimiter);
}

/** The first executable file called `name` in PATH, as a shell would pick it. */
export function findOnPath(name: string, pathEnv: string | undefined): string | undefined {
  for (const dir of (pathEnv ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here: keep looking
    }
  }
  return undefined;
}

/** The entry for the CLI running from `scriptPath`, given the shell's PATH. */
export function entryForScript(scriptPath: string, pathEnv: string | undefined): ServerEntry {
  return serverEntry(launchCommand(launchFacts(scriptPath, pathEnv)));
}

export function serverEntry(launch: { command: string; args: string[] }): ServerEntry {
  return { type: "stdio", command: launch.command, args: [...launch.args], env: { ...SERVER_ENV } };
}

/**
 * Adds our server to `<projectRoot>/.mcp.json`, keeping every other server and key. An entry
 * of the same name that differs is left alone unless `force`; a changed file is first copied
 * to `.mcp.json.bak`. Throws a ConfigError, writing nothing, when the file cannot be read as
 * an MCP configuration.
 */
export function initProject(
  options: InitArgs & { projectRoot: string; entry: ServerEntry },
): InitResult {
  const file = join(options.projectRoot, MCP_JSON);
  const { name, entry } = options;
  const text = readIfExists(file);
  if (text === undefined) {
    writeJson(file, { mcpServers: { [name]: entry } });
    return { outcome: "created", file, name, entry, otherServers: [] };
  }
  const document = parseMcpJson(file, text);
  const servers = document.mcpServers as Record<string, unknown>;
  const otherServers = Object.keys(servers).filter((key) => key !== name);
  const base = { file, name, entry, otherServers };
  if (!Object.hasOwn(servers, name)) {
    servers[name] = entry;
    return { ...base, outcome: "added", backup: backupAndWrite(file, document) };
  }
  const existing = servers[name];
  if (isDeepStrictEqual(existing, entry)) return { ...base, outcome: "unchanged" };
  if (!options.force) return { ...base, outcome: "kept", existing };
  servers[name] = entry;
  return { ...base, outcome: "replaced", existing, backup: backupAndWrite(file, document) };
}

/** What init did, the equivalent `claude mcp add` line and how to check it. */
export function renderInitResult(result: InitResult): string {
  const lines = [describeOutcome(result)];
  const wrote = result.outcome === "added" || result.outcome === "replaced";
  if (wrote && result.otherServers.length > 0) {
    lines.push(`Kept the other servers: ${result.otherServers.join(", ")}.`);
  }
  if (result.backup) lines.push(`The previous file is saved as ${result.backup}.`);
  // `claude mcp add` would refuse the name too; the message above already shows both entries.
  if (result.outcome === "kept") return lines.join("\n");
  lines.push(
    "",
    "The same with the Claude Code CLI:",
    `  ${claudeMcpAddLine(result.name, result.entry)}`,
    "",
    "Claude Code asks each user to approve a project's MCP servers the first time it starts",
    `there; after that, 'claude mcp list' shows '${result.name}: … ✔ Connected'.`,
  );
  return lines.join("\n");
}

function describeOutcome(result: InitResult): string {
  const { file, name } = result;
  switch (result.outcome) {
    case "created":
      return `Created ${file} with the MCP server '${name}'.`;
    case "added":
      return `Added the MCP server '${name}' to ${file}.`;
    case "replaced":
      return [
        `Replaced the MCP server '${name}' in ${file} (--force).`,
        `  It was: ${JSON.stringify(result.existing)}`,
      ].join("\n");
    case "unchanged":
      return `${file} already has the MCP server '${name}' as squad-mcp writes it: unchanged.`;
    case "kept":
      return [
        `${file} already has a different MCP server '${name}'; left it alone.`,
        `  It has:            ${JSON.stringify(result.existing)}`,
        `  squad-mcp writes:  ${JSON.stringify(result.entry)}`,
        `Run 'squad-mcp init --force' to replace it (the file is backed up to ${MCP_JSON}.bak first),`,
        "or 'squad-mcp init --name OTHER' to add squad-mcp under another name.",
      ].join("\n");
  }
}

/** The `claude mcp add --scope project` command that writes the same entry. */
export function claudeMcpAddLine(name: string, entry: ServerEntry): string {
  const words = ["claude", "mcp", "add", "--scope", "project", name];
  for (const [key, value] of Object.entries(entry.env)) words.push("-e", `${key}=${value}`);
  words.push("--", entry.command, ...entry.args);
  return words.map(shellQuote).join(" ");
}

/** Quotes a word for a POSIX shell only when it needs it: `$`, spaces, quotes and the like. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

function parseMcpJson(
  file: string,
  text: string,
): Record<string, unknown> & {
  mcpServers: Record<string, unknown>;
} {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, "", `not valid JSON (${errorMessage(error)}); nothing was written`);
  }
  if (!isPlainObject(document)) {
    throw new ConfigError(
      file,
      "",
      `expected a JSON object, got ${kind(document)}; nothing was written`,
    );
  }
  if (document.mcpServers === undefined) document.mcpServers = {};
  else if (!isPlainObject(document.mcpServers)) {
    throw new ConfigError(
      file,
      "mcpServers",
      `expected an object of servers by name, got ${kind(document.mcpServers)}; nothing was written`,
    );
  }
  return document as Record<string, unknown> & { mcpServers: Record<string, unknown> };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kind(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "an array" : `a ${typeof value}`;
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function backupAndWrite(file: string, document: unknown): string {
  const backup = `${file}.bak`;
  copyFileSync(file, backup);
  writeJson(file, document);
  return backup;
}

/** Written beside the target and renamed over it, so a crash never leaves half a file. */
function writeJson(file: string, document: unknown): void {
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(document, null, 2)}\n`);
  renameSync(partial, file);
}
