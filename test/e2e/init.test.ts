import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { CLI, tempDir } from "../support/server.js";

const cli = runCli;

const github = { command: "npx", args: ["-y", "@modelcontextprotocol/server-github"] };

describe("squad-mcp init", () => {
  it("merges squad into an existing .mcp.json, backs it up, and is unchanged the second time", async () => {
    const cwd = realpathSync(tempDir("squad-init-e2e-"));
    const theirs = `${JSON.stringify({ mcpServers: { github } })}\n`;
    writeFileSync(join(cwd, ".mcp.json"), theirs);

    const first = await cli(["init"], { cwd });
    expect(first.exitCode).toBe(0);
    const written = JSON.parse(readFileSync(join(cwd, ".mcp.json"), "utf8"));
    expect(Object.keys(written.mcpServers)).toEqual(["github", "squad"]);
    expect(written.mcpServers.github).toEqual(github);
    // No squad-mcp on this PATH: the entry runs this very bundle with node.
    expect(written.mcpServers.squad).toMatchObject({
      type: "stdio",
      command: "node",
      args: [realpathSync(CLI), "serve"],
    });
    expect(readFileSync(join(cwd, ".mcp.json.bak"), "utf8")).toBe(theirs);
    expect(first.stdout).toContain("Added the MCP server 'squad'");
    expect(first.stdout).toContain("Kept the other servers: github.");
    expect(first.stdout).toContain(join(cwd, ".mcp.json.bak"));
    expect(first.stdout).toContain(
      `claude mcp add --scope project squad -e 'OLLAMA_HOST=\${OLLAMA_HOST:-http://127.0.0.1:11434}' -e 'GEMINI_API_KEY=\${GEMINI_API_KEY:-}' -- node ${realpathSync(CLI)} serve`,
    );

    const before = readFileSync(join(cwd, ".mcp.json"), "utf8");
    const second = await cli(["init"], { cwd });
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(/already has the MCP server 'squad' .*: unchanged/);
    expect(readFileSync(join(cwd, ".mcp.json"), "utf8")).toBe(before);
  });

  it("writes squad-mcp serve when the squad-mcp on PATH is this bundle", async () => {
    const cwd = realpathSync(tempDir("squad-init-e2e-"));
    const bin = join(tempDir("squad-init-bin-"), "bin");
    mkdirSync(bin);
    symlinkSync(CLI, join(bin, "squad-mcp"));
    const result = await cli(["init", "--name", "helpers"], { cwd, env: { PATH: bin } });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`Created ${join(cwd, ".mcp.json")}`);
    const written = JSON.parse(readFileSync(join(cwd, ".mcp.json"), "utf8"));
    expect(written.mcpServers.helpers).toMatchObject({ command: "squad-mcp", args: ["serve"] });
    expect(existsSync(join(cwd, ".mcp.json.bak"))).toBe(false);
  });

  it.each([
    [["init", "--global"], 2, /init: unknown option '--global'/],
    [["init", "--name"], 2, /init: --name needs a value/],
  ])("%j → a clear message and exit %i", async (args, code, message) => {
    const result = await cli(args);
    expect(result.exitCode).toBe(code);
    expect(result.stderr).toMatch(message);
  });

  it("refuses a .mcp.json that is not JSON, naming it, and leaves it as it was", async () => {
    const cwd = realpathSync(tempDir("squad-init-e2e-"));
    writeFileSync(join(cwd, ".mcp.json"), "{ broken");
    const result = await cli(["init", "--force"], { cwd });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${join(cwd, ".mcp.json")}: not valid JSON`);
    expect(readFileSync(join(cwd, ".mcp.json"), "utf8")).toBe("{ broken");
    expect(existsSync(join(cwd, ".mcp.json.bak"))).toBe(false);
  });
});
