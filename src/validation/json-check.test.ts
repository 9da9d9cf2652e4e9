import { describe, expect, it } from "vitest";
import { inputError } from "../../test/support/errors.js";
import { compileJsonSchema } from "./json-check.js";

const ITEMS_SCHEMA = {
  type: "object",
  required: ["items", "count"],
  properties: {
    items: {
      type: "array",
      items: {
        type: "object",
        required: ["name"],
        properties: { name: { type: "string" } },
        additionalProperties: false,
      },
    },
    count: { type: "integer", minimum: 0 },
  },
};

describe("compileJsonSchema", () => {
  const check = compileJsonSchema(ITEMS_SCHEMA);

  it("passes JSON matching the schema", () => {
    const result = check(' {"items": [{"name": "a"}], "count": 1}\n');
    expect(result).toEqual({ pass: true, detail: "valid JSON matching the schema" });
  });

  it("lists every violation by JSON pointer", () => {
    const result = check('{"items": [{"name": 3}, {"extra": true}], "count": -1}');
    expect(result.pass).toBe(false);
    expect(result.detail).toContain("/items/0/name: must be string");
    expect(result.detail).toContain("/items/1: must have required property 'name'");
    expect(result.detail).toContain("/items/1: must NOT have additional properties 'extra'");
    expect(result.detail).toContain("/count: must be >= 0");
  });

  it("names the root and keeps a long list within 200 characters", () => {
    expect(check("[]").detail).toBe("(root): must be object");
    const many = Array.from({ length: 30 }, (_, index) => ({ name: index }));
    const result = check(JSON.stringify({ items: many, count: 0 }));
    expect(result.detail.length).toBeLessThanOrEqual(200);
    expect(result.detail).toMatch(/^\/items\/0\/name: must be string; .* \(\+\d+ more\)$/);
  });

  it("reports text that is not JSON with the parser's message", () => {
    const result = check('{"items": }');
    expect(result.pass).toBe(false);
    expect(result.detail).toMatch(/^not JSON: Unexpected token/);
    expect(check("  ").detail).toBe("not JSON: the output is empty");
  });

  it("accepts JSON wrapped in one Markdown code fence", () => {
    const fenced = '```json\n{"items": [], "count": 0}\n```';
    expect(check(fenced).pass).toBe(true);
    expect(check(`\n\n${fenced}  \n`).pass).toBe(true);
    expect(check('~~~\n{"items": [], "count": 0}\n~~~').pass).toBe(true);
    expect(check('Here it is:\n```json\n{"items": [], "count": 0}\n```').pass).toBe(false);
  });

  it("rejects an invalid schema as an input error on checks.json_schema", () => {
    const badType = inputError(() => compileJsonSchema({ type: "objekt" }));
    expect(badType.field).toBe("checks.json_schema");
    expect(badType.message).toContain("schema is invalid");
    const badRef = inputError(() => compileJsonSchema({ $ref: "#/definitions/missing" }));
    expect(badRef.message).toContain("#/definitions/missing");
    const badPattern = inputError(() => compileJsonSchema({ type: "string", pattern: "(" }));
    expect(badPattern.message).toContain("Invalid regular expression");
    expect(inputError(() => compileJsonSchema("object")).message).toContain("JSON Schema object");
    expect(inputError(() => compileJsonSchema({ $schema: "draft-03" })).field).toBe(
      "checks.json_schema.$schema",
    );
  });

  it("uses the 2020-12 dialect when $schema says so", () => {
    const tuple = compileJsonSchema({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "array",
      prefixItems: [{ type: "string" }, { type: "number" }],
      items: false,
    });
    expect(tuple('["a", 1]').pass).toBe(true);
    expect(tuple('[1, "a"]').detail).toContain("/0: must be string");
    expect(tuple('["a", 1, true]').detail).toContain("(root): must NOT have more than 2 items");
  });

  it("accepts draft-07 by URI and treats format as an annotation", () => {
    const check07 = compileJsonSchema({
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "string",
      format: "email",
    });
    expect(check07('"not an email"').pass).toBe(true);
  });

  it("checks schema patterns with a time bound instead of hanging", () => {
    const bounded = compileJsonSchema({ type: "string", pattern: "^(a+)+$" });
    expect(bounded('"aaaa"').pass).toBe(true);
    const result = bounded(JSON.stringify(`${"a".repeat(40)}b`));
    expect(result.pass).toBe(false);
    expect(result.detail).toContain("gave up after 100 ms");
  });

  it("keeps patternProperties distinct per pattern", () => {
    const keyed = compileJsonSchema({
      type: "object",
      patternProperties: { "^n_": { type: "number" }, "^s_": { type: "string" } },
    });
    expect(keyed('{"n_a": 1, "s_b": "x"}').pass).toBe(true);
    expect(keyed('{"n_a": "1"}').detail).toBe("/n_a: must be number");
  });
});
