import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  describeMcpConfig,
  findMcpConfigs,
  isSquadServer,
  type McpConfigWhere,
  mcpConfigLocations,
  stripJsonc,
} from "./mcp-configs.js";

let root: string;
let where: McpConfigWhere;

function put(path: string, content: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "squad-mcp-configs-"));
  where = {
    homeDir: join(root, "home"),
    projectRoot: join(root, "project"),
    platform: "linux",
    env: {},
  };
  mkdirSync(where.homeDir);
  mkdirSync(where.projectRoot);
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

const home = (...parts: string[]) => join(where.homeDir, ...parts);
const project = (...parts: string[]) => join(where.projectRoot, ...parts);

describe("findMcpConfigs", () => {
  it("finds nothing when no host has a config file", () => {
    expect(findMcpConfigs(where)).toEqual([]);
  });

  it("reads every kind of host config and names squad-mcp's entries", () => {
    put(project(".mcp.json"), {
      mcpServers: { squad: { type: "stdio", command: "squad-mcp", args: ["serve"] } },
    });
    put(home(".claude.json"), {
      numStartups: 12,
      mcpServers: { github: { command: "gh-mcp" } },
      projects: {
        [where.projectRoot]: {
          mcpServers: { helpers: { command: "node", args: ["/src/squad/bundle/cli.js"] } },
        },
        "/some/other/project": { mcpServers: { squad: { command: "squad-mcp" } } },
      },
    });
    put(home(".config", "Claude", "claude_desktop_config.json"), {
      mcpServers: { team: { command: "npx", args: ["-y", "squad-mcp@latest"] } },
    });
    put(home(".cursor", "mcp.json"), '{ "mcpServers": { "squad": ');
    put(project(".cursor", "mcp.json"), {
      mcpServers: { fs: { command: "mcp-fs" }, git: { command: "mcp-git" } },
    });
    put(
      project(".vscode", "mcp.json"),
      `{
  // VS Code allows comments
  "servers": {
    "squad-local": { "type": "stdio", "command": "squad-mcp", }, /* and trailing commas */
  },
}`,
    );
    put(home(".codeium", "windsurf", "mcp_config.json"), { mcpServers: {} });

    const findings = findMcpConfigs(where);
    expect(findings.map(({ client, file }) => [client, file])).toEqual([
      ["Claude Code", project(".mcp.json")],
      ["Claude Code", home(".claude.json")],
      ["Claude Desktop", home(".config", "Claude", "claude_desktop_config.json")],
      ["Cursor", home(".cursor", "mcp.json")],
      ["Cursor", project(".cursor", "mcp.json")],
      ["VS Code", project(".vscode", "mcp.json")],
      ["Windsurf", home(".codeium", "windsurf", "mcp_config.json")],
    ]);
    const [dotMcp, claudeJson, desktop, cursorUser, cursorProject, vscode, windsurf] = findings;
    expect(dotMcp).toMatchObject({
      problem: null,
      sections: [{ scope: "project", servers: ["squad"], squad: ["squad"] }],
    });
    expect(claudeJson).toMatchObject({
      problem: null,
      sections: [
        { scope: "user", servers: ["github"], squad: [] },
        { scope: "local", servers: ["helpers"], squad: ["helpers"] },
      ],
    });
    expect(desktop?.sections).toEqual([{ scope: "user", servers: ["team"], squad: ["team"] }]);
    expect(cursorUser?.problem).toMatch(/^not valid JSON: /);
    expect(cursorUser?.sections).toEqual([]);
    expect(cursorProject?.sections).toEqual([
      { scope: "project", servers: ["fs", "git"], squad: [] },
    ]);
    expect(vscode).toMatchObject({
      problem: null,
      sections: [{ scope: "project", servers: ["squad-local"], squad: ["squad-local"] }],
    });
    expect(windsurf?.sections).toEqual([{ scope: "user", servers: [], squad: [] }]);
  });

  it("reads the local scope of ~/.claude.json only for this project", () => {
    put(home(".claude.json"), {
      projects: { "/some/other/project": { mcpServers: { squad: { command: "squad-mcp" } } } },
    });
    expect(findMcpConfigs(where)[0]?.sections).toEqual([
      { scope: "user", servers: [], squad: [] },
      { scope: "local", servers: [], squad: [] },
    ]);
  });

  it("treats servers that are not an object, and a top level that is not one, as none", () => {
    put(project(".mcp.json"), { mcpServers: ["squad"] });
    put(home(".cursor", "mcp.json"), "[]");
    expect(findMcpConfigs(where).map((finding) => finding.sections)).toEqual([
      [{ scope: "project", servers: [], squad: [] }],
      [{ scope: "user", servers: [], squad: [] }],
    ]);
  });

  it("says an empty file, or a folder in a config file's place, is not a config", () => {
    put(project(".mcp.json"), "");
    mkdirSync(home(".cursor", "mcp.json"), { recursive: true });
    const findings = findMcpConfigs(where);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.problem).toMatch(/^not valid JSON: .*JSON/);
  });

  it("reads a file with a byte order mark", () => {
    put(project(".mcp.json"), `\uFEFF${JSON.stringify({ mcpServers: { squad: {} } })}`);
    expect(findMcpConfigs(where)[0]?.problem).toBeNull();
  });
});

describe("mcpConfigLocations", () => {
  const desktop = (platform: NodeJS.Platform, env: NodeJS.ProcessEnv = {}) =>
    mcpConfigLocations({ ...where, platform, env }).find(
      (location) => location.client === "Claude Desktop",
    )?.file;

  it("puts Claude Desktop's config where each platform keeps it", () => {
    expect(desktop("darwin")).toBe(
      home("Library", "Application Support", "Claude", "claude_desktop_config.json"),
    );
    expect(desktop("linux")).toBe(home(".config", "Claude", "claude_desktop_config.json"));
    expect(desktop("linux", { XDG_CONFIG_HOME: join(root, "xdg") })).toBe(
      join(root, "xdg", "Claude", "claude_desktop_config.json"),
    );
    expect(desktop("win32", { APPDATA: join(root, "Roaming") })).toBe(
      join(root, "Roaming", "Claude", "claude_desktop_config.json"),
    );
    expect(desktop("win32")).toBe(
      home("AppData", "Roaming", "Claude", "claude_desktop_config.json"),
    );
  });

  it("finds the Windows Claude Desktop config through APPDATA", () => {
    const appData = join(root, "Roaming");
    put(join(appData, "Claude", "claude_desktop_config.json"), {
      mcpServers: { squad: { command: "squad-mcp.cmd" } },
    });
    const findings = findMcpConfigs({ ...where, platform: "win32", env: { APPDATA: appData } });
    expect(findings).toHaveLength(1);
    expect(findings[0]?.sections[0]?.squad).toEqual(["squad"]);
  });

  it("lists a file once when the project is the home folder", () => {
    const files = mcpConfigLocations({ ...where, projectRoot: where.homeDir }).map(
      (location) => location.file,
    );
    expect(files).toEqual([...new Set(files)]);
    expect(files.filter((file) => file === home(".cursor", "mcp.json"))).toHaveLength(1);
    expect(files).toHaveLength(6);
  });
});

describe("isSquadServer", () => {
  it.each([
    ["squad", {}],
    ["Squad", { command: "anything" }],
    ["x", { command: "squad-mcp" }],
    ["x", { command: "/usr/local/bin/squad-mcp", args: ["serve"] }],
    ["x", { command: "npx", args: ["-y", "squad-mcp"] }],
    ["x", { command: "node", args: ["/home/me/code/tools/bundle/cli.js"] }],
    ["x", { command: "node", args: ["C:\\code\\tools\\bundle\\cli.js"] }],
    ["x", { command: "bundle/cli.js" }],
  ])("%s %j is squad-mcp", (name, entry) => {
    expect(isSquadServer(name, entry)).toBe(true);
  });

  it.each([
    ["squadron", { command: "python", args: ["server.py"] }],
    ["x", { command: "node", args: ["/srv/bundle/cli.js.bak"] }],
    ["x", { command: "node", args: ["/srv/mybundle/cli.js"] }],
    ["x", { command: "node", args: ["/srv/dist/cli.js"] }],
    ["x", { command: 42, args: "squad-mcp" }],
    ["x", null],
    ["x", "squad-mcp"],
  ])("%s %j is not", (name, entry) => {
    expect(isSquadServer(name, entry)).toBe(false);
  });
});

describe("stripJsonc", () => {
  it("drops comments and trailing commas but keeps them inside strings", () => {
    const text = `{
  // a comment with "quotes", and a comma,
  "url": "http://x//y", /* block */ "list": [1, 2,],
  "escaped": "a \\" // still a string",
}`;
    expect(JSON.parse(stripJsonc(text))).toEqual({
      url: "http://x//y",
      list: [1, 2],
      escaped: 'a " // still a string',
    });
  });

  it("keeps every position, so a parse error points into the file", () => {
    const text = '{ /* c */ "a": 1, // c\n "b": }';
    const stripped = stripJsonc(text);
    expect(stripped).toHaveLength(text.length);
    expect(stripped.indexOf('"b"')).toBe(text.indexOf('"b"'));
    expect(() => JSON.parse(stripped)).toThrow();
  });
});

describe("describeMcpConfig", () => {
  it("says per file where squad-mcp is registered, and why a file could not be read", () => {
    expect(
      describeMcpConfig({
        client: "Claude Code",
        file: "/p/.mcp.json",
        problem: null,
        sections: [{ scope: "project", servers: ["squad", "fs"], squad: ["squad"] }],
      }),
    ).toBe('/p/.mcp.json (Claude Code, project): squad-mcp registered as "squad"');
    expect(
      describeMcpConfig(
        {
          client: "Claude Code",
          file: "/h/.claude.json",
          problem: null,
          sections: [
            { scope: "user", servers: ["gh", "fs"], squad: [] },
            { scope: "local", servers: ["sq"], squad: ["sq"] },
          ],
        },
        (file) => file.replace("/h", "~"),
      ),
    ).toBe(
      '~/.claude.json (Claude Code): user: squad-mcp not registered (2 other servers); local: squad-mcp registered as "sq"',
    );
    expect(
      describeMcpConfig({
        client: "Windsurf",
        file: "/h/w.json",
        problem: null,
        sections: [{ scope: "user", servers: [], squad: [] }],
      }),
    ).toBe("/h/w.json (Windsurf, user): squad-mcp not registered");
    expect(
      describeMcpConfig({
        client: "Cursor",
        file: "/h/.cursor/mcp.json",
        problem: "not valid JSON: Unexpected end of JSON input",
        sections: [],
      }),
    ).toBe("/h/.cursor/mcp.json (Cursor): not valid JSON: Unexpected end of JSON input");
  });
});
