/** JSON Schema (as zod writes it) rendered as the short type texts of the generated docs. */

export type Json = { [key: string]: unknown };

/** The schema without a `null` alternative: what the field holds when it holds something. */
export function nonNull(schema: Json): Json {
  const options = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  const present = options?.filter((option) => option.type !== "null");
  return present?.length === 1 ? (present[0] as Json) : schema;
}

export function typeOf(schema: Json): string {
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

/** Bounds that only say "a safe integer" are left out: they tell a reader nothing. */
function bound(value: unknown): unknown {
  return typeof value === "number" && Math.abs(value) === Number.MAX_SAFE_INTEGER
    ? undefined
    : value;
}

function rangeOf(schema: Json): string {
  if (typeof schema.exclusiveMinimum === "number") {
    const high = bound(schema.maximum);
    return ` (> ${schema.exclusiveMinimum}${high === undefined ? "" : `, ≤ ${high}`})`;
  }
  const [low, high] =
    schema.type === "array"
      ? [schema.minItems, schema.maxItems]
      : schema.type === "string"
        ? [schema.minLength, schema.maxLength]
        : [bound(schema.minimum), bound(schema.maximum)];
  if (low === undefined && high === undefined) return "";
  return ` (${low ?? ""}–${high ?? ""})`;
}

/** Text safe inside a Markdown table cell. */
export function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}
