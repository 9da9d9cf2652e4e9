import { type ResponseSchema, type Schema, SchemaType } from "@google/generative-ai";

/**
 * Gemini's `responseSchema` is a small OpenAPI 3.0 subset, and the API rejects a request over
 * any keyword it does not know. So a JSON Schema is translated, not passed through: the
 * keywords Gemini has are kept, `$ref`s are inlined, `null` in a type union becomes `nullable`,
 * and everything else (`$schema`, `additionalProperties`, `pattern`, …) is dropped.
 */
export function toGeminiSchema(schema: Record<string, unknown>): ResponseSchema {
  return convert(schema, { root: schema, path: "schema", refs: [] });
}

/** A JSON Schema Gemini cannot express; the message names where. */
export class UnsupportedSchemaError extends Error {
  override readonly name = "UnsupportedSchemaError";
}

type Json = Record<string, unknown>;

interface Walk {
  root: Json;
  path: string;
  /** $refs being inlined on the way here, to refuse recursive schemas. */
  refs: string[];
}

const isJson = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const TYPES: Record<string, SchemaType> = {
  string: SchemaType.STRING,
  number: SchemaType.NUMBER,
  integer: SchemaType.INTEGER,
  boolean: SchemaType.BOOLEAN,
  array: SchemaType.ARRAY,
  object: SchemaType.OBJECT,
};

function convert(node: Json, walk: Walk): Schema {
  if (typeof node.$ref === "string") return convert(...inlineRef(node, node.$ref, walk));
  const union = unwrapUnion(node, walk);
  if (union) {
    const inner = convert(union.branch, walk);
    return union.nullable ? { ...inner, nullable: true } : inner;
  }
  const { type, nullable } = resolveType(node, walk);
  const common = {
    ...describe(node),
    ...(nullable && { nullable: true }),
  };
  switch (type) {
    case SchemaType.OBJECT:
      return { type, ...common, ...objectFields(node, walk) };
    case SchemaType.ARRAY:
      return { type, ...common, ...arrayFields(node, walk) };
    case SchemaType.STRING:
      return { type, ...common, ...stringFields(node) };
    // Only these formats: the Gemini API (unlike Vertex) rejects a request over any other.
    case SchemaType.NUMBER:
      return { type, ...common, ...allowedFormat(node, ["float", "double"] as const) };
    case SchemaType.INTEGER:
      return { type, ...common, ...allowedFormat(node, ["int32", "int64"] as const) };
    case SchemaType.BOOLEAN:
      return { type, ...common };
  }
}

/** `{$ref, description}`: the referenced schema, with the referring node's own words on top. */
function inlineRef(node: Json, ref: string, walk: Walk): [Json, Walk] {
  const match = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
  const target = match?.[1] && match[2] ? lookup(walk.root, match[1], match[2]) : undefined;
  if (!target) throw unsupported(walk, `$ref '${ref}' is not a local #/$defs/… reference`);
  if (walk.refs.includes(ref)) {
    throw unsupported(walk, `$ref '${ref}' is recursive; Gemini schemas cannot recurse`);
  }
  const { $ref: _, ...rest } = node;
  return [
    { ...target, ...rest },
    { ...walk, refs: [...walk.refs, ref] },
  ];
}

function lookup(root: Json, section: string, name: string): Json | undefined {
  const defs = root[section];
  const found = isJson(defs) ? defs[name] : undefined;
  return isJson(found) ? found : undefined;
}

/** `anyOf`/`oneOf` of one schema and `{type: "null"}` is how zod and others spell nullable. */
function unwrapUnion(node: Json, walk: Walk): { branch: Json; nullable: boolean } | null {
  const branches = node.anyOf ?? node.oneOf;
  if (!Array.isArray(branches)) return null;
  const nonNull = branches.filter((branch) => !(isJson(branch) && branch.type === "null"));
  const onlyBranch = nonNull[0];
  if (nonNull.length !== 1 || !isJson(onlyBranch)) {
    throw unsupported(walk, "a union of several schemas (anyOf/oneOf) is not supported");
  }
  const { anyOf: _a, oneOf: _o, ...rest } = node;
  return { branch: { ...rest, ...onlyBranch }, nullable: nonNull.length < branches.length };
}

function resolveType(node: Json, walk: Walk): { type: SchemaType; nullable: boolean } {
  const declared = Array.isArray(node.type) ? node.type : [node.type];
  const named = declared.filter((type): type is string => typeof type === "string");
  const nullable = named.includes("null");
  const rest = named.filter((type) => type !== "null");
  if (rest.length > 1) {
    throw unsupported(walk, `type [${rest.join(", ")}] names several types; Gemini allows one`);
  }
  const single = rest[0] ?? inferType(node);
  const type = single === undefined ? undefined : TYPES[single];
  if (!type) {
    throw unsupported(walk, single ? `type '${single}' is unknown` : "no type can be inferred");
  }
  return { type, nullable };
}

/** Schemas often leave `type` out when `properties`, `items` or a string `enum` implies it. */
function inferType(node: Json): string | undefined {
  if (isJson(node.properties)) return "object";
  if (node.items !== undefined) return "array";
  if (Array.isArray(node.enum) && node.enum.every((v) => typeof v === "string")) return "string";
  if (typeof node.const === "string") return "string";
  return undefined;
}

function describe(node: Json): { description?: string } {
  const text = typeof node.description === "string" ? node.description : node.title;
  return typeof text === "string" && text !== "" ? { description: text } : {};
}

function objectFields(node: Json, walk: Walk) {
  const source = isJson(node.properties) ? node.properties : {};
  const properties: Record<string, Schema> = {};
  for (const [name, child] of Object.entries(source)) {
    if (!isJson(child)) continue;
    properties[name] = convert(child, { ...walk, path: `${walk.path}.properties.${name}` });
  }
  // The API rejects an OBJECT without properties, so a free-form map cannot be asked for.
  if (Object.keys(properties).length === 0) {
    throw unsupported(walk, "an object needs at least one property for Gemini");
  }
  const required = Array.isArray(node.required)
    ? node.required.filter((name): name is string => typeof name === "string" && name in properties)
    : [];
  return { properties, ...(required.length > 0 && { required }) };
}

function arrayFields(node: Json, walk: Walk) {
  if (!isJson(node.items)) throw unsupported(walk, "an array needs one `items` schema");
  const items = convert(node.items, { ...walk, path: `${walk.path}.items` });
  return {
    items,
    ...(typeof node.minItems === "number" && { minItems: node.minItems }),
    ...(typeof node.maxItems === "number" && { maxItems: node.maxItems }),
  };
}

/** A string enum (or const) becomes Gemini's `format: "enum"`; an allowed format is kept. */
function stringFields(node: Json): { format: "enum"; enum: string[] } | { format?: "date-time" } {
  const values = Array.isArray(node.enum)
    ? node.enum
    : node.const !== undefined
      ? [node.const]
      : [];
  const strings = values.filter((value): value is string => typeof value === "string");
  if (strings.length > 0) return { format: "enum", enum: strings };
  return allowedFormat(node, ["date-time"] as const);
}

function allowedFormat<F extends string>(node: Json, allowed: readonly F[]): { format?: F } {
  const format = allowed.find((name) => name === node.format);
  return format === undefined ? {} : { format };
}

function unsupported(walk: Walk, problem: string): UnsupportedSchemaError {
  return new UnsupportedSchemaError(`${walk.path}: ${problem}`);
}
