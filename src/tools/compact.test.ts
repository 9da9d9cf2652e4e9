import { describe, expect, it } from "vitest";
import { compact } from "./compact.js";

describe("compact", () => {
  it("drops null, undefined, empty strings, arrays and objects at any depth, keeps false and 0", () => {
    expect(
      compact({
        id: "d-1",
        worker: null,
        signal: undefined,
        note: "",
        skills: [],
        evidence: { n: 0, successes: 0, gone: null },
        nested: { empty: {}, list: [null, "a", []] },
        pass: false,
      }),
    ).toEqual({
      id: "d-1",
      evidence: { n: 0, successes: 0 },
      nested: { list: ["a"] },
      pass: false,
    });
  });

  it("gives an empty object for a value with nothing in it", () => {
    expect(compact({ a: null })).toEqual({});
  });
});
