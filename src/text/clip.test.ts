import { describe, expect, it } from "vitest";
import { clip, oneLine } from "./clip.js";

describe("clip", () => {
  it("keeps text that fits", () => {
    expect(clip("abc", 3)).toBe("abc");
  });

  it("ends cut text with an ellipsis within the limit", () => {
    expect(clip("abcdef", 4)).toBe("abc…");
  });
});

describe("oneLine", () => {
  it("collapses runs of whitespace and newlines into single spaces", () => {
    expect(oneLine("  a\n\n b\t c  ", 20)).toBe("a b c");
  });

  it("clips after collapsing", () => {
    expect(oneLine("a   b   c   d", 5)).toBe("a b …");
  });
});
