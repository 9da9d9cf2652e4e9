import { describe, expect, it } from "vitest";
import { isInside } from "./paths.js";

const cases: [root: string, path: string, inside: boolean][] = [
  ["/p", "/p", true],
  ["/p", "/p/a.md", true],
  ["/p", "/p/..notes.md", true],
  ["/p", "/p/...", true],
  ["/p", "/p/a/../b", true],
  ["/p", "/p/..", false],
  ["/p", "/", false],
  ["/p", "/q/a.md", false],
  ["/p", "/p2/a.md", false],
  ["/p", "/p/../q", false],
  ["/p/", "/p/x", true],
];

describe("isInside", () => {
  it.each(cases)("%s contains %s: %s", (root, path, inside) => {
    expect(isInside(root, path)).toBe(inside);
  });
});
