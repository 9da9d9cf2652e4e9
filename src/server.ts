import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { AppContext } from "./context.js";
import { errorMessage } from "./errors.js";
import { tidyInBackground } from "./memory/tidy.js";
import { shippedSkillsDir } from "./package-files.js";
import { registerSkillPrompts } from "./prompts/skill-prompts.js";
import { registerRunLogs } from "./resources/run-logs.js";
import { registerSpecs } from "./resources/specs.js";
import { registerStatsResource } from "./resources/stats.js";
import { processAlive } from "./runners/process-group.js";
import { activeRuns } from "./squad/active-runs.js";
import { StdioTransport } from "./stdio/transport.js";
import { registerTools } from "./tools/index.js";
import { VERSION } from "./version.js";

export const INSTRUCTIONS = `squad-mcp hands skill-free work to cheap workers (local Qwen on Ollama, Gemini) so you can stay the director.
- Before delegating a task, call route_task. Its kind says what the task is: command (a shell command, or the project's own test/lint/format/type-check command it proposes: give it to spawn_squad, no model involved), model (the worker whose record on such work clears the bar), or host (skill-bound, architecture, high complexity, or no usable worker: do it yourself). possible_skills: check whether one applies before delegating.
- To run many skill-free jobs at once (tests, lint, type-check, grep, git; prompts for cheap models), call spawn_squad: you get a short digest per task with failures named, not the raw output. Long runs: wait=false, then squad_status.
- When the work is judged, call log_outcome with the decision_id and whether it held up; routing learns from every outcome.
- To have a cheap coder implement a change: write_code_spec (precise files, tests, a verification command), implement_spec (runs in a throwaway git worktree and verifies), review the report, then apply_spec.
- Keep skill-bound analysis, architecture and final synthesis yourself.`;

/** Builds the MCP server with every tool registered; the caller connects a transport. */
export function createServer(ctx: AppContext): McpServer {
  const server = new McpServer(
    { name: "squad-mcp", version: VERSION },
    { instructions: INSTRUCTIONS, capabilities: { logging: {} } },
  );
  registerTools(server, ctx);
  registerRunLogs(server, ctx);
  registerSpecs(server, ctx);
  registerStatsResource(server, ctx);
  try {
    registerSkillPrompts(server, shippedSkillsDir());
  } catch (error) {
    // A copy of the bundle without its package folder still serves every tool.
    ctx.logger.warn(`skill prompts are off: ${errorMessage(error)}`);
  }
  return server;
}

/** The similar-task search index is merged a little at a time once the server has settled. */
const SEARCH_TIDY_DELAY_MS = 3_000;
const SEARCH_TIDY_PAUSE_MS = 20;

/** How long shutdown may take before the process exits regardless. */
const SHUTDOWN_GRACE_MS = 1_500;

/**
 * Serves over stdio until stdin closes or a signal arrives. The SDK's transport keeps running
 * after stdin ends, and Claude Code expects the process to go away, so we watch for it.
 */
export async function serveStdio(ctx: AppContext): Promise<void> {
  // stdout carries JSON-RPC only; a library that logs with console.log must not corrupt it.
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
  const server = createServer(ctx);
  const transport = new StdioTransport(ctx.logger);
  let closing = false;
  const tidy = tidyInBackground(() => ctx.store.similar.tidyStep(), {
    delayMs: SEARCH_TIDY_DELAY_MS,
    pauseMs: SEARCH_TIDY_PAUSE_MS,
    onError: (message) => ctx.logger.debug(`search index tidy stopped: ${message}`),
  });
  const shutdown = async (why: string) => {
    if (closing) return;
    closing = true;
    ctx.logger.debug(`shutting down: ${why}`);
    tidy.stop();
    setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
    if (activeRuns(ctx).size > 0) {
      // Already loaded: a run is active, so spawn_squad imported it.
      const { interruptAllRuns } = await import("./squad/run-squad.js");
      ctx.logger.info(`interrupted ${interruptAllRuns(ctx)} running squad(s)`);
    }
    // Checks and verifications run outside squads: their groups die too.
    ctx.commands.shutdown();
    try {
      await server.close();
    } catch (error) {
      ctx.logger.warn(`closing the transport: ${(error as Error).message}`);
    }
    ctx.close();
    process.exit(0);
  };
  process.stdin.on("end", () => void shutdown("stdin ended"));
  process.stdin.on("close", () => void shutdown("stdin closed"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("unhandledRejection", (reason) =>
    ctx.logger.error(`unhandled rejection: ${String(reason)}`),
  );
  await server.connect(transport);
  // After connecting: git and the file system are not needed to answer `initialize`.
  void import("./handoff/worktree.js")
    .then(({ removeLeftoverWorktrees }) => removeLeftoverWorktrees(processAlive))
    .then(
      (removed) => {
        if (removed > 0) ctx.logger.info(`removed ${removed} worktree(s) left by a stopped server`);
      },
      (error: unknown) => ctx.logger.warn(`removing left-over worktrees: ${errorMessage(error)}`),
    );
  ctx.logger.info(
    `serving on stdio (config: ${ctx.configSource ?? "embedded defaults"}, data: ${ctx.squadHome})`,
  );
}
