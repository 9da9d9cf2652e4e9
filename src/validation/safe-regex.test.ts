import { describe, expect, it } from "vitest";
import { inputError } from "../../test/support/errors.js";
import {
  compilePatterns,
  createRegexSandbox,
  matchPatterns,
  RegexTimeoutError,
} from "./safe-regex.js";

const CATASTROPHIC = "^(a+)+$";
const NEARLY_A = `${"a".repeat(40)}b`;

describe("compilePatterns", () => {
  it("accepts plain patterns and the /slashed/flags form, naming each by field index", () => {
    const compiled = compilePatterns(["error:\\s+\\d+", "/todo/i", "/a.b/su"], "checks.must_match");
    expect(compiled).toEqual([
      { source: "error:\\s+\\d+", flags: "", field: "checks.must_match[0]" },
      { source: "todo", flags: "i", field: "checks.must_match[1]" },
      { source: "a.b", flags: "su", field: "checks.must_match[2]" },
    ]);
  });

  it("reads a path-like pattern whose tail is not flags as a plain pattern", () => {
    const [compiled] = compilePatterns(["/src/app"], "checks.must_match");
    expect(compiled).toMatchObject({ source: "/src/app", flags: "" });
  });

  it("names the field index, the pattern and the engine's reason for a bad pattern", () => {
    const error = inputError(() => compilePatterns(["ok", "(unclosed"], "checks.must_not_match"));
    expect(error.field).toBe("checks.must_not_match[1]");
    expect(error.message).toContain("checks.must_not_match[1]");
    expect(error.message).toContain('"(unclosed"');
    expect(error.message).toContain("Unterminated group");
  });

  it("refuses the stateful g and y flags", () => {
    for (const pattern of ["/todo/g", "/todo/iy"]) {
      const error = inputError(() => compilePatterns([pattern], "checks.must_match"));
      expect(error.field).toBe("checks.must_match[0]");
      expect(error.message).toMatch(/only i, m, s and u are allowed/);
    }
  });

  it("refuses an empty pattern and one over 1,000 characters", () => {
    expect(inputError(() => compilePatterns([""], "f")).message).toContain("empty");
    expect(inputError(() => compilePatterns(["//i"], "f")).message).toContain("empty");
    expect(inputError(() => compilePatterns(["a".repeat(1_001)], "f")).message).toContain("1000");
  });
});

describe("matchPatterns", () => {
  const log = ["PASS src/b.test.ts", "ok 12 tests", "", "FAIL src/a.test.ts", "done"].join("\n");

  it("reports the line number and the matched line", () => {
    const [result] = matchPatterns(log, compilePatterns(["^FAIL"], "m").map(withMultiline));
    expect(result?.matched).toBe(true);
    expect(result?.detail).toBe("matched at line 4: 'FAIL src/a.test.ts'");
  });

  it("honours flags from the slashed form", () => {
    const results = matchPatterns(log, compilePatterns(["/fail src/i", "fail src"], "m"));
    expect(results.map((result) => result.matched)).toEqual([true, false]);
    expect(results[1]?.detail).toBe("no match");
  });

  it("strips a carriage return and clips a long line around the match", () => {
    const [crlf] = matchPatterns("one\r\ntwo\r\n", compilePatterns(["two"], "m"));
    expect(crlf?.detail).toBe("matched at line 2: 'two'");
    const long = `${"x".repeat(500)}NEEDLE${"y".repeat(500)}`;
    const [clipped] = matchPatterns(`head\n${long}`, compilePatterns(["NEEDLE"], "m"));
    expect(clipped?.detail.length).toBeLessThanOrEqual(200);
    expect(clipped?.detail).toMatch(/^matched at line 2: '…x+NEEDLEy+…'$/);
  });

  it("gives up on catastrophic backtracking instead of hanging", () => {
    const patterns = compilePatterns([CATASTROPHIC, CATASTROPHIC, CATASTROPHIC], "m");
    const started = Date.now();
    const results = matchPatterns(NEARLY_A, patterns);
    // A hang guard only: each search is bounded at 100 ms, so this is far below it.
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const result of results) {
      expect(result.matched).toBeNull();
      expect(result.detail).toContain("gave up after 100 ms");
    }
  });

  it("still runs the next pattern after one gave up", () => {
    const results = matchPatterns(NEARLY_A, compilePatterns([CATASTROPHIC, "b$"], "m"), {
      timeoutMs: 50,
    });
    expect(results.map((result) => result.matched)).toEqual([null, true]);
    expect(results[0]?.detail).toContain("gave up after 50 ms");
  });

  it("searches only the first maxTextChars and says so", () => {
    const text = `${"a".repeat(100)}\nLATE`;
    const results = matchPatterns(text, compilePatterns(["LATE", "^a"], "m"), { maxTextChars: 50 });
    expect(results[0]?.matched).toBe(false);
    expect(results[0]?.detail).toBe(
      "no match in the first 50 characters; the other 55 were not searched",
    );
    expect(results[1]?.matched).toBe(true);
  });

  it("returns nothing for no patterns", () => {
    expect(matchPatterns("text", [])).toEqual([]);
  });
});

describe("createRegexSandbox", () => {
  it("finds spans and throws RegexTimeoutError when a search runs too long", () => {
    const sandbox = createRegexSandbox();
    expect(sandbox.search("abc", "b", "", 100)).toEqual([1, 1]);
    expect(sandbox.search("abc", "z", "", 100)).toBeNull();
    expect(() => sandbox.search(NEARLY_A, CATASTROPHIC, "", 50)).toThrow(RegexTimeoutError);
    // The context stays usable after an interrupted search.
    expect(sandbox.search("xyz", "y", "", 100)).toEqual([1, 1]);
  });
});

function withMultiline<T extends { flags: string }>(pattern: T): T {
  return { ...pattern, flags: `${pattern.flags}m` };
}
