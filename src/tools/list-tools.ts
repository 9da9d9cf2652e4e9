import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ListToolsRequestSchema, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { ToolDefinition } from "./define-tool.js";

type Json = { [key: string]: unknown };

/**
 * Size limits that only guard the server (a 20,000-character cap on a task, 100 files at most)
 * tell the model nothing it needs, yet the host pays for every byte of tools/list on every
 * turn. The server still enforces them: the SDK validates each call against the full schema.
 */
const GUARD_KEYWORDS = new Set(["$schema", "maxLength", "minLength", "maxItems", "minItems"]);

/** One tool's definition as tools/list shows it: complete for the model, nothing more. */
export function listedTool(tool: ToolDefinition<z.ZodObject, z.ZodObject>): Tool {
  const inputSchema = trimSchema(z.toJSONSchema(tool.input, { target: "draft-7", io: "input" }));
  const outputSchema = trimSchema(
    z.toJSONSchema(tool.output, { target: "draft-7", io: "output" }),
    { dropClosedObjects: true },
  );
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: inputSchema as Tool["inputSchema"],
    outputSchema: outputSchema as Tool["outputSchema"],
    annotations: tool.annotations,
  };
}

function trimSchema(schema: unknown, options: { dropClosedObjects?: boolean } = {}): unknown {
  if (Array.isArray(schema)) return schema.map((item) => trimSchema(item, options));
  if (typeof schema !== "object" || schema === null) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema as Json)) {
    if (GUARD_KEYWORDS.has(key)) continue;
    // Results are ours: saying they have no other fields adds nothing for the reader.
    if (options.dropClosedObjects && key === "additionalProperties" && value === false) continue;
    out[key] = trimSchema(value, options);
  }
  return out;
}

/** Serves tools/list from our definitions, trimmed as above, instead of the SDK's rendering. */
export function serveToolList(
  server: McpServer,
  tools: readonly ToolDefinition<z.ZodObject, z.ZodObject>[],
): void {
  const listed = tools.map(listedTool);
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listed }));
}
