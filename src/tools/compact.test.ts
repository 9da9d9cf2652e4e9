import { describe, expect, it } from "vitest";
import { compact } from "./compact.js";

describe("compact", () => {
  it("drops null, undefined, empty strings and arrays at any depth, keeps false, 0 and {}", () => {
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
      nested: { empty: {}, list: ["a"] },
      pass: false,
    });
  });

  it("keeps a key whose object is empty: a task with nothing more to say", () => {
    expect(compact({ ok: { build: {} }, gone: null })).toEqual({ ok: { build: {} } });
  });
});
