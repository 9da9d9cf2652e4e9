import { describe, expect, it } from "vitest";
import { hostReads, overBudget } from "./host-reads.js";

describe("hostReads", () => {
  it("counts the JSON of structuredContent and the text, and holds a budget to the larger", () => {
    const reads = hostReads({
      content: [{ type: "text", text: "line one\nline two" }],
      structuredContent: { digest: "line one\nline two" },
    });
    expect(reads).toEqual({ json: 31, text: 17, most: 31 });
  });

  it("counts only the text when there is no structured content", () => {
    expect(hostReads({ content: [{ type: "text", text: "abc" }] })).toEqual({
      json: 0,
      text: 3,
      most: 3,
    });
  });
});

describe("overBudget", () => {
  it("refuses a result over the size asked for", () => {
    expect(overBudget({ json: 2_100, text: 2_000, most: 2_100 })).toMatch(/2100 characters.*2000/);
    expect(overBudget({ json: 2_100, text: 2_000, most: 2_100 }, 5_000)).toBeNull();
  });

  it("refuses structured JSON much longer than the text, with slack for small results", () => {
    expect(overBudget({ json: 1_679, text: 996, most: 1_679 })).toMatch(/structured JSON/);
    expect(overBudget({ json: 1_140, text: 1_000, most: 1_140 })).toBeNull();
    expect(overBudget({ json: 360, text: 220, most: 360 })).toBeNull();
    expect(overBudget({ json: 380, text: 220, most: 380 })).toMatch(/over 370/);
  });
});
