import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  ListToolsRequestSchema,
  type Tool,
  type ToolAnnotations,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { ToolDefinition } from "./define-tool.js";

type Json = { [key: string]: unknown };

/**
 * Size limits that only guard the server (a 20,000-character cap on a task, 100 files at most)
 * tell the model nothing it needs, yet the host pays for every byte of tools/list on every
 * turn. The server still enforces them: the SDK validates each call against the full schema.
 */
const GUARD_KEYWORDS = new Set(["$schema", "maxLength", "minLength", "maxItems", "minItems"]);

/** MCP's defaults: a hint with its default value says nothing a client does not assume. */
const DEFAULT_HINTS: Readonly<Record<string, boolean>> = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: true,
};

/** One tool's definition as tools/list shows it: complete for the model, nothing more. */
export function listedTool(tool: ToolDefinition<z.ZodObject, z.ZodObject>): Tool {
  const inputSchema = trimSchema(z.toJSONSchema(tool.input, { target: "draft-7", io: "input" }));
  const outputSchema = outlineOutput(
    z.toJSONSchema(tool.output, { target: "draft-7", io: "output" }) as Json,
  );
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: inputSchema as Tool["inputSchema"],
    outputSchema: outputSchema as Tool["outputSchema"],
    annotations: listedAnnotations(tool.annotations),
  };
}

function trimSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(trimSchema);
  if (typeof schema !== "object" || schema === null) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema as Json)) {
    if (!GUARD_KEYWORDS.has(key)) out[key] = trimSchema(value);
  }
  return out;
}

/**
 * The output schema as listed: every top-level field with its JSON type; nested objects and
 * arrays by type only. The host model never sees output schemas, yet tools/list is bought by
 * the byte (DESIGN: ≤ 12 KB for all eight tools). A client that checks results against the
 * listed schema still can, and the server checks every result against the full zod schema
 * before it is sent.
 */
function outlineOutput(schema: Json): Json {
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const outlined: Record<string, Json> = {};
  for (const [field, property] of Object.entries(properties)) {
    outlined[field] = outlineField(property);
  }
  return { type: "object", properties: outlined };
}

function outlineField(schema: Json): Json {
  const variants = Array.isArray(schema.anyOf) ? (schema.anyOf as Json[]) : [schema];
  const types = [...new Set(variants.flatMap(typesOf))];
  return { type: types.length === 1 ? types[0] : types };
}

function typesOf(schema: Json): string[] {
  if (Array.isArray(schema.type)) return schema.type as string[];
  return typeof schema.type === "string" ? [schema.type] : [];
}

function listedAnnotations(annotations: ToolAnnotations): ToolAnnotations {
  const listed: Json = {};
  for (const [hint, value] of Object.entries(annotations)) {
    if (DEFAULT_HINTS[hint] !== value) listed[hint] = value;
  }
  return listed as ToolAnnotations;
}

/** Serves tools/list from our definitions, trimmed as above, instead of the SDK's rendering. */
export function serveToolList(
  server: McpServer,
  tools: readonly ToolDefinition<z.ZodObject, z.ZodObject>[],
): void {
  // Rendered on the first tools/list, not at start-up: the initialize answer does not need it.
  let listed: Tool[] | undefined;
  server.server.setRequestHandler(ListToolsRequestSchema, () => {
    listed ??= tools.map(listedTool);
    return { tools: listed };
  });
}
