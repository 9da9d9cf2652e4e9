/** docs/tools.md: every tool, every input and output field with its type and description. */
import { join } from "node:path";
import { z } from "zod";
import { TOOL_DEFINITIONS } from "../../src/tools/index.js";
import { PACKAGE_ROOT } from "../../test/support/server.js";
import { cell, type Json, nonNull, typeOf } from "./schema-text.js";

export const TOOLS_DOC = join(PACKAGE_ROOT, "docs", "tools.md");

export function toolsMarkdown(): string {
  const parts = [
    "# Tools",
    "",
    "Generated from the tools' schemas by `npm run docs`; do not edit by hand.",
    "Sizes the server enforces (string lengths, list lengths) are given as ranges.",
    "",
  ];
  for (const tool of TOOL_DEFINITIONS) {
    parts.push(`## \`${tool.name}\` — ${tool.title}`, "", tool.description, "");
    const input = z.toJSONSchema(tool.input, { target: "draft-7", io: "input" }) as Json;
    const output = z.toJSONSchema(tool.output, { target: "draft-7", io: "output" }) as Json;
    parts.push("Input:", "", ...fieldTable(input), "", "Result (`structuredContent`):", "");
    parts.push(...fieldTable(output), "");
  }
  return `${parts.join("\n").trimEnd()}\n`;
}

function fieldTable(schema: Json): string[] {
  const rows = fields(schema, "");
  if (rows.length === 0) return ["(none)"];
  return [
    "| field | type | required | description |",
    "|---|---|---|---|",
    ...rows.map(
      (row) =>
        `| \`${row.path}\` | ${row.type} | ${row.required ? "yes" : ""} | ${row.description} |`,
    ),
  ];
}

interface FieldRow {
  path: string;
  type: string;
  required: boolean;
  description: string;
}

/**
 * A nested field without a description of its own (an enum inside a list, a spec's test name)
 * is explained by its parent's: the row says so rather than stay blank, and tools/list does
 * not carry the same words twice.
 */
function fields(schema: Json, prefix: string): FieldRow[] {
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required ?? []) as string[]);
  const rows: FieldRow[] = [];
  for (const [name, property] of Object.entries(properties)) {
    const path = prefix ? `${prefix}.${name}` : name;
    const shape = nonNull(property);
    rows.push({
      path,
      type: typeOf(property),
      required: required.has(name),
      description: cell(
        String(
          property.description ??
            shape.description ??
            (prefix ? `See \`${prefix.replace(/\[\]$/, "")}\`.` : ""),
        ),
      ),
    });
    if (shape.type === "object") rows.push(...fields(shape, path), ...mapFields(shape, path));
    const items = shape.items as Json | undefined;
    if (shape.type === "array" && items && nonNull(items).type === "object")
      rows.push(...fields(nonNull(items), `${path}[]`));
  }
  return rows;
}

/** A map's values, under `<path>.*`: the fields of each value, and of maps in maps. */
function mapFields(schema: Json, path: string): FieldRow[] {
  const values = schema.additionalProperties;
  if (schema.properties || typeof values !== "object" || values === null) return [];
  const value = nonNull(values as Json);
  if (value.type !== "object") return [];
  return [...fields(value, `${path}.*`), ...mapFields(value, `${path}.*`)];
}
