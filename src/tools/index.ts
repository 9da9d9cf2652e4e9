import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { AppContext } from "../context.js";
import { registerTool } from "./define-tool.js";
import { logOutcomeTool } from "./log-outcome.js";
import { TOOL_NAMES } from "./names.js";
import { routeTaskTool } from "./route-task.js";
import { spawnSquadTool } from "./spawn-squad.js";
import { squadStatusTool } from "./squad-status.js";

export function registerTools(server: McpServer, ctx: AppContext): void {
  registerTool(server, ctx, routeTaskTool);
  registerTool(server, ctx, spawnSquadTool);
  registerTool(server, ctx, squadStatusTool);
  registerTool(server, ctx, logOutcomeTool);
  const registered = [routeTaskTool, spawnSquadTool, squadStatusTool, logOutcomeTool].map(
    (tool) => tool.name,
  );
  if (registered.join() !== TOOL_NAMES.join()) {
    throw new Error(
      `tools/names.ts lists ${TOOL_NAMES.join()} but ${registered.join()} are registered`,
    );
  }
}
