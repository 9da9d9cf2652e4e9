import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { errorMessage } from "../errors.js";

/** Where to look: passed in, so the lookup is the same for doctor, init and tests. */
export interface McpConfigWhere {
  homeDir: string;
  projectRoot: string;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
}

/** One part of a config file that holds a set of servers, e.g. Claude Code's user scope. */
export interface McpConfigSection {
  /** `user`, `project` or `local` (Claude Code's per-project entry in ~/.claude.json). */
  scope: string;
  /** The object of servers by name, or undefined when the file has none there. */
  servers(json: unknown): unknown;
}

/** A file an MCP host reads its servers from. */
export interface McpConfigLocation {
  client: string;
  file: string;
  sections: McpConfigSection[];
  /** VS Code's files may hold comments and trailing commas. */
  jsonc: boolean;
}

export interface McpSectionFinding {
  scope: string;
  /** Every server name in the section. */
  servers: string[];
  /** The names under which squad-mcp is registered there. */
  squad: string[];
}

export interface McpConfigFinding {
  client: string;
  file: string;
  /** Why the file could not be read as JSON, or null. */
  problem: string | null;
  sections: McpSectionFinding[];
}

const key =
  (...path: string[]) =>
  (json: unknown): unknown =>
    path.reduce<unknown>((value, name) => (isObject(value) ? value[name] : undefined), json);

/** The config files of Claude Code, Claude Desktop, Cursor, VS Code and Windsurf, in that order. */
export function mcpConfigLocations(where: McpConfigWhere): McpConfigLocation[] {
  const { homeDir, projectRoot, platform, env } = where;
  const desktopDir =
    platform === "darwin"
      ? join(homeDir, "Library", "Application Support", "Claude")
      : platform === "win32"
        ? join(env.APPDATA || join(homeDir, "AppData", "Roaming"), "Claude")
        : join(env.XDG_CONFIG_HOME || join(homeDir, ".config"), "Claude");
  // Claude Code keys ~/.claude.json's projects by the project's absolute path; on Windows it
  // may have written it with forward slashes.
  const projectKeys = [projectRoot, projectRoot.replaceAll("\\", "/")];
  const localServers = (json: unknown): unknown => {
    for (const name of projectKeys) {
      const servers = key("projects", name, "mcpServers")(json);
      if (servers !== undefined) return servers;
    }
    return undefined;
  };
  const locations: McpConfigLocation[] = [
    {
      client: "Claude Code",
      file: join(projectRoot, ".mcp.json"),
      sections: [{ scope: "project", servers: key("mcpServers") }],
      jsonc: false,
    },
    {
      client: "Claude Code",
      file: join(homeDir, ".claude.json"),
      sections: [
        { scope: "user", servers: key("mcpServers") },
        { scope: "local", servers: localServers },
      ],
      jsonc: false,
    },
    {
      client: "Claude Desktop",
      file: join(desktopDir, "claude_desktop_config.json"),
      sections: [{ scope: "user", servers: key("mcpServers") }],
      jsonc: false,
    },
    {
      client: "Cursor",
      file: join(homeDir, ".cursor", "mcp.json"),
      sections: [{ scope: "user", servers: key("mcpServers") }],
      jsonc: false,
    },
    {
      client: "Cursor",
      file: join(projectRoot, ".cursor", "mcp.json"),
      sections: [{ scope: "project", servers: key("mcpServers") }],
      jsonc: false,
    },
    {
      client: "VS Code",
      file: join(projectRoot, ".vscode", "mcp.json"),
      sections: [{ scope: "project", servers: key("servers") }],
      jsonc: true,
    },
    {
      client: "Windsurf",
      file: join(homeDir, ".codeium", "windsurf", "mcp_config.json"),
      sections: [{ scope: "user", servers: key("mcpServers") }],
      jsonc: false,
    },
  ];
  // Run from the home folder, the project's files are the user's: report each file once.
  return locations.filter(
    (location, index) => locations.findIndex((other) => other.file === location.file) === index,
  );
}

/** Reads each config file that exists and says whether squad-mcp is registered in it. */
export function findMcpConfigs(where: McpConfigWhere): McpConfigFinding[] {
  const findings: McpConfigFinding[] = [];
  for (const location of mcpConfigLocations(where)) {
    if (!isFile(location.file)) continue;
    let text: string;
    try {
      text = readFileSync(location.file, "utf8");
    } catch (error) {
      findings.push({
        client: location.client,
        file: location.file,
        problem: `cannot be read: ${errorMessage(error)}`,
        sections: [],
      });
      continue;
    }
    findings.push(inspectMcpConfig(location, text));
  }
  return findings;
}

/** What one config file's text says about squad-mcp. */
export function inspectMcpConfig(location: McpConfigLocation, text: string): McpConfigFinding {
  const base = { client: location.client, file: location.file };
  let json: unknown;
  try {
    const body = text.replace(/^\uFEFF/, "");
    json = JSON.parse(location.jsonc ? stripJsonc(body) : body);
  } catch (error) {
    const reason = errorMessage(error);
    return { ...base, problem: `not valid JSON: ${reason}`, sections: [] };
  }
  return {
    ...base,
    problem: null,
    sections: location.sections.map(({ scope, servers }) => {
      const entries = Object.entries(asObject(servers(json)));
      return {
        scope,
        servers: entries.map(([name]) => name),
        squad: entries.filter(([name, entry]) => isSquadServer(name, entry)).map(([name]) => name),
      };
    }),
  };
}

/**
 * A server entry is squad-mcp when it is named `squad`, or its command or an argument mentions
 * `squad-mcp` or ends in `bundle/cli.js` (a checkout run with node).
 */
export function isSquadServer(name: string, entry: unknown): boolean {
  if (name.toLowerCase() === "squad") return true;
  const server = asObject(entry);
  const words = [server.command, ...(Array.isArray(server.args) ? server.args : [])]
    .filter((word): word is string => typeof word === "string")
    .map((word) => word.replaceAll("\\", "/").replace(/^["']|["']$/g, ""));
  return words.some((word) => /squad-mcp/i.test(word) || /(^|\/)bundle\/cli\.js$/.test(word));
}

/** One line per file, e.g. `~/.claude.json (Claude Code): user: registered as "squad"; …`. */
export function describeMcpConfig(
  finding: McpConfigFinding,
  show: (file: string) => string = (file) => file,
): string {
  const where = `${show(finding.file)} (${finding.client}`;
  if (finding.problem !== null) return `${where}): ${finding.problem}`;
  const [only] = finding.sections;
  if (finding.sections.length === 1 && only) {
    return `${where}, ${only.scope}): ${describeSection(only)}`;
  }
  return `${where}): ${finding.sections
    .map((section) => `${section.scope}: ${describeSection(section)}`)
    .join("; ")}`;
}

function describeSection(section: McpSectionFinding): string {
  if (section.squad.length > 0) {
    return `squad-mcp registered as ${section.squad.map((name) => JSON.stringify(name)).join(", ")}`;
  }
  const others = section.servers.length;
  return `squad-mcp not registered${others ? ` (${others} other server${others === 1 ? "" : "s"})` : ""}`;
}

/**
 * JSON with comments and trailing commas (VS Code's format) made plain JSON. Comments and
 * trailing commas become spaces, so a parse error's position still points into the file.
 */
export function stripJsonc(text: string): string {
  const out = text.split("");
  let i = 0;
  let lastToken = -1;
  const blank = (from: number, to: number) => {
    for (let j = from; j < to; j++) if (out[j] !== "\n" && out[j] !== "\r") out[j] = " ";
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      lastToken = Math.min(j, text.length - 1);
      i = j + 1;
    } else if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      const to = end < 0 ? text.length : end;
      blank(i, to);
      i = to;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const to = end < 0 ? text.length : end + 2;
      blank(i, to);
      i = to;
    } else {
      if ((c === "}" || c === "]") && lastToken >= 0 && out[lastToken] === ",") {
        out[lastToken] = " ";
      }
      if (c !== undefined && !/\s/.test(c)) lastToken = i;
      i++;
    }
  }
  return out.join("");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asObject(value: unknown): Record<string, unknown> {
  return isObject(value) ? value : {};
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
