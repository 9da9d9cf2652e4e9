import { describe, expect, it } from "vitest";
import { failureCountsAgainstWorker, ModelCallError, type ModelFailureKind } from "./types.js";

describe("failureCountsAgainstWorker", () => {
  it.each<[ModelFailureKind, boolean]>([
    ["timeout", true],
    ["unavailable", false],
    ["rate_limited", false],
    ["quota_exhausted", false],
    ["server", false],
    ["rejected", false],
    ["cancelled", false],
  ])("a %s failure counts against the worker: %s", (kind, counts) => {
    expect(failureCountsAgainstWorker(new ModelCallError("ollama", kind, "x"))).toBe(counts);
  });

  it("never blames the worker for an error of ours", () => {
    expect(failureCountsAgainstWorker(new Error("a bug in squad-mcp"))).toBe(false);
  });
});
