import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { describe, expect, it } from "vitest";
import { TOOL_NAMES } from "../src/tools/names.js";
import { CLOSED_OLLAMA, PACKAGE_ROOT, tempDir } from "./support/server.js";

const readJson = (path: string) => JSON.parse(readFileSync(join(PACKAGE_ROOT, path), "utf8"));
const pkg = readJson("package.json");
const PLUGIN_ROOT_VARIABLE = ["$", "{CLAUDE_PLUGIN_ROOT}"].join("");

describe("the npm package", () => {
  it("packs the bundle, skills, plugin and licence, and no build leftovers or source maps", () => {
    const packed = JSON.parse(
      execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
        cwd: PACKAGE_ROOT,
        encoding: "utf8",
      }),
    )[0] as { files: { path: string }[] };
    const files = packed.files.map((file) => file.path);
    for (const wanted of [
      "bundle/cli.js",
      "bundle/json-worker.js",
      "LICENSE",
      "README.md",
      "package.json",
      ".claude-plugin/plugin.json",
      ".claude-plugin/marketplace.json",
      ".claude-plugin/server.mjs",
      "skills/squad-delegation/SKILL.md",
    ])
      expect(files).toContain(wanted);
    expect(files.filter((file) => /^(dist|src|test|build|bench)\//.test(file))).toEqual([]);
    expect(files.filter((file) => file.endsWith(".map"))).toEqual([]);
  });

  it("declares what a registry page needs and no install-time script of its own", () => {
    expect(pkg).toMatchObject({ license: "MIT", bin: { "squad-mcp": "bundle/cli.js" } });
    expect(pkg.repository?.url).toMatch(/^git\+https:\/\//);
    expect(pkg.keywords).toContain("mcp");
    for (const script of ["preinstall", "install", "postinstall", "prepare"])
      expect(pkg.scripts[script]).toBeUndefined();
    expect(pkg.scripts.prepack).toMatch(/build/);
  });
});

describe("the Claude Code plugin", () => {
  const plugin = readJson(".claude-plugin/plugin.json");
  const marketplace = readJson(".claude-plugin/marketplace.json");

  it("names itself as the package does and lists itself in its marketplace", () => {
    expect(plugin).toMatchObject({ name: pkg.name, version: pkg.version, license: pkg.license });
    expect(marketplace.name).toMatch(/^[a-z0-9-]+$/);
    expect(marketplace.owner?.name).toBeTruthy();
    expect(marketplace.plugins).toEqual([
      expect.objectContaining({ name: plugin.name, source: "./" }),
    ]);
  });

  it("ships every skill folder it points at, each with a SKILL.md", () => {
    const skillsDir = join(PACKAGE_ROOT, plugin.skills);
    const skills = readdirSync(skillsDir, { withFileTypes: true }).filter((entry) =>
      entry.isDirectory(),
    );
    expect(skills.map((entry) => entry.name).sort()).toEqual([
      "dual-model",
      "hierarchical-orchestrator",
      "squad-delegation",
    ]);
    for (const skill of skills)
      expect(existsSync(join(skillsDir, skill.name, "SKILL.md"))).toBe(true);
  });

  it("starts the server its manifest names, which serves the eight tools", async () => {
    const server = plugin.mcpServers.squad as { command: string; args: string[] };
    expect(server.command).toBe("node");
    // Claude Code replaces this variable with the folder it installed the plugin in.
    const args = server.args.map((arg) => arg.replace(PLUGIN_ROOT_VARIABLE, PACKAGE_ROOT));
    const [home, squadHome, cwd] = [tempDir(), tempDir(), tempDir()];
    const transport = new StdioClientTransport({
      command: process.execPath,
      args,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: home,
        SQUAD_HOME: squadHome,
        OLLAMA_HOST: CLOSED_OLLAMA,
        SQUAD_LOG_LEVEL: "warn",
      },
      cwd,
      stderr: "pipe",
    });
    const client = new Client({ name: "plugin-test", version: "0" });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual([...TOOL_NAMES].sort());
    } finally {
      await client.close();
      for (const dir of [home, squadHome, cwd]) rmSync(dir, { recursive: true, force: true });
    }
  });
});
