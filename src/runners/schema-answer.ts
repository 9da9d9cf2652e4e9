import { Ajv, type ValidateFunction } from "ajv";

/** Said to a model whose server cannot enforce the schema itself. */
export function schemaInstruction(schema: Record<string, unknown>): string {
  return `Answer with one JSON object only, nothing before or after it, matching this JSON schema:\n${JSON.stringify(schema)}`;
}

/** Models asked for bare JSON still like to fence it. */
export function stripCodeFence(text: string): string {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/i.exec(text);
  return fenced?.[1] ?? text.trim();
}

const ajv = new Ajv({ strict: false, allErrors: false, logger: false });
const compiled = new WeakMap<object, ValidateFunction | null>();

/** Why `text` is not JSON matching `schema`, or null when it is (or the schema cannot be compiled). */
export function checkAgainstSchema(schema: Record<string, unknown>, text: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not JSON: ${(error as Error).message}`.slice(0, 200);
  }
  const validate = validatorFor(schema);
  if (validate === null || validate(value)) return null;
  const first = validate.errors?.[0];
  return first
    ? `${first.instancePath || "/"} ${first.message ?? "is invalid"}`.slice(0, 200)
    : "invalid";
}

function validatorFor(schema: Record<string, unknown>): ValidateFunction | null {
  const known = compiled.get(schema);
  if (known !== undefined) return known;
  let validate: ValidateFunction | null;
  try {
    validate = ajv.compile(schema);
  } catch {
    validate = null;
  }
  compiled.set(schema, validate);
  return validate;
}

/**
 * OpenAI's strict mode takes a schema only when every object lists all its properties as
 * required and closes itself with `additionalProperties: false`. A schema whose objects require
 * all their properties is closed that way and sent strict; one with optional properties is
 * sent as it is, not strict.
 */
export function forStrictMode(schema: Record<string, unknown>): {
  schema: Record<string, unknown>;
  strict: boolean;
} {
  const closed = closeObjects(schema);
  return closed === null ? { schema, strict: false } : { schema: closed, strict: true };
}

function closeObjects(node: unknown): Record<string, unknown> | null {
  if (typeof node !== "object" || node === null || Array.isArray(node)) return null;
  const out: Record<string, unknown> = { ...(node as Record<string, unknown>) };
  const properties = out.properties;
  if (typeof properties === "object" && properties !== null) {
    const names = Object.keys(properties);
    const required = Array.isArray(out.required) ? out.required : [];
    if (!names.every((name) => required.includes(name))) return null;
    if (out.additionalProperties !== undefined && out.additionalProperties !== false) return null;
    const closedProperties: Record<string, unknown> = {};
    for (const [name, child] of Object.entries(properties)) {
      const closed = closeObjects(child);
      if (closed === null) return null;
      closedProperties[name] = closed;
    }
    out.properties = closedProperties;
    out.additionalProperties = false;
  }
  if (out.items !== undefined) {
    const items = closeObjects(out.items);
    if (items === null) return null;
    out.items = items;
  }
  return out;
}
