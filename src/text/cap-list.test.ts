import { describe, expect, it } from "vitest";
import { capList, capObjects, type ListCap } from "./cap-list.js";

const CAP: ListCap = { maxItems: 3, maxItemChars: 10, maxTotalChars: 25 };

const cases: [name: string, items: string[], capped: string[]][] = [
  ["an empty list", [], []],
  ["a short list as it is", ["a", "b"], ["a", "b"]],
  ["over the count", ["a", "b", "c", "d", "e"], ["a", "b", "c", "… and 2 more (the report)"]],
  ["a long item clipped", ["x".repeat(50)], [`${"x".repeat(9)}…`]],
  [
    "over the characters",
    ["a".repeat(10), "b".repeat(10), "c".repeat(10)],
    ["a".repeat(10), "b".repeat(10), "… and 1 more (the report)"],
  ],
  [
    "10,000 items",
    Array.from({ length: 10_000 }, (_, i) => `f${i}`),
    ["f0", "f1", "f2", "… and 9997 more (the report)"],
  ],
];

describe("capList", () => {
  it.each(cases)("%s", (_name, items, capped) => {
    expect(capList(items, "the report", CAP)).toEqual(capped);
  });
});

describe("capObjects", () => {
  it("ends a long list with one item standing for the rest", () => {
    const items = [1, 2, 3, 4, 5].map((n) => ({ n }));
    const capped = capObjects(items, 2, (rest) => ({
      n: rest.reduce((sum, item) => sum + item.n, 0),
    }));
    expect(capped).toEqual([{ n: 1 }, { n: 2 }, { n: 12 }]);
    expect(capObjects(items, 5, () => ({ n: 0 }))).toEqual(items);
  });
});
