/**
 * `npm run verify:clients`: squad-mcp driven by MCP clients nobody on this project wrote — the
 * MCP Inspector CLI and Claude Code — in a throwaway git project with a throwaway HOME. Both
 * come from the npm registry (npx), so this stays out of `npm test`; it exits 1 if any check
 * fails. Needs no login: `claude mcp list` connects to each server and health-checks it.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { errorMessage } from "../src/errors.js";
import { TOOL_NAMES } from "../src/tools/names.js";
import { initRepo } from "../test/support/git-repo.js";
import { CLI, CLOSED_OLLAMA, PACKAGE_ROOT, runCounts, tempDir } from "../test/support/server.js";
import { mark } from "./demo/print.js";

const run = promisify(execFile);
const INSPECTOR = "@modelcontextprotocol/inspector@0.15.0";
const CLAUDE_CODE = "@anthropic-ai/claude-code";
const CALL_TIMEOUT_MS = 300_000;
/** npx installing the package compiles better-sqlite3 on Node 20 when no prebuilt binary is reachable. */
const INSTALL_TIMEOUT_MS = 900_000;

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const checks: Check[] = [];

async function main(): Promise<number> {
  const project = tempDir("squad-verify-project-");
  const home = tempDir("squad-verify-home-");
  const squadHome = tempDir("squad-verify-squad-");
  try {
    await initRepo(project, { "README.md": "# a project\n" });
    const env = { ...process.env, HOME: home };
    const serverEnv = [`SQUAD_HOME=${squadHome}`, `OLLAMA_HOST=${CLOSED_OLLAMA}`];
    await inspectorChecks(project, env, serverEnv);
    await claudeCodeChecks(project, env, serverEnv);
  } finally {
    for (const dir of [project, home, squadHome]) rmSync(dir, { recursive: true, force: true });
  }
  const failed = checks.filter((check) => !check.ok);
  console.log(`\n${checks.length - failed.length}/${checks.length} checks passed`);
  return failed.length === 0 ? 0 : 1;
}

async function inspectorChecks(
  project: string,
  env: NodeJS.ProcessEnv,
  serverEnv: string[],
): Promise<void> {
  console.log(`MCP Inspector CLI (${INSPECTOR}) in ${project}`);
  const inspector = (...args: string[]) =>
    json(
      "npx",
      [
        "-y",
        INSPECTOR,
        "--cli",
        ...serverEnv.flatMap((pair) => ["-e", pair]),
        process.execPath,
        CLI,
        ...args,
      ],
      project,
      env,
    );
  await check("tools/list serves the eight tools", async () => {
    const { tools } = (await inspector("--method", "tools/list")) as { tools: { name: string }[] };
    const names = tools.map((tool) => tool.name);
    if (names.join() !== TOOL_NAMES.join()) throw new Error(`got ${names.join(", ")}`);
    return `${names.length} tools, ${JSON.stringify(tools).length.toLocaleString("en-US")} bytes`;
  });
  await check("tools/call route_task", async () => {
    const result = (await inspector(
      "--method",
      "tools/call",
      "--tool-name",
      "route_task",
      "--tool-arg",
      "task=npm run lint",
    )) as CallResult;
    const route = structured(result) as { route?: string; category?: string };
    if (!route.route || route.category !== "lint") throw new Error(JSON.stringify(result));
    return `route ${route.route}, category ${route.category}`;
  });
  await check("tools/call spawn_squad", async () => {
    const result = (await inspector(
      "--method",
      "tools/call",
      "--tool-name",
      "spawn_squad",
      "--tool-arg",
      'tasks=[{"id":"hello","command":"echo hello from the squad"},{"id":"files","command":"git ls-files","after":["hello"]}]',
    )) as CallResult;
    const view = structured(result) as Record<string, unknown> & { run_id?: string };
    if (runCounts(view).ok !== 2) throw new Error(JSON.stringify(result));
    return `run ${view.run_id}: 2 ok`;
  });
}

async function claudeCodeChecks(
  project: string,
  env: NodeJS.ProcessEnv,
  serverEnv: string[],
): Promise<void> {
  const claude = await claudeCommand(env);
  console.log(`\nClaude Code (${claude.describe}) in ${project}`);
  const envArgs = serverEnv.flatMap((pair) => ["-e", pair]);
  const claudeRun = (...args: string[]) =>
    text(claude.command, [...claude.prefix, ...args], project, env);
  await check("claude mcp add (local scope), then claude mcp list: Connected", async () => {
    await claudeRun("mcp", "add", "squad", ...envArgs, "--", process.execPath, CLI);
    return connected(await claudeRun("mcp", "list"), "squad");
  });
  await check("claude mcp add --scope project, approved: Connected", async () => {
    await claudeRun(
      "mcp",
      "add",
      "--scope",
      "project",
      "squad-project",
      ...envArgs,
      "--",
      process.execPath,
      CLI,
    );
    approveProjectServers(project, ["squad-project"]);
    return connected(await claudeRun("mcp", "list"), "squad-project");
  });
  await check("squad-mcp init in a fresh project, approved: Connected", async () => {
    const fresh = tempDir("squad-verify-init-");
    try {
      await initRepo(fresh, { "README.md": "# another project\n" });
      const said = await text(process.execPath, [CLI, "init"], fresh, env);
      if (!said.startsWith("Created ")) throw new Error(`squad-mcp init said:\n${said.trim()}`);
      approveProjectServers(fresh, ["squad"]);
      // The entry reads OLLAMA_HOST and GEMINI_API_KEY from Claude Code's own environment.
      const listing = await text(claude.command, [...claude.prefix, "mcp", "list"], fresh, {
        ...env,
        ...Object.fromEntries(serverEnv.map((pair) => pair.split(/=(.*)/s, 2))),
      });
      return connected(listing, "squad");
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
  const withServerEnv = {
    ...env,
    ...Object.fromEntries(serverEnv.map((pair) => pair.split(/=(.*)/s, 2))),
  };
  await check("claude plugin validate on this package", async () => {
    const said = await text(
      claude.command,
      [...claude.prefix, "plugin", "validate", PACKAGE_ROOT],
      project,
      env,
    );
    if (!/Validation passed/.test(said)) throw new Error(said.trim());
    return "marketplace and plugin manifests pass";
  });
  await check(
    "plugin: marketplace add this folder, install, claude mcp list: Connected",
    async () => {
      await claudeRun("plugin", "marketplace", "add", PACKAGE_ROOT);
      await claudeRun("plugin", "install", "squad-mcp@squad-mcp");
      const listing = await text(
        claude.command,
        [...claude.prefix, "mcp", "list"],
        project,
        withServerEnv,
      );
      const removed = await claudeRun("plugin", "marketplace", "remove", "squad-mcp");
      return `${connected(listing, "plugin:squad-mcp:squad")} (${removed.trim().split("\n").pop()})`;
    },
  );
  await check(
    "plugin without a built bundle: starts the npm package (a local tarball here)",
    async () => {
      const copy = tempDir("squad-verify-plugin-");
      const tarballs = tempDir("squad-verify-pack-");
      try {
        for (const part of [".claude-plugin", "skills", "package.json"])
          cpSync(join(PACKAGE_ROOT, part), join(copy, part), { recursive: true });
        const packed = await text(
          "npm",
          ["pack", "--ignore-scripts", "--pack-destination", tarballs],
          PACKAGE_ROOT,
          env,
        );
        const tarball = join(tarballs, packed.trim().split("\n").pop() ?? "");
        // The first npx run installs the package and its dependencies; the health check must not wait on that.
        await text(
          "npx",
          ["-y", "--package", tarball, "squad-mcp", "--version"],
          project,
          env,
          INSTALL_TIMEOUT_MS,
        );
        await claudeRun("plugin", "marketplace", "add", copy);
        await claudeRun("plugin", "install", "squad-mcp@squad-mcp");
        const listing = await text(claude.command, [...claude.prefix, "mcp", "list"], project, {
          ...withServerEnv,
          SQUAD_MCP_PLUGIN_PACKAGE: tarball,
        });
        await claudeRun("plugin", "marketplace", "remove", "squad-mcp");
        return connected(listing, "plugin:squad-mcp:squad");
      } finally {
        for (const dir of [copy, tarballs]) rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}

/** Claude Code asks each user to approve a project's .mcp.json servers; this is the answer. */
function approveProjectServers(project: string, names: string[]): void {
  mkdirSync(join(project, ".claude"), { recursive: true });
  writeFileSync(
    join(project, ".claude", "settings.local.json"),
    `${JSON.stringify({ enabledMcpjsonServers: names }, null, 2)}\n`,
  );
}

/** `claude` from PATH when installed, else the npm package through npx. */
async function claudeCommand(
  env: NodeJS.ProcessEnv,
): Promise<{ command: string; prefix: string[]; describe: string }> {
  try {
    const { stdout } = await run("claude", ["--version"], { env });
    return { command: "claude", prefix: [], describe: `claude ${stdout.trim()}` };
  } catch {
    return { command: "npx", prefix: ["-y", CLAUDE_CODE], describe: `npx ${CLAUDE_CODE}` };
  }
}

function connected(listing: string, name: string): string {
  const line = listing.split("\n").find((entry) => entry.startsWith(`${name}: `));
  if (!line?.includes("Connected")) throw new Error(`claude mcp list said:\n${listing.trim()}`);
  return line.trim();
}

interface CallResult {
  isError?: boolean;
  structuredContent?: unknown;
}

function structured(result: CallResult): unknown {
  if (result.isError) throw new Error(`the tool reported an error: ${JSON.stringify(result)}`);
  return result.structuredContent ?? {};
}

async function check(name: string, body: () => Promise<string>): Promise<void> {
  try {
    const detail = await body();
    checks.push({ name, ok: true, detail });
    console.log(`  ${mark(true)} ${name}: ${detail}`);
  } catch (error) {
    const detail = errorMessage(error);
    checks.push({ name, ok: false, detail });
    console.log(`  ${mark(false)} ${name}: ${detail}`);
  }
}

async function text(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeout = CALL_TIMEOUT_MS,
): Promise<string> {
  const { stdout } = await run(command, args, {
    cwd,
    env,
    timeout,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

async function json(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<unknown> {
  const stdout = await text(command, args, cwd, env);
  try {
    return JSON.parse(stdout);
  } catch {
    throw new Error(`not JSON: ${stdout.slice(0, 500)}`);
  }
}

process.exitCode = await main();
