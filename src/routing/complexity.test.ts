import { describe, expect, it } from "vitest";
import { scoreComplexity } from "./complexity.js";

describe("scoreComplexity", () => {
  it("keeps a one-line command near zero", () => {
    const { score } = scoreComplexity("pytest backend/tests", {}, "tests");
    expect(score).toBeLessThan(0.5);
  });

  it("adds the complexity factors and lists what raised the score", () => {
    const result = scoreComplexity(
      "Refactor the auth module",
      { files: 4, requiresTests: true },
      "refactor",
    );
    expect(result.factors).toEqual(
      expect.arrayContaining([
        "refactor/architect/migrate +2",
        "security +2",
        "4 files +1.5",
        "tests required +2",
      ]),
    );
    expect(result.score).toBeGreaterThanOrEqual(8);
  });

  it("counts paths when no file count is given", () => {
    const result = scoreComplexity(
      "Update imports",
      { paths: ["a.ts", "b.ts", "c.ts"] },
      "codegen",
    );
    expect(result.factors).toContain("3 files +1.5");
  });

  it("caps the length factor at 3 and the score at 10", () => {
    const long = "word ".repeat(1000);
    const lengthOnly = scoreComplexity(long, {}, "other");
    expect(lengthOnly.score).toBe(3);
    const everything = scoreComplexity(
      `${long} refactor security race condition performance`,
      { files: 50, requiresTests: true },
      "architecture",
    );
    expect(everything.score).toBe(10);
  });
});
