import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { SCHEMA_VERSION } from "../../src/memory/migrations.js";
import { startFakeOllama } from "../fakes/ollama.js";
import { runCli } from "../support/cli.js";
import { CLI, CLOSED_OLLAMA, tempDir } from "../support/server.js";

const cli = runCli;

describe("the squad-mcp command", () => {
  it("prints help and version", async () => {
    const help = await cli(["--help"]);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/squad-mcp call TOOL 'JSON'/);
    expect(help.stdout).toMatch(/claude mcp add/);
    const version = await cli(["--version"]);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("calls a tool in-process and prints the structured result", async () => {
    const result = await cli(["call", "route_task", '{"task": "pytest backend/tests"}']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      kind: "command",
      category: "tests",
      route: "squad",
    });
  });

  it("exits 1 on a tool error, with the error on stderr", async () => {
    const result = await cli(["call", "log_outcome", '{"success": true}']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/give decision_id, or worker and category/);
    expect(result.stdout).toBe("");
  });

  it("on a terminal, bare squad-mcp says in one line what it is, then serves", async () => {
    const home = tempDir();
    // `script` gives the server a terminal for stdin; the piped empty line then ends it.
    const result = await execa("script", ["-qec", `${process.execPath} ${CLI}`, "/dev/null"], {
      input: "\n",
      env: { SQUAD_HOME: home, HOME: home, OLLAMA_HOST: CLOSED_OLLAMA, SQUAD_LOG_LEVEL: "warn" },
      extendEnv: false,
      reject: false,
      timeout: 20_000,
    });
    rmSync(home, { recursive: true, force: true });
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split(/\r?\n/).filter((line) => line.trim());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^squad-mcp [\d.]+ is an MCP server: .*Claude Code.*squad-mcp init, or squad-mcp --help\.$/,
    );
  });

  it("piped, as clients run it, it prints nothing before serving", async () => {
    const result = await cli([], { input: "", env: { SQUAD_LOG_LEVEL: "warn" }, timeout: 20_000 });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("");
  });

  it.each([
    [["bogus"], /unknown command 'bogus'/],
    [["call"], /call needs a tool name/],
    [
      ["call", "nope", "{}"],
      /unknown tool 'nope'; expected one of route_task, spawn_squad, squad_status, validate_output, write_code_spec, implement_spec, apply_spec, log_outcome/,
    ],
    [["call", "route_task", "{task:"], /not valid JSON/],
    [["call", "route_task", "[1]"], /must be a JSON object/],
    [["serve", "extra"], /serve takes no arguments/],
  ])("%j → a clear message and exit 2", async (args, message) => {
    const result = await cli(args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it("stops with exit 2 and one message naming file, field and problem on a bad config", async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, "squad.config.json"),
      JSON.stringify({ routing: { hostComplexity: "high" } }),
    );
    for (const args of [[], ["doctor"]]) {
      const result = await cli(args, { cwd });
      expect(result.exitCode).toBe(2);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(
        /squad\.config\.json: routing\.hostComplexity: .*expected number/,
      );
    }
  });

  it("doctor reports config, database, hosts, the key without its value, workers and skills", async () => {
    const ollama = await startFakeOllama({ models: [{ name: "qwen2.5-coder:7b" }] });
    const cwd = tempDir();
    mkdirSync(join(cwd, ".claude/skills/acgme"), { recursive: true });
    writeFileSync(
      join(cwd, ".claude/skills/acgme/SKILL.md"),
      "---\nname: acgme-compliance\ndescription: duty hours\n---\n",
    );
    try {
      const result = await cli(["doctor"], {
        cwd,
        env: {
          OLLAMA_HOST: `${ollama.url},${CLOSED_OLLAMA}`,
          GEMINI_API_KEY: "sk-very-secret-value",
        },
      });
      expect(result.exitCode).toBe(0);
      // The report says what the info lines would; they stay quiet unless asked for.
      expect(result.stderr).toBe("");
      expect(result.stdout).toMatch(/config\s+embedded defaults/);
      expect(result.stdout).toMatch(
        new RegExp(
          `database\\s+.*squad\\.db \\(schema v${SCHEMA_VERSION} of ${SCHEMA_VERSION}, 0 outcomes\\)`,
        ),
      );
      expect(result.stdout).toMatch(
        new RegExp(`${ollama.url} reachable, Ollama [\\d.]+, 1 models: qwen2.5-coder:7b`),
      );
      expect(result.stdout).toMatch(/127\.0\.0\.1:2 unreachable: connection refused/);
      expect(result.stdout).toMatch(/GEMINI_API_KEY is set/);
      expect(result.stdout).not.toMatch(/very-secret/);
      expect(result.stdout).toMatch(/qwen-fast\s+ollama qwen2.5-coder:7b.*: usable/);
      expect(result.stdout).toMatch(/qwen-coder .*not usable: qwen2.5-coder:32b is not pulled/);
      expect(result.stdout).toMatch(/skills\s+1 found\n\s+acgme-compliance \(.*SKILL\.md\)/);
    } finally {
      await ollama.close();
    }
  });

  it("doctor reports database health, where the shipped skills are installed, and MCP configs", async () => {
    const home = tempDir();
    const squadHome = tempDir();
    const cwd = tempDir();
    const env = { HOME: home, SQUAD_HOME: squadHome };
    const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    writeFileSync(
      join(cwd, ".mcp.json"),
      JSON.stringify({ mcpServers: { helpers: { command: "npx", args: ["-y", "squad-mcp"] } } }),
    );
    mkdirSync(join(home, ".cursor"));
    writeFileSync(join(home, ".cursor", "mcp.json"), '{"mcpServers": {');
    const logged = await cli(
      ["call", "log_outcome", '{"worker": "qwen-fast", "category": "lint", "success": true}'],
      { cwd, env },
    );
    expect(logged.exitCode).toBe(0);

    const before = await cli(["doctor"], { cwd, env });
    expect(before.exitCode).toBe(0);
    expect(before.stdout).toMatch(
      new RegExp(
        `database\\s+${literal(join(squadHome, "squad.db"))} \\(schema v${SCHEMA_VERSION} of ${SCHEMA_VERSION}, 1 outcomes\\)`,
      ),
    );
    expect(before.stdout).toMatch(/^\s+\d+ KB, journal wal, WAL \d+ K?B, quick_check ok$/m);
    expect(before.stdout).toMatch(/^\s+rows: decisions 0, outcomes 1, profiles 1, memory_fts 0,/m);
    // The one `call` above is the ledger's one tool call.
    expect(before.stdout).toMatch(/\bspec_reports 0,\s+command_groups 0, tool_calls 1$/m);
    expect(before.stdout).toMatch(
      new RegExp(
        `shipped\\s+3 skills; user ~/\\.claude/skills, project ${literal(cwd)}/\\.claude/skills`,
      ),
    );
    for (const skill of ["dual-model", "hierarchical-orchestrator", "squad-delegation"]) {
      expect(before.stdout).toMatch(
        new RegExp(`^\\s+${skill}: not installed — run squad-mcp install-skills$`, "m"),
      );
    }
    expect(before.stdout).toMatch(
      new RegExp(
        `mcp\\s+${literal(join(cwd, ".mcp.json"))} \\(Claude Code, project\\): squad-mcp registered as "helpers"`,
      ),
    );
    expect(before.stdout).toMatch(/^\s+~\/\.cursor\/mcp\.json \(Cursor\): not valid JSON: /m);
    expect(before.stdout).not.toMatch(/registered in none/);

    const installed = await cli(["install-skills", "--project"], { cwd, env });
    expect(installed.exitCode).toBe(0);
    writeFileSync(join(cwd, ".claude", "skills", "dual-model", "SKILL.md"), "my own notes\n");
    const after = await cli(["doctor"], { cwd, env });
    expect(after.exitCode).toBe(0);
    expect(after.stdout).toMatch(/^\s+dual-model: project changed or older$/m);
    expect(after.stdout).toMatch(/^\s+hierarchical-orchestrator: project current$/m);
    expect(after.stdout).toMatch(/^\s+squad-delegation: project current$/m);
    expect(after.stdout).not.toMatch(/not installed/);
  });

  it("stats prints the outcomes logged through `call` as a table, and as JSON with --json", async () => {
    const home = tempDir();
    const env = { SQUAD_HOME: home };
    const logged = await cli(
      [
        "call",
        "log_outcome",
        '{"worker": "qwen-fast", "category": "lint", "success": true, "latency_ms": 1200}',
      ],
      { env },
    );
    expect(logged.exitCode).toBe(0);
    await cli(
      ["call", "log_outcome", '{"worker": "qwen-fast", "category": "lint", "success": false}'],
      { env },
    );

    const table = await cli(["stats"], { env });
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(/squad stats since \d{4}-\d\d-\d\dT/);
    expect(table.stdout).toMatch(/qwen-fast\s+lint\s+2\s+0\s+50%/);

    const json = await cli(["stats", "--since", "1h", "--json"], { env });
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      rows: [{ worker: "qwen-fast", category: "lint", tasks: 2, successes: 1, success_rate: 0.5 }],
      totals: { tasks: 2, successes: 1 },
    });

    const bad = await cli(["stats", "--since", "soon"], { env });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--since: 'soon' is not a duration/);
  });

  it("install-skills copies the shipped skills, keeps a file the user changed unless --force", async () => {
    const home = tempDir();
    const first = await cli(["install-skills"], { env: { HOME: home } });
    expect(first.exitCode).toBe(0);
    const skill = join(home, ".claude", "skills", "dual-model", "SKILL.md");
    expect(readFileSync(skill, "utf8")).toMatch(/^---\nname: dual-model/);

    writeFileSync(skill, "my own notes\n");
    const kept = await cli(["install-skills", "--user"], { env: { HOME: home } });
    expect(kept.exitCode).toBe(0);
    expect(kept.stdout).toMatch(/dual-model\/SKILL\.md/);
    expect(kept.stdout).toMatch(/--force/);
    expect(readFileSync(skill, "utf8")).toBe("my own notes\n");

    const forced = await cli(["install-skills", "--force"], { env: { HOME: home } });
    expect(forced.exitCode).toBe(0);
    expect(readFileSync(skill, "utf8")).toMatch(/^---\nname: dual-model/);

    const project = tempDir();
    const scoped = await cli(["install-skills", "--project"], { cwd: project });
    expect(scoped.exitCode).toBe(0);
    expect(
      readFileSync(join(project, ".claude", "skills", "squad-delegation", "SKILL.md"), "utf8"),
    ).toMatch(/name: squad-delegation/);

    const wrong = await cli(["install-skills", "--everywhere"]);
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toMatch(/unknown option '--everywhere'/);
  });
});
