import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { z } from "zod";
import type { AppContext } from "../context.js";
import { applySpecTool } from "./apply-spec.js";
import { registerTool, type ToolDefinition } from "./define-tool.js";
import { implementSpecTool } from "./implement-spec.js";
import { listedTool, serveToolList } from "./list-tools.js";
import { logOutcomeTool } from "./log-outcome.js";
import { TOOL_NAMES } from "./names.js";
import { routeTaskTool } from "./route-task.js";
import { spawnSquadTool } from "./spawn-squad.js";
import { squadStatusTool } from "./squad-status.js";
import { validateOutputTool } from "./validate-output.js";
import { writeCodeSpecTool } from "./write-code-spec.js";

/**
 * Every tool definition, in the order tools/list serves them. Each is only read for its name,
 * schemas, annotations and handler, so the list erases their individual types.
 */
export const TOOL_DEFINITIONS = [
  routeTaskTool,
  spawnSquadTool,
  squadStatusTool,
  validateOutputTool,
  writeCodeSpecTool,
  implementSpecTool,
  applySpecTool,
  logOutcomeTool,
] as unknown as readonly ToolDefinition<z.ZodObject, z.ZodObject>[];

export function registerTools(server: McpServer, ctx: AppContext): void {
  const registered = TOOL_DEFINITIONS.map((tool) => tool.name);
  if (registered.join() !== TOOL_NAMES.join()) {
    throw new Error(
      `tools/names.ts lists ${TOOL_NAMES.join()} but ${registered.join()} are registered`,
    );
  }
  for (const tool of TOOL_DEFINITIONS) registerTool(server, ctx, tool);
  serveToolList(server, TOOL_DEFINITIONS);
}

let listChars: number | undefined;

/** Characters of the tools/list JSON the host carries: what the ledger charges per turn. */
export function toolListChars(): number {
  listChars ??= JSON.stringify({ tools: TOOL_DEFINITIONS.map(listedTool) }).length;
  return listChars;
}
