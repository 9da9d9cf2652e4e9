/**
 * `npm run docs`: writes docs/tools.md from the tools' own zod schemas, so the reference cannot
 * drift from what the server validates (a test fails when the file is stale).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { TOOL_DEFINITIONS } from "../src/tools/index.js";
import { PACKAGE_ROOT } from "../test/support/server.js";

type Json = { [key: string]: unknown };

export const TOOLS_DOC = join(PACKAGE_ROOT, "docs", "tools.md");

/** docs/tools.md: every tool, every input and output field with its type and description. */
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
      description: cell(String(property.description ?? shape.description ?? "")),
    });
    if (shape.type === "object") rows.push(...fields(shape, path));
    const items = shape.items as Json | undefined;
    if (shape.type === "array" && items && nonNull(items).type === "object")
      rows.push(...fields(nonNull(items), `${path}[]`));
  }
  return rows;
}

/** The schema without a `null` alternative: what the field holds when it holds something. */
function nonNull(schema: Json): Json {
  const options = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  const present = options?.filter((option) => option.type !== "null");
  return present?.length === 1 ? (present[0] as Json) : schema;
}

function typeOf(schema: Json): string {
  const options = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (options) return options.map(typeOf).join(" \\| ");
  if (schema.enum)
    return (schema.enum as unknown[]).map((value) => `\`${String(value)}\``).join(" \\| ");
  if (schema.const !== undefined) return `\`${String(schema.const)}\``;
  const range = rangeOf(schema);
  if (schema.type === "array") {
    const items = schema.items as Json | undefined;
    return `${items ? typeOf(items) : "any"}[]${range}`;
  }
  if (schema.type === "object" && schema.additionalProperties && !schema.properties)
    return `map of ${typeOf(schema.additionalProperties as Json)}`;
  const type = Array.isArray(schema.type)
    ? schema.type.join(" \\| ")
    : String(schema.type ?? "any");
  return `${type}${range}`;
}

function rangeOf(schema: Json): string {
  const [low, high] =
    schema.type === "array"
      ? [schema.minItems, schema.maxItems]
      : schema.type === "string"
        ? [schema.minLength, schema.maxLength]
        : [schema.minimum, schema.maximum];
  if (low === undefined && high === undefined) return "";
  return ` (${low ?? ""}–${high ?? ""})`;
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(TOOLS_DOC, toolsMarkdown());
  console.log(`wrote ${TOOLS_DOC}`);
}
