import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import {
  claudeMcpAddLine,
  initProject,
  lastingPath,
  launchCommand,
  launchFacts,
  parseInitArgs,
  renderInitResult,
  type ServerEntry,
  serverEntry,
  shellQuote,
} from "./init.js";

let root: string;
let project: string;

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "squad-init-")));
  project = join(root, "project");
  mkdirSync(project);
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

const onPath = serverEntry({ command: "squad-mcp", args: ["serve"] });
const mcpJson = () => join(project, ".mcp.json");
const backup = () => join(project, ".mcp.json.bak");
const read = (path: string) => readFileSync(path, "utf8");
const run = (options: { name?: string; force?: boolean; entry?: ServerEntry } = {}) =>
  initProject({
    projectRoot: project,
    name: options.name ?? "squad",
    force: options.force ?? false,
    entry: options.entry ?? onPath,
  });

/** Another team's file, indented its own way, with servers and keys init must not touch. */
const theirs = {
  $schema: "https://example.com/mcp.schema.json",
  mcpServers: {
    github: { command: "npx", args: ["-y", "@modelcontextprotocol/server-github"], env: {} },
    postgres: { type: "stdio", command: "pg-mcp", args: ["--read-only"] },
  },
  notes: ["keep me", { nested: true }],
};
const theirText = `${JSON.stringify(theirs, null, 4)}\n`;

describe("initProject", () => {
  it("creates .mcp.json with our server when the project has none", () => {
    const result = run();
    expect(result.outcome).toBe("created");
    expect(result.backup).toBeUndefined();
    expect(read(mcpJson())).toBe(`${JSON.stringify({ mcpServers: { squad: onPath } }, null, 2)}\n`);
    expect(existsSync(backup())).toBe(false);
  });

  it("adds our server next to the others, keeping every other server and key in order", () => {
    writeFileSync(mcpJson(), theirText);
    const result = run();
    expect(result.outcome).toBe("added");
    expect(result.otherServers).toEqual(["github", "postgres"]);

    const text = read(mcpJson());
    const written = JSON.parse(text);
    expect(Object.keys(written)).toEqual(["$schema", "mcpServers", "notes"]);
    expect(Object.keys(written.mcpServers)).toEqual(["github", "postgres", "squad"]);
    expect(written).toEqual({ ...theirs, mcpServers: { ...theirs.mcpServers, squad: onPath } });
    expect(text).toBe(`${JSON.stringify(written, null, 2)}\n`);
    expect(result.backup).toBe(backup());
    expect(read(backup())).toBe(theirText);
  });

  it("adds mcpServers to a file that has other keys but no servers yet", () => {
    writeFileSync(mcpJson(), '{"comment": "ours"}');
    expect(run().outcome).toBe("added");
    expect(JSON.parse(read(mcpJson()))).toEqual({
      comment: "ours",
      mcpServers: { squad: onPath },
    });
  });

  it("says unchanged and writes nothing when the entry is already ours", () => {
    writeFileSync(mcpJson(), theirText);
    run();
    rmSync(backup());
    const before = read(mcpJson());
    const again = run();
    expect(again.outcome).toBe("unchanged");
    expect(again.backup).toBeUndefined();
    expect(read(mcpJson())).toBe(before);
    expect(existsSync(backup())).toBe(false);
    expect(renderInitResult(again)).toMatch(/unchanged/);
  });

  it("leaves a different entry of the same name alone and says --force replaces it", () => {
    const mine = { mcpServers: { squad: { command: "my-squad", args: [] }, github: {} } };
    const text = JSON.stringify(mine);
    writeFileSync(mcpJson(), text);
    const result = run();
    expect(result.outcome).toBe("kept");
    expect(result.existing).toEqual(mine.mcpServers.squad);
    expect(read(mcpJson())).toBe(text);
    expect(existsSync(backup())).toBe(false);
    const rendered = renderInitResult(result);
    expect(rendered).toContain("left it alone");
    expect(rendered).toContain('"command":"my-squad"');
    expect(rendered).toContain("squad-mcp init --force");
    expect(rendered).not.toContain("claude mcp add");
  });

  it("replaces a different entry with --force, in its place, after backing up the old file", () => {
    const old = {
      mcpServers: { first: {}, squad: { command: "my-squad" }, last: {} },
    };
    const oldText = JSON.stringify(old, null, 2);
    writeFileSync(mcpJson(), oldText);
    writeFileSync(backup(), "an earlier backup");

    const result = run({ force: true });
    expect(result.outcome).toBe("replaced");
    const written = JSON.parse(read(mcpJson()));
    expect(Object.keys(written.mcpServers)).toEqual(["first", "squad", "last"]);
    expect(written.mcpServers.squad).toEqual(onPath);
    expect(read(backup())).toBe(oldText);
    expect(renderInitResult(result)).toContain(`The previous file is saved as ${backup()}.`);
    // Written through a temp file renamed into place: nothing else is left in the folder.
    expect(readdirSync(project).sort()).toEqual([".mcp.json", ".mcp.json.bak"]);
  });

  it("adds under --name without touching an existing squad entry", () => {
    const text = JSON.stringify({ mcpServers: { squad: { command: "my-squad" } } });
    writeFileSync(mcpJson(), text);
    const result = run({ name: "squad-2" });
    expect(result.outcome).toBe("added");
    expect(JSON.parse(read(mcpJson())).mcpServers).toEqual({
      squad: { command: "my-squad" },
      "squad-2": onPath,
    });
  });

  it.each([
    ["{ not json", /\.mcp\.json: not valid JSON/],
    ["", /\.mcp\.json: not valid JSON/],
    ["[]", /\.mcp\.json: expected a JSON object, got an array/],
    ['{"mcpServers": ["squad"]}', /\.mcp\.json: mcpServers: expected an object .*got an array/],
    ['{"mcpServers": "squad"}', /\.mcp\.json: mcpServers: expected an object .*got a string/],
  ])("refuses %j, naming the file and problem, and writes nothing", (text, message) => {
    writeFileSync(mcpJson(), text);
    expect(() => run({ force: true })).toThrow(ConfigError);
    expect(() => run({ force: true })).toThrow(message);
    expect(() => run()).toThrow(mcpJson());
    expect(read(mcpJson())).toBe(text);
    expect(existsSync(backup())).toBe(false);
  });
});

describe("parseInitArgs", () => {
  it.each([
    [[], { name: "squad", force: false }],
    [["--force"], { name: "squad", force: true }],
    [["--name", "squad-dev", "--force"], { name: "squad-dev", force: true }],
    [["--name=helpers"], { name: "helpers", force: false }],
  ])("%j → %j", (args, expected) => {
    expect(parseInitArgs(args)).toEqual(expected);
  });

  it.each([
    [["--user"], /unknown option '--user' \(expected --force, --name NAME\)/],
    [["squad"], /unknown option 'squad'/],
    [["--name"], /--name needs a value/],
    [["--name="], /--name needs a value/],
    [["--name", "my squad"], /--name 'my squad' may hold only letters, digits, '-' and '_'/],
  ])("%j → an error", (args, message) => {
    const parsed = parseInitArgs(args);
    expect("error" in parsed && parsed.error).toMatch(message);
  });
});

describe("choosing the command", () => {
  it("uses squad-mcp serve when the squad-mcp on PATH is the running script", () => {
    expect(launchCommand({ script: "/pkg/bundle/cli.js", onPath: "/pkg/bundle/cli.js" })).toEqual({
      command: "squad-mcp",
      args: ["serve"],
    });
  });

  it("uses node with the script's path when squad-mcp is missing from PATH or another copy", () => {
    const node = { command: "node", args: ["/clone/bundle/cli.js", "serve"] };
    expect(launchCommand({ script: "/clone/bundle/cli.js", onPath: undefined })).toEqual(node);
    expect(launchCommand({ script: "/clone/bundle/cli.js", onPath: "/usr/lib/cli.js" })).toEqual(
      node,
    );
  });

  describe("launchFacts on a real file system", () => {
    let script: string;
    beforeEach(() => {
      script = join(root, "package", "bundle", "cli.js");
      mkdirSync(join(root, "package", "bundle"), { recursive: true });
      writeFileSync(script, "#!/usr/bin/env node\n");
      chmodSync(script, 0o755);
    });

    const binWith = (folder: string, target: string) => {
      mkdirSync(join(root, folder));
      symlinkSync(target, join(root, folder, "squad-mcp"));
      return join(root, folder);
    };

    it("finds an npm-linked squad-mcp that resolves to the running script", () => {
      const bin = binWith("bin", script);
      const viaLink = join(bin, "squad-mcp");
      const facts = launchFacts(viaLink, `/nonexistent${delimiter}${bin}`);
      expect(facts).toEqual({ script, onPath: script });
      expect(launchCommand(facts).command).toBe("squad-mcp");
    });

    it("takes the first squad-mcp on PATH, as a shell would", () => {
      const other = join(root, "other-cli.js");
      writeFileSync(other, "");
      chmodSync(other, 0o755);
      const first = binWith("first", other);
      const second = binWith("second", script);
      const facts = launchFacts(script, [first, second].join(delimiter));
      expect(facts.onPath).toBe(other);
      expect(launchCommand(facts)).toEqual({ command: "node", args: [script, "serve"] });
    });

    it("passes over the node_modules/.bin and npx folders npm puts on PATH only while it runs", () => {
      mkdirSync(join(root, "project", "node_modules"), { recursive: true });
      const local = binWith("project/node_modules/.bin", script);
      mkdirSync(join(root, "cache", "_npx", "abc", "node_modules"), { recursive: true });
      const npx = binWith("cache/_npx/abc/node_modules/.bin", script);
      const facts = launchFacts(script, [local, npx].join(delimiter));
      expect(facts.onPath).toBeUndefined();
      expect(launchCommand(facts)).toEqual({ command: "node", args: [script, "serve"] });
      expect(lastingPath(["/usr/bin", local, `${npx}/`, "/opt/bin"].join(delimiter))).toBe(
        ["/usr/bin", "/opt/bin"].join(delimiter),
      );
    });

    it("passes over a squad-mcp that is not executable", () => {
      const bin = join(root, "bin");
      mkdirSync(bin);
      writeFileSync(join(bin, "squad-mcp"), "");
      expect(launchFacts(script, bin).onPath).toBeUndefined();
      expect(launchFacts(script, undefined).onPath).toBeUndefined();
    });
  });
});

describe("the printed claude mcp add line", () => {
  it("writes the same entry with the Claude Code CLI, the defaults quoted for Claude Code to expand", () => {
    expect(claudeMcpAddLine("squad", onPath)).toBe(
      "claude mcp add --scope project squad" +
        ` -e 'OLLAMA_HOST=\${OLLAMA_HOST:-http://127.0.0.1:11434}'` +
        ` -e 'GEMINI_API_KEY=\${GEMINI_API_KEY:-}'` +
        " -- squad-mcp serve",
    );
  });

  it("quotes a script path with spaces so a POSIX shell reads it back as one word", () => {
    const entry = serverEntry({ command: "node", args: ["/home/me/my projects/cli.js", "serve"] });
    const line = claudeMcpAddLine("squad", entry);
    expect(line).toContain("-- node '/home/me/my projects/cli.js' serve");
    const words = [...entry.args, "it's", "$HOME", ""].map(shellQuote).join(" ");
    const echoed = execFileSync("sh", ["-c", `printf '%s\\n' ${words}`], { encoding: "utf8" });
    expect(echoed).toBe("/home/me/my projects/cli.js\nserve\nit's\n$HOME\n\n");
  });

  it("is printed with what init did and how Claude Code approves a project server", () => {
    writeFileSync(mcpJson(), theirText);
    const text = renderInitResult(run());
    expect(text).toContain(`Added the MCP server 'squad' to ${mcpJson()}.`);
    expect(text).toContain("Kept the other servers: github, postgres.");
    expect(text).toContain(`The previous file is saved as ${backup()}.`);
    expect(text).toContain(`  ${claudeMcpAddLine("squad", onPath)}`);
    expect(text).toMatch(/asks each user to approve/);
    expect(text).toContain("claude mcp list");
  });
});

describe(".mcp.json.example", () => {
  it("holds exactly what init writes when squad-mcp is installed on PATH", () => {
    const example = JSON.parse(
      readFileSync(new URL("../../.mcp.json.example", import.meta.url), "utf8"),
    );
    const installed = launchCommand({ script: "/pkg/bundle/cli.js", onPath: "/pkg/bundle/cli.js" });
    expect(example).toEqual({ mcpServers: { squad: serverEntry(installed) } });
  });
});
