#!/usr/bin/env node
import type { AppContext } from "./context.js";
import { ConfigError, errorMessage, StoreError } from "./errors.js";
import { TOOL_NAMES } from "./tools/names.js";
import { VERSION } from "./version.js";

// Subcommands import what they need when they run: start-up time is paid on every session.

const HELP = `squad-mcp ${VERSION} — an MCP server that hands skill-free work to cheap workers

Usage:
  squad-mcp [serve]             start the stdio MCP server (what Claude Code runs)
  squad-mcp call TOOL 'JSON'    run one tool call in-process and print its structured result
                                (exit 1 when the tool reports an error)
  squad-mcp doctor              config, database health, Ollama hosts, Gemini key, each worker
                                usable or why not, who starts commands, skills installed where,
                                MCP configs found
  squad-mcp stats [--since 7d] [--json]
                                tasks, success, latency, tokens and cost per worker × category;
                                the host's ledger: gross saving, its costs, the net
  squad-mcp eval [--workers a,b] [--categories codegen,docs] [--json] [--list]
                                run the built-in task suite against each usable worker, check
                                every answer by running it, record the results for routing
  squad-mcp install-skills [--user | --project] [--force]
                                copy the shipped skills into ~/.claude/skills (or the project's
                                .claude/skills); files you changed are kept unless --force
  squad-mcp init [--force] [--name NAME]
                                write this server into ./.mcp.json as NAME (default squad),
                                keeping every other server; a different entry of that name is
                                left alone unless --force, which saves the old file as .mcp.json.bak
  squad-mcp --help | --version

Tools: ${TOOL_NAMES.join(", ")}

Environment:
  SQUAD_HOME        data folder (squad.db, run logs)        default ~/.squad
  SQUAD_CONFIG      config file to use instead of squad.config.json or $SQUAD_HOME/config.json
  OLLAMA_HOST       Ollama URL; a comma-separated list makes a pool   default http://127.0.0.1:11434
  GEMINI_API_KEY    enables Gemini workers (or GOOGLE_API_KEY)
  GEMINI_BASE_URL   Gemini API base URL (proxies, tests)
  SQUAD_LOG_LEVEL   debug | info | warn | error | silent (stderr)   default info

Add to Claude Code:
  claude mcp add squad -- squad-mcp            (after npm link, or: node /path/to/bundle/cli.js)
  squad-mcp init                               (this project's .mcp.json, shared with the team)
`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command = "serve", ...rest] = argv;
  switch (command) {
    case "--help":
    case "-h":
    case "help":
      process.stdout.write(HELP);
      return 0;
    case "--version":
    case "-v":
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case "serve": {
      expectArgs(rest, 0, "serve takes no arguments");
      if (process.stdin.isTTY) {
        process.stderr.write(
          `squad-mcp ${VERSION} is an MCP server: it talks JSON-RPC on stdin/stdout to a client such as Claude Code, and is waiting for one now (Ctrl-C stops). To set it up: squad-mcp init, or squad-mcp --help.\n`,
        );
      }
      const { serveStdio } = await import("./server.js");
      await serveStdio(await openContext());
      return -1;
    }
    case "call":
      return runCall(rest);
    case "doctor":
      expectArgs(rest, 0, "doctor takes no arguments");
      // doctor exists for a broken store too: it reports it and goes on with the rest.
      return withContext(
        async (ctx) => {
          const { doctorReport } = await import("./commands/doctor.js");
          process.stdout.write(`squad-mcp ${VERSION}\n${await doctorReport(ctx)}\n`);
          return ctx.storeProblem ? 1 : 0;
        },
        { tolerateBadStore: true, quiet: true },
      );
    case "stats":
      return withContext(
        async (ctx) => {
          const { statsCommand } = await import("./commands/stats.js");
          const result = statsCommand(ctx, rest);
          (result.code === 0 ? process.stdout : process.stderr).write(`${result.output}\n`);
          return result.code;
        },
        { quiet: true },
      );
    case "eval":
      return withContext(async (ctx) => {
        const { evalCommand } = await import("./commands/eval.js");
        const controller = new AbortController();
        const stop = () => controller.abort("interrupted");
        process.once("SIGINT", stop);
        try {
          return await evalCommand(ctx, rest, {
            stdout: process.stdout,
            stderr: process.stderr,
            signal: controller.signal,
          });
        } finally {
          process.off("SIGINT", stop);
        }
      });
    case "install-skills":
      return installSkillsCommand(rest);
    case "init":
      return initCommand(rest);
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

async function runCall(args: string[]): Promise<number> {
  const [tool, json = "{}", ...extra] = args;
  if (!tool) throw new UsageError(`call needs a tool name: one of ${TOOL_NAMES.join(", ")}`);
  if (extra.length) throw new UsageError("call takes a tool name and one JSON argument (quote it)");
  if (!(TOOL_NAMES as readonly string[]).includes(tool)) {
    throw new UsageError(`unknown tool '${tool}'; expected one of ${TOOL_NAMES.join(", ")}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new UsageError(`the arguments are not valid JSON: ${errorMessage(error)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError('the arguments must be a JSON object, e.g. \'{"task": "run the tests"}\'');
  }
  const toolArgs = parsed as Record<string, unknown>;
  return withContext(async (ctx) => {
    const { callTool } = await import("./commands/call.js");
    const result = await callTool(ctx, tool, toolArgs);
    (result.ok ? process.stdout : process.stderr).write(`${result.output}\n`);
    return result.ok ? 0 : 1;
  });
}

async function installSkillsCommand(args: string[]): Promise<number> {
  const { installSkills, parseInstallSkillsArgs, renderInstallResult } = await import(
    "./commands/install-skills.js"
  );
  const parsed = parseInstallSkillsArgs(args);
  if ("error" in parsed) throw new UsageError(parsed.error);
  const [{ homedir }, { shippedSkillsDir }] = await Promise.all([
    import("node:os"),
    import("./package-files.js"),
  ]);
  const result = installSkills({
    ...parsed,
    projectRoot: process.cwd(),
    homeDir: process.env.HOME || homedir(),
    skillsDir: shippedSkillsDir(),
  });
  process.stdout.write(`${renderInstallResult(result, parsed.scope, result.destination)}\n`);
  return 0;
}

async function initCommand(args: string[]): Promise<number> {
  const { entryForScript, initProject, parseInitArgs, renderInitResult } = await import(
    "./commands/init.js"
  );
  const parsed = parseInitArgs(args);
  if ("error" in parsed) throw new UsageError(parsed.error);
  const entry = entryForScript(process.argv[1] ?? "", process.env.PATH);
  const result = initProject({ ...parsed, projectRoot: process.cwd(), entry });
  process.stdout.write(`${renderInitResult(result)}\n`);
  return 0;
}

function expectArgs(args: string[], count: number, message: string): void {
  if (args.length !== count) throw new UsageError(message);
}

interface OpenOptions {
  tolerateBadStore?: boolean;
  /** A report that says it all itself: its log lines only from warnings up, unless asked. */
  quiet?: boolean;
}

async function openContext({ quiet = false, ...options }: OpenOptions = {}): Promise<AppContext> {
  const { createContext } = await import("./context.js");
  const { createLogger, parseLogLevel } = await import("./logger.js");
  const level = process.env.SQUAD_LOG_LEVEL ?? (quiet ? "warn" : undefined);
  const logger = createLogger(parseLogLevel(level));
  return createContext({ cwd: process.cwd(), env: process.env, logger, ...options });
}

async function withContext(
  run: (ctx: AppContext) => Promise<number>,
  options: OpenOptions = {},
): Promise<number> {
  const ctx = await openContext(options);
  try {
    return await run(ctx);
  } finally {
    ctx.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // -1: a server is running and owns the process's lifetime.
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`squad-mcp: ${error.message}\nRun 'squad-mcp --help' for usage.\n`);
    } else if (error instanceof ConfigError) {
      process.stderr.write(`squad-mcp: invalid configuration: ${error.message}\n`);
    } else if (error instanceof StoreError) {
      process.stderr.write(`squad-mcp: cannot use the database: ${error.message}\n`);
    } else {
      process.stderr.write(
        `squad-mcp: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
      return;
    }
    process.exitCode = 2;
  },
);
