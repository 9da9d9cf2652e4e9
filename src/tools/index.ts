import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { z } from "zod";
import type { AppContext } from "../context.js";
import { applySpecTool } from "./apply-spec.js";
import { registerTool, type ToolDefinition } from "./define-tool.js";
import { implementSpecTool } from "./implement-spec.js";
import { serveToolList } from "./list-tools.js";
import { logOutcomeTool } from "./log-outcome.js";
import { TOOL_NAMES } from "./names.js";
import { routeTaskTool } from "./route-task.js";
import { spawnSquadTool } from "./spawn-squad.js";
import { squadStatusTool } from "./squad-status.js";
import { validateOutputTool } from "./validate-output.js";
import { writeCodeSpecTool } from "./write-code-spec.js";

export function registerTools(server: McpServer, ctx: AppContext): void {
  registerTool(server, ctx, routeTaskTool);
  registerTool(server, ctx, spawnSquadTool);
  registerTool(server, ctx, squadStatusTool);
  registerTool(server, ctx, validateOutputTool);
  registerTool(server, ctx, writeCodeSpecTool);
  registerTool(server, ctx, implementSpecTool);
  registerTool(server, ctx, applySpecTool);
  registerTool(server, ctx, logOutcomeTool);
  // Each definition is only read for its name, schemas and annotations from here on.
  const tools = [
    routeTaskTool,
    spawnSquadTool,
    squadStatusTool,
    validateOutputTool,
    writeCodeSpecTool,
    implementSpecTool,
    applySpecTool,
    logOutcomeTool,
  ] as unknown as ToolDefinition<z.ZodObject, z.ZodObject>[];
  const registered = tools.map((tool) => tool.name);
  if (registered.join() !== TOOL_NAMES.join()) {
    throw new Error(
      `tools/names.ts lists ${TOOL_NAMES.join()} but ${registered.join()} are registered`,
    );
  }
  serveToolList(server, tools);
}
