import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { AppContext } from "../context.js";
import { registerTool } from "./define-tool.js";
import { logOutcomeTool } from "./log-outcome.js";
import { routeTaskTool } from "./route-task.js";

export const TOOL_NAMES = [routeTaskTool.name, logOutcomeTool.name] as const;

export function registerTools(server: McpServer, ctx: AppContext): void {
  registerTool(server, ctx, routeTaskTool);
  registerTool(server, ctx, logOutcomeTool);
}
