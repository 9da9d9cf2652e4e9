import { describe, expect, it } from "vitest";
import { cutToJsonChars, jsonChars } from "./cut.js";

describe("cutToJsonChars", () => {
  it("keeps a string that fits as it is", () => {
    expect(cutToJsonChars("a\nb", 10)).toBe("a\nb");
  });

  it("cuts at the last whole line that fits, counting escapes, and marks the cut", () => {
    const text = 'line "one"\nline two\nline three\nline four';
    const cut = cutToJsonChars(text, 30);
    expect(cut).toBe('line "one"\nline two\n…');
    expect(jsonChars(cut)).toBeLessThanOrEqual(30);
  });

  it("cuts mid-line when the first line alone is too long", () => {
    const cut = cutToJsonChars("x".repeat(100), 20);
    expect(cut).toBe(`${"x".repeat(17)}…`);
    expect(jsonChars(cut)).toBe(20);
  });

  it("never leaves half of a surrogate pair", () => {
    const cut = cutToJsonChars("😀".repeat(10), 9);
    expect(cut).toBe("😀😀😀…");
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it("gives the marker alone, or nothing, when room is tiny", () => {
    expect(cutToJsonChars("abcdef", 3)).toBe("…");
    expect(cutToJsonChars("abcdef", 2)).toBe("");
  });
});
