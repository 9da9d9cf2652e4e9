import { describe, expect, it } from "vitest";
import { prepareJsonCheck } from "./json-check-worker.js";

const items = (count: number) => JSON.stringify(Array.from({ length: count }, (_, n) => ({ n })));

/** Schema checks run off the main thread: schema, output, time limit, and what they answer. */
const checks: [name: string, schema: object, output: string, timeoutMs: number, detail: RegExp][] =
  [
    ["a valid output", { type: "array" }, "[1, 2]", 2_000, /^valid JSON matching the schema$/],
    ["an invalid output", { type: "object" }, "[1]", 2_000, /^\(root\): must be object$/],
    ["not JSON", { type: "object" }, "{", 2_000, /^not JSON: /],
    [
      "uniqueItems over 40,000 objects, stopped",
      { type: "array", uniqueItems: true },
      items(40_000),
      200,
      /^gave up after 200 ms .*its uniqueItems cost too much/,
    ],
    [
      "a nested uniqueItems, named",
      { type: "object", properties: { list: { uniqueItems: true } } },
      `{"list": ${items(40_000)}}`,
      200,
      /its uniqueItems cost too much/,
    ],
  ];

describe("prepareJsonCheck", () => {
  it.each(checks)("%s", async (_name, schema, output, timeoutMs, detail) => {
    const result = await prepareJsonCheck(schema, timeoutMs)(output);
    expect(result.detail).toMatch(detail);
    expect(result.pass).toBe(detail.source.startsWith("^valid"));
  });

  it("refuses a schema that does not compile before anything runs", () => {
    expect(() => prepareJsonCheck({ type: "objekt" })).toThrow(/checks\.json_schema/);
  });

  it("answers checks that run at once, each in its own worker", async () => {
    const check = prepareJsonCheck({ type: "array", maxItems: 2 });
    const results = await Promise.all([check("[1]"), check("[1, 2, 3]"), check("[]")]);
    expect(results.map((result) => result.pass)).toEqual([true, false, true]);
  });
});
