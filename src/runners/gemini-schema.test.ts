import { describe, expect, it } from "vitest";
import { toGeminiSchema } from "./gemini-schema.js";

describe("JSON Schema to Gemini responseSchema", () => {
  it("inlines local $refs and keeps the referring node's description", () => {
    const schema = {
      type: "object",
      properties: { step: { $ref: "#/$defs/step", description: "the next step" } },
      $defs: { step: { type: "object", properties: { done: { type: "boolean" } } } },
    };
    expect(toGeminiSchema(schema)).toEqual({
      type: "object",
      properties: {
        step: {
          type: "object",
          description: "the next step",
          properties: { done: { type: "boolean" } },
        },
      },
    });
  });

  it("turns anyOf with a null branch into nullable, as zod emits it", () => {
    const schema = {
      type: "object",
      properties: { n: { anyOf: [{ type: "number", format: "double" }, { type: "null" }] } },
    };
    expect(toGeminiSchema(schema)).toEqual({
      type: "object",
      properties: { n: { type: "number", format: "double", nullable: true } },
    });
  });

  it("infers types, uses a title as the description, and drops formats Gemini rejects", () => {
    const schema = {
      properties: {
        when: { type: "string", format: "date-time" },
        mail: { type: "string", format: "email", title: "Email", pattern: ".+@.+" },
        kind: { const: "fix" },
        ids: { items: { type: "integer", format: "int64" }, minItems: 1, uniqueItems: true },
      },
      required: ["when", "missing"],
    };
    expect(toGeminiSchema(schema)).toEqual({
      type: "object",
      properties: {
        when: { type: "string", format: "date-time" },
        mail: { type: "string", description: "Email" },
        kind: { type: "string", format: "enum", enum: ["fix"] },
        ids: { type: "array", items: { type: "integer", format: "int64" }, minItems: 1 },
      },
      required: ["when"],
    });
  });

  it("names where a schema cannot be expressed", () => {
    const union = { type: "object", properties: { v: { type: ["string", "number"] } } };
    expect(() => toGeminiSchema(union)).toThrow(
      "schema.properties.v: type [string, number] names several types",
    );
    const recursive = {
      $ref: "#/$defs/node",
      $defs: { node: { type: "object", properties: { next: { $ref: "#/$defs/node" } } } },
    };
    expect(() => toGeminiSchema(recursive)).toThrow("is recursive");
    expect(() => toGeminiSchema({ type: "object", properties: { x: {} } })).toThrow(
      "schema.properties.x: no type can be inferred",
    );
  });
});
